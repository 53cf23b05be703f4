/* chat_sse: streamed Chat Completions; see chat.h.
 *
 * Nothing is sent until the engine's begin() (the upstream answered 2xx): a
 * failure before that is a normal JSON error with its real status. Then the
 * SSE headers and the role chunk go out at once, one chunk per piece of text,
 * each flushed, then the finish chunk, the usage chunk when asked for, and
 * [DONE]. A failure after the 200 is rendered by the router as a
 * data: {"error":...} frame (api/render_error). */
#include "api/chat.h"

#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "api/chat_tools.h"
#include "core/log.h"
#include "core/record.h"
#include "core/text.h"
#include "http/resp.h"

#define CHAT_SSE_CHUNK_MAX ((size_t)9 << 20)

static long long chat_sse_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

/* Write the chunk buffer and flush. Returns 0 or -1 (client gone). */
static int chat_sse_emit(struct chat_sse *s)
{
    struct relay_req *r = s->out->r;
    if (resp_write(r, s->chunk.data, s->chunk.len) < 0 || resp_flush(r) < 0)
        return -1;
    s->last_write = chat_sse_now();
    return 0;
}

/* A chat.completion.chunk is written into s->chunk in two steps: the head
 * up to the opening of delta, then (after the caller appended the delta's
 * members) the tail, and emitted. */
static int chat_sse_head(struct chat_sse *s, unsigned choice)
{
    struct buf *c = &s->chunk;
    buf_clear(c);
    return buf_append(c, s->prefix.data, s->prefix.len) < 0 ||
           buf_printf(c, "[{\"index\":%u,\"delta\":{", choice) < 0 ? -1 : 0;
}

/* finish NULL means null. */
static int chat_sse_tail(struct chat_sse *s, const char *finish)
{
    struct buf *c = &s->chunk;
    if (buf_puts(c, "},\"logprobs\":null,\"finish_reason\":") < 0 ||
        buf_printf(c, finish ? "\"%s\"}]" : "null}]", finish) < 0 ||
        buf_puts(c, s->out->include_usage ? ",\"usage\":null}\n\n" : "}\n\n") < 0)
        return -1;
    return chat_sse_emit(s);
}

/* One chunk whose delta holds the members in delta ("" for {}). */
static int chat_sse_choice(struct chat_sse *s, unsigned choice, const char *delta, const char *finish)
{
    if (chat_sse_head(s, choice) < 0 || buf_puts(&s->chunk, delta) < 0)
        return -1;
    return chat_sse_tail(s, finish);
}

/* The 200 with the first choice that starts; each choice's role chunk. */
static int chat_sse_begin(void *ud, unsigned choice)
{
    struct chat_sse *s = ud;
    struct relay_req *r = s->out->r;
    if (!s->started) {
        resp_add_header(r, "Cache-Control", "no-cache");
        resp_add_header(r, "X-Accel-Buffering", "no");
        if (resp_begin(r, 200, "text/event-stream; charset=utf-8", -1) < 0)
            return -1;
        s->started = 1;
    }
    return chat_sse_choice(s, choice, "\"role\":\"assistant\",\"content\":\"\"", NULL);
}

static int chat_sse_text(void *ud, unsigned choice, const char *p, size_t n)
{
    struct chat_sse *s = ud;
    if (chat_sse_head(s, choice) < 0 || buf_puts(&s->chunk, "\"content\":") < 0 || text_json_quote(&s->chunk, p, n) < 0) {
        LOG_WARN("stream chunk too large; stopping");
        return -1;
    }
    return chat_sse_tail(s, NULL);
}

/* A call as one delta.tool_calls item, whole: index, id, type, name and
 * arguments in the first and only fragment (docs/tools.md §2). */
