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

/* Length of the sequence at s, 0 when invalid, -k when incomplete. */
static int text_seq_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    return text_utf8_decode(s, n, &cp);
}

size_t text_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int l = text_seq_len(u + i, n - i);
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
        int l = text_seq_len(u + i, n - i);
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
        int l = text_seq_len(u + i, n - i);
        if (l <= 0) {
            u[i++] = '?';
            continue;
        }
        if (l == 1 && (u[i] < 0x20 || u[i] == 0x7f) && u[i] != '\n' && u[i] != '\t')
            u[i] = '?';
        i += (size_t)l;
    }
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
        /* printable ASCII other than '"' and '\\' passes as it is: the fast path */
        while (i < n && (unsigned char)(u[i] - 0x20) < 0x5f && u[i] != '"' && u[i] != '\\')
            i++;
        if (i == n)
            break;
        unsigned char c = u[i];
        const char *esc = NULL;
        char ubuf[7];
        int l = 1;
        if (c >= 0x80) {
            l = text_seq_len(u + i, n - i);
            if (l > 0) {
                i += (size_t)l;
                continue;
            }
            esc = "\xEF\xBF\xBD";   /* U+FFFD */
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
        else if (c < 0x20 || c == 0x7f) {
            memcpy(ubuf, "\\u00", 4);
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 15];
            ubuf[6] = '\0';
            esc = ubuf;
        } else {
            i++;
            continue;
        }
        if (buf_append(out, s + run, i - run) < 0 || buf_puts(out, esc) < 0)
            return -1;
        i += (size_t)l;
        run = i;
    }
    if (buf_append(out, s + run, n - run) < 0 || buf_append(out, "\"", 1) < 0)
        return -1;
    return 0;
}
