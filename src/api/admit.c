/* admit: the limiter's decision for a request, as headers and errors; see admit.h. */
#include "api/admit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/record.h"
#include "http/resp.h"

static void admit_header_u64(struct relay_req *r, const char *name, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, v);
    resp_add_header(r, name, text);
}

static void admit_header_duration(struct relay_req *r, const char *name, uint64_t ms)
{
    char text[48];
    rl_format_duration(ms, text, sizeof text);
    resp_add_header(r, name, text);
}

static void admit_state(struct relay_req *r, const struct rl_state *s, const char *what)
{
    char name[48];
    if (s->limit == 0)
        return;
    snprintf(name, sizeof name, "x-ratelimit-limit-%s", what);
    admit_header_u64(r, name, s->limit);
    snprintf(name, sizeof name, "x-ratelimit-remaining-%s", what);
    admit_header_u64(r, name, s->remaining);
    snprintf(name, sizeof name, "x-ratelimit-reset-%s", what);
    admit_header_duration(r, name, s->reset_ms);
}

static void admit_retry(struct relay_req *r, uint64_t ms)
{
    admit_header_u64(r, "retry-after", (ms + 999) / 1000);   /* whole seconds, never early */
    admit_header_u64(r, "retry-after-ms", ms);
}

/* "minute" or "30 seconds": the window in words, for messages. */
static void admit_window_words(const struct rl *rl, char *out, size_t n)
{
    unsigned w = rl_window_seconds(rl);
    if (w == 60)
        snprintf(out, n, "minute");
    else
        snprintf(out, n, "%u seconds", w);
}

int admit_request(struct relay_req *r, const char *api_key, size_t key_len, uint64_t tokens,
                  struct rl_ticket *t, struct relay_err *e)
{
    struct rl_result res;
    return admit_request_res(r, api_key, key_len, tokens, t, &res, e);
}

int admit_request_res(struct relay_req *r, const char *api_key, size_t key_len, uint64_t tokens,
                      struct rl_ticket *t, struct rl_result *out, struct relay_err *e)
{
    struct rl *rl = r->app->rl;
    char client[80], per[32], wait[48];
    memset(out, 0, sizeof *out);
    struct rl_result res = *out;
    if (!rl) {
        t->active = 0;
        return 0;
    }
    rl_client_of(rl, r->client_ip, req_header(r, "X-Forwarded-For"), client, sizeof client);
    rl_check(rl, r->w ? r->w->rl : NULL, client, api_key, key_len, tokens, &res, t);
    record_ratelimit(res.outcome == RL_ADMITTED ? "admitted" : res.outcome == RL_UNAVAILABLE ? "refused_store"
                     : res.outcome == RL_TOO_LARGE || res.on_tokens ? "refused_tokens" : "refused_requests");
    *out = res;
    admit_state(r, &res.req, "requests");
    admit_state(r, &res.tok, "tokens");
    admit_window_words(rl, per, sizeof per);
    rl_format_duration(res.retry_ms, wait, sizeof wait);
    const char *whose = res.by_key ? " for this API key" : "";
    switch (res.outcome) {
    case RL_ADMITTED:
        return 0;
    case RL_REFUSED: {
        const struct rl_state *s = res.on_tokens ? &res.tok : &res.req;
        admit_retry(r, res.retry_ms);
        if (res.on_tokens)
            return err_set(e, 429, "rate_limit_error", "rate_limit_exceeded", NULL,
                           "Rate limit reached for tokens per %s%s: limit %" PRIu64 ", remaining %"
                           PRIu64 ", requested %" PRIu64 ". Please try again in %s.",
                           per, whose, s->limit, s->remaining, res.tokens, wait);
        return err_set(e, 429, "rate_limit_error", "rate_limit_exceeded", NULL,
                       "Rate limit reached for requests per %s%s: limit %" PRIu64
                       ". Please try again in %s.", per, whose, s->limit, wait);
    }
    case RL_TOO_LARGE:
        resp_add_header(r, "x-should-retry", "false");
        return err_set(e, 429, "rate_limit_error", "rate_limit_exceeded", NULL,
                       "Request too large: it needs %" PRIu64 " tokens, but the limit%s is %" PRIu64
                       " tokens per %s, so it can never be admitted. Reduce the prompt or max_tokens.",
                       res.tokens, whose, res.tok.limit, per);
    case RL_UNAVAILABLE:
        admit_retry(r, res.retry_ms);
        return err_set(e, 503, "service_unavailable", "rate_limiter_unavailable", NULL,
                       "The rate limiter is unavailable. Please try again in %s.", wait);
    }
    return err_set(e, 500, NULL, NULL, NULL, "The rate limiter gave no decision");
}

void admit_charge(struct relay_req *r, const struct rl_ticket *t, uint64_t tokens)
{
    rl_charge_ticket(r->app->rl, r->w ? r->w->rl : NULL, t, tokens);
}
