/* pool: the elastic FastCGI worker pool on one listening socket.
 *
 * Threads: min_threads threads are kept waiting in accept(). A thread that
 * accepts a connection while no other thread waits starts one more, so the
 * next connection never sits in the listen backlog; a thread that has waited
 * POOL_IDLE_EXIT_S while more than min_threads exist exits. At most
 * max_threads requests are served at once ("admitted"); a few threads beyond
 * that (POOL_SPARE) take the connections that arrive at the ceiling and hand
 * them to serve() with admitted = 0, to be answered at once (503 with
 * Retry-After) instead of waiting until the web server or the client gives up.
 *
 * Connections: the pool accepts them itself and hands each to libfcgi (whose
 * own accept would leave the parameter read without a deadline; it also
 * honours FCGI_WEB_SERVER_ADDRS like libfcgi does). Every connection reads
 * and writes with the client deadline: a peer that sends no parameter or body
 * byte, or takes no response byte, for client_timeout_s is dropped and the
 * thread is free again. No FastCGI keep-alive: one request per connection
 * (docs/platform.md §1.7). A connection whose request body was
 * read to its end is closed at once, without libfcgi's lingering close.
 *
 * Stopping: on SIGTERM or SIGINT no thread accepts any more — an inherited
 * socket stays open, so sibling processes sharing it get the new connections;
 * a socket the relay opened itself is shut down, so connects are refused —
 * requests in flight get grace_s to finish.
 *
 * Thread rule: pool_run is called once, from the main thread, with SIGTERM,
 * SIGINT and SIGHUP blocked in every thread. It uses SIGUSR2 internally to
 * interrupt threads waiting in accept(). The callbacks run on the worker
 * threads, concurrently; each struct worker belongs to its thread.
 * Ownership: pool_run owns the threads and the connections; params and ctx
 * are borrowed and must outlive it. */
#ifndef RELAY_HTTP_POOL_H
#define RELAY_HTTP_POOL_H

#include <stddef.h>

#include "http/io.h"
#include "http/req.h"

/* Connections taken beyond max_threads, to be answered as busy. */
#define POOL_SPARE 4
/* File descriptors one worker thread may hold: its connection, libcurl's
 * upstream connection and its internal socket pair, a memcached connection. */
#define POOL_FDS_PER_THREAD 5

struct pool_params {
    int listen_fd;
    int own_socket;              /* opened by the relay (--listen): shut it down at stop */
    unsigned min_threads;        /* kept ready; <= max_threads */
    unsigned max_threads;        /* requests served at once */
    unsigned client_timeout_s;   /* the client deadline */
    unsigned grace_s;            /* time requests in flight get after a stop signal */
    /* Create and free a thread's own state, on that thread; open returns
     * NULL when it cannot (the thread then ends). */
    struct worker *(*thread_open)(void *ctx);
    void (*thread_close)(struct worker *w, void *ctx);
    /* Serve the request on io. admitted = 0: the pool is at its ceiling and
     * the answer must be immediate. */
    void (*serve)(struct io *io, struct worker *w, int admitted, void *ctx);
    void *ctx;
};

/* Fit the thread counts to RLIMIT_NOFILE: raise the soft limit as far as the
 * hard limit allows, and when that is not enough lower max_threads (and
 * min_threads with it) with a warning. Call before pool_run. */
void pool_fit_fd_limit(unsigned *min_threads, unsigned *max_threads);

/* Run the pool until SIGTERM or SIGINT (SIGHUP is logged and ignored), then
 * stop as described above. Returns 0 after a stop (also when the grace time
 * ran out: then the process exits at once, leaving the stuck threads), 1 when
 * the pool could not start. */
int pool_run(const struct pool_params *p);

#endif
