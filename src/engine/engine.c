/* engine: one chat exchange with 1min.ai; see engine.h.
 *
 * The exchange of one choice: the upstream body (onemin/chatreq) with the
 * prompt and the images' asset paths; a streamed call when the client reads
 * events (the upstream's event stream parsed as it arrives), else one JSON
 * reply; with web search on, an upstream 400 before anything reached the
 * sink is retried once without it. Upstream text reaches the sink through
 * eng_text (the one seam for what is done to the answer on its way back),
 * and the choice ends in eng_end (finish reason and usage: 1min.ai's
 * metadata when it sent any, else the exact token count of the prompt and
 * of the answer). */
#include "engine/engine.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jsonparse.h"
#include "core/log.h"
#include "engine/answer.h"
#include "engine/ctx.h"
#include "engine/render.h"
#include "onemin/airec.h"
#include "onemin/chatmap.h"
#include "onemin/chatreq.h"
#include "onemin/media.h"
#include "onemin/recskip.h"
#include "onemin/sse.h"
#include "onemin/uperr.h"
#include "onemin/document.h"
#include "onemin/vision.h"
#include "tokenizer/tok.h"

#define ENG_PROMPT_MAX ((size_t)32 << 20)
#define ENG_BODY_MAX ((size_t)40 << 20)
#define ENG_EVENT_MAX ((size_t)8 << 20)
#define ENG_TEXT_MAX ((size_t)32 << 20)
#define ENG_URL_MAX 2048
/* Below this many bytes a repeat of the whole text may be a real repeat ("a" "a"). */
#define ENG_DEDUP_MIN 8

/* One choice's exchange. */
struct eng_call {
    const struct eng_ctx *ctx;
    const struct eng_request *req;
    const struct eng_sink *sink;
    struct relay_err *e;
    unsigned choice;
    const char *prompt;
    size_t prompt_len;
    long long prompt_tokens;
    const char *const *images;
    size_t nimages;
    const char *const *files;
    size_t nfiles;
    int stream;                 /* 1min.ai is read as an event stream */
    int begun;                  /* begin() was sent */
    int gone;                   /* a sink callback said the client is gone */
    int cut;                    /* the emulation ended the answer early: the transfer was aborted */
    int no_web_search;          /* web search was refused: call without it */
    struct answer *ans;         /* the emulation on the way back (engine/answer.h) */
    struct sse_parser sse;
    struct recskip echo;        /* a JSON reply, collected without the prompt's echo */
    int reply_full;             /* the JSON reply passed its limit */
    struct buf text;            /* the answer so far, for dedup and counting */
    long long overflow_tokens;  /* tokens of text that did not fit in text */
    int have_usage;
    long long up_prompt, up_completion;
    enum eng_finish finish;
};

long long eng_count_tokens(const char *model, const char *text, size_t len)
{
    size_t n = tok_count(tok_encoding_for_model(model), text, len);
    if (n == (size_t)-1) {
        LOG_WARN("out of memory counting %zu bytes of text; usage reported as 0", len);
        return 0;
    }
    return (long long)n;
}

int eng_prompt(const struct eng_request *req, struct buf *out, struct relay_err *e)
{
    if (render_prompt(req, out) < 0)
        return err_set(e, 400, NULL, NULL, req->param_prefix ? req->param_prefix : "messages",
                       "The conversation is too long for the relay's prompt limit.");
    return 0;
}

static enum eng_finish eng_finish_of(const char *openai)
{
    if (strcmp(openai, "length") == 0)
        return ENG_FINISH_LENGTH;
    if (strcmp(openai, "content_filter") == 0)
        return ENG_FINISH_CONTENT_FILTER;
    if (strcmp(openai, "tool_calls") == 0)
        return ENG_FINISH_TOOL_CALLS;
    return ENG_FINISH_STOP;
}

/* ---- the answer on its way back -------------------------------------- */

/* What the emulation passes on, to the sink. */
static int eng_out_text(void *ud, const char *p, size_t n)
{
    struct eng_call *c = ud;
    return c->sink->text(c->sink->ud, c->choice, p, n);
}

