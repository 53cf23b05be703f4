/* responses_sink: the engine's sink for the Responses API; see responses.h.
 *
 * The same state serves both modes: the callbacks build the output items; in
 * a stream each step is also written at once as a named event
 * ("event: <type>\ndata: {"type":...,"sequence_number":N,...}\n\n"):
 *   begin       response.created, response.in_progress
 *   text        (first) output_item.added + content_part.added, then
 *               output_text.delta with the text as it came
 *   tool_call   the open message is closed (output_text.done,
 *               content_part.done, output_item.done), then output_item.added
 *               (a function_call, arguments ""), function_call_arguments.delta
 *               and .done, output_item.done
 *   end         the open message is closed (an empty one is sent when there
 *               was no output at all), then response.completed, or
 *               response.incomplete when cut at max_output_tokens or filtered
 *   fail        response.failed with the error (resp_sink_fail)
 * No [DONE]: OpenAI sends none. The call events follow docs/tools.md §2. */
#include "api/responses.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESP_EVENT_MAX ((size_t)64 << 20)
#define RESP_TEXT_MAX ((size_t)64 << 20)

void resp_sink_init(struct resp_sink *s, const struct resp_request *rq, const char *hex,
                    const char *id, long long created_at, resp_write_fn write, void *write_ud)
{
    memset(s, 0, sizeof *s);
    s->rq = rq;
    snprintf(s->hex, sizeof s->hex, "%s", hex);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->created_at = created_at;
    s->stream = rq->eng.stream;
    s->write = write;
    s->write_ud = write_ud;
    s->output = json_object_new_array();
    buf_init(&s->text, RESP_TEXT_MAX);
    buf_init(&s->ev, RESP_EVENT_MAX);
}

void resp_sink_free(struct resp_sink *s)
{
    json_object_put(s->output);
    buf_free(&s->text);
    buf_free(&s->ev);
    s->output = NULL;
}

/* ---- objects ------------------------------------------------------------ */

static struct json_object *text_part(const char *text, size_t len)
{
    struct json_object *p = json_object_new_object();
    if (!p)
        return NULL;
    json_object_object_add(p, "type", json_object_new_string("output_text"));
    json_object_object_add(p, "annotations", json_object_new_array());
    json_object_object_add(p, "logprobs", json_object_new_array());
    json_object_object_add(p, "text", json_object_new_string_len(text, (int)len));
    return p;
}

/* The open message item; with_text: its content part holding the text so far. */
static struct json_object *message_item(const struct resp_sink *s, int with_text, const char *status)
{
    struct json_object *m = json_object_new_object(), *content = json_object_new_array();
    if (!m || !content) {
        json_object_put(m);
        json_object_put(content);
        return NULL;
    }
    json_object_object_add(m, "type", json_object_new_string("message"));
    json_object_object_add(m, "id", json_object_new_string(s->msg_id));
    json_object_object_add(m, "status", json_object_new_string(status));
    json_object_object_add(m, "role", json_object_new_string("assistant"));
    json_object_object_add(m, "content", content);
    if (with_text) {
        struct json_object *p = text_part(buf_str(&s->text), s->text.len);
        if (!p) {
            json_object_put(m);
            return NULL;
        }
        json_object_array_add(content, p);
    }
    return m;
}

static struct json_object *call_item(const char *item_id, const struct eng_tool_call *c, int done)
{
    struct json_object *f = json_object_new_object();
    if (!f)
        return NULL;
    json_object_object_add(f, "type", json_object_new_string("function_call"));
    json_object_object_add(f, "id", json_object_new_string(item_id));
    json_object_object_add(f, "call_id", json_object_new_string(c->id));
    json_object_object_add(f, "name", json_object_new_string(c->name));
    if (c->namespace_name)
        json_object_object_add(f, "namespace", json_object_new_string(c->namespace_name));
    json_object_object_add(f, "arguments", done ? json_object_new_string_len(
                               c->arguments, (int)c->arguments_len) : json_object_new_string(""));
    json_object_object_add(f, "status", json_object_new_string(done ? "completed" : "in_progress"));
    return f;
}

