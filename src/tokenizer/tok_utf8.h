/* tok_utf8: make arbitrary bytes valid UTF-8 the way the reference does.
 *
 * The reference tokenizer works on strings, so invalid input reaches it as
 * U+FFFD: each maximal ill-formed subsequence (the Unicode / WHATWG rule,
 * also Python's errors="replace") becomes one U+FFFD.
 *
 * Thread rule: pure, any thread. */
#ifndef RELAY_TOKENIZER_TOK_UTF8_H
#define RELAY_TOKENIZER_TOK_UTF8_H

#include <stddef.h>

/* Length of the longest valid UTF-8 prefix of s[0..len) (== len if valid). */
size_t tok_utf8_valid_prefix(const unsigned char *s, size_t len);

/* A copy of s[0..len) with every ill-formed subsequence replaced by U+FFFD.
 * Returns a malloc'ed buffer (caller frees) and its length in *out_len, or
 * NULL when out of memory. */
unsigned char *tok_utf8_sanitize(const unsigned char *s, size_t len, size_t *out_len);

/* Decode the code point at s[i] of valid UTF-8 (i < len); *next is set to
 * the index after it. */
static inline unsigned tok_utf8_decode(const unsigned char *s, size_t i, size_t *next)
{
    unsigned c = s[i];
    if (c < 0x80) {
        *next = i + 1;
        return c;
    }
    if (c < 0xe0) {
        *next = i + 2;
        return ((c & 0x1f) << 6) | (s[i + 1] & 0x3f);
    }
    if (c < 0xf0) {
        *next = i + 3;
        return ((c & 0x0f) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3f);
    }
    *next = i + 4;
    return ((c & 0x07) << 18) | ((s[i + 1] & 0x3fu) << 12) | ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3f);
}

#endif
