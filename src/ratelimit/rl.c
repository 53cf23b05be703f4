/* rl: the limiter's process-wide state, its per-thread state, and the decision
 * (rl_check) over the configured store and its fallback. It writes no HTTP:
 * the API layer (src/api/admit.c) turns the decision into the x-ratelimit-*
 * headers and a refusal into the 429 (or 503) with Retry-After. */
#include "ratelimit/rl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "ratelimit/rl_mc.h"
#include "core/sha256.h"

#define RL_FALLBACK_SLOTS 4096

struct rl {
    struct rl_config cfg;
    uint64_t window_ms;
    struct rl_table *table;             /* the local store, or NULL */
    struct rl_table *fallback;          /* with memcached: this process's fallback */
    struct rl_prev_cache *prev;         /* with memcached */
    _Atomic int64_t down_until_ms;      /* memcached is skipped until then */
    _Atomic int64_t last_log_s;         /* store failures are logged once a minute */
};

struct rl_thread {
    struct rl *rl;
    int has_mc;
    struct rl_mc mc;
    struct rl_stats stats;
};

/* Where a decision is made. */
enum rl_backend { RL_B_TABLE, RL_B_FALLBACK, RL_B_MEMCACHED };

struct rl_subject {
    uint8_t id[RL_ID_LEN];
    const struct rl_limits *lim;
};

static int64_t rl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);     /* wall clock: windows align across hosts */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rl_subject_id(char tag, const char *s, size_t n, uint8_t id[RL_ID_LEN])
{
    struct sha256 c;
    uint8_t d[SHA256_LEN];
    char head[2] = { tag, '\0' };
    sha256_init(&c);
    sha256_update(&c, "1min-relay-rl", 13);
    sha256_update(&c, head, 2);
    sha256_update(&c, s, n);
    sha256_final(&c, d);
    memcpy(id, d, RL_ID_LEN);
}

struct rl *rl_create(const struct rl_config *c, unsigned threads, char *err, size_t errlen)
{
    (void)threads;       /* every worker gets its own handle in rl_thread_new */
    err[0] = '\0';
    if (c->store == RL_STORE_OFF)
        return NULL;
    struct rl *rl = calloc(1, sizeof *rl);
    if (!rl) {
        snprintf(err, errlen, "rate limiter: out of memory");
        return NULL;
    }
    rl->cfg = *c;
    rl->window_ms = (uint64_t)c->window_s * 1000;
    if (c->store == RL_STORE_LOCAL) {
        rl->table = rl_table_open_shared(c->local_name, c->local_slots, rl->window_ms,
                                         c->timeout_ms, err, errlen);
        if (!rl->table)
            goto fail;
        return rl;
    }
    rl->fallback = rl_table_new_private(RL_FALLBACK_SLOTS, rl->window_ms, c->timeout_ms, err, errlen);
    if (!rl->fallback)
        goto fail;
    rl->prev = malloc(sizeof *rl->prev);
    if (!rl->prev) {
        snprintf(err, errlen, "rate limiter: out of memory");
        goto fail;
    }
    rl_prev_cache_init(rl->prev);
    return rl;
fail:
    rl_destroy(rl);
    return NULL;
}

void rl_destroy(struct rl *rl)
{
    if (!rl)
        return;
    rl_table_close(rl->table);
    rl_table_close(rl->fallback);
    if (rl->prev) {
        rl_prev_cache_destroy(rl->prev);
        free(rl->prev);
    }
    free(rl);
}

struct rl_thread *rl_thread_new(struct rl *rl, struct memcached_st *mc)
{
    if (!rl)
        return NULL;
    struct rl_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->rl = rl;
    if (rl->cfg.store == RL_STORE_MEMCACHED && mc) {
        rl_mc_init(&t->mc, mc, rl->cfg.key_prefix, rl->window_ms, rl->cfg.timeout_ms);
        t->has_mc = 1;
    }
    return t;
}

void rl_thread_free(struct rl_thread *t)
{
    free(t);
}

void rl_thread_stats(const struct rl_thread *t, struct rl_stats *out)
{
    if (t)
        *out = t->stats;
    else
        memset(out, 0, sizeof *out);
}

uint64_t rl_image_cost(const struct rl *rl)
{
    return rl ? rl->cfg.image_tokens : 0;
}

uint64_t rl_audio_cost(const struct rl *rl)
{
    return rl ? rl->cfg.audio_tokens : 0;
}

unsigned rl_window_seconds(const struct rl *rl)
{
    return rl->cfg.window_s;
}

int rl_client_of(const struct rl *rl, const char *remote_addr, const char *xff, char *out,
                 size_t outlen)
{
    return rl_client_id(remote_addr, xff, rl->cfg.trusted, rl->cfg.ntrusted, rl->cfg.ipv6_prefix,
                        out, outlen);
}

