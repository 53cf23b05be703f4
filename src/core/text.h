/* text: small helpers for untrusted text: UTF-8 validity and JSON escaping.
 *
 * Pure; the caller owns every buffer. Thread rule: any thread. */
#ifndef RELAY_CORE_TEXT_H
#define RELAY_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Decode the character at s (n > 0 bytes left) into *cp. Returns its length
 * (1 to 4); 0 when the sequence is invalid (overlong forms, surrogates, past
 * U+10FFFF, a bad continuation byte); -k when the k bytes left are a valid
 * but incomplete start of a character. */
int text_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Length of the longest prefix of s[0..n) that ends on a UTF-8 character
 * boundary and holds only valid UTF-8 (stops at the first invalid byte). */
size_t text_utf8_valid_prefix(const char *s, size_t n);

/* Length of the prefix that holds only whole characters, holding back at most
 * 3 trailing bytes of an incomplete but so far valid sequence. */
size_t text_utf8_complete_prefix(const char *s, size_t n);

/* Replace invalid UTF-8 bytes and control characters (except \n and \t) in the
 * NUL-terminated s with '?', in place. */
void text_sanitize(char *s);

/* Append s[0..n) to out as a JSON string literal, quotes included. Invalid
 * UTF-8 bytes become U+FFFD. Returns 0 or -1 when out is full. */
int text_json_quote(struct buf *out, const char *s, size_t n);

#endif
