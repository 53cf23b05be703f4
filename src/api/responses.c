/* POST /v1/responses, GET and DELETE /v1/responses/{id}, GET
 * /v1/responses/{id}/input_items: the handlers of the Responses API dialect
 * (parser, sink and store in responses_*.c; see responses.h). */
#include "api/responses.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/chat.h"
#include "api/render_error.h"
#include "core/log.h"
#include "http/resp.h"

#define RESP_PATH "/v1/responses/"

/* Written by responses_init before the workers start; read-only afterwards. */
static struct resp_store_config resp_cfg;

int responses_init(char *err, size_t errlen)
{
    return resp_store_config_load(&resp_cfg, err, errlen);
}

/* What a request needs to reach its stored responses. */
struct resp_env {
    struct memcached_st *mc;
    char owner[65];
};

static void env_init(struct resp_env *env, struct memcached_st *mc, const char *key, size_t key_len)
{
    env->mc = mc;
    resp_store_owner(key, key_len, env->owner);
}

/* The stored entry of response id, or 0 (none, another key's, expired). */
static int env_entry(struct resp_env *env, const char *id, const char *param, struct json_object **entry,
                     struct relay_err *e)
{
    char hex[RESP_HEX_LEN + 1];
    *entry = NULL;
    if (resp_id_hex(id, hex) < 0)
        return 0;
    return resp_store_get(&resp_cfg, env->mc, hex, env->owner, param, entry, e);
}

/* The item with this id in a list, or NULL. Borrowed. */
static struct json_object *find_item(struct json_object *list, const char *id)
{
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *it = json_object_array_get_idx(list, i), *v = resp_member(it, "id");
        if (v && json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), id) == 0)
            return it;
    }
    return NULL;
}

/* resp_lookup_fn: an item_reference finds its response by the hex digits in
 * the item id, then the item among its output, input and conversation. */
static int lookup_item(void *ud, const char *item_id, struct json_object **item, struct relay_err *e)
{
    struct resp_env *env = ud;
    struct json_object *entry = NULL;
    int rc = env_entry(env, item_id, "input", &entry, e);
    if (rc <= 0)
        return rc;
    struct json_object *found = find_item(resp_member(resp_member(entry, "response"), "output"), item_id);
    if (!found)
        found = find_item(resp_member(entry, "context"), item_id);
    if (found)
        *item = json_object_get(found);
    json_object_put(entry);
    return found ? 1 : 0;
}

/* The conversation before a new turn: the stored one and its output. */
static int load_prior(struct resp_env *env, const char *id, struct json_object **prior, struct relay_err *e)
{
    struct json_object *entry = NULL;
    int rc = env_entry(env, id, "previous_response_id", &entry, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, 404, "invalid_request_error", "previous_response_not_found", "previous_response_id",
                       "Previous response with id '%s' not found.", id);
    struct json_object *context = resp_member(entry, "context");
    struct json_object *output = resp_member(resp_member(entry, "response"), "output");
    *prior = json_object_new_array();
    if (!*prior) {
        json_object_put(entry);
        return err_oom(e);
    }
    for (size_t i = 0; context && i < json_object_array_length(context); i++)
        json_object_array_add(*prior, json_object_get(json_object_array_get_idx(context, i)));
    for (size_t i = 0; output && i < json_object_array_length(output); i++)
        json_object_array_add(*prior, json_object_get(json_object_array_get_idx(output, i)));
    json_object_put(entry);
    return 0;
}

/* Give every input item without an id one that names this response. */
static void name_input(struct json_object *input, const char *hex)
{
    for (size_t i = 0; i < json_object_array_length(input); i++) {
        struct json_object *it = json_object_array_get_idx(input, i), *t = resp_member(it, "type");
        if (resp_member(it, "id"))
            continue;
        const char *type = t ? json_object_get_string(t) : "message";
        const char *prefix = strcmp(type, "function_call") == 0 ? "fc"
                           : strcmp(type, "function_call_output") == 0 ? "fco" : "msg";
        char id[RESP_ID_MAX + 16];
        snprintf(id, sizeof id, "%s_%s_i%zu", prefix, hex, i);
        json_object_object_add(it, "id", json_object_new_string(id));
    }
}

struct resp_store_job {
    struct resp_env *env;
    struct resp_request *rq;
};

/* Keep a finished response (best effort: storing never fails a request); the
 * sink's on_end, so that it is stored before the client sees the end. */
