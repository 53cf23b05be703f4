#include "http/io_fcgi.h"

#include <limits.h>
#include <poll.h>

static const char *io_fcgi_param(void *impl, const char *name)
{
    struct io_fcgi *st = impl;
    return FCGX_GetParam(name, st->req->envp);
}

static ssize_t io_fcgi_read(void *impl, void *dst, size_t n)
{
    struct io_fcgi *st = impl;
    int want = n > INT_MAX ? INT_MAX : (int)n;
    int got = FCGX_GetStr(dst, want, st->req->in);
    if (got < 0 || FCGX_GetError(st->req->in) != 0)
        return -1;
    if (got < want)
        st->eof = 1;    /* FCGX_GetStr returns short only at the end of the stream */
    return got;
}

static int io_fcgi_write(void *impl, const void *src, size_t n)
{
    struct io_fcgi *st = impl;
    const char *p = src;
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (FCGX_PutStr(p, chunk, st->req->out) != chunk)
            return -1;
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

static int io_fcgi_flush(void *impl)
{
    struct io_fcgi *st = impl;
    return FCGX_FFlush(st->req->out) < 0 ? -1 : 0;
}

/* The web server closes the FastCGI connection when its client leaves (it
 * sends no FCGI_ABORT_REQUEST): a peer that shut its side down is gone. No
 * web server half-closes a FastCGI connection while it waits for the answer. */
static int io_fcgi_gone(void *impl)
{
    struct io_fcgi *st = impl;
    struct pollfd pfd = { .fd = st->req->ipcFd, .events = POLLRDHUP };
    if (pfd.fd < 0)
        return 1;
    if (poll(&pfd, 1, 0) <= 0)
        return 0;
    return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int io_fcgi_drain(struct io_fcgi *st, size_t max)
{
    char sink[8192];
    while (!st->eof && max > 0) {
        ssize_t got = io_fcgi_read(st, sink, sizeof sink < max ? sizeof sink : max);
        if (got <= 0)
            break;
        max -= (size_t)got;
    }
    return st->eof;
}

static const struct io_ops io_fcgi_ops = {
    io_fcgi_param, io_fcgi_read, io_fcgi_write, io_fcgi_flush, io_fcgi_gone
};

void io_fcgi_bind(struct io *io, struct io_fcgi *st, FCGX_Request *req)
{
    st->req = req;
    st->eof = 0;
    io->ops = &io_fcgi_ops;
    io->impl = st;
}
