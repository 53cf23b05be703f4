#include "http/io_cgi.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *io_cgi_param(void *impl, const char *name)
{
    return getenv(name);
}

static ssize_t io_cgi_read(void *impl, void *dst, size_t n)
{
    struct io_cgi *st = impl;
    if (n > st->remaining)
        n = (size_t)st->remaining;
    if (n == 0)
        return 0;
    for (;;) {
        /* The client deadline: a body that stalls ends the request. */
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        int ready = poll(&pfd, 1, st->timeout_ms > 0 ? st->timeout_ms : -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            errno = ETIMEDOUT;
        if (ready <= 0)
            return -1;
        ssize_t got = read(STDIN_FILENO, dst, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got > 0)
            st->remaining -= (unsigned long long)got;
        return got;
    }
}

/* Wait until stdout takes at least PIPE_BUF bytes, for at most the client
 * deadline: a web server (and behind it a client) that stops reading ends the
 * request instead of holding the process forever. Returns 0 or -1. */
static int io_cgi_wait_writable(const struct io_cgi *st)
{
    for (;;) {
        struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
        int ready = poll(&pfd, 1, st->timeout_ms > 0 ? st->timeout_ms : -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            errno = ETIMEDOUT;
        if (ready <= 0 || (pfd.revents & (POLLERR | POLLNVAL)))
            return -1;
        return 0;
    }
}

/* Straight to fd 1, in pieces no larger than PIPE_BUF once poll said there is
 * room for that much, so no write(2) can block past the deadline. */
static int io_cgi_write(void *impl, const void *src, size_t n)
{
    struct io_cgi *st = impl;
    const char *p = src;
    while (!st->failed && n > 0) {
        size_t piece = n < PIPE_BUF ? n : PIPE_BUF;
        ssize_t put;
        if (io_cgi_wait_writable(st) < 0) {
            st->failed = 1;
            break;
        }
        put = write(STDOUT_FILENO, p, piece);
        if (put < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (put <= 0) {
            st->failed = 1;
            break;
        }
        p += put;
        n -= (size_t)put;
    }
    return st->failed ? -1 : 0;
}

/* Nothing is buffered: a write is on its way once io_cgi_write returned. */
static int io_cgi_flush(void *impl)
{
    struct io_cgi *st = impl;
    return st->failed ? -1 : 0;
}

/* The web server closed our stdout: a pipe reports POLLERR, a socket closed
 * both ways POLLHUP. A half-closed socket proves nothing: mod_cgid shares one
 * socket for stdin and stdout and shuts down its sending side after the body. */
static int io_cgi_gone(void *impl)
{
    (void)impl;
    struct pollfd pfd = { .fd = STDOUT_FILENO, .events = 0 };
    if (poll(&pfd, 1, 0) <= 0)
        return 0;
    return (pfd.revents & (POLLHUP | POLLERR)) != 0;
}

void io_cgi_drain(struct io_cgi *state, unsigned long long max)
{
    char sink[16384];
    while (state->remaining > 0 && max > 0) {
        size_t want = sizeof sink < max ? sizeof sink : (size_t)max;
        ssize_t got = io_cgi_read(state, sink, want);
        if (got <= 0)
            break;
        max -= (unsigned long long)got;
    }
}

static const struct io_ops io_cgi_ops = {
    io_cgi_param, io_cgi_read, io_cgi_write, io_cgi_flush, io_cgi_gone
};

void io_cgi_bind(struct io *io, struct io_cgi *state, int timeout_ms)
{
    const char *cl = getenv("CONTENT_LENGTH");
    char *end;
    unsigned long long n = cl && *cl ? strtoull(cl, &end, 10) : 0;
    state->remaining = (cl && *cl && *end == '\0' && cl[0] != '-') ? n : 0;
    state->failed = 0;
    state->timeout_ms = timeout_ms;
    io->ops = &io_cgi_ops;
    io->impl = state;
}
