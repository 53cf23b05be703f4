/* anthropic: the Messages API's HTTP surface: its rate-limit headers. */
#include "api/anthropic.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "http/resp.h"
#include "ratelimit/rl.h"

int anth_rfc3339(long long t_ms, char *out, size_t n)
{
    time_t t = (time_t)((t_ms + 999) / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    size_t len = strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return len ? (int)len : -1;
}

static void anth_rl_state(struct relay_req *r, const struct rl_state *s, const char *what, long long now_ms)
{
    char name[64], value[48];
    if (s->limit == 0)
        return;
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-limit", what);
    snprintf(value, sizeof value, "%" PRIu64, s->limit);
    resp_add_header(r, name, value);
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-remaining", what);
    snprintf(value, sizeof value, "%" PRIu64, s->remaining);
    resp_add_header(r, name, value);
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-reset", what);
    if (anth_rfc3339(now_ms + (long long)s->reset_ms, value, sizeof value) > 0)
        resp_add_header(r, name, value);
}

void anth_ratelimit_headers(struct relay_req *r, const struct rl_result *res, long long now_ms)
{
    char value[32];
    anth_rl_state(r, &res->req, "requests", now_ms);
    anth_rl_state(r, &res->tok, "tokens", now_ms);
    if (res->outcome == RL_REFUSED || res->outcome == RL_UNAVAILABLE) {
        snprintf(value, sizeof value, "%" PRIu64, (res->retry_ms + 999) / 1000);
        resp_add_header(r, "retry-after", value);
    }
}
