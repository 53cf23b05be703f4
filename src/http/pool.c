#include "http/pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcgiapp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/accesslog.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/io_fcgi.h"

/* An idle thread above the minimum exits after this long. */
#define POOL_IDLE_EXIT_S 30
/* Descriptors kept for everything that is not a worker's (logs, the listening
 * socket, the catalogue fetch, libc). */
#define POOL_FDS_RESERVED 64
/* Body bytes read and thrown away after the answer, so the connection can be
 * closed at once (a peer that still sends would get a reset instead). */
#define POOL_DRAIN_MAX (1u << 20)
/* Threads started at once when the last waiting one takes a connection. */
#define POOL_GROW_BATCH 4
/* Interrupts accept() in a thread that must stop waiting. */
#define POOL_WAKE_SIGNAL SIGUSR2

/* Thread stacks. The deepest paths measured (see README, sizing) stay far
 * below this; sanitizer builds need several times more. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_STACK_SIZE (2u << 20)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_STACK_SIZE (2u << 20)
#endif
#endif
#ifndef POOL_STACK_SIZE
#define POOL_STACK_SIZE (256u << 10)
#endif

/* A slot's thread: FREE (none), STARTING, ACCEPTING, WORKING, then EXITED
 * (returned, to be joined: its thread-local destructors, OpenSSL's among them,
 * must finish before the process exits) and FREE again once joined. */
enum pool_state { SLOT_FREE, SLOT_STARTING, SLOT_ACCEPTING, SLOT_WORKING, SLOT_EXITED };

struct pool;

struct pool_slot {
    struct pool *pool;
    pthread_t tid;
    enum pool_state state;        /* guarded by pool->lock */
    int retire;                   /* guarded by pool->lock: exit instead of accepting */
    time_t idle_since;            /* guarded by pool->lock: when it began to wait */
    unsigned id;                  /* the slot's index, for the log */
    int params_fd;                /* guarded by pool->lock: a dup of the connection
                                     while its request is read, else -1 */
    time_t params_deadline;       /* guarded by pool->lock */
};

/* Shared by main and the workers; the counters and slot states are guarded by
 * lock, everything else is fixed before the first thread starts. */
struct pool {
    const struct pool_params *p;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_attr_t attr;
    struct pool_slot *slots;
    unsigned cap;                 /* slots: max_threads + POOL_SPARE */
    unsigned running;             /* threads started and not yet exited */
    unsigned starting;            /* ... of which not yet waiting in accept() */
    unsigned accepting;           /* ... waiting in accept() */
    unsigned busy;                /* admitted requests in flight */
    unsigned retiring;            /* told to exit, not exited yet */
    int stopping;
    time_t accept_warned;         /* last accept-error warning */
    in_addr_t allowed[16];        /* FCGI_WEB_SERVER_ADDRS (IPv4), fixed at start */
    unsigned n_allowed;
};

static time_t pool_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static void pool_wake_handler(int sig)
{
    (void)sig;      /* only there to interrupt accept() (no SA_RESTART) */
}

void pool_fit_fd_limit(unsigned *min_threads, unsigned *max_threads)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t need = (rlim_t)(*max_threads + POOL_SPARE) * POOL_FDS_PER_THREAD + POOL_FDS_RESERVED;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return;
    rlim_t want = need;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
        want = rl.rlim_max;
    if (want > rl.rlim_cur) {
        struct rlimit raised = { want, rl.rlim_max };
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            LOG_DEBUG("raised the open-file limit from %llu to %llu", (unsigned long long)rl.rlim_cur,
                      (unsigned long long)want);
            rl.rlim_cur = want;
        }
    }
    if (rl.rlim_cur >= need)
        return;
    rlim_t per = POOL_FDS_PER_THREAD;
    rlim_t fit = rl.rlim_cur > POOL_FDS_RESERVED + (POOL_SPARE + 1) * per
                     ? (rl.rlim_cur - POOL_FDS_RESERVED) / per - POOL_SPARE : 1;
    LOG_WARN("the open-file limit (RLIMIT_NOFILE %llu, hard %llu) is too low for %u threads (about %llu "
             "descriptors): serving at most %llu requests at once; raise it (systemd LimitNOFILE=, "
             "ulimit -n) or lower RELAY_MAX_THREADS",
             (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, *max_threads,
             (unsigned long long)need, (unsigned long long)fit);
    *max_threads = (unsigned)fit;
    if (*min_threads > *max_threads)
        *min_threads = *max_threads;
}