static struct json_object *echo(struct json_object *v)
{
    return v ? json_object_get(v) : NULL;
}

static struct json_object *usage_obj(const struct eng_usage *u)
{
    struct json_object *o = json_object_new_object(), *in = json_object_new_object(),
                       *out = json_object_new_object();
    if (!o || !in || !out) {
        json_object_put(o);
        json_object_put(in);
        json_object_put(out);
        return NULL;
    }
    json_object_object_add(o, "input_tokens", json_object_new_int64(u->prompt_tokens));
    json_object_object_add(in, "cached_tokens", json_object_new_int(0));
    json_object_object_add(o, "input_tokens_details", in);
    json_object_object_add(o, "output_tokens", json_object_new_int64(u->completion_tokens));
    json_object_object_add(out, "reasoning_tokens", json_object_new_int(0));
    json_object_object_add(o, "output_tokens_details", out);
    json_object_object_add(o, "total_tokens", json_object_new_int64(u->prompt_tokens + u->completion_tokens));
    return o;
}

static const char *sink_status(const struct resp_sink *s)
{
    if (s->failed)
        return "failed";
    if (!s->ended)
        return "in_progress";
    if (s->result.finish == ENG_FINISH_LENGTH || s->result.finish == ENG_FINISH_CONTENT_FILTER)
        return "incomplete";
    return "completed";
}

/* The error object of a failed response: {code, message}. */
static struct json_object *error_obj(const struct relay_err *e)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    const char *code = e->code[0] ? e->code : e->status >= 500 ? "server_error" : err_type(e);
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(e->message));
    return o;
}

struct json_object *resp_sink_response(const struct resp_sink *s)
{
    const struct resp_request *rq = s->rq;
    struct json_object *r = json_object_new_object(), *output = json_object_new_array();
    if (!r || !output) {
        json_object_put(r);
        json_object_put(output);
        return NULL;
    }
    const char *status = sink_status(s);
    json_object_object_add(r, "id", json_object_new_string(s->id));
    json_object_object_add(r, "object", json_object_new_string("response"));
    json_object_object_add(r, "created_at", json_object_new_int64(s->created_at));
    json_object_object_add(r, "status", json_object_new_string(status));
    json_object_object_add(r, "background", json_object_new_boolean(0));
    json_object_object_add(r, "error", s->failed ? error_obj(&s->fail_err) : NULL);
    struct json_object *inc = NULL;
    if (strcmp(status, "incomplete") == 0 && (inc = json_object_new_object()))
        json_object_object_add(inc, "reason", json_object_new_string(
            s->result.finish == ENG_FINISH_LENGTH ? "max_output_tokens" : "content_filter"));
    json_object_object_add(r, "incomplete_details", inc);
    json_object_object_add(r, "instructions", rq->instructions ? json_object_new_string(rq->instructions) : NULL);
    json_object_object_add(r, "max_output_tokens",
                           rq->max_output_tokens ? json_object_new_int64(rq->max_output_tokens) : NULL);
    json_object_object_add(r, "max_tool_calls", NULL);
    json_object_object_add(r, "model", json_object_new_string(rq->model ? rq->model : rq->eng.model));
    for (size_t i = 0; s->output && i < json_object_array_length(s->output); i++)
        json_object_array_add(output, json_object_get(json_object_array_get_idx(s->output, i)));
    if (s->msg_open) {
        struct json_object *m = message_item(s, 1, "in_progress");
        if (m)
            json_object_array_add(output, m);
    }
    json_object_object_add(r, "output", output);
    json_object_object_add(r, "parallel_tool_calls", json_object_new_boolean(rq->parallel_tool_calls));
    json_object_object_add(r, "previous_response_id", rq->previous_response_id
                           ? json_object_new_string(rq->previous_response_id) : NULL);
    struct json_object *reasoning = json_object_new_object();
    if (reasoning) {
        json_object_object_add(reasoning, "effort", rq->reasoning_effort
                               ? json_object_new_string(rq->reasoning_effort) : NULL);
        json_object_object_add(reasoning, "summary", NULL);
    }
    json_object_object_add(r, "reasoning", reasoning);
    json_object_object_add(r, "service_tier", json_object_new_string("default"));
    json_object_object_add(r, "store", json_object_new_boolean(rq->store));
    json_object_object_add(r, "temperature", echo(rq->temperature_echo));
    struct json_object *text = json_object_new_object(), *fmt = echo(rq->format_echo);
    if (!fmt && (fmt = json_object_new_object()))
        json_object_object_add(fmt, "type", json_object_new_string("text"));
    if (text) {
        json_object_object_add(text, "format", fmt);
        json_object_object_add(text, "verbosity", json_object_new_string("medium"));
    } else {
        json_object_put(fmt);
    }
    json_object_object_add(r, "text", text);
    json_object_object_add(r, "tool_choice", rq->tool_choice_echo ? echo(rq->tool_choice_echo)
                                                                  : json_object_new_string("auto"));
    json_object_object_add(r, "tools", rq->tools_echo ? echo(rq->tools_echo) : json_object_new_array());
    json_object_object_add(r, "top_logprobs", json_object_new_int(0));
    json_object_object_add(r, "top_p", echo(rq->top_p_echo));
    json_object_object_add(r, "truncation", json_object_new_string("disabled"));
    json_object_object_add(r, "usage", s->ended ? usage_obj(&s->result.usage) : NULL);
    json_object_object_add(r, "user", rq->user ? json_object_new_string(rq->user) : NULL);
    json_object_object_add(r, "metadata", rq->metadata_echo ? echo(rq->metadata_echo)
                                                            : json_object_new_object());
    return r;
}

