/* server: where requests come from — the elastic pool of FastCGI worker
 * threads on a listening socket (http/pool.h), or one plain CGI request — and
 * how the process stops (SIGTERM/SIGINT: no new request, requests in flight
 * get the grace time).
 *
 * Thread rule: call these from the main thread only. */
#ifndef RELAY_HTTP_SERVER_H
#define RELAY_HTTP_SERVER_H

#include <stddef.h>

#include "http/req.h"

/* Serve one request of r (a route lookup and its handler). Provided by
 * api/router.c (a forwarder to api_dispatch); the server calls it for every request. */
void srv_dispatch(struct relay_req *r);

/* Open a listening socket for "unix:/path", "host:port", "[v6addr]:port".
 * Returns the descriptor, or -1 with a message in err. */
int srv_listen(const char *addr, char *err, size_t errlen);

/* Block SIGTERM, SIGINT and SIGHUP and ignore SIGPIPE in the calling thread
 * (threads created later inherit it). Call first in main(). */
void srv_block_signals(void);

/* Answers a request that arrives while RELAY_MAX_THREADS requests are in
 * flight, at once: 503 (or the dialect's overload status) with Retry-After.
 * Provided by the API layer; runs on a worker thread. */
typedef void (*srv_busy_fn)(struct relay_req *r);

/* Run the worker pool on listen_fd until SIGTERM/SIGINT. own_socket says the
 * relay opened listen_fd itself (--listen); an inherited one may be shared and
 * is never shut down. Returns the exit code (or exits directly): 0 after a
 * clean stop, also when the grace time ran out; 1 when the workers could not
 * start or the socket is not listening. */
int srv_run_fastcgi(int listen_fd, int own_socket, const struct relay_app *app, srv_busy_fn busy);

/* Serve the single CGI request of this process. Returns the exit code. */
int srv_run_cgi(const struct relay_app *app);

#endif
