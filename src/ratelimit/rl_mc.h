/* rl_mc: the memcached store of the rate limiter, over libmemcached's text
 * protocol.
 *
 * Each subject has one counter per window, key "<prefix>:rl:<id hex>:<W>:<n>",
 * holding requests << 40 | tokens, so that one atomic incr counts a request and
 * its tokens together. Admission: incr (on NOTFOUND add, on NOTSTORED incr
 * again), judge the value before our own increment, decr it back on refusal.
 * The previous window's value is read once per process and window and then
 * cached (rl_prev_cache), since it no longer changes. Round trips: 1 per
 * admission and 1 per charge in the steady state, plus one get per subject,
 * window and process, plus the undo of a refusal.
 *
 * The connection is not ours: an rl_mc borrows its thread's handle
 * (core/mcconn.h), which the key-value stores use too.
 *
 * Thread rule: an rl_mc (over one libmemcached handle) belongs to one thread;
 * the rl_prev_cache is shared and locked. */
#ifndef RELAY_RATELIMIT_RL_MC_H
#define RELAY_RATELIMIT_RL_MC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ratelimit/rl_table.h"
#include "ratelimit/rl_window.h"

#define RL_MC_TOKEN_BITS 40
#define RL_MC_MAX_TOKENS ((1ULL << RL_MC_TOKEN_BITS) - 1)
#define RL_PREV_CACHE_SIZE 4096

struct memcached_st;

/* Previous-window counters seen by this process. */
struct rl_prev_cache {
    pthread_mutex_t lock;
    struct rl_prev_entry {
        uint8_t id[RL_ID_LEN];
        int64_t window;      /* 0: empty */
        uint64_t value;
    } e[RL_PREV_CACHE_SIZE];
};

void rl_prev_cache_init(struct rl_prev_cache *c);
void rl_prev_cache_destroy(struct rl_prev_cache *c);

struct rl_mc {
    struct memcached_st *mc;       /* borrowed from the worker (core/mcconn.h) */
    const char *prefix;            /* borrowed from the rl */
    uint64_t window_ms;
    unsigned timeout_ms;           /* the time budget of one request */
    int64_t deadline_ms;           /* monotonic end of the current budget */
    int out_of_time;               /* the last failure: the budget ran out */
    uint64_t round_trips;          /* every memcached request made */
    char error[256];               /* what the last failure was */
    int skipped;                   /* it was libmemcached skipping a failed server: no time lost */
};

/* Set m up to count over mc, a handle the caller opened and keeps open for
 * as long as m is used. */
void rl_mc_init(struct rl_mc *m, struct memcached_st *mc, const char *prefix, uint64_t window_ms,
                unsigned timeout_ms);

/* Start the time budget (timeout_ms) of one request: the admit, undo and
 * charge calls that follow, with all their round trips, take at most that
 * long together, since every round trip gets what is left of it as its
 * libmemcached timeout, and none starts once it is spent. */
void rl_mc_begin(struct rl_mc *m);

/* As rl_table_admit, against memcached. Returns 0, or -1 when the store failed
 * (m->error says how; a failure after the increment leaves it counted). */
int rl_mc_admit(struct rl_mc *m, struct rl_prev_cache *pc, const uint8_t id[RL_ID_LEN],
                const struct rl_limits *lim, uint64_t req_cost, uint64_t tok_cost,
                const struct rl_time *now, struct rl_verdict *v);
int rl_mc_undo(struct rl_mc *m, const uint8_t id[RL_ID_LEN], int64_t window, uint64_t req_cost,
               uint64_t tok_cost);
int rl_mc_charge(struct rl_mc *m, const uint8_t id[RL_ID_LEN], const struct rl_time *now,
                 uint64_t tokens);

#endif
