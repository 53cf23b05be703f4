/* buf: a growable byte buffer with a hard maximum.
 *
 * Everything that comes from the network is collected in a buf, so that an
 * oversized body, line or upstream answer fails cleanly (and becomes a 413 or
 * 502) instead of exhausting memory. The data is always NUL-terminated, so a
 * buf holding text can be used as a C string.
 *
 * Thread rule: a buf belongs to one thread at a time. */
#ifndef RELAY_CORE_BUF_H
#define RELAY_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char  *data;   /* NUL-terminated; NULL until the first append */
    size_t len;    /* bytes used, without the NUL */
    size_t cap;    /* bytes allocated */
    size_t max;    /* largest len ever allowed */
};

/* Start empty, allowing at most max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/* Append n bytes. Returns 0, or -1 (buffer unchanged) when len + n would pass
 * max or memory runs out. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Make room for n more bytes in one allocation of exactly that size (when
 * the buffer is smaller), so that a caller who knows the final size (a
 * declared Content-Length) does not grow it by doubling. Returns 0, or -1
 * when len + n would pass max or memory runs out. */
int buf_reserve(struct buf *b, size_t n);

/* Drop the first n bytes (all when n >= len); keeps the allocation. */
void buf_consume(struct buf *b, size_t n);

/* Forget the contents, keep the allocation. */
void buf_clear(struct buf *b);

/* The contents as a C string: "" for an empty buffer. Borrowed: valid until
 * the next change to b. */
const char *buf_str(const struct buf *b);

/* Hand the allocation to the caller (free() it) and leave b empty. Returns a
 * valid string even when b was empty. NULL only when out of memory. */
char *buf_steal(struct buf *b);

/* Release the allocation; b may be reused after buf_init. */
void buf_free(struct buf *b);

#endif
