/* The memcached store against real memcached servers started here: exact
 * across processes and threads, round trips, two servers, per-key limits with
 * hashed keys, and outages (killed, hung) with fail-open, fail-closed and
 * recovery. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <poll.h>
#include <sys/mman.h>

#include "core/cfg.h"
#include "core/mcconn.h"
#include "ratelimit/rl.h"
#include "rl_test_memcached.h"
#include "tap.h"

#define PROCS 4
#define THREADS 4
#define TRIES 100

static int run_id;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A memcached limiter for servers ("127.0.0.1:1,127.0.0.1:2"). Exactness
 * needs answers: a store that times out is failed over (open) by design, so
 * the timeout is generous for a loaded machine, except where a test sets
 * timeout_ms to check the outage behaviour. */
static const char *timeout_ms = "3000";
static const char *window_s = "3600";

static struct rl *make(const char *servers, const char *fail, const char *rpm, const char *tpm,
                       const char *key_rpm)
{
    struct rl_config c;
    char err[CFG_ERR_LEN], store[256], prefix[64];
    snprintf(store, sizeof store, "memcached://%s", servers);
    snprintf(prefix, sizeof prefix, "t%d-%d", (int)getpid(), run_id++);  /* fresh counters */
    setenv("RATE_LIMIT_STORE", store, 1);
    setenv("RATE_LIMIT_FAIL", fail, 1);
    setenv("RATE_LIMIT_RPM", rpm, 1);
    setenv("RATE_LIMIT_TPM", tpm, 1);
    setenv("RATE_LIMIT_KEY_RPM", key_rpm, 1);
    setenv("RATE_LIMIT_KEY_PREFIX", prefix, 1);
    setenv("RATE_LIMIT_WINDOW_S", window_s, 1);
    setenv("RATE_LIMIT_RETRY_S", "1", 1);
    setenv("RATE_LIMIT_TIMEOUT_MS", timeout_ms, 1);
    setenv("RATE_LIMIT_IMAGE_TOKENS", "1", 1);
    setenv("RATE_LIMIT_AUDIO_TOKENS", "1", 1);
    if (rl_config_load(&c, err, sizeof err) != 0) {
        printf("# config: %s\n", err);
        return NULL;
    }
    struct rl *rl = rl_create(&c, THREADS, err, sizeof err);
    if (!rl)
        printf("# create: %s\n", err);
    return rl;
}

/* A worker's memcached handle to servers and the limiter's state over it, as
 * main.c's thread hooks build them (with the current timeout_ms); *mc is NULL
 * when the handle could not be made. */
static struct rl_thread *thread_open(struct rl *rl, const char *servers, struct memcached_st **mc)
{
    struct mcconn_config c;
    char err[CFG_ERR_LEN];
    *mc = NULL;
    if (mcconn_config(servers, (unsigned)atoi(timeout_ms), 1, &c, err, sizeof err) != 0 ||
        !(*mc = mcconn_open(&c, err, sizeof err)))
        printf("# memcached handle: %s\n", err);
    return rl_thread_new(rl, *mc);
}

/* As relay_thread_close: the limiter's state first, then the handle. */
static void thread_close(struct rl_thread *t, struct memcached_st *mc)
{
    rl_thread_free(t);
    mcconn_close(mc);
}

struct hammer {
    struct rl *rl;
    const char *servers;
    int nclients;                 /* clients 10.0.0.0 .. 10.0.0.(n-1), in turn */
    uint64_t tokens;
    _Atomic long *count;          /* shared: admitted, refused, other, degraded */
};

static void *hammer_thread(void *arg)
{
    struct hammer *h = arg;
    struct memcached_st *mc;
    struct rl_thread *t = thread_open(h->rl, h->servers, &mc);
    for (int i = 0; i < TRIES; i++) {
        char client[32];
        struct rl_result res;
        struct rl_ticket tk;
        snprintf(client, sizeof client, "10.0.0.%d", i % h->nclients);
        rl_check(h->rl, t, client, NULL, 0, h->tokens, &res, &tk);
        int k = res.outcome == RL_ADMITTED ? 0 : res.outcome == RL_REFUSED && res.retry_ms ? 1 : 2;
        atomic_fetch_add(&h->count[k], 1);
        if (res.degraded)
            atomic_fetch_add(&h->count[3], 1);
    }
    thread_close(t, mc);
    return NULL;
}