static int eng_out_call(void *ud, const struct eng_tool_call *call)
{
    struct eng_call *c = ud;
    return c->sink->tool_call ? c->sink->tool_call(c->sink->ud, c->choice, call) : 0;
}

/* Map an ANSWER_ value: -1 to stop the transfer (c->cut when the answer is
 * complete, which is no failure), 0 to go on. */
static int eng_answer_rc(struct eng_call *c, int rc)
{
    if (rc == ANSWER_DONE)
        c->cut = 1;
    else if (rc == ANSWER_GONE)
        c->gone = 1;
    else if (rc == ANSWER_FAIL && !c->e->status)
        err_set(c->e, 502, "upstream_error", "bad_gateway", NULL, "The answer passed the relay's size limit");
    return rc ? -1 : 0;
}

/* Every piece of upstream answer text goes through here: the emulation of
 * docs/tools.md (tool calls, stop, max_tokens, JSON cleaning), then the
 * sink. */
static int eng_text(struct eng_call *c, const char *p, size_t n)
{
    if (n == 0)
        return 0;
    if (buf_append(&c->text, p, n) < 0)
        c->overflow_tokens += eng_count_tokens(c->req->model, p, n);
    return eng_answer_rc(c, answer_feed(c->ans, p, n));
}

static int eng_begin(struct eng_call *c)
{
    c->begun = 1;
    if (c->sink->begin(c->sink->ud, c->choice) != 0)
        c->gone = 1;
    return c->gone ? -1 : 0;
}

/* The usage of this choice: 1min.ai's, else the exact count of the answer
 * as far as it was kept (up to a cut). */
static void eng_usage(const struct eng_call *c, struct eng_usage *u)
{
    u->from_upstream = c->have_usage;
    if (c->have_usage) {
        u->prompt_tokens = c->up_prompt;
        u->completion_tokens = c->up_completion;
        return;
    }
    size_t len;
    const char *text = c->ans ? answer_text(c->ans, &len) : "";
    u->prompt_tokens = c->prompt_tokens;
    u->completion_tokens = c->ans ? eng_count_tokens(c->req->model, text, len) : 0;
}

/* The choice ended normally (or was cut): what the emulation held back,
 * then the finish reason and usage. */
static int eng_end(struct eng_call *c)
{
    struct eng_result res = { .finish = c->finish };
    if (eng_answer_rc(c, answer_finish(c->ans, c->finish, &res)) < 0 && !c->cut)
        return -1;
    eng_usage(c, &res.usage);
    if (c->sink->end(c->sink->ud, c->choice, &res) != 0)
        c->gone = 1;
    return c->gone ? -1 : 0;
}

/* Usage and finish reason from a record's metadata. */
static void eng_record_meta(struct eng_call *c, struct json_object *rec)
{
    long long total;
    if (chatmap_usage(rec, &c->up_prompt, &c->up_completion, &total))
        c->have_usage = 1;
    c->finish = eng_finish_of(chatmap_finish_reason(chatmap_upstream_finish(rec)));
}

/* ---- streamed exchange ------------------------------------------------- */

