/* anthropic_sink: the engine's answer as an Anthropic message object or as
 * its event stream.
 *
 * Stream (every event "event: <type>\ndata: <json>\n\n", flushed; tool
 * blocks as docs/tools.md §2 says):
 *   message_start             at begin(), usage.input_tokens = the relay's count
 *   content_block_start text  lazily, at the first text that is not whitespace
 *   content_block_delta       text_delta per piece of text
 *   content_block_stop        before a tool_use block and at the end
 *   content_block_start tool_use {"input":{}}, one input_json_delta with the
 *                             whole arguments, content_block_stop (per call)
 *   ping                      from idle(), every keep-alive interval of silence
 *   message_delta             stop_reason, stop_sequence, usage
 *   message_stop
 * Whitespace is held back until text follows it, so trailing whitespace is
 * trimmed and whitespace alone makes no text block (docs/tools.md §1.2). The
 * JSON answer trims the same way. */
#include "api/anthropic.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/text.h"
#include "http/req.h"
#include "http/resp.h"

#define ANTH_EVENT_MAX ((size_t)16 << 20)
#define ANTH_WS_MAX ((size_t)64 << 10)
#define ANTH_ANSWER_MAX ((size_t)64 << 20)

const char *anth_stop_reason(enum eng_finish f)
{
    switch (f) {
    case ENG_FINISH_STOP: return "end_turn";
    case ENG_FINISH_STOP_SEQUENCE: return "stop_sequence";
    case ENG_FINISH_LENGTH: return "max_tokens";
    case ENG_FINISH_TOOL_CALLS: return "tool_use";
    case ENG_FINISH_CONTENT_FILTER: return "refusal";
    }
    return "end_turn";
}

int anth_sink_init(struct anth_sink *s, struct relay_req *r, const char *model,
                   long long input_tokens, int stream)
{
    memset(s, 0, sizeof *s);
    s->r = r;
    memcpy(s->id, "msg_", 4);
    rand_hex(s->id + 4, 24);
    snprintf(s->model, sizeof s->model, "%s", model);
    s->input_tokens = input_tokens;
    s->stream = stream;
    buf_init(&s->ws, ANTH_WS_MAX);
    buf_init(&s->ev, ANTH_EVENT_MAX);
    buf_init(&s->text, ANTH_ANSWER_MAX);
    if (!stream && !(s->tools = json_object_new_array()))
        return -1;
    return 0;
}

void anth_sink_free(struct anth_sink *s)
{
    buf_free(&s->ws);
    buf_free(&s->ev);
    buf_free(&s->text);
    json_object_put(s->tools);
    s->tools = NULL;
}

/* The tool-use id for an engine call id: "call_X" -> "toolu_X". */
static void anth_tool_id(const char *call_id, char *out, size_t n)
{
    const char *tail = strncmp(call_id, "call_", 5) == 0 ? call_id + 5 : call_id;
    snprintf(out, n, "toolu_%s", tail);
}

/* ---- Events ----------------------------------------------------------- */

static int anth_ev_open(struct anth_sink *s, const char *type)
{
    buf_clear(&s->ev);
    return buf_printf(&s->ev, "event: %s\ndata: {\"type\":\"%s\"", type, type);
}

/* Close the data object, write the event and flush. -1: too large or client gone. */
static int anth_ev_send(struct anth_sink *s)
{
    if (buf_puts(&s->ev, "}\n\n") < 0) {
        LOG_WARN("anthropic event too large; stopping");
        return -1;
    }
    if (resp_write(s->r, s->ev.data, s->ev.len) < 0 || resp_flush(s->r) < 0)
        return -1;
    return 0;
}

static int anth_ev_block_stop(struct anth_sink *s)
{
    if (anth_ev_open(s, "content_block_stop") < 0 || buf_printf(&s->ev, ",\"index\":%u", s->nblocks - 1) < 0)
        return -1;
    return anth_ev_send(s);
}

/* usage members without braces */
static int anth_usage_members(struct buf *b, long long input, long long output)
{
    return buf_printf(b, "\"input_tokens\":%lld,\"cache_creation_input_tokens\":0,"
                      "\"cache_read_input_tokens\":0,\"output_tokens\":%lld", input, output);
}

/* Append a[0..an) b[0..bn) as one JSON string literal. */
static int anth_quote2(struct buf *out, const char *a, size_t an, const char *b, size_t bn)
{
    if (an == 0)
        return text_json_quote(out, b, bn);
    if (text_json_quote(out, a, an) < 0)
        return -1;
    size_t mark = out->len - 1;     /* a's closing quote */
    if (text_json_quote(out, b, bn) < 0)
        return -1;
    /* drop a's closing quote and b's opening one */
    memmove(out->data + mark, out->data + mark + 2, out->len - mark - 2);
    out->len -= 2;
    out->data[out->len] = '\0';
    return 0;
}

