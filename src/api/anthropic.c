/* anthropic: the Messages API's routes — POST /v1/messages, POST
 * /v1/messages/count_tokens, and GET /v1/models in Anthropic's shape — each
 * one straight line: key, body, parse, model, prompt, admission, engine. */
#include "api/anthropic.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/chat.h"
#include "api/model_alias.h"
#include "app.h"
#include "core/log.h"
#include "http/resp.h"
#include "onemin/catalog.h"
#include "ratelimit/rl.h"

#define ANTH_PROMPT_MAX ((size_t)32 << 20)

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
    anth_rl_state(r, &res->req, "requests", now_ms);
    anth_rl_state(r, &res->tok, "tokens", now_ms);
}

static long long anth_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The catalogue model a client's model name resolves to (model_alias.h). */
static int anth_model(struct relay_req *r, const char *name, struct catalog_model *m, struct relay_err *e)
{
    struct catalog_model *all = NULL;
    enum catalog_source src;
    int rule = 0;
    long n = catalog_list(r->app->catalog, r->w->curl, &all, &src);
    if (n < 0)
        return err_oom(e);
    long i = model_alias_resolve(model_alias_table(), name, all, (size_t)n, &rule);
    if (i >= 0)
        *m = all[i];
    free(all);
    if (i < 0)
        return err_set(e, 404, NULL, "model_not_found", "model", "model: %.128s (not in 1min.ai's catalogue; "
                       "GET /v1/models lists it, RELAY_MODEL_ALIASES maps names)", name);
    if (!(m->kinds & CATALOG_CHAT))
        return err_set(e, 400, NULL, "model_not_supported", "model", "model: %.128s is not a chat model", m->id);
    if (rule > 2)
        LOG_DEBUG("model %s resolved to %s", name, m->id);
    return 0;
}

/* Key, body, request and model, shared by both POST routes. */
static int anth_request_of(struct relay_req *r, enum anth_mode mode, char *key, size_t *key_len,
                           struct anth_request *q, struct catalog_model *m, struct relay_err *e)
{
    struct json_object *root = NULL;
    resp_add_header(r, "request-id", r->request_id);
    int rc = api_key(r, key, key_len, e) < 0 || api_json_body(r, r->cfg->max_body, &root, e) < 0 ||
             anth_parse(root, mode, q, e) < 0 || anth_model(r, q->client_model, m, e) < 0 ? -1 : 0;
    json_object_put(root);      /* q holds its own reference */
    if (rc == 0)
        snprintf(q->eng.model, sizeof q->eng.model, "%s", m->id);
    return rc;
}

/* Admission decided: Anthropic's rate-limit headers, and the prompt's count
 * for message_start. */
static void anth_admitted(void *ud, struct relay_req *r, long long prompt_tokens, const struct rl_result *res)
{
    struct anth_sink *s = ud;
    s->input_tokens = prompt_tokens;
    anth_ratelimit_headers(r, res, anth_now_ms());
}

int anth_messages(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1];
    size_t key_len = 0;
    struct anth_request q;
    struct catalog_model m;
    struct anth_sink s;
    int rc = -1, have_sink = 0;

    memset(&q, 0, sizeof q);
    if (anth_request_of(r, ANTH_MESSAGES, key, &key_len, &q, &m, e) < 0)
        goto out;
    if (anth_sink_init(&s, r, q.eng.model, 0, q.eng.stream) < 0) {
        err_oom(e);
        goto out;
    }
    have_sink = 1;
    struct eng_sink sink = anth_sink_ops(&s);
    rc = chat_run_hooked(r, key, key_len, &q.eng, &sink, anth_admitted, &s, e);
out:
    if (have_sink)
        anth_sink_free(&s);
    anth_request_free(&q);
    return rc;
}

int anth_count_tokens(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1];
    size_t key_len = 0;
    struct anth_request q;
    struct catalog_model m;
    struct buf prompt;
    int rc = -1;

    memset(&q, 0, sizeof q);
    buf_init(&prompt, ANTH_PROMPT_MAX);
    if (anth_request_of(r, ANTH_COUNT_TOKENS, key, &key_len, &q, &m, e) < 0 || eng_prompt(&q.eng, &prompt, e) < 0)
        goto out;
    struct json_object *o = json_object_new_object();
    if (!o || json_object_object_add(o, "input_tokens", json_object_new_int64(eng_count_tokens(
                                         q.eng.model, buf_str(&prompt), prompt.len))) < 0) {
        json_object_put(o);
        rc = err_oom(e);
        goto out;
    }
    rc = api_json(r, 200, o, e);
    json_object_put(o);
out:
    anth_request_free(&q);
    buf_free(&prompt);
    return rc;
}

/* ---- GET /v1/models in Anthropic's shape ------------------------------ */

static struct json_object *anth_model_entry(const struct catalog_model *m)
{
    char created[32];
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    if (anth_rfc3339(m->created * 1000, created, sizeof created) < 0)
        snprintf(created, sizeof created, "1970-01-01T00:00:00Z");
    json_object_object_add(o, "type", json_object_new_string("model"));
    json_object_object_add(o, "id", json_object_new_string(m->id));
    json_object_object_add(o, "display_name", json_object_new_string(m->id));
    json_object_object_add(o, "created_at", json_object_new_string(created));
    return o;
}

int anth_models_list(struct relay_req *r, struct relay_err *e)
{
    struct catalog_model *all = NULL;
    enum catalog_source src = CATALOG_SRC_BUILTIN;
    struct json_object *o = NULL, *data = NULL;
    const char *first = NULL, *last = NULL;
    int rc;
    resp_add_header(r, "request-id", r->request_id);
    long n = catalog_list(r->app->catalog, r->w->curl, &all, &src);
    if (n < 0)
        return err_oom(e);
    o = json_object_new_object();
    data = json_object_new_array();
    if (!o || !data) {
        rc = err_oom(e);
        goto out;
    }
    for (long i = 0; i < n; i++) {
        if (!(all[i].kinds & CATALOG_CHAT))
            continue;
        json_object_array_add(data, anth_model_entry(&all[i]));
        first = first ? first : all[i].id;
        last = all[i].id;
    }
    json_object_object_add(o, "data", data);
    data = NULL;
    json_object_object_add(o, "has_more", json_object_new_boolean(0));
    json_object_object_add(o, "first_id", first ? json_object_new_string(first) : NULL);
    json_object_object_add(o, "last_id", last ? json_object_new_string(last) : NULL);
    rc = api_json(r, 200, o, e);
out:
    json_object_put(data);
    json_object_put(o);
    free(all);
    return rc;
}

int anth_models_get(struct relay_req *r, const char *id, struct relay_err *e)
{
    struct catalog_model m;
    resp_add_header(r, "request-id", r->request_id);
    if (anth_model(r, id, &m, e) < 0)
        return -1;
    struct json_object *o = anth_model_entry(&m);
    if (!o)
        return err_oom(e);
    int rc = api_json(r, 200, o, e);
    json_object_put(o);
    return rc;
}
