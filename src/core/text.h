/* text: small helpers for untrusted text: UTF-8 validity and JSON escaping.
 *
 * Pure; the caller owns every buffer. Thread rule: any thread. */
#ifndef RELAY_CORE_TEXT_H
#define RELAY_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

/* Decode the character at s (n > 0 bytes left) into *cp. Returns its length
 * (1 to 4); 0 when the sequence is invalid (overlong forms, surrogates, past
 * U+10FFFF, a bad continuation byte); -k when the k bytes left are a valid
 * but incomplete start of a character. */
int text_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* The length text_utf8_decode returns for the character at s, with the
 * common two-byte characters decided inline (the scanners' inner loops). */
static inline int text_utf8_seq_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    if (s[0] >= 0xC2 && s[0] < 0xE0 && n >= 2 && (s[1] & 0xC0) == 0x80)
        return 2;
    return text_utf8_decode(s, n, &cp);
}

/* Length of the longest prefix of s[0..n) that ends on a UTF-8 character
 * boundary and holds only valid UTF-8 (stops at the first invalid byte). */
size_t text_utf8_valid_prefix(const char *s, size_t n);

/* Length of the prefix that holds only whole characters, holding back at most
 * 3 trailing bytes of an incomplete but so far valid sequence. */
size_t text_utf8_complete_prefix(const char *s, size_t n);

/* Replace invalid UTF-8 bytes and control characters (except \n and \t) in the
 * NUL-terminated s with '?', in place. */
void text_sanitize(char *s);

/* 1 when c goes into and out of a JSON string as it is: printable ASCII
 * (0x20..0x7e) other than '"' and '\\'. */
static inline int text_byte_plain(unsigned char c)
{
    return (unsigned char)(c - 0x20) < 0x5f && c != '"' && c != '\\';
}

/* How many of the 8 bytes at p, from the first, are plain (8 when all are).
 * Word-at-a-time: a byte below 0x20 borrows into its high bit, a byte above
 * 0x7e has or gets its high bit, '"' and '\\' become zero bytes after the xor
 * and borrow too. A borrow or carry only spreads towards later bytes, so the
 * lowest flagged byte is the first one that needs attention. Inline: it is
 * the inner loop of the JSON quoting and parsing. */
static inline size_t text_word_plain(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t v, q, b;
    memcpy(&v, p, sizeof v);
    q = v ^ (ones * '"');
    b = v ^ (ones * '\\');
    uint64_t m = (((v - ones * 0x20) & ~v) | ((v + ones) | v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
    if (!m)
        return 8;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(m) / 8;
#else
    size_t k = 0;
    while (text_byte_plain(p[k]))
        k++;
    return k;
#endif
}

/* Append s[0..n) to out as a JSON string literal, quotes included. Invalid
 * UTF-8 bytes become U+FFFD. Returns 0 or -1 when out is full. */
int text_json_quote(struct buf *out, const char *s, size_t n);

/* text_json_quote in pieces, without the quotes: write the escaped form of
 * s[*at..n) into dst[0..max), whole characters and whole escapes only, and
 * advance *at past what was written. Returns the bytes written: 0 with *at < n
 * only when max cannot hold the next character or escape (at most 6 bytes).
 * With dst NULL nothing is written: text_json_quote_some(NULL, SIZE_MAX, s,
 * n, &at) from at = 0 is the escaped length. */
size_t text_json_quote_some(char *dst, size_t max, const char *s, size_t n, size_t *at);

#endif