static void rl_log_failure(struct rl *rl, const char *why)
{
    int64_t now = (int64_t)time(NULL), last = atomic_load(&rl->last_log_s);
    if (now - last < 60 || !atomic_compare_exchange_strong(&rl->last_log_s, &last, now))
        return;
    if (rl->cfg.fail == RL_FAIL_CLOSED)
        LOG_ERROR("rate limiter: %s; refusing requests with 503 (RATE_LIMIT_FAIL=closed), "
                  "next try in %u s", why, rl->cfg.retry_s);
    else if (rl->fallback)
        LOG_WARN("rate limiter: %s; limiting per process meanwhile, next try in %u s",
                 why, rl->cfg.retry_s);
    else
        LOG_WARN("rate limiter: %s; this request was not limited", why);
}

static void rl_store_failed(struct rl *rl, struct rl_thread *t, enum rl_backend b, const char *why)
{
    if (t)
        t->stats.store_failures++;
    /* every thread skips the store for a while after a failure that cost time;
     * a handle whose libmemcached already skips the server costs nothing */
    if (b == RL_B_MEMCACHED && !t->mc.skipped)
        atomic_store(&rl->down_until_ms, rl_now_ms() + (int64_t)rl->cfg.retry_s * 1000);
    rl_log_failure(rl, why);
}

static const char *rl_backend_error(struct rl_thread *t, enum rl_backend b)
{
    return b == RL_B_MEMCACHED ? t->mc.error : "a shared-memory lock timed out";
}

static int rl_b_admit(struct rl *rl, struct rl_thread *t, enum rl_backend b,
                      const struct rl_subject *s, uint64_t tokens, const struct rl_time *now,
                      struct rl_verdict *v)
{
    /* a cost above the limit is refused all the same; capping it keeps the
     * packed memcached counter well away from overflow */
    uint64_t cap = s->lim->tokens ? s->lim->tokens + 1 : RL_MC_MAX_TOKENS >> 8;
    uint64_t cost = tokens < cap ? tokens : cap;
    if (b == RL_B_MEMCACHED)
        return rl_mc_admit(&t->mc, rl->prev, s->id, s->lim, 1, cost, now, v);
    return rl_table_admit(b == RL_B_TABLE ? rl->table : rl->fallback, s->id, s->lim, 1, cost, now, v);
}

static void rl_b_undo(struct rl *rl, struct rl_thread *t, enum rl_backend b,
                      const struct rl_subject *s, uint64_t tokens, const struct rl_time *now)
{
    uint64_t cap = s->lim->tokens ? s->lim->tokens + 1 : RL_MC_MAX_TOKENS >> 8;
    uint64_t cost = tokens < cap ? tokens : cap;
    if (b == RL_B_MEMCACHED)
        rl_mc_undo(&t->mc, s->id, now->window, 1, cost);
    else
        rl_table_undo(b == RL_B_TABLE ? rl->table : rl->fallback, s->id, now->window, 1, cost);
}

static int rl_b_charge(struct rl *rl, struct rl_thread *t, enum rl_backend b,
                       const uint8_t id[RL_ID_LEN], uint64_t tokens, const struct rl_time *now)
{
    if (b == RL_B_MEMCACHED)
        return rl_mc_charge(&t->mc, id, now, tokens);
    return rl_table_charge(b == RL_B_TABLE ? rl->table : rl->fallback, id, now, tokens);
}

/* Admit on every subject in turn on backend b, undoing the earlier ones when a
 * later one refuses. *judged = how many verdicts are filled. 0, or -1 when the
 * store failed. */
static int rl_admit_on(struct rl *rl, struct rl_thread *t, enum rl_backend b,
                       const struct rl_subject *s, int n, uint64_t tokens,
                       const struct rl_time *now, struct rl_verdict *v, int *judged)
{
    for (int i = 0; i < n; i++) {
        int rc = rl_b_admit(rl, t, b, &s[i], tokens, now, &v[i]);
        if (rc != 0 || !v[i].admitted) {
            for (int j = 0; j < i; j++)
                rl_b_undo(rl, t, b, &s[j], tokens, now);
            if (rc != 0)
                return -1;
            *judged = i + 1;
            return 0;
        }
    }
    *judged = n;
    return 0;
}

/* The tighter of two reports: the one with less left. */
static void rl_merge_state(struct rl_state *into, const struct rl_state *s)
{
    if (s->limit == 0)
        return;
    if (into->limit == 0 || s->remaining < into->remaining ||
        (s->remaining == into->remaining && s->reset_ms > into->reset_ms))
        *into = *s;
}

