#include "media/b64.h"

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
    char quad[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        quad[0] = b64_alphabet[v >> 18];
        quad[1] = b64_alphabet[(v >> 12) & 63];
        quad[2] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        quad[3] = i + 2 < n ? b64_alphabet[v & 63] : '=';
        if (buf_append(out, quad, 4) < 0) {
            out->len = start;
            if (out->data)
                out->data[start] = '\0';
            return -1;
        }
    }
    return 0;
}

/* The 6-bit value of c, or -1 when c is not in the alphabet. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int b64_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

int b64_decode(struct buf *out, const char *s, size_t n)
{
    size_t start = out->len;
    unsigned char tmp[3 * 256];    /* decoded bytes are appended in chunks */
    size_t tlen = 0, pad = 0, group = 0;
    uint32_t acc = 0;
    int rc = -1;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (b64_space(c))
            continue;
        if (c == '=') {
            /* padding only completes a group of 2 or 3 characters */
            if (group + pad < 2)
                goto fail;
            pad++;
            if (group + pad > 4)
                goto fail;
            continue;
        }
        int v = b64_value(c);
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
