/* bench-rl, part 1: what the limiter costs per request, in-process, for the
 * stores off, local and memcached (a memcached started here), with the
 * memcached round trips per admission and per completion charge.
 *
 * Each of RL_BENCH_THREADS (4) threads plays requests from CLIENTS distinct clients:
 * identify the client, admit with a prompt of 50 tokens, charge 100
 * completion tokens. Limits are high enough that nothing is refused.
 * Run: make bench-rl (or tests/bench/rl_bench [requests per thread]). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/cfg.h"
#include "core/mcconn.h"
#include "ratelimit/rl.h"
#include "rl_test_memcached.h"

#define MAX_THREADS 64
#define CLIENTS 1000

static int threads = 4;       /* RL_BENCH_THREADS */

struct run {
    struct rl *rl;
    const struct mcconn_config *mc;     /* memcached: each thread opens its handle */
    long requests;
    struct rl_stats stats;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    struct run *r = arg;
    char err[CFG_ERR_LEN];
    struct memcached_st *mc = r->mc ? mcconn_open(r->mc, err, sizeof err) : NULL;
    if (r->mc && !mc) {
        fprintf(stderr, "rl_bench: %s\n", err);
        exit(1);
    }
    struct rl_thread *t = rl_thread_new(r->rl, mc);
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (long i = 0; i < r->requests; i++) {
        char peer[32], client[80];
        struct rl_result res;
        struct rl_ticket tk;
        unsigned c = (unsigned)rand_r(&seed) % CLIENTS;
        snprintf(peer, sizeof peer, "10.1.%u.%u", c / 256, c % 256);
        if (!r->rl)
            continue;           /* off: what the relay does with app->rl == NULL */
        rl_client_of(r->rl, peer, NULL, client, sizeof client);
        rl_check(r->rl, t, client, NULL, 0, 50, &res, &tk);
        if (res.outcome != RL_ADMITTED || res.degraded) {
            fprintf(stderr, "rl_bench: unexpected outcome %d (degraded %d)\n", res.outcome, res.degraded);
            exit(1);
        }
        rl_charge_ticket(r->rl, t, &tk, 100);
    }
    rl_thread_stats(t, &r->stats);
    rl_thread_free(t);
    mcconn_close(mc);
    return NULL;
}

/* One store: returns ns per request per thread, and fills the totals. */
static double measure(const char *store, long per_thread, struct rl_stats *sum)
{
    struct rl_config c;
    char err[CFG_ERR_LEN], name[64];
    snprintf(name, sizeof name, "rl-bench-%ld", (long)getpid());
    setenv("RATE_LIMIT_STORE", store, 1);
    setenv("RATE_LIMIT_LOCAL_NAME", name, 1);
    setenv("RATE_LIMIT_KEY_PREFIX", name, 1);
    setenv("RATE_LIMIT_RPM", "1000000", 1);
    setenv("RATE_LIMIT_TPM", "4000000000", 1);
    setenv("RATE_LIMIT_TIMEOUT_MS", "2000", 1);
    if (rl_config_load(&c, err, sizeof err) != 0) {
        fprintf(stderr, "rl_bench: %s\n", err);
        exit(1);
    }
    static struct mcconn_config mcfg;
    int has_mc = rl_memcached_config(&c, &mcfg, err, sizeof err);
    struct rl *rl = has_mc < 0 ? NULL : rl_create(&c, (unsigned)threads, err, sizeof err);
    if (!rl && err[0]) {
        fprintf(stderr, "rl_bench: %s\n", err);
        exit(1);
    }
    struct run runs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        runs[i] = (struct run){ rl, has_mc > 0 ? &mcfg : NULL, per_thread, { 0 } };
        pthread_create(&th[i], NULL, worker, &runs[i]);
    }
    memset(sum, 0, sizeof *sum);
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        sum->admissions += runs[i].stats.admissions;
        sum->charges += runs[i].stats.charges;
        sum->admit_round_trips += runs[i].stats.admit_round_trips;
        sum->charge_round_trips += runs[i].stats.charge_round_trips;
        sum->store_failures += runs[i].stats.store_failures;
    }
    double secs = now_s() - t0;
    rl_destroy(rl);
    char path[80];
    snprintf(path, sizeof path, "/%s", name);
    shm_unlink(path);
    return secs * 1e9 / (double)per_thread;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    const char *env_threads = getenv("RL_BENCH_THREADS");
    if (env_threads && atoi(env_threads) > 0 && atoi(env_threads) <= MAX_THREADS)
        threads = atoi(env_threads);
    struct test_mc mc = { -1, 0 };
    char store[64];
    struct rl_stats off_s, local_s, mc_s;
    if (test_mc_start(&mc, 0) != 0) {
        fprintf(stderr, "rl_bench: cannot start memcached\n");
        return 1;
    }
    snprintf(store, sizeof store, "memcached://127.0.0.1:%d", mc.port);
    measure("local", n / 10, &local_s);              /* warm up */
    double off = measure("off", n, &off_s);
    double local = measure("local", n, &local_s);
    double mcd = measure(store, n / 4, &mc_s);       /* network bound: fewer */
    test_mc_kill(&mc);

    printf("rate limiter cost per request (%d threads, %d clients, admit + charge):\n", threads, CLIENTS);
    printf("  %-10s %10.0f ns/request per thread\n", "off", off);
    printf("  %-10s %10.0f ns/request per thread   (+%.1f us)\n", "local", local, (local - off) / 1000);
    printf("  %-10s %10.0f ns/request per thread   (+%.1f us)\n", "memcached", mcd, (mcd - off) / 1000);
    printf("memcached round trips: %.2f per admission (%llu / %llu), %.2f per charge (%llu / %llu), %llu failures\n",
           (double)mc_s.admit_round_trips / (double)(mc_s.admissions ? mc_s.admissions : 1),
           (unsigned long long)mc_s.admit_round_trips, (unsigned long long)mc_s.admissions,
           (double)mc_s.charge_round_trips / (double)(mc_s.charges ? mc_s.charges : 1),
           (unsigned long long)mc_s.charge_round_trips, (unsigned long long)mc_s.charges,
           (unsigned long long)mc_s.store_failures);
    printf("RL_LOCAL_NS=%.0f RL_MEMCACHED_NS=%.0f RL_OFF_NS=%.0f\n", local, mcd, off);
    /* a charge costs 2 when it is the first use of a new window (incr, add) */
    int bad = mc_s.admissions == 0 || mc_s.admit_round_trips > 3 * mc_s.admissions ||
              mc_s.charge_round_trips * 100 > mc_s.charges * 101;
    if (bad)
        printf("GOAL MISSED: more than 3 round trips per admission or 1 per charge on average\n");
    return bad;
}
