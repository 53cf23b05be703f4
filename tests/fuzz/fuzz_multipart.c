/* libFuzzer target: the multipart/form-data parser.
 * Input: the Content-Type header on the first line, then the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/multipart.h"

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
        }
    }
    free(copy);
    return 0;
}
