#include "http/server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/accesslog.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/io_cgi.h"
#include "http/io_fcgi.h"
#include "http/resp.h"
#include "ratelimit/rl.h"
#include "onemin/client.h"

#define SRV_BACKLOG 1024
#define SRV_STACK_SIZE (1024 * 1024)

/* Shared by main and the workers; every field is guarded by lock. */
struct srv_pool {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned running;         /* workers that have not exited yet */
    unsigned busy;            /* workers serving a request */
    int stopping;             /* a stop signal arrived: accept no more */
};

struct srv_worker_arg {
    int listen_fd;
    const struct relay_app *app;
    struct srv_pool *pool;
    struct worker w;
};

static void srv_fail(char *err, size_t errlen, const char *what, const char *addr, int e)
{
    snprintf(err, errlen, "cannot %s %s: %s", what, addr, strerror(e));
}

static int srv_listen_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!*path) {
        snprintf(err, errlen, "invalid listen address 'unix:': the socket path is empty");
        return -1;
    }
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "unix socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        srv_fail(err, errlen, "create a socket for", path, errno);
        return -1;
    }
    struct stat st;
    /* Replace a stale socket, but never another kind of file. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        srv_fail(err, errlen, "bind", path, errno);
        goto fail;
    }
    if (listen(fd, SRV_BACKLOG) < 0) {
        srv_fail(err, errlen, "listen on", path, errno);
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

static int srv_listen_tcp(const char *addr, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1]) {
        snprintf(err, errlen, "invalid listen address '%s': expected unix:/path, host:port or [v6]:port", addr);
        return -1;
    }
    size_t hlen = (size_t)(colon - addr);
    const char *h = addr;
    if (addr[0] == '[') {
        if (hlen < 2 || addr[hlen - 1] != ']') {
            snprintf(err, errlen, "invalid listen address '%s': unbalanced brackets", addr);
            return -1;
        }
        h = addr + 1;
        hlen -= 2;
    }
    if (hlen >= sizeof host) {
        snprintf(err, errlen, "invalid listen address '%s': host too long", addr);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        snprintf(err, errlen, "invalid listen address '%s': bad port", addr);
        return -1;
    }

    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve listen address '%s': %s", addr, gai_strerror(gai));
        return -1;
    }
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SRV_BACKLOG) == 0)
            break;
        last = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        srv_fail(err, errlen, "listen on", addr, last);
    return fd;
}

int srv_listen(const char *addr, char *err, size_t errlen)
{
    if (strncmp(addr, "unix:", 5) == 0)
        return srv_listen_unix(addr + 5, err, errlen);
    return srv_listen_tcp(addr, err, errlen);
}

void srv_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Per-thread resources; returns 0 or -1. */
static int srv_worker_open(struct worker *w, const struct relay_app *app)
{
    w->curl = client_handle_new();
    if (!w->curl)
        return -1;
    /* NULL on failure is tolerated: the limiter then uses its fallback. */
    w->rl = rl_thread_new(app->rl);
    return 0;
}

static void srv_worker_close(struct worker *w)
{
    rl_thread_free(w->rl);
    client_handle_free(w->curl);
    w->rl = NULL;
    w->curl = NULL;
}

static void srv_serve(struct io *io, const struct relay_app *app, struct worker *w)
{
    struct relay_req r;
    size_t klen;
    req_init(&r, io, app, w);
    const char *key = req_api_key(&r, &klen);
    record_begin(&r.rec, r.request_id, r.method, key, klen);
    srv_dispatch(&r);
    if (!r.committed)
        resp_error(&r, 500, NULL, NULL, NULL, "The relay produced no response");
    record_end(&r.rec, r.status, r.sse);
    req_finish(&r);
}

static void *srv_worker_main(void *p)
{
    struct srv_worker_arg *a = p;
    FCGX_Request req;
    if (FCGX_InitRequest(&req, a->listen_fd, 0) != 0) {
        LOG_ERROR("worker %u: FCGX_InitRequest failed", a->w.id);
        goto out;
    }
    for (;;) {
        pthread_mutex_lock(&a->pool->lock);
        int stopping = a->pool->stopping;
        pthread_mutex_unlock(&a->pool->lock);
        if (stopping)
            break;
        int rc = FCGX_Accept_r(&req);
        if (rc < 0) {
            LOG_DEBUG("worker %u: accept ended (%d)", a->w.id, rc);
            break;
        }
        pthread_mutex_lock(&a->pool->lock);
        a->pool->busy++;
        pthread_mutex_unlock(&a->pool->lock);
        metrics_gauge_add(MG_BUSY, 1);
        struct io io;
        io_fcgi_bind(&io, &req);
        srv_serve(&io, a->app, &a->w);
        FCGX_Finish_r(&req);
        metrics_gauge_add(MG_BUSY, -1);
        pthread_mutex_lock(&a->pool->lock);
        a->pool->busy--;
        pthread_cond_broadcast(&a->pool->changed);
        pthread_mutex_unlock(&a->pool->lock);
    }
    FCGX_Free(&req, 1);
out:
    metrics_gauge_add(MG_THREADS, -1);
    pthread_mutex_lock(&a->pool->lock);
    a->pool->running--;
    pthread_cond_broadcast(&a->pool->changed);
    pthread_mutex_unlock(&a->pool->lock);
    return NULL;
}

