#include "http/io_fcgi.h"

#include <limits.h>

static const char *io_fcgi_param(void *impl, const char *name)
{
    FCGX_Request *req = impl;
    return FCGX_GetParam(name, req->envp);
}

static ssize_t io_fcgi_read(void *impl, void *dst, size_t n)
{
    FCGX_Request *req = impl;
    int want = n > INT_MAX ? INT_MAX : (int)n;
    int got = FCGX_GetStr(dst, want, req->in);
    if (got < 0 || FCGX_GetError(req->in) != 0)
        return -1;
    return got;
}

static int io_fcgi_write(void *impl, const void *src, size_t n)
{
    FCGX_Request *req = impl;
    const char *p = src;
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (FCGX_PutStr(p, chunk, req->out) != chunk)
            return -1;
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

static int io_fcgi_flush(void *impl)
{
    FCGX_Request *req = impl;
    return FCGX_FFlush(req->out) < 0 ? -1 : 0;
}

static const struct io_ops io_fcgi_ops = {
    io_fcgi_param, io_fcgi_read, io_fcgi_write, io_fcgi_flush
};

void io_fcgi_bind(struct io *io, FCGX_Request *req)
{
    io->ops = &io_fcgi_ops;
    io->impl = req;
}
