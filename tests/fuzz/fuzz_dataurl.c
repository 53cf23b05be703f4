/* libFuzzer target: the data: URL decoder, base64 and format sniffing.
 * Input: the URL. A decoded image must re-encode to base64 that decodes to
 * the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "codec/b64.h"
#include "codec/dataurl.h"
#include "codec/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size ? size : 1);
    if (!url)
        return 0;
    memcpy(url, data, size);
    struct buf img, enc, back;
    buf_init(&img, 1 << 16);
    buf_init(&enc, 1 << 18);
    buf_init(&back, 1 << 16);
    const struct sniff_fmt *fmt = NULL;
    if (dataurl_decode(url, size, &img, &fmt) == DATAURL_OK) {
        if (!fmt || fmt->kind != SNIFF_IMAGE || sniff_magic(img.data, img.len, SNIFF_IMAGE) != fmt)
            abort();
        if (b64_encode(&enc, img.data, img.len) != 0 || b64_decode(&back, enc.data, enc.len) != 0 ||
            back.len != img.len || memcmp(back.data, img.data, img.len) != 0)
            abort();
    }
    /* the audio sniffers must cope with any bytes and any names */
    char name[64];
    size_t nlen = size < sizeof name - 1 ? size : sizeof name - 1;
    memcpy(name, data, nlen);
    name[nlen] = '\0';
    (void)sniff_audio(url, size, name, name);
    buf_free(&img);
    buf_free(&enc);
    buf_free(&back);
    free(url);
    return 0;
}