/* PROCS x THREADS workers, TRIES each; count[] gets the totals. 0 or -1. */
static int hammer(struct rl *rl, const char *servers, int nclients, uint64_t tokens, long count[4])
{
    _Atomic long *shared = mmap(NULL, 4 * sizeof(long), PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return -1;
    for (int i = 0; i < 4; i++)
        atomic_store(&shared[i], 0);
    struct hammer h = { rl, servers, nclients, tokens, shared };
    pid_t pids[PROCS];
    int clean = 1;
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            pthread_t th[THREADS];
            for (int i = 0; i < THREADS; i++)
                pthread_create(&th[i], NULL, hammer_thread, &h);
            for (int i = 0; i < THREADS; i++)
                pthread_join(th[i], NULL);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st;
        if (pids[p] < 0 || waitpid(pids[p], &st, 0) != pids[p] || !WIFEXITED(st) || WEXITSTATUS(st))
            clean = 0;
    }
    for (int i = 0; i < 4; i++)
        count[i] = atomic_load(&shared[i]);
    munmap(shared, 4 * sizeof(long));
    return clean ? 0 : -1;
}

/* A proxy in front of memcached that holds every request 60 ms: each round
 * trip answers within the 100 ms timeout, but an admission needing two or
 * three of them must give up at 100 ms in all. */
struct slow_proxy {
    int listen_fd;
    int upstream_port;
    _Atomic int stop;
};

static void *slow_proxy_run(void *arg)
{
    struct slow_proxy *p = arg;
    while (!atomic_load(&p->stop)) {
        struct pollfd lp = { p->listen_fd, POLLIN, 0 };
        if (poll(&lp, 1, 50) <= 0)
            continue;
        int c = accept(p->listen_fd, NULL, NULL), u = c >= 0 ? test_connect(p->upstream_port) : -1;
        while (c >= 0 && u >= 0 && !atomic_load(&p->stop)) {
            struct pollfd fds[2] = { { c, POLLIN, 0 }, { u, POLLIN, 0 } };
            if (poll(fds, 2, 50) <= 0)
                continue;
            char buf[4096];
            int from = fds[0].revents ? c : u, to = from == c ? u : c;
            ssize_t n = read(from, buf, sizeof buf);
            if (n <= 0)
                break;
            if (from == c)
                usleep(60 * 1000);
            if (write(to, buf, (size_t)n) != n)
                break;
        }
        if (c >= 0)
            close(c);
        if (u >= 0)
            close(u);
    }
    return NULL;
}

