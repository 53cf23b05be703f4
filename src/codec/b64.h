/* b64: standard base64 (RFC 4648 §4) into bounded buffers.
 *
 * The decoder is strict about the alphabet but tolerant of what clients put
 * around it: ASCII whitespace anywhere is skipped and the '=' padding may be
 * left out. Anything else (URL-safe characters, data after the padding, a
 * lone trailing character) is an error.
 *
 * Pure; the caller owns every buffer. Thread rule: any thread. */
#ifndef RELAY_CODEC_B64_H
#define RELAY_CODEC_B64_H

#include <stddef.h>

#include "core/buf.h"

/* The encoded length of n bytes (with padding), without a NUL. */
size_t b64_encoded_len(size_t n);

/* Append the encoding of p[0..n) to out. Returns 0, or -1 when out's maximum
 * would be passed (out unchanged then). */
int b64_encode(struct buf *out, const void *p, size_t n);

/* Append the decoding of s[0..n) to out. Returns 0; -1 for invalid base64;
 * -2 when the result would pass out's maximum. out is unchanged on error. */
int b64_decode(struct buf *out, const char *s, size_t n);

#endif