/* ---- events -------------------------------------------------------------- */

static long long now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

/* Every write of the stream goes through here. */
static int sink_write(struct resp_sink *s, const char *p, size_t n)
{
    s->last_write_s = now_s();
    return s->write(s->write_ud, p, n);
}

/* A new event object {"type","sequence_number"}; the caller adds the rest. */
static struct json_object *ev_new(struct resp_sink *s, const char *type)
{
    struct json_object *ev = json_object_new_object();
    if (!ev)
        return NULL;
    json_object_object_add(ev, "type", json_object_new_string(type));
    json_object_object_add(ev, "sequence_number", json_object_new_int64(s->seq++));
    return ev;
}

/* Write ev (consumed) as one SSE event. */
static int ev_send(struct resp_sink *s, struct json_object *ev)
{
    if (!ev)
        return -1;
    struct json_object *t = NULL;
    json_object_object_get_ex(ev, "type", &t);
    size_t n = 0;
    const char *js = json_object_to_json_string_length(
        ev, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    buf_clear(&s->ev);
    int rc = -1;
    if (js && buf_printf(&s->ev, "event: %s\ndata: ", json_object_get_string(t)) == 0 &&
        buf_append(&s->ev, js, n) == 0 && buf_puts(&s->ev, "\n\n") == 0)
        rc = sink_write(s, s->ev.data, s->ev.len);
    json_object_put(ev);
    return rc;
}

/* An event carrying the whole response: created, in_progress, completed, ... */
static int ev_response(struct resp_sink *s, const char *type)
{
    struct json_object *ev = ev_new(s, type), *r = resp_sink_response(s);
    if (!ev || !r) {
        json_object_put(ev);
        json_object_put(r);
        return -1;
    }
    json_object_object_add(ev, "response", r);
    return ev_send(s, ev);
}

/* An output item event: output_item.added / .done. */
static int ev_item(struct resp_sink *s, const char *type, unsigned index, struct json_object *item)
{
    struct json_object *ev = ev_new(s, type);
    if (!ev || !item) {
        json_object_put(ev);
        json_object_put(item);
        return -1;
    }
    json_object_object_add(ev, "output_index", json_object_new_int((int)index));
    json_object_object_add(ev, "item", item);
    return ev_send(s, ev);
}

/* An event about the open message's text part; extra (consumed) is added as key. */
static int ev_text(struct resp_sink *s, const char *type, const char *key, struct json_object *extra,
                   int logprobs)
{
    struct json_object *ev = ev_new(s, type);
    if (!ev || !extra) {
        json_object_put(ev);
        json_object_put(extra);
        return -1;
    }
    json_object_object_add(ev, "item_id", json_object_new_string(s->msg_id));
    json_object_object_add(ev, "output_index", json_object_new_int((int)json_object_array_length(s->output)));
    json_object_object_add(ev, "content_index", json_object_new_int(0));
    json_object_object_add(ev, key, extra);
    if (logprobs)
        json_object_object_add(ev, "logprobs", json_object_new_array());
    return ev_send(s, ev);
}

static int open_message(struct resp_sink *s)
{
    unsigned index = (unsigned)json_object_array_length(s->output);
    snprintf(s->msg_id, sizeof s->msg_id, "msg_%s_%u", s->hex, index);
    s->msg_open = 1;
    buf_clear(&s->text);
    if (!s->stream)
        return 0;
    if (ev_item(s, "response.output_item.added", index, message_item(s, 0, "in_progress")) < 0)
        return -1;
    return ev_text(s, "response.content_part.added", "part", text_part("", 0), 0);
}

static int close_message(struct resp_sink *s)
{
    if (!s->msg_open)
        return 0;
    unsigned index = (unsigned)json_object_array_length(s->output);
    struct json_object *item = message_item(s, 1, "completed");
    if (!item)
        return -1;
    if (s->stream &&
        (ev_text(s, "response.output_text.done", "text",
                 json_object_new_string_len(buf_str(&s->text), (int)s->text.len), 1) < 0 ||
         ev_text(s, "response.content_part.done", "part", text_part(buf_str(&s->text), s->text.len), 0) < 0 ||
         ev_item(s, "response.output_item.done", index, json_object_get(item)) < 0)) {
        json_object_put(item);
        return -1;
    }
    s->msg_open = 0;
    return json_object_array_add(s->output, item);
}

/* ---- the engine's callbacks ---------------------------------------------- */

static int sink_begin(void *ud, unsigned choice)
{
    struct resp_sink *s = ud;
    if (choice != 0 || s->began)
        return 0;
    s->began = 1;
    if (!s->stream)
        return 0;
    if (ev_response(s, "response.created") < 0)
        return -1;
    return ev_response(s, "response.in_progress");
}

static int sink_text(void *ud, unsigned choice, const char *p, size_t n)
{
    struct resp_sink *s = ud;
    if (choice != 0 || n == 0)
        return 0;
    if (!s->msg_open && open_message(s) < 0)
        return -1;
    if (buf_append(&s->text, p, n) < 0)
        return -1;
    if (!s->stream)
        return 0;
    return ev_text(s, "response.output_text.delta", "delta", json_object_new_string_len(p, (int)n), 1);
}

static int sink_tool_call(void *ud, unsigned choice, const struct eng_tool_call *c)
{
    struct resp_sink *s = ud;
    if (choice != 0)
        return 0;
    if (close_message(s) < 0)
        return -1;
    unsigned index = (unsigned)json_object_array_length(s->output);
    char item_id[RESP_ID_MAX];
    snprintf(item_id, sizeof item_id, "fc_%s_%u", s->hex, index);
    struct json_object *done = call_item(item_id, c, 1);
    if (!done)
        return -1;
    if (s->stream) {
        if (ev_item(s, "response.output_item.added", index, call_item(item_id, c, 0)) < 0)
            goto fail;
        struct json_object *d = ev_new(s, "response.function_call_arguments.delta");
        if (d) {
            json_object_object_add(d, "item_id", json_object_new_string(item_id));
            json_object_object_add(d, "output_index", json_object_new_int((int)index));
            json_object_object_add(d, "delta", json_object_new_string_len(c->arguments, (int)c->arguments_len));
        }
        if (ev_send(s, d) < 0)
            goto fail;
        struct json_object *a = ev_new(s, "response.function_call_arguments.done");
        if (a) {
            json_object_object_add(a, "item_id", json_object_new_string(item_id));
            json_object_object_add(a, "output_index", json_object_new_int((int)index));
            json_object_object_add(a, "name", json_object_new_string(c->name));
            json_object_object_add(a, "arguments", json_object_new_string_len(c->arguments, (int)c->arguments_len));
        }
        if (ev_send(s, a) < 0 || ev_item(s, "response.output_item.done", index, json_object_get(done)) < 0)
            goto fail;
    }
    return json_object_array_add(s->output, done);
fail:
    json_object_put(done);
    return -1;
}

static int sink_end(void *ud, unsigned choice, const struct eng_result *res)
{
    struct resp_sink *s = ud;
    if (choice != 0)
        return 0;
    if (json_object_array_length(s->output) == 0 && !s->msg_open && open_message(s) < 0)
        return -1;
    if (close_message(s) < 0)
        return -1;
    s->result = *res;
    s->ended = 1;
    if (s->on_end)
        s->on_end(s->on_end_ud, s);
    if (!s->stream)
        return 0;
    return ev_response(s, strcmp(sink_status(s), "incomplete") == 0 ? "response.incomplete"
                                                                    : "response.completed");
}

/* While the upstream is silent: a comment every keepalive_s seconds keeps
 * proxies and the client from timing out; in between, only ask whether the
 * client is still there. */
static int sink_idle(void *ud, unsigned idle_s)
{
    struct resp_sink *s = ud;
    static const char ka[] = ": keep-alive\n\n";
    (void)idle_s;
    if (!s->stream || !s->began)
        return 0;
    if (now_s() - s->last_write_s < (long long)s->keepalive_s)
        return s->write(s->write_ud, NULL, 0);
    return sink_write(s, ka, sizeof ka - 1);
}

/* The events of one upstream read leave in one write. */
static void sink_batch(void *ud, int start)
{
    struct resp_sink *s = ud;
    if (s->stream && s->batch)
        s->batch(s->write_ud, start);
}

struct eng_sink resp_sink_engine(struct resp_sink *s)
{
    struct eng_sink k = {
        .ud = s, .begin = sink_begin, .text = sink_text, .tool_call = sink_tool_call,
        .end = sink_end, .idle = sink_idle, .batch = sink_batch,
    };
    return k;
}

struct resp_failure {
    struct json_object *response;       /* the response as it stood */
    unsigned seq;
    resp_write_fn write;
    void *write_ud;
};

struct resp_failure *resp_sink_failure(const struct resp_sink *s)
{
    if (!s->stream || !s->began || s->ended)
        return NULL;
    struct resp_failure *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (!(f->response = resp_sink_response(s))) {
        free(f);
        return NULL;
    }
    f->seq = s->seq;
    f->write = s->write;
    f->write_ud = s->write_ud;
    return f;
}

int resp_failure_render(void *ud, const struct relay_err *e)
{
    struct resp_failure *f = ud;
    int rc = -1;
    struct json_object *ev = json_object_new_object();
    if (ev) {
        json_object_object_add(f->response, "status", json_object_new_string("failed"));
        json_object_object_add(f->response, "error", error_obj(e));
        json_object_object_add(ev, "type", json_object_new_string("response.failed"));
        json_object_object_add(ev, "sequence_number", json_object_new_int64(f->seq));
        json_object_object_add(ev, "response", json_object_get(f->response));
        size_t n = 0;
        const char *js = json_object_to_json_string_length(
            ev, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        struct buf b;
        buf_init(&b, RESP_EVENT_MAX);
        if (js && buf_puts(&b, "event: response.failed\ndata: ") == 0 && buf_append(&b, js, n) == 0 &&
            buf_puts(&b, "\n\n") == 0)
            rc = f->write(f->write_ud, b.data, b.len);
        buf_free(&b);
        json_object_put(ev);
    }
    json_object_put(f->response);
    free(f);
    return rc;
}

int resp_sink_fail(struct resp_sink *s, const struct relay_err *e)
{
    s->fail_err = *e;
    struct resp_failure *f = resp_sink_failure(s);
    s->failed = 1;
    if (!f)
        return s->stream && s->began ? -1 : 0;
    s->seq++;
    return resp_failure_render(f, e);
}