/* Every key memcached holds, via lru_crawler metadump, into out. */
static int dump_keys(const struct test_mc *m, char *out, size_t n)
{
    int fd = test_connect(m->port);
    size_t got = 0;
    if (fd < 0 || write(fd, "lru_crawler metadump all\r\n", 26) != 26)
        return -1;
    while (got < n - 1) {
        ssize_t r = read(fd, out + got, n - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        out[got] = '\0';
        if (strstr(out, "END\r\n"))
            break;
    }
    out[got] = '\0';
    close(fd);
    return 0;
}

int main(void)
{
    struct test_mc a = { -1, 0 }, b = { -1, 0 };
    struct rl_result res;
    struct rl_ticket tk;
    long count[4];
    char servers[128];
    signal(SIGPIPE, SIG_IGN);
    if (!ok(test_mc_start(&a, 0) == 0, "memcached A started") ||
        !ok(test_mc_start(&b, 0) == 0, "memcached B started"))
        goto out;

    /* exactness across 4 processes x 4 threads, each with its own handle */
    snprintf(servers, sizeof servers, "127.0.0.1:%d", a.port);
    struct rl *rl = make(servers, "open", "50", "0", "0");
    if (!ok(rl != NULL, "memcached limiter created"))
        goto out;
    ok(hammer(rl, servers, 1, 1, count) == 0, "workers finished");
    is_int(count[0], 50, "exactly RPM admitted across %d processes x %d threads", PROCS, THREADS);
    is_int(count[1], PROCS * THREADS * TRIES - 50, "the rest refused with a retry time");
    is_int(count[2] + count[3], 0, "no failures, nothing degraded");
    rl_destroy(rl);

    /* tokens: 7 each, TPM 700, no request limit */
    rl = make(servers, "open", "0", "700", "0");
    ok(hammer(rl, servers, 1, 7, count) == 0 && count[0] == 100, "exactly TPM / cost admitted: %ld", count[0]);
    rl_destroy(rl);

    /* round trips: at most 3 per admission on average, 1 per charge */
    rl = make(servers, "open", "1000", "1000000", "0");
    struct memcached_st *mc, *mcc;
    struct rl_thread *t = thread_open(rl, servers, &mc);
    ok(mc != NULL, "the worker's memcached handle opened");
    for (int i = 0; i < 100; i++) {
        rl_check(rl, t, "192.0.2.77", NULL, 0, 10, &res, &tk);
        rl_charge_ticket(rl, t, &tk, 5);
    }
    struct rl_stats st;
    rl_thread_stats(t, &st);
    is_int(st.admissions, 100, "100 admissions");
    ok(st.admit_round_trips <= 3 * st.admissions && st.admit_round_trips >= st.admissions,
       "round trips per admission: %.2f", (double)st.admit_round_trips / (double)st.admissions);
    ok(st.admit_round_trips <= st.admissions + 3,
       "the previous window is read once, then cached (%llu round trips)",
       (unsigned long long)st.admit_round_trips);
    is_int(st.charge_round_trips, st.charges, "one round trip per charge");
    rl_check(rl, t, "192.0.2.77", NULL, 0, 0, &res, &tk);
    is_int(res.tok.remaining, 1000000 - 100 * 15, "prompt and completion tokens both counted");
    is_int(res.req.remaining, 1000 - 101, "requests counted");
    thread_close(t, mc);
    /* a worker whose handle could not be opened limits on the fallback */
    t = rl_thread_new(rl, NULL);
    rl_check(rl, t, "192.0.2.78", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_ADMITTED && res.degraded, "no handle: the per-process fallback decides");
    rl_thread_free(t);
    rl_destroy(rl);

    /* per-key limits; the key never reaches memcached */
    rl = make(servers, "open", "1000", "0", "3");
    t = thread_open(rl, servers, &mc);
    const char *key = "sk-secret-key-do-not-store";
    int admitted = 0;
    for (int i = 0; i < 5; i++) {
        char client[32];
        snprintf(client, sizeof client, "198.51.100.%d", i);
        rl_check(rl, t, client, key, strlen(key), 1, &res, &tk);
        admitted += res.outcome == RL_ADMITTED;
    }
    is_int(admitted, 3, "KEY_RPM holds across clients");
    ok(res.outcome == RL_REFUSED && res.by_key && res.req.limit == 3, "refused on the key's limit");
    rl_check(rl, t, "198.51.100.9", "sk-other", 8, 1, &res, &tk);
    ok(res.outcome == RL_ADMITTED, "another key is not affected");
    static char dump[1 << 20];
    ok(dump_keys(&a, dump, sizeof dump) == 0 && strstr(dump, "key=") != NULL, "memcached keys listed");
    ok(!strstr(dump, "sk-secret") && !strstr(dump, "198.51.100"), "no API key and no address in any key");
    thread_close(t, mc);
    rl_destroy(rl);

    /* two servers: consistent hashing spreads the clients, the limit holds */
    long a0 = test_mc_items(&a), b0 = test_mc_items(&b);
    snprintf(servers, sizeof servers, "127.0.0.1:%d,127.0.0.1:%d", a.port, b.port);
    rl = make(servers, "open", "5", "0", "0");
    ok(hammer(rl, servers, 40, 1, count) == 0, "workers finished on two servers");
    is_int(count[0], 40 * 5, "exactly 5 for each of 40 clients");
    is_int(count[2] + count[3], 0, "no failures");
    long a1 = test_mc_items(&a) - a0, b1 = test_mc_items(&b) - b0;
    ok(a1 > 0 && b1 > 0, "both servers hold counters (%ld and %ld)", a1, b1);
    rl_destroy(rl);

    /* a refusal's undo at a digit boundary (10 << 40 back to 9 << 40) leaves
     * the value padded with a space; it must still read as the previous window */
    window_s = "2";
    rl = make(servers, "open", "9", "0", "0");
    window_s = "3600";
    t = thread_open(rl, servers, &mc);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    long into = (long)(rt.tv_sec % 2) * 1000 + rt.tv_nsec / 1000000;
    if (into > 1500)
        usleep((useconds_t)(2000 - into + 20) * 1000);
    admitted = 0;
    for (int i = 0; i < 10; i++) {
        rl_check(rl, t, "192.0.2.200", NULL, 0, 1, &res, &tk);
        admitted += res.outcome == RL_ADMITTED;
    }
    is_int(admitted, 9, "9 of 10 admitted in a 2 s window");
    clock_gettime(CLOCK_REALTIME, &rt);
    into = (long)(rt.tv_sec % 2) * 1000 + rt.tv_nsec / 1000000;
    usleep((useconds_t)(2000 - into + 20) * 1000);       /* into the next window */
    rl_check(rl, t, "192.0.2.200", NULL, 0, 1, &res, &tk);
    ok(!res.degraded && res.outcome == RL_REFUSED, "the padded previous window is read: still refused (outcome %d, degraded %d)",
       res.outcome, res.degraded);
    thread_close(t, mc);
    rl_destroy(rl);

    /* outages, with the 100 ms timeout. One of two servers dies: its clients
     * move to the survivor. */
    timeout_ms = "100";
    rl = make(servers, "open", "1000", "0", "0");
    t = thread_open(rl, servers, &mc);
    test_mc_kill(&b);
    int64_t t0 = now_ms();
    int moved = 0;
    while (now_ms() - t0 < 5000 && moved < 40) {
        moved = 0;
        for (int i = 0; i < 40; i++) {
            char client[32];
            snprintf(client, sizeof client, "10.0.0.%d", i);
            rl_check(rl, t, client, NULL, 0, 1, &res, &tk);
            moved += res.outcome == RL_ADMITTED && !res.degraded;
        }
        usleep(100 * 1000);
    }
    is_int(moved, 40, "B killed: all 40 clients served by A again after %lld ms", (long long)(now_ms() - t0));
    thread_close(t, mc);
    rl_destroy(rl);

    /* the only server dies: fail open on the per-process fallback */
    snprintf(servers, sizeof servers, "127.0.0.1:%d", a.port);
    rl = make(servers, "open", "50", "0", "0");
    struct rl *closed = make(servers, "closed", "50", "0", "0");
    t = thread_open(rl, servers, &mc);
    struct rl_thread *tc = thread_open(closed, servers, &mcc);
    rl_check(rl, t, "203.0.113.1", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_ADMITTED && !res.degraded, "admitted through memcached");
    int port = a.port;
    test_mc_kill(&a);
    t0 = now_ms();
    rl_check(rl, t, "203.0.113.1", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_ADMITTED && res.degraded && tk.active, "memcached down: fail open");
    ok(now_ms() - t0 < 200, "decided in %lld ms", (long long)(now_ms() - t0));
    admitted = 0;
    for (int i = 0; i < 60; i++) {
        rl_check(rl, t, "203.0.113.2", NULL, 0, 1, &res, &tk);
        admitted += res.outcome == RL_ADMITTED && res.degraded;
    }
    is_int(admitted, 50, "the fallback still limits, per process");
    rl_check(closed, tc, "203.0.113.1", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_UNAVAILABLE && res.retry_ms > 0 && res.retry_ms <= 1000 && !tk.active,
       "RATE_LIMIT_FAIL=closed: unavailable, retry in %llu ms", (unsigned long long)res.retry_ms);

    /* back: used again after RATE_LIMIT_RETRY_S (1 s, plus libmemcached's own
     * whole-second retry clock) without a restart */
    ok(test_mc_start(&a, port) == 0, "memcached A restarted on the same port");
    t0 = now_ms();
    int back = 0, closed_back = 0;
    while (now_ms() - t0 < 4000 && !(back && closed_back)) {
        usleep(100 * 1000);
        if (!back) {
            rl_check(rl, t, "203.0.113.1", NULL, 0, 1, &res, &tk);
            back = res.outcome == RL_ADMITTED && !res.degraded;
        }
        if (!closed_back) {
            rl_check(closed, tc, "203.0.113.1", NULL, 0, 1, &res, &tk);
            closed_back = res.outcome == RL_ADMITTED && !res.degraded;
        }
    }
    ok(back, "memcached used again");
    ok(closed_back, "closed mode admits again (%lld ms after the restart)", (long long)(now_ms() - t0));
    thread_close(t, mc);
    thread_close(tc, mcc);
    rl_destroy(rl);
    rl_destroy(closed);

    /* a slow server: the whole admission stays within the 100 ms budget */
    struct slow_proxy sp = { socket(AF_INET, SOCK_STREAM, 0), a.port, 0 };
    struct sockaddr_in pa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t plen = sizeof pa;
    pthread_t spt;
    if (sp.listen_fd >= 0 && bind(sp.listen_fd, (struct sockaddr *)&pa, sizeof pa) == 0 &&
        listen(sp.listen_fd, 8) == 0 && getsockname(sp.listen_fd, (struct sockaddr *)&pa, &plen) == 0 &&
        pthread_create(&spt, NULL, slow_proxy_run, &sp) == 0) {
        snprintf(servers, sizeof servers, "127.0.0.1:%d", ntohs(pa.sin_port));
        rl = make(servers, "open", "50", "0", "0");
        t = thread_open(rl, servers, &mc);
        t0 = now_ms();
        rl_check(rl, t, "203.0.113.4", NULL, 0, 1, &res, &tk);   /* get + incr + add: 180 ms */
        int64_t took = now_ms() - t0;
        ok(res.outcome == RL_ADMITTED && res.degraded, "slow memcached: fail open");
        ok(took >= 90 && took < 250, "gave up when the 100 ms budget was spent: %lld ms", (long long)took);
        thread_close(t, mc);
        rl_destroy(rl);
        timeout_ms = "1000";
        rl = make(servers, "open", "50", "0", "0");
        t = thread_open(rl, servers, &mc);
        t0 = now_ms();
        rl_check(rl, t, "203.0.113.5", NULL, 0, 1, &res, &tk);
        took = now_ms() - t0;
        ok(res.outcome == RL_ADMITTED && !res.degraded && took >= 120,
           "with a 1 s budget the same admission goes through the proxy: %lld ms", (long long)took);
        thread_close(t, mc);
        rl_destroy(rl);
        timeout_ms = "100";
        atomic_store(&sp.stop, 1);
        pthread_join(spt, NULL);
    } else {
        ok(0, "slow proxy started");
    }
    if (sp.listen_fd >= 0)
        close(sp.listen_fd);

    /* a server that accepts and never answers: no wait beyond the timeout */
    int hung = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t slen = sizeof sa;
    if (hung >= 0 && bind(hung, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(hung, 64) == 0 &&
        getsockname(hung, (struct sockaddr *)&sa, &slen) == 0) {
        snprintf(servers, sizeof servers, "127.0.0.1:%d", ntohs(sa.sin_port));
        rl = make(servers, "open", "50", "0", "0");
        t = thread_open(rl, servers, &mc);
        t0 = now_ms();
        rl_check(rl, t, "203.0.113.3", NULL, 0, 1, &res, &tk);
        int64_t took = now_ms() - t0;
        ok(res.outcome == RL_ADMITTED && res.degraded, "hung memcached: fail open");
        ok(took >= 90 && took < 250, "waited the 100 ms timeout once: %lld ms", (long long)took);
        t0 = now_ms();
        rl_check(rl, t, "203.0.113.3", NULL, 0, 1, &res, &tk);
        ok(now_ms() - t0 < 50 && res.degraded, "then skipped until the retry time: %lld ms",
           (long long)(now_ms() - t0));
        thread_close(t, mc);
        rl_destroy(rl);
    } else {
        ok(0, "listening socket for the hung server");
    }
    if (hung >= 0)
        close(hung);
out:
    test_mc_kill(&a);
    test_mc_kill(&b);
    return tap_done();
}
