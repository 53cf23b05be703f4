/* Unit tests: data: URL decoding (src/media/dataurl.c). */
#include <string.h>

#include "core/buf.h"
#include "codec/b64.h"
#include "codec/dataurl.h"
#include "tap.h"

/* "data:<type>;base64," + base64(bytes) */
static void make_url(struct buf *out, const char *prefix, const void *bytes, size_t n)
{
    buf_clear(out);
    buf_puts(out, prefix);
    b64_encode(out, bytes, n);
}

static enum dataurl_rc decode(const char *url, size_t max, struct buf *img, const char **fmt_name)
{
    const struct sniff_fmt *fmt = NULL;
    buf_free(img);
    buf_init(img, max);
    enum dataurl_rc rc = dataurl_decode(url, strlen(url), img, &fmt);
    *fmt_name = fmt ? fmt->name : NULL;
    return rc;
}

int main(void)
{
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F' };
    static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0 };
    static const unsigned char webp[] = { 'R', 'I', 'F', 'F', 8, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' ' };
    static const unsigned char mp3[] = { 'I', 'D', '3', 4, 0, 0, 0, 0 };
    struct buf url, img;
    const char *name;
    buf_init(&url, 4096);
    buf_init(&img, 0);

    make_url(&url, "data:image/png;base64,", png, sizeof png);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_OK, "png data URL decodes");
    is_str(name, "png", "png detected");
    ok(img.len == sizeof png && memcmp(img.data, png, sizeof png) == 0, "png bytes exact");

    make_url(&url, "data:image/jpeg;base64,", jpeg, sizeof jpeg);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_OK, "jpeg data URL");
    is_str(name, "jpeg", "jpeg detected");
    make_url(&url, "DATA:image/gif;base64,", gif, sizeof gif);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_OK, "gif data URL, scheme in capitals");
    is_str(name, "gif", "gif detected");
    make_url(&url, "data:image/webp;charset=binary;base64,", webp, sizeof webp);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_OK, "webp data URL with a parameter");
    is_str(name, "webp", "webp detected");

    /* bytes decide: a PNG labelled jpeg is uploaded as the PNG it is */
    make_url(&url, "data:image/jpeg;base64,", png, sizeof png);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_OK, "mislabelled png accepted");
    is_str(name, "png", "the magic bytes give the format");

    make_url(&url, "data:image/png;base64,", mp3, sizeof mp3);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_MISMATCH, "mp3 bytes labelled png refused");
    make_url(&url, "data:image/png;base64,", "hello world", 11);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_MISMATCH, "text bytes labelled png refused");
    make_url(&url, "data:image/svg+xml;base64,", png, sizeof png);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_NOT_IMAGE, "svg refused");
    make_url(&url, "data:text/plain;base64,", png, sizeof png);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_NOT_IMAGE, "text/plain refused");
    make_url(&url, "data:;base64,", png, sizeof png);
    is_int(decode(buf_str(&url), 1024, &img, &name), DATAURL_NOT_IMAGE, "no type refused");

    is_int(decode("data:image/png;base64,iVBORw0KGgo!!!!", 1024, &img, &name), DATAURL_BAD_BASE64,
           "bad base64 refused");
    is_int(decode("data:image/png,%89PNG", 1024, &img, &name), DATAURL_SYNTAX, "not base64 refused");
    is_int(decode("data:image/png;base64", 1024, &img, &name), DATAURL_SYNTAX, "no comma refused");
    is_int(decode("https://example.com/a.png", 1024, &img, &name), DATAURL_NOT_DATA, "http URL is not data");
    is_int(decode("data", 1024, &img, &name), DATAURL_NOT_DATA, "short input");
    is_int(decode("data:image/png;base64,", 1024, &img, &name), DATAURL_MISMATCH, "empty payload refused");

    make_url(&url, "data:image/png;base64,", png, sizeof png);
    is_int(decode(buf_str(&url), sizeof png - 1, &img, &name), DATAURL_TOO_BIG, "one byte over the cap");
    is_int(decode(buf_str(&url), sizeof png, &img, &name), DATAURL_OK, "exactly the cap");

    /* the decoder reads only the n bytes it is given */
    const char *u = buf_str(&url);
    const struct sniff_fmt *fmt = NULL;
    buf_free(&img);
    buf_init(&img, 1024);
    ok(dataurl_decode(u, 25, &img, &fmt) != DATAURL_OK, "a prefix of the URL does not decode to the image");

    ok(strstr(dataurl_strerror(DATAURL_BAD_BASE64), "base64") != NULL, "error text names base64");
    buf_free(&url);
    buf_free(&img);
    return tap_done();
}