/* Trim ASCII whitespace from both ends. */
static void eng_trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t'))
        (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\n' || (*p)[*n - 1] == '\r' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* Some models resend the whole answer as their last content event. */
static int eng_is_repeat(const struct eng_call *c, const char *text, size_t len)
{
    const char *a = c->text.data, *b = text;
    size_t an = c->text.len, bn = len;
    if (an < ENG_DEDUP_MIN || c->overflow_tokens)
        return 0;
    eng_trim(&a, &an);
    eng_trim(&b, &bn);
    return an == bn && memcmp(a, b, an) == 0;
}

static int eng_stream_text(struct eng_call *c, const char *text, size_t len)
{
    if (len == 0 || eng_is_repeat(c, text, len))
        return 0;
    return eng_text(c, text, len);
}

/* The text of a content event: {"content":"..."}, or the raw data when it is
 * not JSON. Returns 0 and sets *out (borrowed from *root or data), or -1 for
 * a JSON payload without text. */
static int eng_event_text(const char *data, size_t len, struct json_object **root, const char **out,
                          size_t *outlen)
{
    *root = json_tokener_parse(data);
    if (!*root) {
        *out = data;
        *outlen = len;
        return 0;
    }
    struct json_object *v;
    if (json_object_is_type(*root, json_type_object) && json_object_object_get_ex(*root, "content", &v) &&
        json_object_is_type(v, json_type_string)) {
        *out = json_object_get_string(v);
        *outlen = (size_t)json_object_get_string_len(v);
        return 0;
    }
    if (json_object_is_type(*root, json_type_string)) {
        *out = json_object_get_string(*root);
        *outlen = (size_t)json_object_get_string_len(*root);
        return 0;
    }
    return -1;
}

/* An upstream record (a JSON reply, a result event's data) parsed in place:
 * json-c's defaults, as json_tokener_parse, without the prompt that 1min.ai
 * echoes in every record (docs/upstream-api.md §2) and the relay never
 * reads, so a large prompt is not held a second time while its answer is
 * read. NULL when it is not JSON. */
static struct json_object *eng_record_json(char *text, size_t len)
{
    static const struct jsonparse_opts opts = { JSON_TOKENER_DEFAULT_DEPTH, 0, "promptObject" };
    struct json_object *root = NULL;
    enum json_tokener_error jerr;
    return text && jsonparse_text(text, len, &opts, &root, &jerr) == 0 ? root : NULL;
}

/* The result event: the record, which may report a failure. */
static void eng_stream_result(struct eng_call *c, char *data, size_t len)
{
    struct json_object *root = eng_record_json(data, len);
    struct json_object *rec = root ? airec_get(root) : NULL;
    if (rec && uperr_record(c->e, rec, c->ctx->om->key) == 0)
        eng_record_meta(c, rec);
    json_object_put(root);
}

static int eng_on_event(void *ud, const char *event, char *data, size_t len)
{
    struct eng_call *c = ud;
    if (strcmp(event, "content") == 0 || strcmp(event, "message") == 0) {
        struct json_object *root;
        const char *text;
        size_t tlen;
        int rc = 0;
        if (len == 6 && strcmp(data, "[DONE]") == 0)
            return 0;
        if (eng_event_text(data, len, &root, &text, &tlen) == 0)
            rc = eng_stream_text(c, text, tlen);
        json_object_put(root);
        return rc;
    }
    if (strcmp(event, "raw") == 0)
        return eng_stream_text(c, data, len);
    if (strcmp(event, "result") == 0) {
        eng_stream_result(c, data, len);
        return c->e->status != 0;
    }
    if (strcmp(event, "error") == 0) {
        uperr_event(c->e, data, len, c->ctx->om->key);
        return 1;
    }
    return 0;   /* done, and names we do not know */
}

static int eng_on_status(void *ud, const struct client_reply *rep)
{
    struct eng_call *c = ud;
    if (rep->status < 200 || rep->status >= 300)
        return 0;   /* the error body is collected and mapped afterwards */
    return eng_begin(c);
}

static int eng_on_data(void *ud, const char *p, size_t n)
{
    struct eng_call *c = ud;
    if (c->sink->batch)
        c->sink->batch(c->sink->ud, 1);
    int rc = sse_feed(&c->sse, p, n);
    if (c->sink->batch)
        c->sink->batch(c->sink->ud, 0);
    if (rc < 0) {
        if (!c->sse.stopped && !c->e->status && !c->gone)
            err_set(c->e, 502, "upstream_error", "bad_gateway", NULL, "The upstream stream broke its framing limits");
        return -1;
    }
    return c->gone ? -1 : 0;
}

/* While the upstream is silent: the sink's keep-alive, which also notices a
 * client that left. */
static int eng_on_tick(void *ud, unsigned idle_s)
{
    struct eng_call *c = ud;
    if (!c->begun || c->gone)
        return c->gone;
    if (c->sink->idle && c->sink->idle(c->sink->ud, idle_s) != 0)
        c->gone = 1;
    return c->gone;
}

/* ---- one exchange, with the web-search retry -------------------------- */

static void eng_url(const struct eng_call *c, char *url, size_t size)
{
    const char *base = c->ctx->om->cfg->chat_api_url;
    snprintf(url, size, "%s%s", base,
             c->stream ? (strchr(base, '?') ? "&isStreaming=true" : "?isStreaming=true") : "");
}

/* A piece of a JSON reply (2xx), into rep's body without the prompt's echo. */
static int eng_on_reply(void *ud, const char *p, size_t n)
{
    struct eng_call *c = ud;
    if (recskip_feed(&c->echo, p, n) < 0) {
        c->reply_full = 1;
        return -1;
    }
    return 0;
}

/* The upstream request of one attempt for c: its body opened in body (close
 * it after the call), req set up with the stream callbacks when c streams,
 * else to collect a JSON reply into rep without the echo of the prompt that
 * every record carries (docs/upstream-api.md §2). */
static int eng_prepare(struct eng_call *c, int ws, const char *url, struct chatreq_body *body,
                       struct client_request *req, struct client_reply *rep)
{
    const struct onemin *om = c->ctx->om;
    const struct relay_config *cfg = om->cfg;
    struct chatreq cr = {
        .model = c->req->model, .prompt = c->prompt, .prompt_len = c->prompt_len,
        .web_search = ws, .num_sites = cfg->web_search_num_sites, .max_words = cfg->web_search_max_words,
        .images = c->images, .nimages = c->nimages, .files = c->files, .nfiles = c->nfiles,
    };
    if (chatreq_open(body, &cr, ENG_BODY_MAX) < 0)
        return err_oom(c->e);
    *req = onemin_post(om, url, NULL, 0, cfg->idle_timeout_s, 0);
    req->body_src = &body->src;
    if (c->stream) {
        sse_free(&c->sse);      /* a retry starts a new body */
        /* the result event echoes the prompt: left out, with room for it
         * should a record spell the name differently */
        sse_init(&c->sse, ENG_EVENT_MAX + body->src.len, eng_on_event, c);
        sse_skip_member(&c->sse, "promptObject");
        req->on_status = eng_on_status;
        req->on_data = eng_on_data;
        req->on_tick = eng_on_tick;
        req->ud = c;
    } else {
        c->reply_full = 0;
        recskip_init(&c->echo, &rep->body, "promptObject");
        req->on_data = eng_on_reply;
        req->ud = c;
    }
    return 0;
}

/* A JSON reply cut off by its limit is reported as too large, as when the
 * client collects it. */
static enum client_rc eng_reply_rc(const struct eng_call *c, enum client_rc rc)
{
    return c->reply_full ? CLIENT_ERR_TOO_BIG : rc;
}

/* An attempt with web search refused by a 400 before anything reached the
 * sink is retried without it. */
static int eng_retry_ws(const struct eng_call *c, int ws, enum client_rc rc, const struct client_reply *rep)
{
    if (c->begun || !(ws && rc == CLIENT_OK && rep->status == 400))
        return 0;
    LOG_INFO("upstream refused web search for %s (400); retrying without it", c->req->model);
    return 1;
}

/* Call 1min.ai for c (streamed or not); rep gets the attempt whose failure is
 * reported: the first. Returns the last attempt's outcome in *rc. */
static int eng_exchange(struct eng_call *c, struct client_reply *first, struct client_reply *retry,
                        enum client_rc *first_rc, enum client_rc *rc, struct client_reply **last)
{
    char url[ENG_URL_MAX];
    eng_url(c, url, sizeof url);
    *first_rc = *rc = CLIENT_ERR_INTERNAL;
    *last = first;
    for (int attempt = 0; attempt < 2; attempt++) {
        int ws = c->req->web_search && !c->no_web_search && attempt == 0;
        struct client_reply *rep = attempt == 0 ? first : retry;
        struct client_request req;
        struct chatreq_body body;
        int ok = eng_prepare(c, ws, url, &body, &req, rep) == 0;
        if (ok) {
            *rc = eng_reply_rc(c, c->ctx->perform(c->ctx->om->curl, &req, rep));
            *last = rep;
        }
        chatreq_close(&body);
        if (!ok)
            return -1;
        if (attempt == 0)
            *first_rc = *rc;
        if (!eng_retry_ws(c, ws, *rc, rep))
            break;
    }
    return 0;
}

/* The JSON reply of a non-streamed exchange, to the sink. */
static int eng_reply(struct eng_call *c, struct client_reply *rep)
{
    struct json_object *root = eng_record_json(rep->body.data, rep->body.len);
    struct json_object *rec = root ? airec_get(root) : NULL;
    int rc = -1;
    if (!rec) {
        err_set(c->e, 502, "upstream_error", "bad_gateway", NULL,
                "1min.ai answered with something that is not a chat record");
        goto out;
    }
    if (uperr_record(c->e, rec, c->ctx->om->key) < 0)
        goto out;
    const char *text = airec_result_string(rec, 0);
    if (!text) {
        err_set(c->e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai returned no answer text");
        goto out;
    }
    eng_record_meta(c, rec);
    if (eng_begin(c) < 0 || (eng_text(c, text, strlen(text)) < 0 && !c->cut) || eng_end(c) < 0)
        goto out;
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

/* After the exchange: the answer's end, or the failure to report. */
static int eng_settle(struct eng_call *c, enum client_rc first_rc, const struct client_reply *first,
                      enum client_rc rc, struct client_reply *last)
{
    const char *key = c->ctx->om->key;
    int out = -1;
    if (!c->stream) {
        if (rc == CLIENT_OK && last->status >= 200 && last->status < 300)
            out = eng_reply(c, last);
        else
            uperr_from_reply(c->e, first_rc, first, NULL, key);
    } else if (!c->begun) {
        /* The upstream failed before the answer started: a real HTTP error. */
        uperr_from_reply(c->e, first_rc, first, NULL, key);
    } else if (c->gone) {
        LOG_INFO("client left mid-stream; upstream transfer stopped (%zu bytes sent)", c->text.len);
    } else if (c->cut) {
        /* 1min.ai bills what it generates: stopped at once (docs/tools.md §4) */
        LOG_DEBUG("answer cut by the emulation; upstream transfer aborted after %zu bytes", c->text.len);
        out = eng_end(c);
    } else if (!c->e->status) {
        if (rc == CLIENT_OK && sse_finish(&c->sse) == 0 && !c->e->status)
            out = eng_end(c);
        else if (!c->e->status)
            uperr_from_reply(c->e, rc == CLIENT_OK ? CLIENT_ERR_CONNECT : rc, last, NULL, key);
    }
    if (c->gone && out < 0)
        err_set(c->e, 499, NULL, NULL, NULL, "The client closed the connection");
    return out;
}

static int eng_choice(struct eng_call *c)
{
    struct client_reply first, retry, *last;
    enum client_rc first_rc, rc;
    size_t max = c->ctx->om->cfg->max_upstream_body;
    int out = -1;
    client_reply_init(&first, max);
    client_reply_init(&retry, max);
    if (eng_exchange(c, &first, &retry, &first_rc, &rc, &last) == 0)
        out = eng_settle(c, first_rc, &first, rc, last);
    sse_free(&c->sse);
    client_reply_free(&first);
    client_reply_free(&retry);
    return out;
}

/* n > 1: the n calls at once (curl multi, on this thread; their sink calls
 * interleave), each then settled in order; a call whose web search was
 * refused is made again alone, without it. */
static int eng_choices(struct eng_call *calls, unsigned n)
{
    const struct eng_ctx *ctx = calls[0].ctx;
    size_t max = ctx->om->cfg->max_upstream_body;
    char url[ENG_URL_MAX];
    void **h = calloc(n, sizeof *h);
    struct client_request *reqs = calloc(n, sizeof *reqs);
    struct client_reply *reps = calloc(n, sizeof *reps);
    enum client_rc *rcs = calloc(n, sizeof *rcs);
    struct chatreq_body *bodies = calloc(n, sizeof *bodies);
    int out = -1;
    unsigned made = 0;
    if (!h || !reqs || !reps || !rcs || !bodies) {
        err_oom(calls[0].e);
        goto done;
    }
    eng_url(&calls[0], url, sizeof url);
    int ws = calls[0].req->web_search;
    for (made = 0; made < n; made++) {
        h[made] = made == 0 ? ctx->om->curl : client_handle_new();
        client_reply_init(&reps[made], max);
        if (!h[made]) {
            made++;
            err_oom(calls[0].e);
            goto done;
        }
        if (eng_prepare(&calls[made], ws, url, &bodies[made], &reqs[made], &reps[made]) < 0) {
            made++;
            goto done;
        }
    }
    if (ctx->perform_many(h, reqs, reps, rcs, n) < 0) {
        err_oom(calls[0].e);
        goto done;
    }
    out = 0;
    for (unsigned i = 0; i < n && out == 0; i++) {
        struct eng_call *c = &calls[i];
        rcs[i] = eng_reply_rc(c, rcs[i]);
        if (eng_retry_ws(c, ws, rcs[i], &reps[i])) {
            c->no_web_search = 1;
            out = eng_choice(c);
        } else {
            out = eng_settle(c, rcs[i], &reps[i], rcs[i], &reps[i]);
        }
    }
done:
    for (unsigned i = 0; i < made; i++) {
        if (i > 0)
            client_handle_free(h[i]);
        client_reply_free(&reps[i]);
        chatreq_close(&bodies[i]);
        sse_free(&calls[i].sse);
    }
    free(h);
    free(reqs);
    free(reps);
    free(rcs);
    free(bodies);
    return out;
}

/* ---- images ---------------------------------------------------------- */

/* Upload every image part in conversation order; *paths gets the asset
 * paths (one malloc'ed block, the caller frees it). */
static int eng_images(const struct eng_ctx *ctx, const struct eng_request *req, char **block, const char ***paths,
                      size_t *n, struct relay_err *e)
{
    size_t count = 0;
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++)
            count += req->turns[t].parts[i].kind == ENG_PART_IMAGE;
    *block = NULL;
    *paths = NULL;
    *n = 0;
    if (count == 0)
        return 0;
    const char *where = req->param_prefix ? req->param_prefix : "messages";
    if (!ctx->vision)
        return err_set(e, 400, NULL, "model_not_vision", where,
                       "The model `%s` does not accept images; use a vision model such as gpt-4o", req->model);
    if (count > ctx->om->media->max_images)
        return err_set(e, 400, NULL, "too_many_images", where, "The request has %zu images; at most %u are allowed",
                       count, ctx->om->media->max_images);
    *block = malloc(count * (MEDIA_PATH_MAX + sizeof(char *)));
    if (!*block)
        return err_oom(e);
    *paths = (const char **)(void *)*block;
    char *text = *block + count * sizeof(char *);
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++) {
            const struct eng_part *p = &req->turns[t].parts[i];
            if (p->kind != ENG_PART_IMAGE)
                continue;
            struct vision_image img = {
                .index = *n + 1, .param = p->param ? p->param : where,
                .url = p->url ? p->url : p->data ? NULL : "", .data = p->data, .len = p->data_len,
            };
            char *path = text + *n * MEDIA_PATH_MAX;
            if (vision_upload(ctx->om, &img, path, MEDIA_PATH_MAX, e) < 0)
                return -1;
            (*paths)[(*n)++] = path;
        }
    return 0;
}

/* ---- documents ------------------------------------------------------ */

/* The asset uuid of every document part in conversation order (uploading
 * those that came as bytes); *uuids gets them (one malloc'ed block, the
 * caller frees it). api/docparts made the parts ready: bytes or a uuid. */
static int eng_files(const struct eng_ctx *ctx, const struct eng_request *req, char **block, const char ***uuids,
                     size_t *n, struct relay_err *e)
{
    size_t count = 0;
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++)
            count += req->turns[t].parts[i].kind == ENG_PART_FILE;
    *block = NULL;
    *uuids = NULL;
    *n = 0;
    if (count == 0)
        return 0;
    *block = malloc(count * (sizeof(struct asset_ref) + sizeof(char *)));
    if (!*block)
        return err_oom(e);
    *uuids = (const char **)(void *)*block;
    struct asset_ref *refs = (struct asset_ref *)(void *)(*block + count * sizeof(char *));
    const char *where = req->param_prefix ? req->param_prefix : "messages";
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++) {
            const struct eng_part *p = &req->turns[t].parts[i];
            if (p->kind != ENG_PART_FILE)
                continue;
            if (p->file_uuid) {
                (*uuids)[(*n)++] = p->file_uuid;
                continue;
            }
            if (!p->data)
                return err_set(e, 400, NULL, "invalid_file", p->param ? p->param : where,
                               "The document has no data");
            if (document_upload(ctx->om, p->data, p->data_len, p->media_type, p->filename,
                                p->param ? p->param : where, &refs[*n], e) < 0)
                return -1;
            (*uuids)[*n] = refs[*n].uuid;
            (*n)++;
        }
    return 0;
}