/* FCGI_WEB_SERVER_ADDRS: the IPv4 peers allowed on a TCP socket, as libfcgi
 * reads it ("127.0.0.1,10.0.0.5"); unset means any. */
static void pool_load_allowed(struct pool *pl)
{
    const char *v = getenv("FCGI_WEB_SERVER_ADDRS");
    char one[64];
    while (v && *v) {
        size_t n = strcspn(v, ",");
        if (n < sizeof one) {
            memcpy(one, v, n);
            one[n] = '\0';
            struct in_addr a;
            if (inet_pton(AF_INET, one, &a) == 1 && pl->n_allowed < sizeof pl->allowed / sizeof pl->allowed[0])
                pl->allowed[pl->n_allowed++] = a.s_addr;
            else
                LOG_WARN("FCGI_WEB_SERVER_ADDRS: '%s' ignored (one IPv4 address per entry, at most 16)", one);
        }
        v += n;
        if (*v == ',')
            v++;
    }
}

/* Prepare an accepted connection; 0 to serve it, -1 when its peer is not allowed. */
static int pool_peer_ok(struct pool *pl, int fd, const struct sockaddr_storage *sa)
{
    if (sa->ss_family != AF_INET)
        return 0;
    int one = 1;
    /* Responses go out in records flushed on purpose: no Nagle delay. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (pl->n_allowed == 0)
        return 0;
    in_addr_t a = ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
    for (unsigned i = 0; i < pl->n_allowed; i++)
        if (pl->allowed[i] == a)
            return 0;
    return -1;
}

static void *pool_thread(void *arg);

/* With lock held: claim a free slot for a new thread, or NULL at the cap. */
static struct pool_slot *pool_reserve(struct pool *pl)
{
    if (pl->stopping || pl->running >= pl->cap)
        return NULL;
    for (unsigned i = 0; i < pl->cap; i++) {
        struct pool_slot *s = &pl->slots[i];
        if (s->state == SLOT_FREE) {
            s->state = SLOT_STARTING;
            s->retire = 0;
            pl->running++;
            pl->starting++;
            return s;
        }
    }
    return NULL;
}

/* Without lock: start the thread for a reserved slot. */
static void pool_start(struct pool *pl, struct pool_slot *s)
{
    int rc = pthread_create(&s->tid, &pl->attr, pool_thread, s);
    if (rc == 0)
        return;
    pthread_mutex_lock(&pl->lock);
    s->state = SLOT_FREE;
    pl->running--;
    pl->starting--;
    pthread_cond_broadcast(&pl->changed);
    pthread_mutex_unlock(&pl->lock);
    LOG_WARN("cannot start a worker thread: %s", strerror(rc));
}

/* Join the threads that have exited, so their slots can be used again.
 * Called without the lock, from the main thread only. */
static void pool_join_exited(struct pool *pl)
{
    for (unsigned i = 0; i < pl->cap; i++) {
        struct pool_slot *s = &pl->slots[i];
        pthread_mutex_lock(&pl->lock);
        int exited = s->state == SLOT_EXITED;
        pthread_mutex_unlock(&pl->lock);
        if (!exited)
            continue;
        pthread_join(s->tid, NULL);
        pthread_mutex_lock(&pl->lock);
        s->state = SLOT_FREE;
        pthread_mutex_unlock(&pl->lock);
    }
}

/* With lock held: interrupt every thread waiting in accept() that must stop. */
static void pool_kick(struct pool *pl)
{
    for (unsigned i = 0; i < pl->cap; i++) {
        struct pool_slot *s = &pl->slots[i];
        if (s->state == SLOT_ACCEPTING && (pl->stopping || s->retire))
            pthread_kill(s->tid, POOL_WAKE_SIGNAL);
    }
}

static int pool_accept_transient(int e)
{
    /* The connection went away before accept() got it, or a signal. */
    return e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM || e == EAGAIN;
}

/* Log an accept() error at most every 10 s (EMFILE comes in floods). */
static void pool_accept_failed(struct pool *pl, int e)
{
    time_t now = pool_now();
    pthread_mutex_lock(&pl->lock);
    int say = now - pl->accept_warned >= 10 || pl->accept_warned == 0;
    if (say)
        pl->accept_warned = now;
    pthread_mutex_unlock(&pl->lock);
    if (say)
        LOG_WARN("accept() on the FastCGI socket failed: %s; retrying", strerror(e));
}

/* Wait for the next connection. Returns its descriptor, or -1 when the thread
 * must exit (stop, or retired as idle). Errors never end the thread: it logs,
 * backs off (up to 1 s) and tries again. */
static int pool_accept(struct pool *pl, struct pool_slot *s)
{
    long backoff_ms = 0;
    for (;;) {
        pthread_mutex_lock(&pl->lock);
        if (pl->stopping || s->retire) {
            if (s->retire)
                pl->retiring--;
            pthread_mutex_unlock(&pl->lock);
            return -1;
        }
        s->state = SLOT_ACCEPTING;
        s->idle_since = pool_now();
        pl->accepting++;
        pthread_mutex_unlock(&pl->lock);

        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        memset(&sa, 0, sizeof sa);
        int fd = accept4(pl->p->listen_fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
        int e = errno;

        struct pool_slot *grow[POOL_GROW_BATCH];
        unsigned n_grow = 0;
        pthread_mutex_lock(&pl->lock);
        s->state = SLOT_WORKING;
        pl->accepting--;
        /* The next connection must find a thread waiting. In a burst, start
         * a few at once rather than one after the other. */
        if (fd >= 0 && pl->accepting + pl->starting == 0)
            while (n_grow < POOL_GROW_BATCH && (grow[n_grow] = pool_reserve(pl)) != NULL)
                n_grow++;
        pthread_mutex_unlock(&pl->lock);
        for (unsigned i = 0; i < n_grow; i++)
            pool_start(pl, grow[i]);

        if (fd >= 0) {
            if (pool_peer_ok(pl, fd, &sa) == 0)
                return fd;
            close(fd);
            continue;
        }
        if (pool_accept_transient(e))
            continue;
        pool_accept_failed(pl, e);
        backoff_ms = backoff_ms ? (backoff_ms * 2 > 1000 ? 1000 : backoff_ms * 2) : 50;
        struct timespec ts = { backoff_ms / 1000, (backoff_ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* Serve the FastCGI request on the accepted connection fd, then close it. */
static void pool_conn(struct pool *pl, struct pool_slot *s, struct worker *w, FCGX_Request *req, int fd)
{
    const struct pool_params *p = pl->p;
    struct timeval tv = { .tv_sec = p->client_timeout_s };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    /* The whole request head (begin record and parameters) must arrive within
     * the deadline, not only each byte: the main thread's tick shuts down a
     * connection that is still reading it then. It works on a duplicate, so
     * the descriptor it shuts down cannot be one libfcgi closed and the
     * kernel gave to another connection meanwhile. */
    int watch = dup(fd);
    pthread_mutex_lock(&pl->lock);
    s->params_fd = watch;
    s->params_deadline = pool_now() + (time_t)p->client_timeout_s;
    pthread_mutex_unlock(&pl->lock);

    /* FCGX_Accept_r reads the request from a connection already set in ipcFd;
     * keepConnection stops its first step (finishing the previous request)
     * from closing it. listen_sock is -1, so when the peer sends no valid
     * request in time libfcgi closes fd and returns instead of accepting. */
    req->ipcFd = fd;
    req->keepConnection = 1;
    int rc = FCGX_Accept_r(req);
    pthread_mutex_lock(&pl->lock);
    s->params_fd = -1;
    pthread_mutex_unlock(&pl->lock);
    if (watch >= 0)
        close(watch);
    if (rc < 0) {
        LOG_INFO("dropped a FastCGI connection that sent no complete request within %u s",
                 p->client_timeout_s);
        return;
    }
    req->keepConnection = 0;    /* one request per connection, whatever the server asked */

    pthread_mutex_lock(&pl->lock);
    int admitted = pl->busy < p->max_threads;
    if (admitted)
        pl->busy++;
    pthread_mutex_unlock(&pl->lock);
    if (admitted)
        metrics_gauge_add(MG_BUSY, 1);

    struct io_fcgi st;
    struct io io;
    io_fcgi_bind(&io, &st, req);
    p->serve(&io, w, admitted, p->ctx);
    /* The web server sends nothing after the body: once it is read to its
     * end, a plain close cannot cut the answer short, so skip libfcgi's
     * shutdown-and-wait. */
    if (io_fcgi_drain(&st, POOL_DRAIN_MAX))
        req->detached = 1;
    FCGX_Finish_r(req);

    if (admitted) {
        metrics_gauge_add(MG_BUSY, -1);
        pthread_mutex_lock(&pl->lock);
        pl->busy--;
        pthread_cond_broadcast(&pl->changed);
        pthread_mutex_unlock(&pl->lock);
    }
}

static void *pool_thread(void *arg)
{
    struct pool_slot *s = arg;
    struct pool *pl = s->pool;
    const struct pool_params *p = pl->p;
    FCGX_Request req;
    FCGX_InitRequest(&req, -1, 0);
    metrics_gauge_add(MG_THREADS, 1);
    struct worker *w = p->thread_open(p->ctx);
    pthread_mutex_lock(&pl->lock);
    pl->starting--;
    s->state = SLOT_WORKING;
    pthread_cond_broadcast(&pl->changed);
    pthread_mutex_unlock(&pl->lock);
    if (w) {
        for (;;) {
            int fd = pool_accept(pl, s);
            if (fd < 0)
                break;
            pool_conn(pl, s, w, &req, fd);
        }
        p->thread_close(w, p->ctx);
    } else {
        LOG_ERROR("cannot set up worker %u (curl or rate-limit handle)", s->id);
    }
    FCGX_Free(&req, 1);
    metrics_gauge_add(MG_THREADS, -1);
    pthread_mutex_lock(&pl->lock);
    s->state = SLOT_EXITED;
    pl->running--;
    pthread_cond_broadcast(&pl->changed);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Once a second: keep min_threads and a waiting thread, retire idle ones. */
static void pool_tick(struct pool *pl)
{
    const struct pool_params *p = pl->p;
    struct pool_slot *start[8];
    unsigned n = 0;
    time_t now = pool_now();
    pthread_mutex_lock(&pl->lock);
    unsigned want = pl->running < p->min_threads ? p->min_threads - pl->running : 0;
    if (want == 0 && pl->accepting + pl->starting == 0)
        want = 1;
    while (n < want && n < sizeof start / sizeof start[0] && (start[n] = pool_reserve(pl)) != NULL)
        n++;
    unsigned excess = pl->running > p->min_threads + pl->retiring
                          ? pl->running - p->min_threads - pl->retiring : 0;
    for (unsigned i = 0; i < pl->cap && excess > 0; i++) {
        struct pool_slot *s = &pl->slots[i];
        if (s->state == SLOT_ACCEPTING && !s->retire && now - s->idle_since >= POOL_IDLE_EXIT_S) {
            s->retire = 1;
            pl->retiring++;
            excess--;
        }
    }
    pool_kick(pl);
    for (unsigned i = 0; i < pl->cap; i++) {
        struct pool_slot *s = &pl->slots[i];
        if (s->params_fd >= 0 && now >= s->params_deadline) {
            shutdown(s->params_fd, SHUT_RDWR);      /* its read returns at once */
            s->params_deadline = now + 3600;
        }
    }
    pthread_mutex_unlock(&pl->lock);
    for (unsigned i = 0; i < n; i++)
        pool_start(pl, start[i]);
    pool_join_exited(pl);
}

/* Wait for a stop signal, doing the pool's housekeeping meanwhile. */
static int pool_wait_signal(struct pool *pl)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    for (;;) {
        struct timespec tick = { 1, 0 };
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGHUP) {
            LOG_INFO("SIGHUP: reopening the access log; configuration is read at start, restart to change it");
            accesslog_reopen();
        } else if (sig > 0)
            return sig;
        else if (errno == EAGAIN || errno == EINTR)
            pool_tick(pl);
        else
            return 0;
    }
}

/* Stop accepting and wait up to the grace time for every thread to end.
 * Returns the number of requests still running. */
static unsigned pool_stop(struct pool *pl)
{
    const struct pool_params *p = pl->p;
    struct timespec deadline, step;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += p->grace_s;
    pthread_mutex_lock(&pl->lock);
    pl->stopping = 1;
    pool_kick(pl);
    pthread_mutex_unlock(&pl->lock);
    /* Our own socket: refuse connections from now on. An inherited one may be
     * shared with siblings (spawn-fcgi -F, a systemd socket unit) and must stay
     * usable for them and for our successor. */
    if (p->own_socket)
        shutdown(p->listen_fd, SHUT_RDWR);

    pthread_mutex_lock(&pl->lock);
    while (pl->running > 0) {
        clock_gettime(CLOCK_MONOTONIC, &step);
        if (step.tv_sec > deadline.tv_sec ||
            (step.tv_sec == deadline.tv_sec && step.tv_nsec >= deadline.tv_nsec))
            break;
        /* A thread may have been between its check and accept() when it was
         * interrupted: interrupt again every 100 ms. */
        step.tv_nsec += 100000000L;
        if (step.tv_nsec >= 1000000000L) {
            step.tv_sec++;
            step.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pl->changed, &pl->lock, &step);
        pool_kick(pl);
    }
    unsigned left = pl->busy;
    if (pl->running > 0 && left == 0)
        left = pl->running;
    pthread_mutex_unlock(&pl->lock);
    return left;
}

int pool_run(const struct pool_params *p)
{
    struct pool pl = { .p = p, .cap = p->max_threads + POOL_SPARE };
    int code = 1;
    pthread_mutex_init(&pl.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pl.changed, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_init(&pl.attr);
    pthread_attr_setstacksize(&pl.attr, POOL_STACK_SIZE);
    pool_load_allowed(&pl);

    struct sigaction sa = { .sa_handler = pool_wake_handler };
    sigemptyset(&sa.sa_mask);
    sigaction(POOL_WAKE_SIGNAL, &sa, NULL);

    pl.slots = calloc(pl.cap, sizeof *pl.slots);
    if (!pl.slots) {
        LOG_ERROR("out of memory for %u worker slots", pl.cap);
        goto out;
    }
    for (unsigned i = 0; i < pl.cap; i++) {
        pl.slots[i].pool = &pl;
        pl.slots[i].id = i;
        pl.slots[i].params_fd = -1;
    }

    /* Start the minimum, and see that at least one thread came up. */
    for (unsigned i = 0; i < p->min_threads; i++) {
        pthread_mutex_lock(&pl.lock);
        struct pool_slot *s = pool_reserve(&pl);
        pthread_mutex_unlock(&pl.lock);
        if (s)
            pool_start(&pl, s);
    }
    pthread_mutex_lock(&pl.lock);
    while (pl.starting > 0)
        pthread_cond_wait(&pl.changed, &pl.lock);
    unsigned up = pl.running;
    pthread_mutex_unlock(&pl.lock);
    if (up == 0) {
        LOG_ERROR("no worker thread could start");
        pool_join_exited(&pl);
        goto out;
    }
    LOG_INFO("serving FastCGI with %u worker threads ready, up to %u requests at once",
             p->min_threads, p->max_threads);

    int sig = pool_wait_signal(&pl);
    LOG_INFO("signal %d: stopping; requests in flight get %u s to finish", sig, p->grace_s);
    code = 0;
    unsigned left = pool_stop(&pl);
    if (left > 0) {
        LOG_WARN("%u request(s) still running after the %u s grace time; exiting", left, p->grace_s);
        /* Threads still in a request cannot be waited for; leave now. */
        fflush(NULL);
        _exit(code);
    }
    pool_join_exited(&pl);
out:
    free(pl.slots);
    pthread_attr_destroy(&pl.attr);
    pthread_cond_destroy(&pl.changed);
    pthread_mutex_destroy(&pl.lock);
    return code;
}
