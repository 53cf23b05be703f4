/* io: the four operations a handler needs from its transport, so that one
 * handler serves FastCGI, plain CGI and in-memory tests alike.
 *
 * Contract: each operation reports a client that is gone (-1, or 1 from
 * gone) and never blocks longer than the transport's client deadline.
 * Ownership: an io and its impl are borrowed from the server for one request.
 * Thread rule: an io belongs to the thread serving its request. */
#ifndef RELAY_HTTP_IO_H
#define RELAY_HTTP_IO_H

#include <stddef.h>
#include <sys/types.h>

struct io_ops {
    /* CGI variable (REQUEST_URI, HTTP_AUTHORIZATION, ...), or NULL. Borrowed:
     * valid until the request is finished. */
    const char *(*param)(void *impl, const char *name);
    /* Read up to n body bytes; returns the count, 0 at the end, -1 on error. */
    ssize_t (*read)(void *impl, void *dst, size_t n);
    /* Write all n bytes (buffered); 0 or -1 when the client is gone. */
    int (*write)(void *impl, const void *src, size_t n);
    /* Push buffered bytes to the web server now; 0 or -1 when the client is gone. */
    int (*flush)(void *impl);
    /* 1 when the web server (or raw client) has already closed the connection,
     * found without blocking and without reading; 0 when it is still there or
     * the transport cannot tell. */
    int (*gone)(void *impl);
};

struct io {
    const struct io_ops *ops;
    void *impl;
};

static inline const char *io_param(struct io *io, const char *name)
{
    return io->ops->param(io->impl, name);
}
static inline ssize_t io_read(struct io *io, void *dst, size_t n)
{
    return io->ops->read(io->impl, dst, n);
}
static inline int io_write(struct io *io, const void *src, size_t n)
{
    return io->ops->write(io->impl, src, n);
}
static inline int io_flush(struct io *io)
{
    return io->ops->flush(io->impl);
}
static inline int io_gone(struct io *io)
{
    return io->ops->gone(io->impl);
}

#endif
