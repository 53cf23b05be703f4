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

#include "core/log.h"
#include "core/metrics.h"
#include "http/io_cgi.h"
#include "http/pool.h"
#include "http/resp.h"

#define SRV_BACKLOG 1024


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

static struct worker *srv_thread_open(void *ctx)
{
    const struct srv_app *a = ctx;
    return a->thread_open(a->app);
}

static void srv_thread_close(struct worker *w, void *ctx)
{
    const struct srv_app *a = ctx;
    a->thread_close(w);
}

static void srv_serve(struct io *io, struct worker *w, int admitted, void *ctx)
{
    const struct srv_app *a = ctx;
    struct relay_req r;
    size_t klen;
    req_init(&r, io, a->cfg, a->app, w);
    const char *key = req_api_key(&r, &klen);
    record_begin(&r.rec, r.request_id, r.method, key, klen);
    if (!admitted) {
        a->busy(&r);
    } else if (req_client_gone(&r)) {
        /* It waited while its client left: nobody would read the answer. */
        LOG_INFO("%s %s: the client left before the request was served; dropped", r.method, r.path);
    } else {
        a->dispatch(&r);
        if (!r.committed && !r.client_gone) {
            LOG_ERROR("%s %s: the application sent no response", r.method, r.path);
            resp_send(&r, 500, NULL, NULL, 0);
        }
    }
    record_end(&r.rec, r.status, r.sse);
    req_finish(&r);
}

int srv_run_fastcgi(int listen_fd, int own_socket, const struct srv_app *a)
{
    const struct relay_config *cfg = a->cfg;
    if (srv_check_listening(listen_fd) < 0)
        return 1;
    struct pool_params p = {
        .listen_fd = listen_fd,
        .own_socket = own_socket,
        .min_threads = cfg->threads,
        .max_threads = cfg->max_threads,
        .client_timeout_s = cfg->client_timeout_s,
        .grace_s = cfg->shutdown_grace_s,
        .thread_open = srv_thread_open,
        .thread_close = srv_thread_close,
        .serve = srv_serve,
        .ctx = (void *)a,
    };
    if (p.min_threads > p.max_threads)
        p.min_threads = p.max_threads;
    pool_fit_fd_limit(&p.min_threads, &p.max_threads);
    return pool_run(&p);
}

int srv_run_cgi(const struct srv_app *a)
{
    struct io_cgi st;
    struct io io;
    struct worker *w = a->thread_open(a->app);
    if (!w) {
        LOG_ERROR("cannot set up the CGI request (curl or rate-limit handle)");
        return 1;
    }
    io_cgi_bind(&io, &st, (int)a->cfg->client_timeout_s * 1000);
    metrics_gauge_add(MG_THREADS, 1);
    metrics_gauge_add(MG_BUSY, 1);
    srv_serve(&io, w, 1, (void *)a);
    metrics_gauge_add(MG_BUSY, -1);
    metrics_gauge_add(MG_THREADS, -1);
    fflush(stdout);
    io_cgi_drain(&st, (unsigned long long)a->cfg->max_body * 2);
    a->thread_close(w);
    return 0;
}
