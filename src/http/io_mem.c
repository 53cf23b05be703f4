#include "http/io_mem.h"

#include <string.h>

static const char *io_mem_param(void *impl, const char *name)
{
    struct io_mem *st = impl;
    size_t n = strlen(name);
    for (const char *const *v = st->vars; v && *v; v++)
        if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
            return *v + n + 1;
    return NULL;
}

static ssize_t io_mem_read(void *impl, void *dst, size_t n)
{
    struct io_mem *st = impl;
    size_t left = st->body_len - st->body_pos;
    if (n > left)
        n = left;
    memcpy(dst, st->body + st->body_pos, n);
    st->body_pos += n;
    return (ssize_t)n;
}

static int io_mem_gone(struct io_mem *st)
{
    st->calls++;
    return st->fail_after_writes > 0 && st->calls > st->fail_after_writes;
}

static int io_mem_write(void *impl, const void *src, size_t n)
{
    struct io_mem *st = impl;
    if (io_mem_gone(st))
        return -1;
    return buf_append(&st->out, src, n);
}

static int io_mem_flush(void *impl)
{
    struct io_mem *st = impl;
    if (io_mem_gone(st))
        return -1;
    st->flushes++;
    return 0;
}

static int io_mem_closed(void *impl)
{
    struct io_mem *st = impl;
    return st->closed;
}

static const struct io_ops io_mem_ops = {
    io_mem_param, io_mem_read, io_mem_write, io_mem_flush, io_mem_closed
};

void io_mem_bind(struct io *io, struct io_mem *st, const char *const *vars, const char *body, size_t body_len)
{
    memset(st, 0, sizeof *st);
    st->vars = vars;
    st->body = body;
    st->body_len = body_len;
    buf_init(&st->out, (size_t)64 << 20);
    io->ops = &io_mem_ops;
    io->impl = st;
}

void io_mem_free(struct io_mem *st)
{
    buf_free(&st->out);
}
