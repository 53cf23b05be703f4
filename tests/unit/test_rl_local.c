/* The local (shared-memory) store: exact across processes and threads, a
 * sliding window with truthful retry times, and no deadlock when a process
 * dies holding a lock. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg.h"
#include "ratelimit/rl.h"
#include "tap.h"

#define PROCS 4
#define THREADS 4
#define TRIES 120

static char shm_name[64];

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct rl *make(const char *rpm, const char *tpm, const char *window, const char *slots)
{
    struct rl_config c;
    char err[CFG_ERR_LEN];
    setenv("RATE_LIMIT_STORE", "local", 1);
    setenv("RATE_LIMIT_LOCAL_NAME", shm_name + 1, 1);
    setenv("RATE_LIMIT_RPM", rpm, 1);
    setenv("RATE_LIMIT_TPM", tpm, 1);
    setenv("RATE_LIMIT_WINDOW_S", window, 1);
    setenv("RATE_LIMIT_LOCAL_SLOTS", slots, 1);
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

struct hammer {
    struct rl *rl;
    const char *client;
    uint64_t tokens;
    _Atomic long *admitted;     /* in shared memory across the processes */
    _Atomic long *refused;
    _Atomic long *bad;          /* a refusal without a retry time, or a failure */
};

static void *hammer_thread(void *arg)
{
    struct hammer *h = arg;
    struct rl_thread *t = rl_thread_new(h->rl, NULL);
    for (int i = 0; i < TRIES; i++) {
        struct rl_result res;
        struct rl_ticket tk;
        rl_check(h->rl, t, h->client, NULL, 0, h->tokens, &res, &tk);
        if (res.outcome == RL_ADMITTED && !res.degraded && tk.active)
            atomic_fetch_add(h->admitted, 1);
        else if (res.outcome == RL_REFUSED && res.retry_ms > 0)
            atomic_fetch_add(h->refused, 1);
        else
            atomic_fetch_add(h->bad, 1);
    }
    rl_thread_free(t);
    return NULL;
}