static void store_response(void *ud, const struct resp_sink *s)
{
    struct resp_env *env = ((struct resp_store_job *)ud)->env;
    struct resp_request *rq = ((struct resp_store_job *)ud)->rq;
    name_input(rq->input, s->hex);
    struct json_object *entry = json_object_new_object(), *response = resp_sink_response(s);
    if (!entry || !response) {
        json_object_put(entry);
        json_object_put(response);
        LOG_WARN("response %s not stored: out of memory", s->id);
        return;
    }
    json_object_object_add(entry, "owner", json_object_new_string(env->owner));
    json_object_object_add(entry, "response", response);
    json_object_object_add(entry, "input", json_object_get(rq->input));
    json_object_object_add(entry, "context", json_object_get(rq->context));
    resp_store_put(&resp_cfg, env->mc, s->hex, entry);
    json_object_put(entry);
}

/* The sink's writes: the first one commits the event stream. */
static int stream_write(void *ud, const char *p, size_t n)
{
    struct relay_req *r = ud;
    if (n == 0)
        return r->client_gone ? -1 : 0;
    if (!r->committed) {
        resp_add_header(r, "Cache-Control", "no-cache");
        resp_add_header(r, "X-Accel-Buffering", "no");
        if (resp_begin(r, 200, "text/event-stream; charset=utf-8", -1) < 0)
            return -1;
    }
    return resp_write(r, p, n) < 0 || resp_flush(r) < 0 ? -1 : 0;
}

/* The sink's batches: events of one upstream read leave in one write. */
static void stream_batch(void *ud, int start)
{
    struct relay_req *r = ud;
    if (start)
        resp_hold(r);
    else
        resp_release(r);
}

int responses_create(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1];
    size_t key_len = 0;
    struct json_object *body = NULL, *prior = NULL;
    struct resp_request rq;
    struct resp_sink s;
    struct resp_env env;
    struct onemin om;
    int rc = -1, sink_ready = 0;
    memset(&rq, 0, sizeof rq);
    if (api_key(r, key, &key_len, e) < 0 || api_json_body(r, r->cfg->max_body, &body, e) < 0)
        return -1;
    rc = resp_parse(body, &rq, e);
    json_object_put(body);
    if (rc < 0)
        goto out;
    rc = -1;
    api_onemin(r, key, key_len, &om);
    env_init(&env, om.mc, key, key_len);
    if (rq.previous_response_id && load_prior(&env, rq.previous_response_id, &prior, e) < 0)
        goto out;
    if (resp_build(&rq, prior, lookup_item, &env, e) < 0)
        goto out;

    char hex[RESP_HEX_LEN + 1], id[RESP_ID_MAX];
    resp_new_id(hex, id);
    resp_sink_init(&s, &rq, hex, id, (long long)time(NULL), stream_write, r);
    s.keepalive_s = r->cfg->keepalive_s;
    s.batch = stream_batch;
    sink_ready = 1;
    struct resp_store_job job = { &env, &rq };
    if (rq.store && resp_cfg.ttl_s) {
        s.on_end = store_response;
        s.on_end_ud = &job;
    }
    struct eng_sink sink = resp_sink_engine(&s);
    rc = chat_run(r, key, key_len, &rq.eng, &sink, e);
    if (rc < 0) {
        struct resp_failure *f = r->committed ? resp_sink_failure(&s) : NULL;
        if (f)
            render_error_hook(resp_failure_render, f);
        goto out;
    }
    if (!rq.eng.stream) {
        struct json_object *resp = resp_sink_response(&s);
        resp_add_header(r, "x-usage-source", s.result.usage.from_upstream ? "upstream" : "estimated");
        rc = resp ? api_json(r, 200, resp, e) : err_oom(e);
        json_object_put(resp);
    }
out:
    if (sink_ready)
        resp_sink_free(&s);
    json_object_put(prior);
    resp_request_free(&rq);
    return rc;
}

/* The id in "/v1/responses/{id}" or "/v1/responses/{id}/input_items" (with
 * *items set), copied into id; -1 with a 404 for anything else. */
static int path_id(struct relay_req *r, char *id, size_t idlen, int *items, struct relay_err *e)
{
    const char *p = r->path + strlen(RESP_PATH);
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    *items = slash && strcmp(slash, "/input_items") == 0;
    if (n == 0 || n >= idlen || (slash && !*items))
        return err_set(e, 404, "invalid_request_error", NULL, NULL, "Invalid URL (%s %s)", r->method, r->path);
    memcpy(id, p, n);
    id[n] = '\0';
    return 0;
}

