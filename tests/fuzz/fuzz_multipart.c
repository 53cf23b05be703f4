/* libFuzzer target: the multipart/form-data parser, and the document type
 * of every part (codec/doctype: what the files API and the image routes
 * decide from a part's bytes, MIME type and file name).
 * Input: the Content-Type header on the first line, then the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/doctype.h"
#include "codec/multipart.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct multipart_form form;
    char ctype[256];
    const uint8_t *nl = memchr(data, '\n', size < sizeof ctype ? size : sizeof ctype - 1);
    size_t clen = nl ? (size_t)(nl - data) : 0;
    memcpy(ctype, data, clen);
    ctype[clen] = '\0';
    if (!nl)
        strcpy(ctype, "multipart/form-data; boundary=XyZ");
    const uint8_t *body = nl ? nl + 1 : data;
    size_t blen = size - (size_t)(body - data);

    /* an exactly sized copy, so that any overread is caught */
    char *copy = malloc(blen ? blen : 1);
    if (!copy)
        return 0;
    memcpy(copy, body, blen);
    if (multipart_parse(ctype, copy, blen, &form) == MULTIPART_OK) {
        for (size_t i = 0; i < form.count; i++) {
            const struct multipart_part *p = &form.parts[i];
            if (p->data < copy || p->data + p->len > copy + blen || !p->name[0])
                abort();
            if (multipart_find(&form, p->name) == NULL)
                abort();
            const struct doctype *d = doctype_detect(p->data, p->len, p->content_type, p->filename);
            /* a text document is UTF-8 without NUL; a PDF starts with its magic */
            if (d && d->text && (memchr(p->data, '\0', p->len) || text_utf8_valid_prefix(p->data, p->len) != p->len))
                abort();
            if (d && strcmp(d->fmt.name, "pdf") == 0 && (p->len < 5 || memcmp(p->data, "%PDF-", 5) != 0))
                abort();
        }
    }
    free(copy);
    return 0;
}
