/* The sliding-window arithmetic and the Go duration strings. */
#include <stdint.h>

#include "ratelimit/rl_window.h"
#include "tap.h"

static const char *dur(uint64_t ms)
{
    static char out[64];
    rl_format_duration(ms, out, sizeof out);
    return out;
}

/* elapsed_ms into window 1000; borrowed until the 4th next call */
static const struct rl_time *at(uint64_t window_ms, uint64_t elapsed_ms)
{
    static struct rl_time ring[4];
    static unsigned next;
    struct rl_time *t = &ring[next++ % 4];
    rl_time_at((int64_t)(1000 * window_ms + elapsed_ms), window_ms, t);
    return t;
}

int main(void)
{
    /* Go time.Duration strings, as OpenAI sends them */
    is_str(dur(0), "0s", "0 ms");
    is_str(dur(20), "20ms", "20 ms");
    is_str(dur(999), "999ms", "999 ms");
    is_str(dur(1000), "1s", "1 s");
    is_str(dur(1500), "1.5s", "1.5 s");
    is_str(dur(1050), "1.05s", "trailing zero dropped");
    is_str(dur(1001), "1.001s", "ms kept");
    is_str(dur(59999), "59.999s", "just under a minute");
    is_str(dur(60000), "1m0s", "a minute prints 0s");
    is_str(dur(360000), "6m0s", "6 minutes");
    is_str(dur(252172), "4m12.172s", "4m12.172s");
    is_str(dur(3600000), "1h0m0s", "an hour prints 0m0s");
    is_str(dur(3723400), "1h2m3.4s", "h m s");

    /* time */
    struct rl_time t;
    rl_time_at(125500, 60000, &t);
    is_int(t.window, 2, "window index");
    is_int(t.elapsed_ms, 5500, "elapsed in window");

    /* fits: integer exact boundary. L=10, cur=5, prev=10, e=30s of 60: 5+1+5 = 11 > 10 */
    struct rl_dim d = { 10, 5, 10 };
    t = *at(60000, 30000);
    ok(!rl_dim_fits(&d, 1, &t), "5 + 1 + 10*0.5 does not fit 10");
    t = *at(60000, 36000);   /* weight 0.4: 5+1+4 = 10 */
    ok(rl_dim_fits(&d, 1, &t), "5 + 1 + 10*0.4 fits 10 exactly");
    t = *at(60000, 35999);
    ok(!rl_dim_fits(&d, 1, &t), "one ms earlier it does not");
    is_int(rl_dim_retry_ms(&d, 1, at(60000, 30000)), 6000, "retry: the ms until it fits");
    is_int(rl_dim_retry_ms(&d, 1, at(60000, 36000)), 0, "retry 0 when it fits");

    /* a full current window: retry lands in the next window */
    struct rl_dim full = { 60, 60, 0 };
    t = *at(60000, 59000);
    ok(!rl_dim_fits(&full, 1, &t), "full window refuses");
    /* next window: 60*(60000-x)/60000 <= 59 -> x >= 1000; plus 1000 left now */
    is_int(rl_dim_retry_ms(&full, 1, &t), 2000, "retry spans into the next window");
    struct rl_dim next = { 60, 0, 60 };
    struct rl_time t2 = *at(60000, 1000);
    ok(rl_dim_fits(&next, 1, &t2), "and fits exactly then");
    t2 = *at(60000, 999);
    ok(!rl_dim_fits(&next, 1, &t2), "not a ms before");

    /* no doubling across the boundary: 60 at the end of a window, then at
     * the start of the next almost nothing */
    is_int(rl_dim_remaining(&next, at(60000, 0)), 0, "nothing left at the boundary");
    is_int(rl_dim_remaining(&next, at(60000, 30000)), 30, "half the limit back after half a window");

    /* too large */
    struct rl_dim tok = { 100, 0, 0 };
    is_int(rl_dim_retry_ms(&tok, 101, at(60000, 0)), (long long)RL_NEVER, "cost above the limit never fits");
    ok(rl_dim_fits(&tok, 100, at(60000, 0)), "cost equal to the limit fits an empty window");

    /* reset: until the estimate reaches 0 */
    is_int(rl_dim_reset_ms(&(struct rl_dim){ 10, 1, 0 }, at(60000, 20000)), 100000, "cur counts to the end of the next window");
    is_int(rl_dim_reset_ms(&(struct rl_dim){ 10, 0, 4 }, at(60000, 20000)), 40000, "prev counts to the end of this window");
    is_int(rl_dim_reset_ms(&(struct rl_dim){ 10, 0, 0 }, at(60000, 20000)), 0, "unused: 0");

    /* unlimited */
    struct rl_dim none = { 0, 1000000, 1000000 };
    ok(rl_dim_fits(&none, 1000000, at(60000, 0)), "limit 0 is no limit");

    /* judge */
    struct rl_verdict v;
    struct rl_dim rq = { 3, 2, 0 }, tk = { 1000, 100, 0 };
    t = *at(60000, 10000);
    rl_judge(&rq, &tk, 1, 50, &t, &v);
    ok(v.admitted, "judge admits");
    is_int(v.req.remaining, 0, "remaining requests after admission");
    is_int(v.tok.remaining, 850, "remaining tokens after admission");
    is_int(v.req.reset_ms, 110000, "requests reset");
    rq.cur = 3;
    rl_judge(&rq, &tk, 1, 50, &t, &v);
    ok(!v.admitted && !v.refused_tokens && !v.too_large, "judge refuses on requests");
    is_int(v.req.remaining, 0, "nothing left");
    /* next window: 3*(60000-x) <= 2*60000 -> x >= 20000, plus 50000 left */
    is_int(v.retry_ms, 70000, "retry on requests");
    rq.cur = 0;
    rl_judge(&rq, &tk, 1, 901, &t, &v);
    ok(!v.admitted && v.refused_tokens && !v.too_large, "judge refuses on tokens");
    rl_judge(&rq, &tk, 1, 1001, &t, &v);
    ok(!v.admitted && v.too_large && v.retry_ms == RL_NEVER, "judge: larger than the limit is never");
    return tap_done();
}
