/* rl_window: the sliding-window arithmetic of the rate limiter, free of any
 * store, clock or I/O, so that it can be tested exhaustively.
 *
 * A limit L applies per window of W ms. At elapsed time e into the current
 * window, a subject's usage is estimated as
 *     cur + prev * (W - e) / W
 * (the current window in full, the previous one weighted by how much of it
 * still overlaps the last W ms). A cost c fits when estimate + c <= L. All of
 * it is done in integers (scaled by W), so stores on different hosts agree to
 * the unit.
 *
 * Thread rule: pure functions. */
#ifndef RELAY_RATELIMIT_RL_WINDOW_H
#define RELAY_RATELIMIT_RL_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define RL_NEVER UINT64_MAX      /* a retry time meaning "not by waiting" */

/* Where a moment falls: window index now_ms / window_ms and the ms into it. */
struct rl_time {
    int64_t window;
    uint64_t window_ms;
    uint64_t elapsed_ms;
};
void rl_time_at(int64_t now_ms, uint64_t window_ms, struct rl_time *t);

/* One limited quantity (requests or tokens) of one subject. limit 0 = none. */
struct rl_dim {
    uint64_t limit;
    uint64_t cur;     /* this window, before the request being judged */
    uint64_t prev;    /* the previous window, final */
};

/* 1 when cost fits under the limit now (always when limit is 0). */
int rl_dim_fits(const struct rl_dim *d, uint64_t cost, const struct rl_time *t);
/* What is left under the limit: floor(L - estimate), at least 0. */
uint64_t rl_dim_remaining(const struct rl_dim *d, const struct rl_time *t);
/* ms until the estimate falls to 0 with no further use: the full reset. */
uint64_t rl_dim_reset_ms(const struct rl_dim *d, const struct rl_time *t);
/* ms until cost fits (0 when it fits now); RL_NEVER when cost > limit. */
uint64_t rl_dim_retry_ms(const struct rl_dim *d, uint64_t cost, const struct rl_time *t);

/* A subject's limits per window; 0 = none. */
struct rl_limits {
    uint64_t requests;
    uint64_t tokens;
};

/* What a subject's headers report for one quantity. */
struct rl_state {
    uint64_t limit;          /* 0: not limited, report nothing */
    uint64_t remaining;
    uint64_t reset_ms;
};

/* The judgement of one subject for one request. */
struct rl_verdict {
    int admitted;
    int too_large;           /* the token cost alone exceeds the token limit */
    int refused_tokens;      /* refused on tokens (else on requests), when !admitted */
    uint64_t retry_ms;       /* when !admitted: ms until it would fit, or RL_NEVER */
    struct rl_state req, tok;/* after the request when admitted, else as it stands */
};

/* Judge a request costing req_cost requests and tok_cost tokens against the
 * usage in req/tok (their limit, cur and prev fields). */
void rl_judge(const struct rl_dim *req, const struct rl_dim *tok, uint64_t req_cost,
              uint64_t tok_cost, const struct rl_time *t, struct rl_verdict *v);

/* Format ms as a Go time.Duration string ("0s", "20ms", "1.5s", "6m0s",
 * "1h0m0s", "4m12.172s") into out. Returns the length, as snprintf. */
int rl_format_duration(uint64_t ms, char *out, size_t n);

#endif