static int anth_stream_text(struct anth_sink *s, const char *p, size_t n)
{
    if (!s->text_open) {
        if (anth_ev_open(s, "content_block_start") < 0 ||
            buf_printf(&s->ev, ",\"index\":%u,\"content_block\":{\"type\":\"text\",\"text\":\"\"}", s->nblocks) < 0 ||
            anth_ev_send(s) < 0)
            return -1;
        s->nblocks++;
        s->text_open = 1;
    }
    if (anth_ev_open(s, "content_block_delta") < 0 ||
        buf_printf(&s->ev, ",\"index\":%u,\"delta\":{\"type\":\"text_delta\",\"text\":", s->nblocks - 1) < 0)
        return -1;
    if (anth_quote2(&s->ev, s->ws.data, s->ws.len, p, n) < 0)
        return -1;
    buf_clear(&s->ws);
    if (buf_puts(&s->ev, "}") < 0)
        return -1;
    return anth_ev_send(s);
}

/* ---- Callbacks -------------------------------------------------------- */

static int anth_begin(void *ud, unsigned choice)
{
    struct anth_sink *s = ud;
    (void)choice;
    if (!s->stream)
        return 0;
    if (resp_begin(s->r, 200, "text/event-stream; charset=utf-8", -1) < 0)
        return -1;
    s->started = 1;
    if (anth_ev_open(s, "message_start") < 0 || buf_printf(&s->ev, ",\"message\":{\"id\":\"%s\",", s->id) < 0 ||
        buf_puts(&s->ev, "\"type\":\"message\",\"role\":\"assistant\",\"model\":") < 0 ||
        text_json_quote(&s->ev, s->model, strlen(s->model)) < 0 ||
        buf_puts(&s->ev, ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{") < 0 ||
        anth_usage_members(&s->ev, s->input_tokens, 0) < 0 || buf_puts(&s->ev, "}}") < 0)
        return -1;
    return anth_ev_send(s);
}

static int anth_is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static int anth_text(void *ud, unsigned choice, const char *p, size_t n)
{
    struct anth_sink *s = ud;
    (void)choice;
    if (!s->stream)
        return buf_append(&s->text, p, n) < 0 ? -1 : 0;
    size_t k = n;
    while (k > 0 && anth_is_ws(p[k - 1]))
        k--;
    if (k > 0 && anth_stream_text(s, p, k) < 0)
        return -1;
    if (buf_append(&s->ws, p + k, n - k) < 0) {
        /* an absurd run of whitespace: send what is held and keep going */
        if (anth_stream_text(s, "", 0) < 0 || buf_append(&s->ws, p + k, n - k) < 0)
            return -1;
    }
    return 0;
}

static int anth_tool_call(void *ud, unsigned choice, const struct eng_tool_call *call)
{
    struct anth_sink *s = ud;
    char id[ENG_ID_MAX + 8];
    (void)choice;
    anth_tool_id(call->id, id, sizeof id);
    if (!s->stream) {
        struct json_object *blk = json_object_new_object();
        struct json_object *input = json_tokener_parse(call->arguments);
        if (!blk)
            goto oom;
        if (!input || !json_object_is_type(input, json_type_object)) {
            json_object_put(input);
            input = json_object_new_object();   /* the engine promises an object */
        }
        json_object_object_add(blk, "type", json_object_new_string("tool_use"));
        json_object_object_add(blk, "id", json_object_new_string(id));
        json_object_object_add(blk, "name", json_object_new_string(call->name));
        json_object_object_add(blk, "input", input);
        if (json_object_array_add(s->tools, blk) < 0) {
            json_object_put(blk);
            goto oom;
        }
        return 0;
    oom:
        LOG_WARN("out of memory building a tool_use block");
        return -1;
    }
    buf_clear(&s->ws);
    if (s->text_open) {
        s->text_open = 0;
        if (anth_ev_block_stop(s) < 0)
            return -1;
    }
    if (anth_ev_open(s, "content_block_start") < 0 ||
        buf_printf(&s->ev, ",\"index\":%u,\"content_block\":{\"type\":\"tool_use\",\"id\":\"%s\",\"name\":",
                   s->nblocks, id) < 0 ||
        text_json_quote(&s->ev, call->name, strlen(call->name)) < 0 ||
        buf_puts(&s->ev, ",\"input\":{}}") < 0 || anth_ev_send(s) < 0)
        return -1;
    s->nblocks++;
    if (anth_ev_open(s, "content_block_delta") < 0 ||
        buf_printf(&s->ev, ",\"index\":%u,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":",
                   s->nblocks - 1) < 0 ||
        text_json_quote(&s->ev, call->arguments, call->arguments_len) < 0 || buf_puts(&s->ev, "}") < 0 ||
        anth_ev_send(s) < 0)
        return -1;
    return anth_ev_block_stop(s);
}

static int anth_end_json(struct anth_sink *s, const struct eng_result *res)
{
    struct json_object *out = json_object_new_object(), *content = json_object_new_array();
    struct json_object *usage = json_object_new_object();
    int rc = -1;
    if (!out || !content || !usage) {
        json_object_put(content);
        json_object_put(usage);
        goto out;
    }
    size_t n = s->text.len;
    while (n > 0 && anth_is_ws(s->text.data[n - 1]))
        n--;
    if (n > 0) {
        struct json_object *blk = json_object_new_object();
        if (!blk) {
            json_object_put(content);
            json_object_put(usage);
            goto out;
        }
        json_object_object_add(blk, "type", json_object_new_string("text"));
        json_object_object_add(blk, "text", json_object_new_string_len(s->text.data, (int)n));
        json_object_array_add(content, blk);
    }
    for (size_t i = 0; i < json_object_array_length(s->tools); i++)
        json_object_array_add(content, json_object_get(json_object_array_get_idx(s->tools, i)));
    json_object_object_add(usage, "input_tokens", json_object_new_int64(res->usage.prompt_tokens));
    json_object_object_add(usage, "cache_creation_input_tokens", json_object_new_int(0));
    json_object_object_add(usage, "cache_read_input_tokens", json_object_new_int(0));
    json_object_object_add(usage, "output_tokens", json_object_new_int64(res->usage.completion_tokens));
    json_object_object_add(out, "id", json_object_new_string(s->id));
    json_object_object_add(out, "type", json_object_new_string("message"));
    json_object_object_add(out, "role", json_object_new_string("assistant"));
    json_object_object_add(out, "model", json_object_new_string(s->model));
    json_object_object_add(out, "content", content);
    json_object_object_add(out, "stop_reason", json_object_new_string(anth_stop_reason(res->finish)));
    json_object_object_add(out, "stop_sequence", res->finish == ENG_FINISH_STOP_SEQUENCE && res->stop_sequence
                                                     ? json_object_new_string(res->stop_sequence) : NULL);
    json_object_object_add(out, "usage", usage);
    resp_add_header(s->r, "x-usage-source", res->usage.from_upstream ? "upstream" : "estimated");
    size_t len;
    const char *text = json_object_to_json_string_length(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                         &len);
    rc = text && resp_send(s->r, 200, "application/json", text, len) == 0 ? 0 : -1;
out:
    if (rc < 0 && !out)
        LOG_WARN("out of memory building an anthropic message");
    json_object_put(out);
    return rc;
}

static int anth_end(void *ud, unsigned choice, const struct eng_result *res)
{
    struct anth_sink *s = ud;
    (void)choice;
    if (!s->stream)
        return anth_end_json(s, res);
    buf_clear(&s->ws);
    if (s->text_open) {
        s->text_open = 0;
        if (anth_ev_block_stop(s) < 0)
            return -1;
    }
    if (anth_ev_open(s, "message_delta") < 0 ||
        buf_printf(&s->ev, ",\"delta\":{\"stop_reason\":\"%s\",\"stop_sequence\":", anth_stop_reason(res->finish)) < 0)
        return -1;
    if (res->finish == ENG_FINISH_STOP_SEQUENCE && res->stop_sequence) {
        if (text_json_quote(&s->ev, res->stop_sequence, strlen(res->stop_sequence)) < 0)
            return -1;
    } else if (buf_puts(&s->ev, "null") < 0) {
        return -1;
    }
    if (buf_puts(&s->ev, "},\"usage\":{") < 0 ||
        anth_usage_members(&s->ev, res->usage.prompt_tokens, res->usage.completion_tokens) < 0 ||
        buf_puts(&s->ev, "}") < 0 || anth_ev_send(s) < 0)
        return -1;
    if (anth_ev_open(s, "message_stop") < 0)
        return -1;
    return anth_ev_send(s);
}

/* A ping every RELAY_KEEPALIVE_INTERVAL seconds of upstream silence. */
static int anth_idle(void *ud, unsigned idle_s)
{
    struct anth_sink *s = ud;
    unsigned every = s->r->cfg->keepalive_s ? s->r->cfg->keepalive_s : 1;
    if (!s->stream || !s->started || idle_s == 0 || idle_s % every != 0)
        return 0;
    if (anth_ev_open(s, "ping") < 0)
        return -1;
    return anth_ev_send(s);
}

/* The events of one upstream read leave in one write (resp_hold). */
static void anth_batch(void *ud, int start)
{
    struct anth_sink *s = ud;
    if (!s->stream)
        return;
    if (start)
        resp_hold(s->r);
    else
        resp_release(s->r);
}

struct eng_sink anth_sink_ops(struct anth_sink *s)
{
    struct eng_sink k = {
        .ud = s, .begin = anth_begin, .text = anth_text, .tool_call = anth_tool_call,
        .end = anth_end, .idle = anth_idle, .batch = anth_batch,
    };
    return k;
}
