/* Streaming chat completions: upstream SSE in, OpenAI chunks out.
 *
 * Nothing is sent to the client until the upstream status is known: a failure
 * before that is a normal JSON error with its real status. On a 2xx the SSE
 * headers and the role chunk go out at once, then one chunk per upstream
 * content event, each flushed, then the finish chunk, the usage chunk when
 * asked for, and [DONE]. After the 200, errors travel as data: {"error":...}. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/record.h"
#include "core/text.h"
#include "http/resp.h"
#include "api/chat.h"
#include "onemin/airec.h"
#include "onemin/chatmap.h"
#include "onemin/uperr.h"
#include "onemin/sse.h"

#define STREAM_EVENT_MAX ((size_t)8 << 20)
#define STREAM_CHUNK_MAX ((size_t)9 << 20)
#define STREAM_TEXT_MAX ((size_t)32 << 20)
/* Below this many bytes a repeat of the whole text may be a real repeat ("a" "a"). */
#define STREAM_DEDUP_MIN 8

struct stream {
    struct chat_call *call;
    struct relay_req *r;
    struct sse_parser sse;
    struct buf prefix;          /* 'data: {"id":...,"choices":' shared by every chunk */
    struct buf chunk;           /* the chunk being written */
    struct buf text;            /* everything sent so far, for dedup and counting */
    long long text_overflow_tokens; /* tokens of text that did not fit in text */
    struct relay_err *e;        /* filled (status != 0) when the stream failed */
    int have_usage;
    long long client_prompt, client_completion, client_total;
    char finish[32];
    time_t last_write;
};

static time_t stream_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Write the chunk buffer and flush. Returns 0 or -1 (client gone). */
static int stream_emit(struct stream *s)
{
    struct relay_req *r = s->r;
    if (resp_write(r, s->chunk.data, s->chunk.len) < 0 || resp_flush(r) < 0)
        return -1;
    s->last_write = stream_now();
    return 0;
}

/* A chat.completion.chunk is written into s->chunk in two steps: the head
 * up to the opening of delta, then (after the caller appended the delta's
 * members) the tail, and emitted. Nothing is allocated per chunk. */
static int stream_chunk_head(struct stream *s)
{
    struct buf *c = &s->chunk;
    buf_clear(c);
    return buf_append(c, s->prefix.data, s->prefix.len) < 0 ||
           buf_puts(c, "[{\"index\":0,\"delta\":{") < 0 ? -1 : 0;
}

/* finish NULL means null. */
static int stream_chunk_tail(struct stream *s, const char *finish)
{
    struct buf *c = &s->chunk;
    if (buf_puts(c, "},\"logprobs\":null,\"finish_reason\":") < 0 ||
        buf_printf(c, finish ? "\"%s\"}]" : "null}]", finish) < 0 ||
        buf_puts(c, s->call->include_usage ? ",\"usage\":null}\n\n" : "}\n\n") < 0)
        return -1;
    return stream_emit(s);
}

/* One chunk whose delta holds the members in delta ("" for {}). */
static int stream_choice(struct stream *s, const char *delta, const char *finish)
{
    if (stream_chunk_head(s) < 0 || buf_puts(&s->chunk, delta) < 0)
        return -1;
    return stream_chunk_tail(s, finish);
}

static int stream_content(struct stream *s, const char *text, size_t len)
{
    if (stream_chunk_head(s) < 0 || buf_puts(&s->chunk, "\"content\":") < 0 ||
        text_json_quote(&s->chunk, text, len) < 0) {
        LOG_WARN("stream chunk too large; stopping");
        return -1;
    }
    return stream_chunk_tail(s, NULL);
}