static int chat_sse_tool_call(void *ud, unsigned choice, const struct eng_tool_call *call)
{
    struct chat_sse *s = ud;
    int legacy = s->out->legacy_functions;
    struct json_object *item = chat_tools_call_json(call, 1, legacy);
    int bad = !item || chat_sse_head(s, choice) < 0 ||
              buf_puts(&s->chunk, legacy ? "\"function_call\":" : "\"tool_calls\":[") < 0 ||
              buf_puts(&s->chunk, json_object_to_json_string_ext(item, JSON_C_TO_STRING_PLAIN |
                                                                       JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
              buf_puts(&s->chunk, legacy ? "" : "]") < 0;
    json_object_put(item);
    return bad ? -1 : chat_sse_tail(s, NULL);
}

/* Each choice's finish chunk; after the last, the usage chunk when asked
 * for (the prompt counted once, the completions of all choices), and
 * [DONE]. */
static int chat_sse_end(void *ud, unsigned choice, const struct eng_result *res)
{
    struct chat_sse *s = ud;
    if (chat_sse_choice(s, choice, "", chat_finish_reason(s->out, res->finish)) < 0)
        return -1;
    if (s->ended++ == 0)
        s->usage.prompt_tokens = res->usage.prompt_tokens;
    s->usage.completion_tokens += res->usage.completion_tokens;
    if (s->ended < s->n)
        return 0;
    const struct eng_usage *u = &s->usage;
    record_tokens(u->prompt_tokens, u->completion_tokens, !res->usage.from_upstream);
    if (s->out->include_usage) {
        struct buf *c = &s->chunk;
        buf_clear(c);
        if (buf_append(c, s->prefix.data, s->prefix.len) < 0 ||
            buf_printf(c, "[],\"usage\":{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld}}\n\n",
                       u->prompt_tokens, u->completion_tokens, u->prompt_tokens + u->completion_tokens) < 0 ||
            chat_sse_emit(s) < 0)
            return -1;
    }
    struct relay_req *r = s->out->r;
    return resp_write(r, "data: [DONE]\n\n", 14) < 0 || resp_flush(r) < 0 ? -1 : 0;
}

/* While the upstream is silent: keep proxies and the client from timing out,
 * and notice a client that left. */
static int chat_sse_idle(void *ud, unsigned idle_s)
{
    struct chat_sse *s = ud;
    struct relay_req *r = s->out->r;
    static const char ping[] = ": keep-alive\n\n";
    (void)idle_s;
    if (r->client_gone)
        return -1;
    if (chat_sse_now() - s->last_write < (long long)r->cfg->keepalive_s)
        return 0;
    if (resp_write(r, ping, sizeof ping - 1) < 0 || resp_flush(r) < 0)
        return -1;
    s->last_write = chat_sse_now();
    return 0;
}

/* The events of one upstream read leave in one write. */
static void chat_sse_batch(void *ud, int start)
{
    struct chat_sse *s = ud;
    if (start)
        resp_hold(s->out->r);
    else
        resp_release(s->out->r);
}

int chat_sse_sink(struct chat_sse *s, const struct chat_out *out, unsigned n, struct eng_sink *sink)
{
    s->out = out;
    s->n = n ? n : 1;
    s->last_write = chat_sse_now();
    buf_init(&s->prefix, 4096);
    buf_init(&s->chunk, CHAT_SSE_CHUNK_MAX);
    *sink = (struct eng_sink){
        .ud = s, .begin = chat_sse_begin, .text = chat_sse_text, .tool_call = chat_sse_tool_call, .end = chat_sse_end,
        .idle = chat_sse_idle, .batch = chat_sse_batch,
    };
    struct buf *p = &s->prefix;
    return buf_printf(p, "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%lld,\"model\":",
                      out->id, out->created) < 0 ||
           text_json_quote(p, out->model, strlen(out->model)) < 0 ||
           buf_puts(p, ",\"system_fingerprint\":null,\"choices\":") < 0 ? -1 : 0;
}

void chat_sse_free(struct chat_sse *s)
{
    buf_free(&s->prefix);
    buf_free(&s->chunk);
}