static void rl_fill_result(const struct rl_verdict *v, int judged, int n, struct rl_result *res)
{
    const struct rl_verdict *last = &v[judged - 1];
    if (judged == n && last->admitted) {
        res->outcome = RL_ADMITTED;
        for (int i = 0; i < n; i++) {
            rl_merge_state(&res->req, &v[i].req);
            rl_merge_state(&res->tok, &v[i].tok);
        }
        return;
    }
    res->outcome = last->too_large ? RL_TOO_LARGE : RL_REFUSED;
    res->by_key = judged == 2;
    res->on_tokens = last->refused_tokens;
    res->retry_ms = last->too_large ? 0 : last->retry_ms;
    res->req = last->req;
    res->tok = last->tok;
}

/* Whether the store can be asked now: always the table; memcached unless this
 * thread has no handle or the store is resting after a failure. */
static int rl_store_usable(struct rl *rl, const struct rl_thread *t, int64_t now_ms)
{
    return rl->table || (t && t->has_mc && now_ms >= atomic_load(&rl->down_until_ms));
}

void rl_check(struct rl *rl, struct rl_thread *t, const char *client, const char *api_key,
              size_t key_len, uint64_t tokens, struct rl_result *res, struct rl_ticket *ticket)
{
    struct rl_subject s[2];
    struct rl_verdict v[2];
    int n = 1, judged = 0;
    memset(res, 0, sizeof *res);
    memset(ticket, 0, sizeof *ticket);
    res->tokens = tokens;
    rl_subject_id('c', client, strlen(client), s[0].id);
    s[0].lim = &rl->cfg.client;
    if (api_key && key_len && (rl->cfg.key.requests || rl->cfg.key.tokens)) {
        rl_subject_id('k', api_key, key_len, s[1].id);
        s[1].lim = &rl->cfg.key;
        n = 2;
    }
    int64_t now_ms = rl_now_ms();
    struct rl_time now;
    rl_time_at(now_ms, rl->window_ms, &now);

    enum rl_backend b = rl->table ? RL_B_TABLE : RL_B_MEMCACHED;
    if (rl_store_usable(rl, t, now_ms)) {
        uint64_t trips = t ? t->mc.round_trips : 0;
        if (b == RL_B_MEMCACHED)
            rl_mc_begin(&t->mc);
        int rc = rl_admit_on(rl, t, b, s, n, tokens, &now, v, &judged);
        if (t) {
            t->stats.admissions++;
            t->stats.admit_round_trips += t->mc.round_trips - trips;
        }
        if (rc == 0)
            goto decided;
        rl_store_failed(rl, t, b, rl_backend_error(t, b));
    }
    res->degraded = 1;
    if (rl->cfg.fail == RL_FAIL_CLOSED) {
        int64_t until = atomic_load(&rl->down_until_ms), at = rl_now_ms();
        res->outcome = RL_UNAVAILABLE;
        res->retry_ms = until > at ? (uint64_t)(until - at) : 1000;
        return;
    }
    if (!rl->fallback || rl_admit_on(rl, t, RL_B_FALLBACK, s, n, tokens, &now, v, &judged) != 0) {
        res->outcome = RL_ADMITTED;          /* fail open, unlimited: nothing to report */
        return;
    }
decided:
    rl_fill_result(v, judged, n, res);
    if (res->outcome == RL_ADMITTED) {
        ticket->active = 1;
        memcpy(ticket->client, s[0].id, RL_ID_LEN);
        ticket->has_key = n == 2;
        if (n == 2)
            memcpy(ticket->key, s[1].id, RL_ID_LEN);
    }
}

void rl_charge_ticket(struct rl *rl, struct rl_thread *t, const struct rl_ticket *ticket,
                      uint64_t tokens)
{
    if (!rl || !ticket->active || tokens == 0)
        return;
    if (tokens > RL_MC_MAX_TOKENS >> 8)
        tokens = RL_MC_MAX_TOKENS >> 8;
    int64_t now_ms = rl_now_ms();
    struct rl_time now;
    rl_time_at(now_ms, rl->window_ms, &now);
    const uint8_t *ids[2] = { ticket->client, ticket->key };
    int n = ticket->has_key ? 2 : 1, i = 0;
    enum rl_backend b = rl->table ? RL_B_TABLE : RL_B_MEMCACHED;
    if (rl_store_usable(rl, t, now_ms)) {
        uint64_t trips = t ? t->mc.round_trips : 0;
        if (b == RL_B_MEMCACHED)
            rl_mc_begin(&t->mc);
        while (i < n && rl_b_charge(rl, t, b, ids[i], tokens, &now) == 0)
            i++;
        if (t) {
            t->stats.charges++;
            t->stats.charge_round_trips += t->mc.round_trips - trips;
        }
        if (i == n)
            return;
        rl_store_failed(rl, t, b, rl_backend_error(t, b));
    }
    for (; rl->fallback && i < n; i++)
        rl_b_charge(rl, t, RL_B_FALLBACK, ids[i], tokens, &now);
}
