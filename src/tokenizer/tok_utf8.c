/* tok_utf8: validation and U+FFFD replacement (see tok_utf8.h). */
#include "tokenizer/tok_utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the well-formed sequence at s[i], or 0 if ill-formed; then
 * *bad is the length of the maximal ill-formed subpart to replace. */
static size_t sequence_at(const unsigned char *s, size_t len, size_t i, size_t *bad)
{
    unsigned c = s[i];
    size_t need;
    unsigned lo = 0x80, hi = 0xbf;

    *bad = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if (i + k >= len || s[i + k] < lo || s[i + k] > hi) {
            *bad = k;
            return 0;
        }
        lo = 0x80;
        hi = 0xbf;
    }
    return need + 1;
}

size_t tok_utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0, bad;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = sequence_at(s, len, i, &bad);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

unsigned char *tok_utf8_sanitize(const unsigned char *s, size_t len, size_t *out_len)
{
    /* Each replaced byte grows to at most 3 bytes. */
    unsigned char *out;
    size_t i = 0, o = 0, bad;

    if (len > (SIZE_MAX - 1) / 3 || !(out = malloc(len * 3 + 1)))
        return NULL;
    while (i < len) {
        size_t n = sequence_at(s, len, i, &bad);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i += bad;
        }
    }
    *out_len = o;
    return out;
}