/* ---- the call -------------------------------------------------------- */

/* 1min.ai is read as an event stream when the client reads one, and also
 * for one JSON answer whenever the emulation may end the answer early (a
 * stop sequence, max_tokens, one call allowed): the transfer is then
 * stopped at once (docs/tools.md §4). */
static int eng_streams(const struct eng_request *req)
{
    return req->stream || req->nstop > 0 || req->max_tokens > 0 ||
           (render_has_tools(req) && !req->parallel_tool_calls);
}

int eng_run(struct eng_ctx *ctx, const struct eng_request *req, const struct eng_sink *sink,
            struct eng_usage *usage_total, struct relay_err *e)
{
    struct buf own;
    const struct buf *prompt = ctx->prompt;
    char *block = NULL, *fblock = NULL;
    const char **paths = NULL, **uuids = NULL;
    size_t npaths = 0, nuuids = 0;
    int rc = -1;
    if (usage_total)
        memset(usage_total, 0, sizeof *usage_total);
    buf_init(&own, ENG_PROMPT_MAX);
    if (!prompt) {
        if (eng_prompt(req, &own, e) < 0)
            goto out;
        prompt = &own;
    }
    long long prompt_tokens = ctx->prompt_tokens >= 0 ? ctx->prompt_tokens
                                                      : eng_count_tokens(req->model, buf_str(prompt), prompt->len);
    if (eng_images(ctx, req, &block, &paths, &npaths, e) < 0 ||
        eng_files(ctx, req, &fblock, &uuids, &nuuids, e) < 0)
        goto out;
    unsigned n = req->n ? req->n : 1;
    struct eng_call *calls = calloc(n, sizeof *calls);
    if (!calls) {
        rc = err_oom(e);
        goto out;
    }
    struct answer_out ao = { .text = eng_out_text, .tool_call = eng_out_call };
    rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        struct eng_call *c = &calls[i];
        *c = (struct eng_call){
            .ctx = ctx, .req = req, .sink = sink, .e = e, .choice = i, .stream = eng_streams(req),
            .prompt = buf_str(prompt), .prompt_len = prompt->len, .prompt_tokens = prompt_tokens,
            .images = paths, .nimages = npaths, .files = uuids, .nfiles = nuuids, .finish = ENG_FINISH_STOP,
        };
        buf_init(&c->text, ENG_TEXT_MAX);
        ao.ud = c;
        if (!(c->ans = answer_new(req, ENG_TEXT_MAX, &ao)))
            rc = err_oom(e);
    }
    if (rc == 0 && n > 1 && ctx->perform_many) {
        rc = eng_choices(calls, n);
    } else {
        for (unsigned i = 0; i < n && rc == 0; i++)
            rc = eng_choice(&calls[i]);
    }
    for (unsigned i = 0; i < n; i++) {
        struct eng_call *c = &calls[i];
        if (usage_total && c->ans) {
            struct eng_usage u;
            eng_usage(c, &u);
            usage_total->prompt_tokens += u.prompt_tokens;
            usage_total->completion_tokens += c->begun ? u.completion_tokens : 0;
            usage_total->from_upstream = u.from_upstream;
        }
        answer_free(c->ans);
        buf_free(&c->text);
    }
    free(calls);
out:
    free(block);
    free(fblock);
    buf_free(&own);
    return rc;
}
