#include "codec/b64.h"

#include <stdint.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encoded_len(size_t n)
{
    return (n / 3 + (n % 3 != 0)) * 4;
}

int b64_encode(struct buf *out, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t need = b64_encoded_len(n);
    if (n > ((size_t)-1 / 4) * 3 - 3 || need > out->max - out->len)
        return -1;
    size_t start = out->len;
    char chunk[4 * 256];                /* encoded in pieces, appended per piece */
    size_t c = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        chunk[c++] = b64_alphabet[v >> 18];
        chunk[c++] = b64_alphabet[(v >> 12) & 63];
        chunk[c++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        chunk[c++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
        if ((c == sizeof chunk || i + 3 >= n) && buf_append(out, chunk, c) < 0)
            goto fail;
        if (c == sizeof chunk || i + 3 >= n)
            c = 0;
    }
    return 0;
fail:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return -1;
}

/* Each byte's 6-bit value; B64_SPACE for skipped white space, B64_PAD for
 * '=', B64_BAD for anything else. */
enum { B64_BAD = -1, B64_SPACE = -2, B64_PAD = -3 };
static const signed char b64_values[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -2, -2, -2, -2, -2, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -3, -1, -1,
    -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int b64_decode(struct buf *out, const char *s, size_t n)
{
    size_t start = out->len;
    unsigned char tmp[3 * 256];    /* decoded bytes are appended in chunks */
    size_t tlen = 0, pad = 0, group = 0;
    uint32_t acc = 0;
    int rc = -1;

    for (size_t i = 0; i < n; i++) {
        int v = b64_values[(unsigned char)s[i]];
        if (v == B64_SPACE)
            continue;
        if (v == B64_PAD) {
            /* padding only completes a group of 2 or 3 characters */
            if (group + pad < 2)
                goto fail;
            pad++;
            if (group + pad > 4)
                goto fail;
            continue;
        }
        if (v < 0 || pad)
            goto fail;
        acc = acc << 6 | (uint32_t)v;
        if (++group == 4) {
            tmp[tlen++] = (unsigned char)(acc >> 16);
            tmp[tlen++] = (unsigned char)(acc >> 8);
            tmp[tlen++] = (unsigned char)acc;
            group = 0;
            acc = 0;
            if (tlen == sizeof tmp) {
                if (buf_append(out, tmp, tlen) < 0) {
                    rc = -2;
                    goto fail;
                }
                tlen = 0;
            }
        }
    }
    /* A final group: 2 characters give 1 byte, 3 give 2; padding, when
     * present, must fill the group to exactly 4. */
    if (group == 1 || (pad && group + pad != 4))
        goto fail;
    if (group == 2) {
        if (acc & 0xf)
            goto fail;              /* non-canonical trailing bits */
        tmp[tlen++] = (unsigned char)(acc >> 4);
    } else if (group == 3) {
        if (acc & 0x3)
            goto fail;
        tmp[tlen++] = (unsigned char)(acc >> 10);
        tmp[tlen++] = (unsigned char)(acc >> 2);
    }
    if (tlen && buf_append(out, tmp, tlen) < 0) {
        rc = -2;
        goto fail;
    }
    return 0;

fail:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return rc;
}
