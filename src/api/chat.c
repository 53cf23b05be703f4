/* POST /v1/chat/completions: validation, model resolution, the upstream
 * request, and the non-streaming answer. Streaming is in chat_stream.c. */
#include "api/chat.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/admit.h"
#include "api/api.h"
#include "api/prompt.h"
#include "api/vision.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/record.h"
#include "http/resp.h"
#include "onemin/airec.h"
#include "onemin/chatmap.h"
#include "onemin/uperr.h"
#include "tokenizer/tok.h"

#define CHAT_JSON_DEPTH 64
#define CHAT_PROMPT_MAX ((size_t)32 << 20)
#define CHAT_ONLINE_SUFFIX ":online"

long long chat_count_tokens(const struct chat_call *call, const char *text, size_t len)
{
    size_t n = tok_count(tok_encoding_for_model(call->model), text, len);
    if (n == (size_t)-1) {
        LOG_WARN("out of memory counting %zu bytes of text; usage reported as 0", len);
        return 0;
    }
    return (long long)n;
}

char *chat_upstream_body(const struct chat_call *call, int web_search, size_t *len)
{
    struct json_object *root = json_object_new_object();
    struct json_object *po = json_object_new_object();
    struct json_object *settings = json_object_new_object();
    struct json_object *history = json_object_new_object();
    char *out = NULL;
    if (!root || !po || !settings || !history) {
        json_object_put(po);
        json_object_put(settings);
        json_object_put(history);
        goto out;
    }
    json_object_object_add(root, "type", json_object_new_string("UNIFY_CHAT_WITH_AI"));
    json_object_object_add(root, "model", json_object_new_string(call->model));
    json_object_object_add(po, "prompt",
                           json_object_new_string_len(buf_str(&call->prompt), (int)call->prompt.len));
    /* Stateless: the prompt already holds the whole transcript. */
    json_object_object_add(history, "isMixed", json_object_new_boolean(0));
    json_object_object_add(settings, "historySettings", history);
    json_object_object_add(settings, "withMemories", json_object_new_boolean(0));
    if (web_search) {
        struct json_object *ws = json_object_new_object();
        if (!ws) {
            json_object_put(settings);
            json_object_put(po);
            goto out;
        }
        json_object_object_add(ws, "webSearch", json_object_new_boolean(1));
        json_object_object_add(ws, "numOfSite", json_object_new_int((int)call->r->cfg->web_search_num_sites));
        json_object_object_add(ws, "maxWord", json_object_new_int((int)call->r->cfg->web_search_max_words));
        json_object_object_add(settings, "webSearchSettings", ws);
    }
    json_object_object_add(po, "settings", settings);
    if (call->images && json_object_array_length(call->images) > 0) {
        struct json_object *att = json_object_new_object();
        if (!att) {
            json_object_put(po);
            goto out;
        }
        json_object_object_add(att, "images", json_object_get(call->images));
        json_object_object_add(po, "attachments", att);
    }
    json_object_object_add(root, "promptObject", po);
    const char *s = json_object_to_json_string_length(
        root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
    if (s)
        out = strdup(s);
out:
    json_object_put(root);
    return out;
}

int chat_exchange(struct chat_call *call, const char *url, const struct client_request *hooks,
                  void (*on_attempt)(void *ud), struct chat_exchange *x, struct relay_err *e)
{
    struct relay_req *r = call->r;
    client_reply_init(&x->first, r->cfg->max_upstream_body);
    client_reply_init(&x->retry, r->cfg->max_upstream_body);
    x->first_rc = x->rc = CLIENT_ERR_INTERNAL;
    x->last = &x->first;
    for (int attempt = 0; attempt < 2; attempt++) {
        int ws = call->web_search && attempt == 0;
        struct client_reply *rep = attempt == 0 ? &x->first : &x->retry;
        size_t len;
        char *body = chat_upstream_body(call, ws, &len);
        if (!body)
            return err_oom(e);
        struct client_request req = onemin_post(&call->om, url, body, len, r->cfg->idle_timeout_s, 0);
        if (hooks) {
            req.on_status = hooks->on_status;
            req.on_data = hooks->on_data;
            req.on_tick = hooks->on_tick;
            req.ud = hooks->ud;
        }
        if (on_attempt)
            on_attempt(req.ud);
        x->rc = client_perform(r->w->curl, &req, rep);
        x->last = rep;
        free(body);
        if (attempt == 0)
            x->first_rc = x->rc;
        if (r->committed || !(ws && x->rc == CLIENT_OK && rep->status == 400))
            break;
        LOG_INFO("upstream refused web search for %s (400); retrying without it", call->model);
    }
    return 0;
}

void chat_exchange_free(struct chat_exchange *x)
{
    client_reply_free(&x->first);
    client_reply_free(&x->retry);
}

/* A JSON number for a usage count. */
static struct json_object *chat_usage_obj(long long prompt, long long completion, long long total)
{
    struct json_object *u = json_object_new_object();
    if (!u)
        return NULL;
    json_object_object_add(u, "prompt_tokens", json_object_new_int64(prompt));
    json_object_object_add(u, "completion_tokens", json_object_new_int64(completion));
    json_object_object_add(u, "total_tokens", json_object_new_int64(total));
    return u;
}

/* The non-streaming answer from a successful upstream reply. */
static int chat_answer(struct chat_call *call, const struct client_reply *rep, struct relay_err *e)
{
    struct relay_req *r = call->r;
    struct json_object *root = NULL, *out = NULL;
    int rc;
    root = json_tokener_parse(buf_str(&rep->body));
    struct json_object *rec = root ? airec_get(root) : NULL;
    if (!rec) {
        rc = err_set(e, 502, "upstream_error", "bad_gateway", NULL,
                        "1min.ai answered with something that is not a chat record");
        goto out;
    }
    rc = uperr_record(e, rec, call->key);
    if (rc < 0)
        goto out;
    const char *text = airec_result_string(rec, 0);
    if (!text) {
        rc = err_set(e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai returned no answer text");
        goto out;
    }
    long long pt, ct, tt;
    int upstream_usage = chatmap_usage(rec, &pt, &ct, &tt);
    if (!upstream_usage) {
        pt = call->prompt_tokens;
        ct = chat_count_tokens(call, text, strlen(text));
        tt = pt + ct;
    }
    out = json_object_new_object();
    struct json_object *choices = json_object_new_array();
    struct json_object *choice = json_object_new_object();
    struct json_object *message = json_object_new_object();
    if (!out || !choices || !choice || !message) {
        json_object_put(choices);
        json_object_put(choice);
        json_object_put(message);
        rc = err_oom(e);
        goto out;
    }
    json_object_object_add(message, "role", json_object_new_string("assistant"));
    json_object_object_add(message, "content", json_object_new_string(text));
    json_object_object_add(message, "refusal", NULL);
    json_object_object_add(choice, "index", json_object_new_int(0));
    json_object_object_add(choice, "message", message);
    json_object_object_add(choice, "logprobs", NULL);
    json_object_object_add(choice, "finish_reason",
                           json_object_new_string(chatmap_finish_reason(chatmap_upstream_finish(rec))));
    json_object_array_add(choices, choice);
    json_object_object_add(out, "id", json_object_new_string(call->id));
    json_object_object_add(out, "object", json_object_new_string("chat.completion"));
    json_object_object_add(out, "created", json_object_new_int64(call->created));
    json_object_object_add(out, "model", json_object_new_string(call->model));
    json_object_object_add(out, "system_fingerprint", NULL);
    json_object_object_add(out, "choices", choices);
    json_object_object_add(out, "usage", chat_usage_obj(pt, ct, tt));
    call->completion_tokens = ct;
    record_tokens(pt, ct, !upstream_usage);
    resp_add_header(r, "x-usage-source", upstream_usage ? "upstream" : "estimated");
    rc = api_json(r, 200, out, e);
out:
    json_object_put(out);
    json_object_put(root);
    return rc;
}

/* Send the request without streaming and answer with one JSON object. */
static int chat_json(struct chat_call *call, struct relay_err *e)
{
    struct relay_req *r = call->r;
    struct chat_exchange x;
    int rc = chat_exchange(call, r->cfg->chat_api_url, NULL, NULL, &x, e);
    if (rc < 0)
        goto out;
    if (x.rc == CLIENT_OK && x.last->status >= 200 && x.last->status < 300)
        rc = chat_answer(call, x.last, e);
    else
        rc = uperr_from_reply(e, x.first_rc, &x.first, NULL, call->key);
out:
    chat_exchange_free(&x);
    return rc;
}

/* Validate the parsed body into call. Returns 0, or -1 with a 400. */
static int chat_parse(struct chat_call *call, struct json_object *root, size_t *image_parts, struct relay_err *e)
{
    struct relay_req *r = call->r;
    struct json_object *v;
    struct prompt_error perr;
    const char *model = r->cfg->default_model;
    if (json_object_object_get_ex(root, "model", &v) && v) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
            return err_set(e, 400, NULL, NULL, "model", "'model' must be a non-empty string");
        model = json_object_get_string(v);
    }
    if (strlen(model) >= sizeof call->model)
        return err_set(e, 400, NULL, NULL, "model", "'model' is too long");
    snprintf(call->model, sizeof call->model, "%s", model);
    size_t mlen = strlen(call->model), slen = strlen(CHAT_ONLINE_SUFFIX);
    if (mlen > slen && strcmp(call->model + mlen - slen, CHAT_ONLINE_SUFFIX) == 0) {
        call->model[mlen - slen] = '\0';
        call->web_search = 1;
    }
    if (json_object_object_get_ex(root, "stream", &v) && v) {
        if (!json_object_is_type(v, json_type_boolean))
            return err_set(e, 400, NULL, NULL, "stream", "'stream' must be a boolean");
        call->stream = json_object_get_boolean(v);
    }
    if (json_object_object_get_ex(root, "stream_options", &v) && v) {
        struct json_object *iu;
        if (!json_object_is_type(v, json_type_object))
            return err_set(e, 400, NULL, NULL, "stream_options", "'stream_options' must be an object");
        if (json_object_object_get_ex(v, "include_usage", &iu) && iu) {
            if (!json_object_is_type(iu, json_type_boolean))
                return err_set(e, 400, NULL, NULL, "stream_options.include_usage",
                               "'stream_options.include_usage' must be a boolean");
            call->include_usage = json_object_get_boolean(iu);
        }
    }
    if (!json_object_object_get_ex(root, "messages", &v))
        v = NULL;
    if (prompt_build(v, &call->prompt, image_parts, &perr) < 0)
        return err_set(e, 400, NULL, NULL, perr.param[0] ? perr.param : NULL, "%s", perr.message);
    return 0;
}

/* Check the model against the catalogue. Returns 0, or -1 after an error. */
static int chat_resolve_model(struct chat_call *call, struct catalog_model *m, struct relay_err *e)
{
    struct relay_req *r = call->r;
    record_model(call->model, 0);
    if (!catalog_find(r->app->catalog, r->w->curl, call->model, m))
        return err_set(e, 404, NULL, "model_not_found", "model",
                       "The model `%s` does not exist or you do not have access to it.", call->model);
    if (!(m->kinds & CATALOG_CHAT)) {
        const char *use = (m->kinds & CATALOG_IMAGE) ? "/v1/images/generations"
                        : (m->kinds & CATALOG_TTS) ? "/v1/audio/speech" : "/v1/audio/transcriptions";
        return err_set(e, 400, NULL, "model_not_supported", "model",
                       "The model `%s` is not a chat model; use %s", call->model, use);
    }
    record_model(call->model, 1);
    return 0;
}

int chat_completions(struct relay_req *r, struct relay_err *e)
{
    struct chat_call call;
    struct json_object *root = NULL;
    struct catalog_model model;
    size_t key_len, image_parts = 0;
    int rc = -1;

    memset(&call, 0, sizeof call);
    call.r = r;
    buf_init(&call.prompt, CHAT_PROMPT_MAX);

    if (api_key(r, call.key, &key_len, e) < 0 || api_json_body(r, r->cfg->max_body, &root, e) < 0 ||
        chat_parse(&call, root, &image_parts, e) < 0 || chat_resolve_model(&call, &model, e) < 0)
        goto out;
    api_onemin(r, call.key, key_len, &call.om);
    call.prompt_tokens = chat_count_tokens(&call, buf_str(&call.prompt), call.prompt.len);
    if (admit_request(r, call.key, key_len, (uint64_t)call.prompt_tokens, &call.ticket, e) < 0)
        goto out;
    if (image_parts > 0) {
        struct json_object *messages = NULL;
        json_object_object_get_ex(root, "messages", &messages);
        call.images = json_object_new_array();
        if (!call.images) {
            err_oom(e);
            goto out;
        }
        if (vision_attach(&call.om, messages, &model, call.images, e) < 0)
            goto out;
    }
    memcpy(call.id, "chatcmpl-", 9);
    rand_hex(call.id + 9, 24);
    call.created = (long long)time(NULL);

    rc = call.stream ? chat_stream(&call, e) : chat_json(&call, e);
    admit_charge(r, &call.ticket, (uint64_t)call.completion_tokens);
out:
    json_object_put(call.images);
    json_object_put(root);
    buf_free(&call.prompt);
    return rc;
}
