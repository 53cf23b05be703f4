#include "core/text.h"

#include <string.h>

int text_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    int len;
    unsigned min_second = 0x80, max_second = 0xBF;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        len = 2;
        *cp = c & 0x1F;
    } else if (c < 0xF0) {
        len = 3;
        *cp = c & 0x0F;
        if (c == 0xE0)
            min_second = 0xA0;
        else if (c == 0xED)
            max_second = 0x9F;     /* no UTF-16 surrogates */
    } else if (c < 0xF5) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xF0)
            min_second = 0x90;
        else if (c == 0xF4)
            max_second = 0x8F;
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -i;
        unsigned lo = i == 1 ? min_second : 0x80, hi = i == 1 ? max_second : 0xBF;
        if (s[i] < lo || s[i] > hi)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return len;
}


size_t text_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int l = text_utf8_seq_len(u + i, n - i);
        if (l <= 0)
            break;
        i += (size_t)l;
    }
    return i;
}

size_t text_utf8_complete_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int l = text_utf8_seq_len(u + i, n - i);
        if (l < 0)
            return i;              /* incomplete tail: hold it back */
        i += l == 0 ? 1 : (size_t)l;   /* invalid bytes pass; the consumer replaces them */
    }
    return i;
}

void text_sanitize(char *s)
{
    size_t n = strlen(s);
    unsigned char *u = (unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int l = text_utf8_seq_len(u + i, n - i);
        if (l <= 0) {
            u[i++] = '?';
            continue;
        }
        if (l == 1 && (u[i] < 0x20 || u[i] == 0x7f) && u[i] != '\n' && u[i] != '\t')
            u[i] = '?';
        i += (size_t)l;
    }
}


/* Append the run r[0..rn) and then the escape x[0..xn): a single room check
 * when the buffer has the space (text_json_quote reserves it up front). */
static int text_put(struct buf *out, const char *r, size_t rn, const char *x, size_t xn)
{
    if (out->cap - out->len > rn + xn && rn + xn <= out->max - out->len) {
        memcpy(out->data + out->len, r, rn);
        memcpy(out->data + out->len + rn, x, xn);
        out->len += rn + xn;
        out->data[out->len] = '\0';
        return 0;
    }
    return buf_append(out, r, rn) < 0 || buf_append(out, x, xn) < 0 ? -1 : 0;
}

int text_json_quote(struct buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    (void)buf_reserve(out, n + 2);     /* one growth for the common case; appends still check */
    if (buf_append(out, "\"", 1) < 0)
        return -1;
    size_t run = 0;   /* start of the pending run of bytes that need no escape */
    size_t i = 0;
    while (i < n) {
        /* printable ASCII other than '"' and '\\' passes as it is: the fast
         * path, eight bytes at a time, then byte by byte in the last seven */
        size_t k = 8;
        while (n - i >= 8 && (k = text_word_plain(u + i)) == 8)
            i += 8;
        if (k < 8)
            i += k;
        else
            while (i < n && text_byte_plain(u[i]))
                i++;
        if (i == n)
            break;
        unsigned char c = u[i];
        const char *esc;
        size_t elen = 2;
        char ubuf[6];
        int l = 1;
        if (c >= 0x80) {
            l = text_utf8_seq_len(u + i, n - i);
            if (l > 0) {
                i += (size_t)l;
                continue;
            }
            esc = "\xEF\xBF\xBD";   /* U+FFFD */
            elen = 3;
            l = 1;
        } else if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else {   /* the other controls and DEL */
            memcpy(ubuf, "\\u00", 4);
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 15];
            esc = ubuf;
            elen = 6;
        }
        if (text_put(out, s + run, i - run, esc, elen) < 0)
            return -1;
        i += (size_t)l;
        run = i;
    }
    if (buf_append(out, s + run, n - run) < 0 || buf_append(out, "\"", 1) < 0)
        return -1;
    return 0;
}