/* Trim ASCII whitespace from both ends. */
static void stream_trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t'))
        (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\n' || (*p)[*n - 1] == '\r' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* Some models resend the whole answer as their last content event. */
static int stream_is_repeat(const struct stream *s, const char *text, size_t len)
{
    const char *a = s->text.data, *b = text;
    size_t an = s->text.len, bn = len;
    if (an < STREAM_DEDUP_MIN || s->text_overflow_tokens)
        return 0;
    stream_trim(&a, &an);
    stream_trim(&b, &bn);
    return an == bn && memcmp(a, b, an) == 0;
}

static int stream_text(struct stream *s, const char *text, size_t len)
{
    if (len == 0 || stream_is_repeat(s, text, len))
        return 0;
    if (buf_append(&s->text, text, len) < 0)
        s->text_overflow_tokens += chat_count_tokens(s->call, text, len);
    return stream_content(s, text, len);
}

/* The text of a content event: {"content":"..."}, or the raw data when it is
 * not JSON (7a6163's rule). Returns 0 and sets *out (borrowed from *root or
 * data), or -1 for a JSON payload without text. */
static int stream_event_text(const char *data, size_t len, struct json_object **root,
                             const char **out, size_t *outlen)
{
    *root = json_tokener_parse(data);
    if (!*root) {
        *out = data;
        *outlen = len;
        return 0;
    }
    struct json_object *c;
    if (json_object_is_type(*root, json_type_object) && json_object_object_get_ex(*root, "content", &c) &&
        json_object_is_type(c, json_type_string)) {
        *out = json_object_get_string(c);
        *outlen = (size_t)json_object_get_string_len(c);
        return 0;
    }
    if (json_object_is_type(*root, json_type_string)) {
        *out = json_object_get_string(*root);
        *outlen = (size_t)json_object_get_string_len(*root);
        return 0;
    }
    return -1;
}

static void stream_result(struct stream *s, const char *data)
{
    struct json_object *root = json_tokener_parse(data);
    struct json_object *rec = root ? airec_get(root) : NULL;
    if (!rec || uperr_record(s->e, rec, s->call->key) < 0)
        goto out;
    if (chatmap_usage(rec, &s->client_prompt, &s->client_completion, &s->client_total))
        s->have_usage = 1;
    snprintf(s->finish, sizeof s->finish, "%s", chatmap_finish_reason(chatmap_upstream_finish(rec)));
out:
    json_object_put(root);
}

static int stream_on_event(void *ud, const char *event, const char *data, size_t len)
{
    struct stream *s = ud;
    if (strcmp(event, "content") == 0 || strcmp(event, "message") == 0) {
        struct json_object *root;
        const char *text;
        size_t tlen;
        int rc = 0;
        if (len == 6 && strcmp(data, "[DONE]") == 0)
            return 0;
        if (stream_event_text(data, len, &root, &text, &tlen) == 0)
            rc = stream_text(s, text, tlen);
        json_object_put(root);
        return rc;
    }
    if (strcmp(event, "raw") == 0)
        return stream_text(s, data, len);
    if (strcmp(event, "result") == 0) {
        stream_result(s, data);
        return s->e->status != 0;
    }
    if (strcmp(event, "error") == 0) {
        uperr_event(s->e, data, len, s->call->key);
        return 1;
    }
    return 0;   /* done, and names we do not know */
}

static int stream_on_status(void *ud, const struct client_reply *rep)
{
    struct stream *s = ud;
    if (rep->status < 200 || rep->status >= 300)
        return 0;   /* the error body is collected and mapped afterwards */
    resp_add_header(s->r, "Cache-Control", "no-cache");
    resp_add_header(s->r, "X-Accel-Buffering", "no");
    if (resp_begin(s->r, 200, "text/event-stream; charset=utf-8", -1) < 0)
        return -1;
    return stream_choice(s, "\"role\":\"assistant\",\"content\":\"\"", NULL);
}

static int stream_on_data(void *ud, const char *p, size_t n)
{
    struct stream *s = ud;
    if (sse_feed(&s->sse, p, n) < 0) {
        if (!s->sse.stopped && !s->e->status && !s->r->client_gone)
            err_set(s->e, 502, "upstream_error", "bad_gateway", NULL, "The upstream stream broke its framing limits");
        return -1;
    }
    return s->r->client_gone ? -1 : 0;
}

/* While the upstream is silent: keep proxies and the client from timing out,
 * and notice a client that left. */
static int stream_on_tick(void *ud, unsigned idle_s)
{
    struct stream *s = ud;
    static const char ping[] = ": keep-alive\n\n";
    if (!s->r->committed || s->r->client_gone)
        return s->r->client_gone;
    if (stream_now() - s->last_write < (time_t)s->r->cfg->keepalive_s)
        return 0;
    if (resp_write(s->r, ping, sizeof ping - 1) < 0 || resp_flush(s->r) < 0)
        return -1;
    s->last_write = stream_now();
    return 0;
}

/* The finish chunk, the usage chunk when asked for, and [DONE]. */
static int stream_finish(struct stream *s)
{
    long long pt = s->call->prompt_tokens, ct, tt;
    if (s->have_usage) {
        pt = s->client_prompt;
        ct = s->client_completion;
        tt = s->client_total;
    } else {
        ct = chat_count_tokens(s->call, buf_str(&s->text), s->text.len) + s->text_overflow_tokens;
        tt = pt + ct;
    }
    s->call->completion_tokens = ct;
    record_tokens(pt, ct, !s->have_usage);
    if (stream_choice(s, "", s->finish[0] ? s->finish : "stop") < 0)
        return -1;
    if (s->call->include_usage) {
        struct buf *c = &s->chunk;
        buf_clear(c);
        if (buf_append(c, s->prefix.data, s->prefix.len) < 0 ||
            buf_printf(c, "[],\"usage\":{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld}}\n\n",
                       pt, ct, tt) < 0 ||
            stream_emit(s) < 0)
            return -1;
    }
    if (resp_write(s->r, "data: [DONE]\n\n", 14) < 0 || resp_flush(s->r) < 0)
        return -1;
    return 0;
}

static int stream_prefix(struct stream *s)
{
    struct buf *p = &s->prefix;
    return buf_printf(p, "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%lld,\"model\":",
                      s->call->id, s->call->created) < 0 ||
           text_json_quote(p, s->call->model, strlen(s->call->model)) < 0 ||
           buf_puts(p, ",\"system_fingerprint\":null,\"choices\":") < 0 ? -1 : 0;
}

/* Before each attempt: a fresh parser (a retry starts a new body). */
static void stream_reset(void *ud)
{
    struct stream *s = ud;
    sse_free(&s->sse);
    sse_init(&s->sse, STREAM_EVENT_MAX, stream_on_event, s);
}

int chat_stream(struct chat_call *call, struct relay_err *e)
{
    struct relay_req *r = call->r;
    struct stream s;
    struct chat_exchange x;
    char url[2048];
    int rc = -1;

    memset(&s, 0, sizeof s);
    memset(&x, 0, sizeof x);
    s.call = call;
    s.r = r;
    s.e = e;
    s.last_write = stream_now();
    buf_init(&s.prefix, 4096);
    buf_init(&s.chunk, STREAM_CHUNK_MAX);
    buf_init(&s.text, STREAM_TEXT_MAX);
    snprintf(url, sizeof url, "%s%sisStreaming=true", r->cfg->chat_api_url,
             strchr(r->cfg->chat_api_url, '?') ? "&" : "?");
    if (stream_prefix(&s) < 0) {
        err_oom(e);
        goto out;
    }
    const struct client_request hooks = {
        .on_status = stream_on_status, .on_data = stream_on_data, .on_tick = stream_on_tick, .ud = &s,
    };
    if (chat_exchange(call, url, &hooks, stream_reset, &x, e) < 0)
        goto out;

    if (!r->committed) {
        /* The upstream failed before the stream started: a real HTTP error. */
        uperr_from_reply(e, x.first_rc, &x.first, NULL, call->key);
    } else if (r->client_gone) {
        LOG_INFO("client left mid-stream; upstream transfer stopped (%zu bytes sent)", s.text.len);
        call->completion_tokens = chat_count_tokens(call, buf_str(&s.text), s.text.len) + s.text_overflow_tokens;
        rc = 0;
    } else if (!e->status) {
        if (x.rc == CLIENT_OK && sse_finish(&s.sse) == 0 && !e->status) {
            stream_finish(&s);
            rc = 0;
        } else if (!e->status) {
            uperr_from_reply(e, x.rc == CLIENT_OK ? CLIENT_ERR_CONNECT : x.rc, x.last, NULL, call->key);
        }
    }
out:
    sse_free(&s.sse);
    chat_exchange_free(&x);
    buf_free(&s.prefix);
    buf_free(&s.chunk);
    buf_free(&s.text);
    return rc;
}
