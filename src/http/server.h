/* server: where requests come from — the elastic pool of FastCGI worker
 * threads on a listening socket (http/pool.h), or one plain CGI request — and
 * how the process stops (SIGTERM/SIGINT: no new request, requests in flight
 * get the grace time). The application comes in as callbacks (struct
 * srv_app): http/ knows no routes, upstream or limiter.
 *
 * Ownership: the listening socket stays the caller's.
 * Thread rule: call these from the main thread only. */
#ifndef RELAY_HTTP_SERVER_H
#define RELAY_HTTP_SERVER_H

#include <stddef.h>

#include "http/req.h"

/* Open a listening socket for "unix:/path", "host:port", "[v6addr]:port".
 * Returns the descriptor, or -1 with a message in err. */
int srv_listen(const char *addr, char *err, size_t errlen);

/* Block SIGTERM, SIGINT and SIGHUP and ignore SIGPIPE in the calling thread
 * (threads created later inherit it). Call first in main(). */
void srv_block_signals(void);

/* What the application hands the transport; filled by the composition root
 * (src/main.c) and read-only while the server runs. The callbacks run on the
 * worker threads, concurrently. */
struct srv_app {
    const struct relay_config *cfg;     /* threads, ceiling, deadlines, grace */
    const struct relay_app *app;        /* opaque here: handed to every request as r->app */
    /* A thread's own state, created and freed on that thread; open returns
     * NULL when it cannot (the thread then ends). */
    struct worker *(*thread_open)(const struct relay_app *app);
    void (*thread_close)(struct worker *w);
    /* Serve one request: exactly one response, unless the client left. */
    void (*dispatch)(struct relay_req *r);
    /* Answer at once a request that arrives while RELAY_MAX_THREADS requests
     * are in flight: an overload status with Retry-After, in the dialect of
     * the request's route. */
    void (*busy)(struct relay_req *r);
};

/* Run the worker pool on listen_fd until SIGTERM/SIGINT. own_socket says the
 * relay opened listen_fd itself (--listen); an inherited one may be shared and
 * is never shut down. Returns the exit code (or exits directly): 0 after a
 * clean stop, also when the grace time ran out; 1 when the workers could not
 * start or the socket is not listening. */
int srv_run_fastcgi(int listen_fd, int own_socket, const struct srv_app *a);

/* Serve the single CGI request of this process. Returns the exit code. */
int srv_run_cgi(const struct srv_app *a);

#endif
