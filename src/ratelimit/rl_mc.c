#include "ratelimit/rl_mc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmemcached/memcached.h>

#define RL_MC_KEY_MAX 250

void rl_prev_cache_init(struct rl_prev_cache *c)
{
    pthread_mutex_init(&c->lock, NULL);
    memset(c->e, 0, sizeof c->e);
}

void rl_prev_cache_destroy(struct rl_prev_cache *c)
{
    pthread_mutex_destroy(&c->lock);
}

static struct rl_prev_entry *rl_prev_slot(struct rl_prev_cache *c, const uint8_t id[RL_ID_LEN])
{
    uint64_t h;
    memcpy(&h, id + 8, sizeof h);    /* the table hashes the first half */
    return &c->e[h % RL_PREV_CACHE_SIZE];
}

static int rl_prev_get(struct rl_prev_cache *c, const uint8_t id[RL_ID_LEN], int64_t window,
                       uint64_t *value)
{
    int hit = 0;
    pthread_mutex_lock(&c->lock);
    struct rl_prev_entry *e = rl_prev_slot(c, id);
    if (e->window == window && memcmp(e->id, id, RL_ID_LEN) == 0) {
        *value = e->value;
        hit = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void rl_prev_put(struct rl_prev_cache *c, const uint8_t id[RL_ID_LEN], int64_t window,
                        uint64_t value)
{
    pthread_mutex_lock(&c->lock);
    struct rl_prev_entry *e = rl_prev_slot(c, id);
    memcpy(e->id, id, RL_ID_LEN);
    e->window = window;
    e->value = value;
    pthread_mutex_unlock(&c->lock);
}

void rl_mc_init(struct rl_mc *m, struct memcached_st *mc, const char *prefix, uint64_t window_ms,
                unsigned timeout_ms)
{
    memset(m, 0, sizeof *m);
    m->mc = mc;
    m->prefix = prefix;
    m->window_ms = window_ms;
    m->timeout_ms = timeout_ms;
}

static size_t rl_mc_key(const struct rl_mc *m, const uint8_t id[RL_ID_LEN], int64_t window,
                        char key[RL_MC_KEY_MAX + 1])
{
    char hex[2 * RL_ID_LEN + 1];
    for (int i = 0; i < RL_ID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    int n = snprintf(key, RL_MC_KEY_MAX + 1, "%s:rl:%s:%llu:%lld", m->prefix, hex,
                     (unsigned long long)(m->window_ms / 1000), (long long)window);
    return (size_t)n;      /* prefix <= 64 bytes: always fits */
}

static int64_t rl_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rl_mc_begin(struct rl_mc *m)
{
    m->deadline_ms = rl_mono_ms() + m->timeout_ms;
    m->out_of_time = 0;
}

/* Before a round trip: hand libmemcached what is left of the budget. 0, or
 * -1 when nothing is left. */
static int rl_mc_budget(struct rl_mc *m)
{
    int64_t left = m->deadline_ms - rl_mono_ms();
    if (left <= 0) {
        m->out_of_time = 1;
        return -1;
    }
    memcached_behavior_set(m->mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, (uint64_t)left);
    memcached_behavior_set(m->mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, (uint64_t)left);
    m->round_trips++;
    return 0;
}

static int rl_mc_fail(struct rl_mc *m, const char *op, memcached_return_t rc)
{
    if (m->out_of_time)
        snprintf(m->error, sizeof m->error, "memcached %s: no answer within RATE_LIMIT_TIMEOUT_MS "
                 "(%u ms)", op, m->timeout_ms);
    else
        snprintf(m->error, sizeof m->error, "memcached %s: %s", op,
                 rc == MEMCACHED_SUCCESS ? "unexpected reply" : memcached_last_error_message(m->mc));
    /* libmemcached skipping a server it saw fail costs no time */
    m->skipped = rc == MEMCACHED_SERVER_TEMPORARILY_DISABLED || rc == MEMCACHED_SERVER_MARKED_DEAD ||
                 rc == MEMCACHED_NO_SERVERS;
    return -1;
}

/* A broken connection (typically one left over from before a memcached
 * restart) is worth one immediate retry on a fresh connection. A timeout is
 * not: the request may be sitting in the server. A retried incr that did
 * reach the server counts twice, which errs on the safe side. */
static int rl_mc_retry(memcached_return_t rc)
{
    return rc == MEMCACHED_CONNECTION_FAILURE || rc == MEMCACHED_WRITE_FAILURE ||
           rc == MEMCACHED_READ_FAILURE || rc == MEMCACHED_UNKNOWN_READ_FAILURE ||
           rc == MEMCACHED_ERRNO || rc == MEMCACHED_PARTIAL_READ;
}

static memcached_return_t rl_mc_incr(struct rl_mc *m, const char *key, size_t klen, uint64_t delta,
                                     uint64_t *value)
{
    memcached_return_t rc;
    int attempt = 0;
    do {
        if (rl_mc_budget(m) != 0)
            return MEMCACHED_TIMEOUT;
        rc = memcached_increment_by_key(m->mc, key, klen, key, klen, delta, value);
    } while (attempt++ == 0 && rl_mc_retry(rc));
    return rc;
}

/* TTL: the window as current, the next one as previous, and some slack. */
static time_t rl_mc_ttl(const struct rl_mc *m)
{
    return (time_t)(2 * m->window_ms / 1000 + 10);
}

/* Add delta to key, creating it with the window's TTL on first use. */
static int rl_mc_add_to(struct rl_mc *m, const char *key, size_t klen, uint64_t delta,
                        uint64_t *value)
{
    memcached_return_t rc = rl_mc_incr(m, key, klen, delta, value);
    if (rc == MEMCACHED_SUCCESS)
        return 0;
    if (rc != MEMCACHED_NOTFOUND)
        return rl_mc_fail(m, "incr", rc);
    char text[24];
    int tlen = snprintf(text, sizeof text, "%llu", (unsigned long long)delta);
    if (rl_mc_budget(m) != 0)
        return rl_mc_fail(m, "add", MEMCACHED_TIMEOUT);
    rc = memcached_add_by_key(m->mc, key, klen, key, klen, text, (size_t)tlen, rl_mc_ttl(m), 0);
    if (rc == MEMCACHED_SUCCESS) {
        *value = delta;
        return 0;
    }
    if (rc != MEMCACHED_NOTSTORED && rc != MEMCACHED_DATA_EXISTS)
        return rl_mc_fail(m, "add", rc);
    rc = rl_mc_incr(m, key, klen, delta, value);     /* another worker created it first */
    return rc == MEMCACHED_SUCCESS ? 0 : rl_mc_fail(m, "incr", rc);
}

static int rl_mc_get(struct rl_mc *m, const char *key, size_t klen, uint64_t *value)
{
    size_t vlen = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v;
    int attempt = 0;
    do {
        if (rl_mc_budget(m) != 0)
            return rl_mc_fail(m, "get", MEMCACHED_TIMEOUT);
        v = memcached_get_by_key(m->mc, key, klen, key, klen, &vlen, &flags, &rc);
    } while (!v && attempt++ == 0 && rl_mc_retry(rc));
    if (!v) {
        if (rc != MEMCACHED_NOTFOUND)
            return rl_mc_fail(m, "get", rc);
        *value = 0;
        return 0;
    }
    char text[24];
    int ok = vlen > 0 && vlen < sizeof text;
    if (ok) {
        memcpy(text, v, vlen);
        text[vlen] = '\0';
        char *end;
        *value = strtoull(text, &end, 10);
        while (*end == ' ')      /* memcached pads a value that a decr made shorter */
            end++;
        ok = *end == '\0' && isdigit((unsigned char)text[0]);
    }
    free(v);
    return ok ? 0 : rl_mc_fail(m, "get", MEMCACHED_SUCCESS);
}

static uint64_t rl_pack(uint64_t req, uint64_t tok)
{
    return req << RL_MC_TOKEN_BITS | tok;
}

int rl_mc_admit(struct rl_mc *m, struct rl_prev_cache *pc, const uint8_t id[RL_ID_LEN],
                const struct rl_limits *lim, uint64_t req_cost, uint64_t tok_cost,
                const struct rl_time *now, struct rl_verdict *v)
{
    char key[RL_MC_KEY_MAX + 1];
    size_t klen;
    uint64_t prev = 0;
    if (!rl_prev_get(pc, id, now->window - 1, &prev)) {
        klen = rl_mc_key(m, id, now->window - 1, key);
        if (rl_mc_get(m, key, klen, &prev) != 0)
            return -1;
        /* right at the boundary an undo of the last window may be in flight:
         * cache what is read from 100 ms on */
        if (now->elapsed_ms >= 100)
            rl_prev_put(pc, id, now->window - 1, prev);
    }
    uint64_t cost = rl_pack(req_cost, tok_cost), after;
    klen = rl_mc_key(m, id, now->window, key);
    if (rl_mc_add_to(m, key, klen, cost, &after) != 0)
        return -1;
    if (after < cost) {
        snprintf(m->error, sizeof m->error, "memcached: counter %.128s went backwards", key);
        return -1;
    }
    uint64_t before = after - cost;   /* includes every increment that came before ours */
    struct rl_dim req = { lim->requests, before >> RL_MC_TOKEN_BITS, prev >> RL_MC_TOKEN_BITS };
    struct rl_dim tok = { lim->tokens, before & RL_MC_MAX_TOKENS, prev & RL_MC_MAX_TOKENS };
    rl_judge(&req, &tok, req_cost, tok_cost, now, v);
    if (!v->admitted)
        rl_mc_undo(m, id, now->window, req_cost, tok_cost);   /* failure: we stay counted */
    return 0;
}

int rl_mc_undo(struct rl_mc *m, const uint8_t id[RL_ID_LEN], int64_t window, uint64_t req_cost,
               uint64_t tok_cost)
{
    char key[RL_MC_KEY_MAX + 1];
    size_t klen = rl_mc_key(m, id, window, key);
    uint64_t value;
    if (rl_mc_budget(m) != 0)
        return rl_mc_fail(m, "decr", MEMCACHED_TIMEOUT);
    memcached_return_t rc = memcached_decrement_by_key(m->mc, key, klen, key, klen,
                                                       rl_pack(req_cost, tok_cost), &value);
    return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND ? 0 : rl_mc_fail(m, "decr", rc);
}

int rl_mc_charge(struct rl_mc *m, const uint8_t id[RL_ID_LEN], const struct rl_time *now,
                 uint64_t tokens)
{
    char key[RL_MC_KEY_MAX + 1];
    size_t klen = rl_mc_key(m, id, now->window, key);
    uint64_t value;
    return rl_mc_add_to(m, key, klen, tokens, &value);
}