static int not_found(struct relay_err *e, const char *id)
{
    return err_set(e, 404, "invalid_request_error", NULL, NULL, "Response with id '%.60s' not found.", id);
}

/* GET /v1/responses/{id} and GET /v1/responses/{id}/input_items. */
int responses_get(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1], id[RESP_ID_MAX + 16];
    size_t key_len = 0;
    int items;
    struct resp_env env;
    struct onemin om;
    struct json_object *entry = NULL, *out = NULL;
    if (api_key(r, key, &key_len, e) < 0 || path_id(r, id, sizeof id, &items, e) < 0)
        return -1;
    api_onemin(r, key, key_len, &om);
    env_init(&env, om.mc, key, key_len);
    int rc = env_entry(&env, id, NULL, &entry, e);
    if (rc <= 0 || strncmp(id, "resp_", 5) != 0) {
        json_object_put(entry);
        return rc < 0 ? -1 : not_found(e, id);
    }
    if (!items) {
        rc = api_json(r, 200, resp_member(entry, "response"), e);
        json_object_put(entry);
        return rc;
    }
    struct api_list q;   /* OpenAI's defaults for input items: desc, 20, at most 100 */
    if (api_list_query(r, 20, 100, &q, e) < 0) {
        json_object_put(entry);
        return -1;
    }
    struct json_object *input = resp_member(entry, "input"), *data = json_object_new_array();
    out = json_object_new_object();
    if (!out || !data) {
        json_object_put(out);
        json_object_put(data);
        json_object_put(entry);
        return err_oom(e);
    }
    /* The page: in the asked order, after the given item, at most limit. */
    size_t n = input ? json_object_array_length(input) : 0, start = 0, taken = 0;
    for (size_t i = 0; q.after[0] && i < n; i++) {
        struct json_object *iid = resp_member(json_object_array_get_idx(input, q.desc ? n - 1 - i : i), "id");
        if (iid && strcmp(json_object_get_string(iid), q.after) == 0)
            start = i + 1;
    }
    for (size_t i = start; i < n && taken < q.limit; i++, taken++)
        json_object_array_add(data, json_object_get(json_object_array_get_idx(input, q.desc ? n - 1 - i : i)));
    size_t got = json_object_array_length(data);
    json_object_object_add(out, "object", json_object_new_string("list"));
    json_object_object_add(out, "data", data);
    struct json_object *first = got ? resp_member(json_object_array_get_idx(data, 0), "id") : NULL;
    struct json_object *last = got ? resp_member(json_object_array_get_idx(data, got - 1), "id") : NULL;
    json_object_object_add(out, "first_id", json_object_get(first));
    json_object_object_add(out, "last_id", json_object_get(last));
    json_object_object_add(out, "has_more", json_object_new_boolean(start + got < n));
    rc = api_json(r, 200, out, e);
    json_object_put(out);
    json_object_put(entry);
    return rc;
}

/* DELETE /v1/responses/{id} */
int responses_delete(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1], id[RESP_ID_MAX + 16], hex[RESP_HEX_LEN + 1];
    size_t key_len = 0;
    int items;
    struct resp_env env;
    struct onemin om;
    if (api_key(r, key, &key_len, e) < 0 || path_id(r, id, sizeof id, &items, e) < 0)
        return -1;
    if (items)
        return err_set(e, 405, "invalid_request_error", NULL, NULL, "Method DELETE is not allowed on %s", r->path);
    api_onemin(r, key, key_len, &om);
    env_init(&env, om.mc, key, key_len);
    int rc = strncmp(id, "resp_", 5) == 0 && resp_id_hex(id, hex) == 0
           ? resp_store_delete(&resp_cfg, env.mc, hex, env.owner, e) : 0;
    if (rc <= 0)
        return rc < 0 ? -1 : not_found(e, id);
    struct json_object *out = json_object_new_object();
    if (!out)
        return err_oom(e);
    json_object_object_add(out, "id", json_object_new_string(id));
    json_object_object_add(out, "object", json_object_new_string("response.deleted"));
    json_object_object_add(out, "deleted", json_object_new_boolean(1));
    rc = api_json(r, 200, out, e);
    json_object_put(out);
    return rc;
}
