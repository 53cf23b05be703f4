#include "ratelimit/rl_window.h"

#include <stdio.h>

typedef unsigned __int128 rl_u128;

void rl_time_at(int64_t now_ms, uint64_t window_ms, struct rl_time *t)
{
    int64_t w = (int64_t)window_ms;
    int64_t idx = now_ms / w;
    if (now_ms % w < 0)       /* a clock before 1970: keep floor semantics */
        idx--;
    t->window = idx;
    t->window_ms = window_ms;
    t->elapsed_ms = (uint64_t)(now_ms - idx * w);
}

/* estimate * W, exactly */
static rl_u128 rl_scaled_use(const struct rl_dim *d, uint64_t cost, const struct rl_time *t)
{
    return ((rl_u128)d->cur + cost) * t->window_ms +
           (rl_u128)d->prev * (t->window_ms - t->elapsed_ms);
}

int rl_dim_fits(const struct rl_dim *d, uint64_t cost, const struct rl_time *t)
{
    if (d->limit == 0)
        return 1;
    return rl_scaled_use(d, cost, t) <= (rl_u128)d->limit * t->window_ms;
}

uint64_t rl_dim_remaining(const struct rl_dim *d, const struct rl_time *t)
{
    rl_u128 cap = (rl_u128)d->limit * t->window_ms, use = rl_scaled_use(d, 0, t);
    return use >= cap ? 0 : (uint64_t)((cap - use) / t->window_ms);
}

uint64_t rl_dim_reset_ms(const struct rl_dim *d, const struct rl_time *t)
{
    uint64_t rest = t->window_ms - t->elapsed_ms;
    if (d->cur > 0)          /* counts until the end of the next window */
        return rest + t->window_ms;
    return d->prev > 0 ? rest : 0;
}

uint64_t rl_dim_retry_ms(const struct rl_dim *d, uint64_t cost, const struct rl_time *t)
{
    if (d->limit == 0 || rl_dim_fits(d, cost, t))
        return 0;
    if (cost > d->limit)
        return RL_NEVER;
    uint64_t wms = t->window_ms, rest = wms - t->elapsed_ms;
    if (d->cur + cost <= d->limit) {
        /* in this window, once prev * (W - e - x) <= (L - cur - cost) * W */
        rl_u128 room = (rl_u128)(d->limit - d->cur - cost) * wms / d->prev;
        return room >= rest ? 0 : rest - (uint64_t)room;
    }
    /* in the next window, where this window's count becomes prev:
     * cur * (W - x) <= (L - cost) * W */
    rl_u128 room = (rl_u128)(d->limit - cost) * wms / d->cur;
    return rest + (room >= wms ? 0 : wms - (uint64_t)room);
}

static void rl_fill_state(const struct rl_dim *d, const struct rl_time *t, struct rl_state *s)
{
    s->limit = d->limit;
    s->remaining = rl_dim_remaining(d, t);
    s->reset_ms = rl_dim_reset_ms(d, t);
}

void rl_judge(const struct rl_dim *req, const struct rl_dim *tok, uint64_t req_cost,
              uint64_t tok_cost, const struct rl_time *t, struct rl_verdict *v)
{
    int req_fits = rl_dim_fits(req, req_cost, t), tok_fits = rl_dim_fits(tok, tok_cost, t);
    v->admitted = req_fits && tok_fits;
    v->too_large = tok->limit != 0 && tok_cost > tok->limit;
    v->refused_tokens = !v->admitted && !tok_fits;
    v->retry_ms = 0;
    if (v->admitted) {
        struct rl_dim r = *req, k = *tok;
        r.cur += req_cost;
        k.cur += tok_cost;
        rl_fill_state(&r, t, &v->req);
        rl_fill_state(&k, t, &v->tok);
        return;
    }
    uint64_t rr = rl_dim_retry_ms(req, req_cost, t), tr = rl_dim_retry_ms(tok, tok_cost, t);
    v->retry_ms = rr > tr ? rr : tr;     /* both estimates only fall while waiting */
    rl_fill_state(req, t, &v->req);
    rl_fill_state(tok, t, &v->tok);
}

int rl_format_duration(uint64_t ms, char *out, size_t n)
{
    if (ms == 0)
        return snprintf(out, n, "0s");
    if (ms < 1000)
        return snprintf(out, n, "%llums", (unsigned long long)ms);
    unsigned long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60;
    unsigned frac = (unsigned)(ms % 1000);
    char hm[48] = "", fs[8] = "";
    if (h)
        snprintf(hm, sizeof hm, "%lluh%llum", h, m);
    else if (m)
        snprintf(hm, sizeof hm, "%llum", m);
    if (frac) {
        int digits = 3;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        snprintf(fs, sizeof fs, ".%0*u", digits, frac);
    }
    return snprintf(out, n, "%s%llu%ss", hm, s, fs);
}
