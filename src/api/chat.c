/* POST /v1/chat/completions: the request parsed into the engine's neutral
 * request, checked, admitted, and run by the engine into the JSON or the
 * streaming sink (chat_json.c, chat_sse.c). */
#include "api/chat.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/admit.h"
#include "api/api.h"
#include "api/chat_tools.h"
#include "api/chatmsgs.h"
#include "api/docparts.h"
#include "core/rand.h"
#include "core/record.h"
#include "engine/ctx.h"
#include "engine/render.h"
#include "onemin/catalog.h"

#define CHAT_PROMPT_MAX ((size_t)32 << 20)
#define CHAT_ONLINE_SUFFIX ":online"

/* The request fields of root into req and out. Returns 0, or -1 with a 400. */
static int chat_parse(struct relay_req *r, struct json_object *root, struct eng_request *req, struct chat_out *out,
                      struct chatmsgs *msgs, struct relay_err *e)
{
    struct json_object *v;
    const char *model = r->cfg->default_model;
    if (json_object_object_get_ex(root, "model", &v) && v) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
            return err_set(e, 400, NULL, NULL, "model", "'model' must be a non-empty string");
        model = json_object_get_string(v);
    }
    if (strlen(model) >= sizeof req->model)
        return err_set(e, 400, NULL, NULL, "model", "'model' is too long");
    snprintf(req->model, sizeof req->model, "%s", model);
    if (json_object_object_get_ex(root, "stream", &v) && v) {
        if (!json_object_is_type(v, json_type_boolean))
            return err_set(e, 400, NULL, NULL, "stream", "'stream' must be a boolean");
        req->stream = json_object_get_boolean(v);
    }
    if (json_object_object_get_ex(root, "stream_options", &v) && v) {
        struct json_object *iu;
        if (!json_object_is_type(v, json_type_object))
            return err_set(e, 400, NULL, NULL, "stream_options", "'stream_options' must be an object");
        if (json_object_object_get_ex(v, "include_usage", &iu) && iu) {
            if (!json_object_is_type(iu, json_type_boolean))
                return err_set(e, 400, NULL, NULL, "stream_options.include_usage",
                               "'stream_options.include_usage' must be a boolean");
            out->include_usage = json_object_get_boolean(iu);
        }
    }
    if (!json_object_object_get_ex(root, "messages", &v))
        v = NULL;
    if (chatmsgs_parse(v, msgs, e) < 0)
        return -1;
    req->turns = msgs->turns;
    req->nturns = msgs->nturns;
    req->param_prefix = "messages";
    return chat_tools_parse(root, r->cfg->max_n, req, e);
}

/* Check the model against the catalogue. */
static int chat_model(struct relay_req *r, const char *id, struct catalog_model *m, struct relay_err *e)
{
    record_model(id, 0);
    if (!catalog_find(r->app->catalog, r->w->curl, id, m))
        return err_set(e, 404, NULL, "model_not_found", "model",
                       "The model `%s` does not exist or you do not have access to it.", id);
    if (!(m->kinds & CATALOG_CHAT)) {
        const char *use = (m->kinds & CATALOG_IMAGE) ? "/v1/images/generations"
                        : (m->kinds & CATALOG_TTS) ? "/v1/audio/speech" : "/v1/audio/transcriptions";
        return err_set(e, 400, NULL, "model_not_supported", "model",
                       "The model `%s` is not a chat model; use %s", id, use);
    }
    record_model(id, 1);
    return 0;
}

int chat_run(struct relay_req *r, const char *key, size_t key_len, struct eng_request *req,
             const struct eng_sink *sink, struct relay_err *e)
{
    return chat_run_hooked(r, key, key_len, req, sink, NULL, NULL, e);
}

int chat_run_hooked(struct relay_req *r, const char *key, size_t key_len, struct eng_request *req,
                    const struct eng_sink *sink, chat_admit_fn on_admit, void *ud, struct relay_err *e)
{
    struct catalog_model model;
    struct rl_result decision;
    struct buf prompt;
    struct rl_ticket ticket = { 0 };
    struct onemin om;
    struct eng_usage usage = { 0 };
    struct docparts docs = { 0 };
    int rc = -1;
    size_t mlen = strlen(req->model), slen = strlen(CHAT_ONLINE_SUFFIX);
    if (mlen > slen && strcmp(req->model + mlen - slen, CHAT_ONLINE_SUFFIX) == 0) {
        req->model[mlen - slen] = '\0';
        req->web_search = 1;
    }
    buf_init(&prompt, CHAT_PROMPT_MAX);
    if (chat_model(r, req->model, &model, e) < 0 || docparts_prepare(r, key, key_len, &model, req, &docs, e) < 0 ||
        eng_prompt(req, &prompt, e) < 0)
        goto out;
    long long prompt_tokens = eng_count_tokens(req->model, buf_str(&prompt), prompt.len);
    /* one admission for the n calls, each of which sends the prompt */
    int admitted = admit_request_res(r, key, key_len, (uint64_t)prompt_tokens * (req->n ? req->n : 1), &ticket,
                                     &decision, e);
    if (on_admit)
        on_admit(ud, r, prompt_tokens, &decision);
    if (admitted < 0 || api_check_client(r, e) < 0)
        goto out;
    api_onemin(r, key, key_len, &om);
    struct eng_ctx ctx = {
        .om = &om, .vision = model.vision, .prompt = &prompt, .prompt_tokens = prompt_tokens,
        .perform = client_perform, .perform_many = client_perform_many,
    };
    rc = eng_run(&ctx, req, sink, &usage, e);
    admit_charge(r, &ticket, (uint64_t)usage.completion_tokens);
out:
    docparts_release(&docs);
    buf_free(&prompt);
    return rc;
}

int chat_completions(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1];
    size_t key_len;
    struct json_object *root = NULL;
    struct eng_request req;
    struct chat_out out = { .r = r };
    struct chatmsgs msgs = { 0 };
    struct eng_sink sink;
    struct chat_json js = { 0 };
    struct chat_sse ss = { 0 };
    int rc = -1;

    memset(&req, 0, sizeof req);
    if (api_key(r, key, &key_len, e) < 0 || api_json_body(r, r->cfg->max_body, &root, e) < 0 ||
        chat_parse(r, root, &req, &out, &msgs, e) < 0)
        goto out;
    memcpy(out.id, "chatcmpl-", 9);
    rand_hex(out.id + 9, 24);
    out.created = (long long)time(NULL);
    out.model = req.model;      /* chat_run strips :online in place */
    out.tools = render_has_tools(&req);
    out.legacy_functions = chat_tools_legacy(root);
    if ((req.stream ? chat_sse_sink(&ss, &out, req.n, &sink) : chat_json_sink(&js, &out, req.n, &sink)) < 0) {
        err_oom(e);
        goto out;
    }
    rc = chat_run(r, key, key_len, &req, &sink, e);
out:
    chat_sse_free(&ss);
    chat_json_free(&js);
    chatmsgs_free(&msgs);
    chat_tools_free(&req);
    json_object_put(root);
    return rc;
}