/* PROCS processes x THREADS threads, TRIES each; returns the admitted count. */
static long hammer(struct rl *rl, const char *client, uint64_t tokens, long *refused, long *bad)
{
    _Atomic long *shared = mmap(NULL, 3 * sizeof(long), PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return -1;
    atomic_store(&shared[0], 0);
    atomic_store(&shared[1], 0);
    atomic_store(&shared[2], 0);
    struct hammer h = { rl, client, tokens, &shared[0], &shared[1], &shared[2] };
    pid_t pids[PROCS];
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
    int clean = 1;
    for (int p = 0; p < PROCS; p++) {
        int st;
        if (pids[p] < 0 || waitpid(pids[p], &st, 0) != pids[p] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            clean = 0;
    }
    long admitted = clean ? atomic_load(&shared[0]) : -1;
    *refused = atomic_load(&shared[1]);
    *bad = atomic_load(&shared[2]);
    munmap(shared, 3 * sizeof(long));
    return admitted;
}

/* Sleep until at most `margin` ms have passed in the current window of w ms. */
static void window_start(int64_t w, int64_t margin)
{
    int64_t e = now_ms() % w;
    if (e > margin)
        usleep((useconds_t)((w - e + 20) * 1000));
}

int main(void)
{
    snprintf(shm_name, sizeof shm_name, "/rltest-local-%ld", (long)getpid());
    shm_unlink(shm_name);

    /* exactness: 16 workers in 4 processes, 1920 tries, limit 50 */
    struct rl *rl = make("50", "0", "3600", "4096");
    ok(rl != NULL, "local limiter created");
    if (!rl)
        return tap_done();
    long refused, bad;
    window_start(3600000, 3590000);
    long admitted = hammer(rl, "192.0.2.1", 1, &refused, &bad);
    is_int(admitted, 50, "exactly RPM admitted across %d processes x %d threads", PROCS, THREADS);
    is_int(refused, PROCS * THREADS * TRIES - 50, "the rest refused with a retry time");
    is_int(bad, 0, "no failures");

    /* tokens: 7 per request, TPM 700 and no request limit -> exactly 100 */
    rl_destroy(rl);
    shm_unlink(shm_name);
    rl = make("0", "700", "3600", "4096");
    admitted = hammer(rl, "192.0.2.2", 7, &refused, &bad);
    is_int(admitted, 100, "exactly TPM / cost admitted");
    is_int(bad, 0, "no failures");

    /* another client is not affected; headers report the state */
    struct rl_result res;
    struct rl_ticket tk;
    struct rl_thread *t = rl_thread_new(rl, NULL);
    rl_check(rl, t, "192.0.2.3", NULL, 0, 100, &res, &tk);
    ok(res.outcome == RL_ADMITTED && tk.active, "another client admitted");
    is_int(res.tok.limit, 700, "token limit reported");
    is_int(res.tok.remaining, 600, "remaining tokens after the prompt");
    is_int(res.req.limit, 0, "no request limit reported when off");
    rl_charge_ticket(rl, t, &tk, 250);
    rl_check(rl, t, "192.0.2.3", NULL, 0, 0, &res, &tk);
    is_int(res.tok.remaining, 350, "the completion's 250 tokens were charged");
    rl_check(rl, t, "192.0.2.3", NULL, 0, 701, &res, &tk);
    ok(res.outcome == RL_TOO_LARGE && res.retry_ms == 0 && res.tok.limit == 700,
       "a prompt larger than TPM is too large, not retryable");
    int64_t before = now_ms();
    rl_check(rl, t, "192.0.2.3", NULL, 0, 351, &res, &tk);
    int64_t after = now_ms();
    /* 350 used + 351 > 700: fits once 350 * (W - x) / W <= 349 in the next window */
    int64_t hi = 3600000 - before % 3600000 + 10286, lo = 3600000 - after % 3600000 + 10286;
    ok(res.outcome == RL_REFUSED && res.on_tokens, "over the remaining tokens: refused on tokens");
    ok((int64_t)res.retry_ms >= lo && (int64_t)res.retry_ms <= hi,
       "retry in the next window: %llu ms, expected %lld..%lld",
       (unsigned long long)res.retry_ms, (long long)lo, (long long)hi);
    rl_thread_free(t);

    /* geometry must match */
    char err[CFG_ERR_LEN];
    struct rl_table *other = rl_table_open_shared(shm_name, 8192, 3600000, 100, err, sizeof err);
    ok(!other && strstr(err, "RATE_LIMIT_LOCAL_SLOTS"), "another slot count is refused: %s", err);
    other = rl_table_open_shared(shm_name, 4096, 60000, 100, err, sizeof err);
    ok(!other && strstr(err, "RATE_LIMIT_WINDOW_S"), "another window is refused: %s", err);
    rl_destroy(rl);
    shm_unlink(shm_name);

    /* a process killed while it holds every lock of a small table */
    rl = make("5", "0", "3600", "64");
    int ready[2];
    if (pipe(ready) != 0)
        return tap_done();
    pid_t pid = fork();
    if (pid == 0) {
        struct rl_table *tb = rl_table_open_shared(shm_name, 64, 3600000, 100, err, sizeof err);
        struct rl_hold h[8];
        for (uint8_t b = 0; tb && b < 8; b++) {
            uint8_t id[RL_ID_LEN] = { b, 0, 0, 0, 0, 0, 0, 0, 1 };
            if (rl_table_acquire(tb, id, 1, &h[b]) != 0)
                _exit(1);
        }
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char c;
    ok(read(ready[0], &c, 1) == 1, "child holds all 8 bucket locks");
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child killed by SIGKILL");
    int64_t t0 = now_ms();
    int admitted_after = 0;
    for (int i = 0; i < 8; i++) {
        char client[32];
        snprintf(client, sizeof client, "198.51.100.%d", i);
        rl_check(rl, NULL, client, NULL, 0, 1, &res, &tk);
        admitted_after += res.outcome == RL_ADMITTED && !res.degraded;
    }
    ok(now_ms() - t0 < 1000, "no deadlock: 8 checks took %lld ms", (long long)(now_ms() - t0));
    is_int(admitted_after, 8, "every bucket usable after the owner died");
    close(ready[0]);
    close(ready[1]);
    rl_destroy(rl);
    shm_unlink(shm_name);

    /* a sliding window of 2 s: the retry time is true to the ms */
    rl = make("4", "0", "2", "64");
    window_start(2000, 100);
    int n = 0;
    for (int i = 0; i < 4; i++) {
        rl_check(rl, NULL, "203.0.113.50", NULL, 0, 1, &res, &tk);
        n += res.outcome == RL_ADMITTED;
    }
    is_int(n, 4, "4 admitted at the start of a window");
    is_int(res.req.remaining, 0, "none remaining");
    before = now_ms();
    rl_check(rl, NULL, "203.0.113.50", NULL, 0, 1, &res, &tk);
    after = now_ms();
    ok(res.outcome == RL_REFUSED && !res.on_tokens, "the 5th is refused");
    /* the rest of this window, then W/L = 500 ms of the next */
    lo = 2000 - after % 2000 + 500;
    hi = 2000 - before % 2000 + 500;
    ok((int64_t)res.retry_ms >= lo && (int64_t)res.retry_ms <= hi, "retry %llu ms, expected %lld..%lld",
       (unsigned long long)res.retry_ms, (long long)lo, (long long)hi);
    int64_t retry_at = after + (int64_t)res.retry_ms;
    usleep((useconds_t)(res.retry_ms > 200 ? res.retry_ms - 200 : 0) * 1000);
    rl_check(rl, NULL, "203.0.113.50", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_REFUSED || now_ms() >= retry_at, "still refused just before the retry time");
    while (now_ms() < retry_at + 60)
        usleep(10 * 1000);
    rl_check(rl, NULL, "203.0.113.50", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_ADMITTED, "admitted once the retry time has passed");
    rl_check(rl, NULL, "203.0.113.50", NULL, 0, 1, &res, &tk);
    ok(res.outcome == RL_REFUSED, "and only one: the window slides, it does not reset");
    rl_destroy(rl);
    shm_unlink(shm_name);
    return tap_done();
}
