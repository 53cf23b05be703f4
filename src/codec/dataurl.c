#include "codec/dataurl.h"

#include <string.h>
#include <strings.h>

#include "codec/b64.h"

enum dataurl_rc dataurl_decode(const char *s, size_t n, struct buf *out, const struct sniff_fmt **fmt)
{
    if (n < 5 || strncasecmp(s, "data:", 5) != 0)
        return DATAURL_NOT_DATA;
    const char *meta = s + 5;
    const char *comma = memchr(meta, ',', n - 5);
    if (!comma)
        return DATAURL_SYNTAX;
    size_t mlen = (size_t)(comma - meta);

    /* meta is "<type>[;param=value]*;base64": the last parameter must be base64 */
    if (mlen < 7 || strncasecmp(comma - 7, ";base64", 7) != 0)
        return DATAURL_SYNTAX;
    size_t tlen = 0;
    while (tlen < mlen && meta[tlen] != ';')
        tlen++;
    char type[64];
    if (tlen == 0 || tlen >= sizeof type)
        return DATAURL_NOT_IMAGE;
    memcpy(type, meta, tlen);
    type[tlen] = '\0';
    if (!sniff_mime(type, SNIFF_IMAGE))
        return DATAURL_NOT_IMAGE;

    const char *payload = comma + 1;
    int rc = b64_decode(out, payload, n - (size_t)(payload - s));
    if (rc == -2)
        return DATAURL_TOO_BIG;
    if (rc < 0)
        return DATAURL_BAD_BASE64;
    const struct sniff_fmt *actual = sniff_magic(out->data, out->len, SNIFF_IMAGE);
    if (!actual)
        return DATAURL_MISMATCH;
    *fmt = actual;
    return DATAURL_OK;
}

const char *dataurl_strerror(enum dataurl_rc rc)
{
    switch (rc) {
    case DATAURL_OK:         return "ok";
    case DATAURL_NOT_DATA:   return "the URL is not a data: URL";
    case DATAURL_SYNTAX:     return "the data: URL must have the form data:image/<type>;base64,<data>";
    case DATAURL_NOT_IMAGE:  return "the data: URL's type is not png, jpeg, webp or gif";
    case DATAURL_BAD_BASE64: return "the data: URL does not hold valid base64";
    case DATAURL_TOO_BIG:    return "the image is larger than the relay accepts";
    case DATAURL_MISMATCH:   return "the data: URL's bytes are not a png, jpeg, webp or gif image";
    }
    return "invalid data: URL";
}
