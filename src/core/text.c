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


/* The escape of c, a byte that does not pass as it is (an invalid UTF-8 byte
 * or an ASCII one that is not plain), into esc; returns its length. */
static size_t text_escape(unsigned char c, char esc[6])
{
    static const char hex[] = "0123456789abcdef";
    const char *two = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                    : c == '\t' ? "\\t" : NULL;
    if (c >= 0x80) {
        memcpy(esc, "\xEF\xBF\xBD", 3);   /* U+FFFD */
        return 3;
    }
    if (two) {
        memcpy(esc, two, 2);
        return 2;
    }
    memcpy(esc, "\\u00", 4);              /* the other controls and DEL */
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 15];
    return 6;
}

size_t text_json_quote_some(char *dst, size_t max, const char *s, size_t n, size_t *at)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = *at, w = 0;
    while (i < n && w < max) {
        /* the run of bytes that pass as they are: printable ASCII eight at a
         * time, whole valid UTF-8 characters, as many as there is room for */
        size_t lim = n - i <= max - w ? n : i + (max - w), run = i;
        int full = 0;
        while (i < lim) {
            if (lim - i >= 8) {
                size_t k = text_word_plain(u + i);
                i += k;
                if (k == 8)
                    continue;
            }
            if (u[i] >= 0x80) {
                int l = text_utf8_seq_len(u + i, n - i);
                if (l <= 0)
                    break;
                if ((size_t)l > lim - i) {
                    full = 1;
                    break;
                }
                i += (size_t)l;
            } else if (text_byte_plain(u[i])) {
                i++;
            } else {
                break;
            }
        }
        if (dst)
            memcpy(dst + w, u + run, i - run);
        w += i - run;
        if (full || i == lim)
            break;
        char esc[6];
        size_t elen = text_escape(u[i], esc);
        if (elen > max - w)
            break;
        if (dst)
            memcpy(dst + w, esc, elen);
        w += elen;
        i++;
    }
    *at = i;
    return w;
}

int text_json_quote(struct buf *out, const char *s, size_t n)
{
    size_t at = 0;
    (void)buf_reserve(out, n + 2);     /* one growth for the common case */
    if (buf_append(out, "\"", 1) < 0)
        return -1;
    while (at < n) {
        size_t room = out->cap - out->len - 1;
        if (room > out->max - out->len)
            room = out->max - out->len;
        size_t w = text_json_quote_some(out->data + out->len, room, s, n, &at);
        out->len += w;
        out->data[out->len] = '\0';
        if (at == n)
            break;
        /* out of room: grow for the rest, within the maximum */
        size_t want = (n - at) + (n - at) / 8 + 8, left = out->max - out->len;
        if (want > left)
            want = left;
        if ((w == 0 && want <= room) || buf_reserve(out, want) < 0)
            return -1;
    }
    return buf_append(out, "\"", 1);
}