/* Wait until deadline for every worker to exit (all_exit) or for every
 * request in flight to end. Returns how many are left. */
static unsigned srv_wait_workers(struct srv_pool *pool, int all_exit, const struct timespec *deadline)
{
    pthread_mutex_lock(&pool->lock);
    while ((all_exit ? pool->running : pool->busy) > 0) {
        if (pthread_cond_timedwait(&pool->changed, &pool->lock, deadline) == ETIMEDOUT)
            break;
    }
    unsigned left = all_exit ? pool->running : pool->busy;
    pthread_mutex_unlock(&pool->lock);
    return left;
}

/* A socket inherited in a shut-down state (a previous holder called
 * shutdown() on it) would accept nothing; say so instead of hanging. */
static int srv_check_listening(int fd)
{
    int on = 0;
    socklen_t len = sizeof on;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && !on) {
        LOG_ERROR("the socket on fd %d is not listening (was it shut down by a previous process?)", fd);
        return -1;
    }
    return 0;
}

int srv_run_fastcgi(int listen_fd, int own_socket, const struct relay_app *app)
{
    const struct relay_config *cfg = app->cfg;
    unsigned n = cfg->threads;
    int code = 1;
    struct srv_pool pool = { .running = 0 };
    pthread_mutex_init(&pool.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool.changed, &ca);
    pthread_condattr_destroy(&ca);

    struct srv_worker_arg *args = calloc(n, sizeof *args);
    pthread_t *tids = calloc(n, sizeof *tids);
    unsigned started = 0;
    if (srv_check_listening(listen_fd) < 0)
        goto out;
    if (!args || !tids) {
        LOG_ERROR("out of memory starting %u workers", n);
        goto out;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, SRV_STACK_SIZE);
    for (; started < n; started++) {
        struct srv_worker_arg *a = &args[started];
        a->listen_fd = listen_fd;
        a->app = app;
        a->pool = &pool;
        a->w.id = started;
        if (srv_worker_open(&a->w, app) < 0) {
            LOG_ERROR("cannot set up worker %u (curl or rate-limit handle)", started);
            break;
        }
        pthread_mutex_lock(&pool.lock);
        pool.running++;
        pthread_mutex_unlock(&pool.lock);
        metrics_gauge_add(MG_THREADS, 1);
        if (pthread_create(&tids[started], &attr, srv_worker_main, a) != 0) {
            pthread_mutex_lock(&pool.lock);
            pool.running--;
            pthread_mutex_unlock(&pool.lock);
            metrics_gauge_add(MG_THREADS, -1);
            srv_worker_close(&a->w);
            LOG_ERROR("cannot start worker thread %u: %s", started, strerror(errno));
            break;
        }
    }
    pthread_attr_destroy(&attr);

    if (started == n) {
        LOG_INFO("serving FastCGI with %u worker threads", n);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        int sig = 0;
        do {
            if (sigwait(&set, &sig) != 0)
                break;
            if (sig == SIGHUP) {
                LOG_INFO("SIGHUP: reopening the access log; configuration is read at start, restart to change it");
                accesslog_reopen();
            }
        } while (sig == SIGHUP);
        LOG_INFO("signal %d: stopping; requests in flight get %u s to finish", sig, cfg->shutdown_grace_s);
        code = 0;
    }

    /* Stop accepting. On our own socket, shutdown() wakes every worker
     * blocked in accept(). An inherited socket may be shared with other
     * processes (spawn-fcgi -F, a systemd socket unit) and must stay usable
     * for them and for our successor: there we only wait for the requests in
     * flight, and the workers still waiting in accept() end with the process. */
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 1;
    pthread_mutex_unlock(&pool.lock);
    FCGX_ShutdownPending();
    if (own_socket)
        shutdown(listen_fd, SHUT_RDWR);

    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += cfg->shutdown_grace_s;
    unsigned left = srv_wait_workers(&pool, own_socket, &deadline);
    if (left > 0)
        LOG_WARN("%u request(s) still running after the %u s grace time; exiting", left, cfg->shutdown_grace_s);
    if (left > 0 || !own_socket) {
        /* Threads in a request or in accept() cannot be joined; leave now. */
        fflush(NULL);
        _exit(code);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
        srv_worker_close(&args[i].w);
    }
out:
    free(args);
    free(tids);
    pthread_cond_destroy(&pool.changed);
    pthread_mutex_destroy(&pool.lock);
    return code;
}

int srv_run_cgi(const struct relay_app *app)
{
    struct worker w = { .id = 0 };
    struct io_cgi st;
    struct io io;
    int code = 1;
    if (srv_worker_open(&w, app) < 0) {
        LOG_ERROR("cannot set up the CGI request (curl or rate-limit handle)");
        goto out;
    }
    io_cgi_bind(&io, &st);
    metrics_gauge_add(MG_THREADS, 1);
    metrics_gauge_add(MG_BUSY, 1);
    srv_serve(&io, app, &w);
    metrics_gauge_add(MG_BUSY, -1);
    metrics_gauge_add(MG_THREADS, -1);
    fflush(stdout);
    io_cgi_drain(&st, (unsigned long long)app->cfg->max_body * 2);
    code = 0;
out:
    srv_worker_close(&w);
    return code;
}
