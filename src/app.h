/* app: the application's state as the composition root (src/main.c) builds
 * it and the API layer reads it. The transport (http/) carries pointers to
 * both structs without knowing what is inside.
 *
 * Ownership: main() owns the relay_app and everything it points to, for the
 * life of the process; each struct worker is created and freed by main.c's
 * thread hooks on the worker thread that uses it, and owns its memcached
 * handle, which the limiter's per-thread state and the key-value stores
 * (upload cache, files, stored responses) borrow.
 * Thread rule: relay_app is built before the first worker thread starts and
 * never changes afterwards (the catalogue and limiter lock inside); a worker
 * belongs to its thread. */
#ifndef RELAY_APP_H
#define RELAY_APP_H

#include "core/cfg.h"

struct catalog;      /* onemin/catalog.h */
struct rl;           /* ratelimit/rl.h */
struct rl_thread;    /* ratelimit/rl.h */
struct media_config; /* onemin/media.h */
struct mcconn_config; /* core/mcconn.h */
struct memcached_st;  /* libmemcached */

struct relay_app {
    const struct relay_config *cfg;
    struct catalog *catalog;
    struct rl *rl;                      /* NULL when rate limiting is off */
    const struct media_config *media;
    const struct mcconn_config *mc;     /* the workers' memcached settings; NULL when
                                           the limiter's store is not memcached */
};

struct worker {
    void *curl;                         /* CURL *, reused across requests */
    struct memcached_st *mc;            /* this thread's memcached handle; NULL when the
                                           store is not memcached or it could not be opened */
    struct rl_thread *rl;               /* the limiter's per-thread state, or NULL */
};

#endif
