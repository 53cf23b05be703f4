/* test_engine: the chat engine (engine/engine.c) against a fake transport
 * (no network, no web server): the order of sink calls, the text and usage
 * that reach the sink, the upstream body, the web-search retry, failures
 * before and after the answer started (with the key masked), a client that
 * leaves, and images refused for a model without vision. */
#include <stdlib.h>

#include "tap.h"
#include "core/cfg.h"
#include "engine/ctx.h"
#include "engine/engine.h"
#include "onemin/media.h"

#define KEY "sk-test-engine-key-123"

/* ---- the fake transport ------------------------------------------------ */

struct answer {
    long status;
    const char *body;       /* the reply body (a JSON record, an SSE stream, an error) */
    size_t piece;           /* streamed in pieces of this many bytes (0: whole) */
};

static struct {
    struct answer answers[4];
    size_t nanswers, calls;
    char urls[4][256];
    struct buf bodies[4];
    int aborted;            /* a callback asked to stop */
} fake;

static void fake_reset(void)
{
    for (size_t i = 0; i < 4; i++)
        buf_free(&fake.bodies[i]);
    memset(&fake, 0, sizeof fake);
}

/* The body as libcurl would send it: from body_src in small reads (which
 * also makes escapes straddle reads), checked against its declared length. */
static void fake_read_body(const struct client_request *req, struct buf *out)
{
    char piece[7];
    size_t n;
    if (!req->body_src) {
        buf_append(out, req->body, req->body_len);
        return;
    }
    while ((n = req->body_src->read(req->body_src->ud, piece, sizeof piece)) > 0)
        buf_append(out, piece, n);
    if (out->len != req->body_src->len)
        buf_puts(out, " <the body's length differs from the one declared>");
}

static enum client_rc fake_perform(void *h, const struct client_request *req, struct client_reply *rep)
{
    (void)h;
    size_t i = fake.calls++;
    const struct answer *a = &fake.answers[i < fake.nanswers ? i : fake.nanswers - 1];
    snprintf(fake.urls[i % 4], sizeof fake.urls[0], "%s", req->url);
    buf_init(&fake.bodies[i % 4], 1 << 20);
    fake_read_body(req, &fake.bodies[i % 4]);
    rep->status = a->status;
    size_t n = strlen(a->body);
    int ok2xx = a->status >= 200 && a->status < 300;
    if (req->on_status && req->on_status(req->ud, rep) != 0) {
        fake.aborted = 1;
        return CLIENT_ERR_ABORTED;
    }
    if (!ok2xx || !req->on_data) {
        buf_append(&rep->body, a->body, n);
        return CLIENT_OK;
    }
    if (req->on_tick && req->on_tick(req->ud, 1) != 0) {
        fake.aborted = 1;
        return CLIENT_ERR_ABORTED;
    }
    size_t piece = a->piece ? a->piece : n;
    for (size_t at = 0; at < n; at += piece) {
        size_t k = n - at < piece ? n - at : piece;
        if (req->on_data(req->ud, a->body + at, k) != 0) {
            fake.aborted = 1;
            return CLIENT_ERR_ABORTED;
        }
    }
    return CLIENT_OK;
}

/* ---- a recording sink -------------------------------------------------- */

struct rec {
    char calls[256];        /* "B", "T", "E", "I" in order */
    struct buf text;
    struct eng_result res;
    int gone_after_text;    /* return non-zero from the nth text call */
    int texts;
};

static void rec_mark(struct rec *r, char c)
{
    size_t n = strlen(r->calls);
    if (n + 1 < sizeof r->calls)
        r->calls[n] = c;
}

static int rec_begin(void *ud, unsigned choice)
{
    (void)choice;
    rec_mark(ud, 'B');
    return 0;
}

static int rec_text(void *ud, unsigned choice, const char *p, size_t n)
{
    struct rec *r = ud;
    (void)choice;
    rec_mark(r, 'T');
    buf_append(&r->text, p, n);
    return r->gone_after_text && ++r->texts >= r->gone_after_text;
}

static int rec_end(void *ud, unsigned choice, const struct eng_result *res)
{
    struct rec *r = ud;
    (void)choice;
    rec_mark(r, 'E');
    r->res = *res;
    return 0;
}

static int rec_idle(void *ud, unsigned idle_s)
{
    (void)idle_s;
    rec_mark(ud, 'I');
    return 0;
}

/* ---- the environment --------------------------------------------------- */

static struct relay_config cfg = {
    .chat_api_url = "http://upstream.test/api/chat-with-ai",
    .web_search_num_sites = 3, .web_search_max_words = 500,
    .connect_timeout_ms = 1000, .idle_timeout_s = 5, .max_upstream_body = 1 << 20,
};
static struct media_config media = { .max_images = 2 };
static struct onemin om = { .cfg = &cfg, .media = &media, .key = KEY, .key_len = sizeof KEY - 1 };

static struct eng_part user_part = { .kind = ENG_PART_TEXT, .text = "Say \"hi\"", .text_len = 8 };
static struct eng_turn user_turn = { .role = ENG_USER, .parts = &user_part, .nparts = 1 };

static void request(struct eng_request *req, int stream)
{
    memset(req, 0, sizeof *req);
    snprintf(req->model, sizeof req->model, "gpt-4o-mini");
    req->turns = &user_turn;
    req->nturns = 1;
    req->n = 1;
    req->stream = stream;
    req->param_prefix = "messages";
}

static int run(const struct eng_request *req, struct rec *r, struct eng_usage *u, struct relay_err *e)
{
    struct eng_ctx ctx = { .om = &om, .vision = 0, .prompt = NULL, .prompt_tokens = -1, .perform = fake_perform };
    struct eng_sink sink = { .ud = r, .begin = rec_begin, .text = rec_text, .end = rec_end, .idle = rec_idle };
    memset(e, 0, sizeof *e);
    return eng_run(&ctx, req, &sink, u, e);
}

static void rec_init(struct rec *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->text, 1 << 20);
}

#define RECORD(text, meta) "{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":[\"" text \
                           "\"]}" meta "}}"

static void test_json(void)
{
    struct eng_request req;
    struct rec r;
    struct eng_usage u;
    struct relay_err e;
    fake_reset();
    fake.answers[0] = (struct answer){ 200, RECORD("Hello there", ",\"metadata\":{\"inputToken\":12,\"outputToken\":3,"
                                                   "\"finishReason\":\"length\"}"), 0 };
    fake.nanswers = 1;
    request(&req, 0);
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), 0, "json: the exchange succeeds");
    is_str(r.calls, "BTE", "json: begin, text, end");
    is_str(buf_str(&r.text), "Hello there", "json: the answer text");
    is_int(r.res.finish, ENG_FINISH_LENGTH, "json: finishReason length -> ENG_FINISH_LENGTH");
    ok(r.res.usage.from_upstream && r.res.usage.prompt_tokens == 12 && r.res.usage.completion_tokens == 3,
       "json: usage from the record's metadata");
    ok(u.completion_tokens == 3, "json: usage_total for the limiter");
    is_str(fake.urls[0], "http://upstream.test/api/chat-with-ai", "json: no isStreaming");
    is_str(buf_str(&fake.bodies[0]), "{\"type\":\"UNIFY_CHAT_WITH_AI\",\"model\":\"gpt-4o-mini\",\"promptObject\":"
           "{\"prompt\":\"Human: Say \\\"hi\\\"\\n\\n\",\"settings\":{\"historySettings\":{\"isMixed\":false},"
           "\"withMemories\":false}}}", "json: the upstream body, read in pieces as libcurl reads it");
    buf_free(&r.text);

    fake_reset();
    fake.answers[0] = (struct answer){ 200, RECORD("one two three", ""), 0 };
    fake.nanswers = 1;
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), 0, "json without metadata: succeeds");
    const char *prompt = "Human: Say \"hi\"\n\n";
    ok(!r.res.usage.from_upstream && r.res.usage.prompt_tokens == eng_count_tokens("gpt-4o-mini", prompt, strlen(prompt))
       && r.res.usage.completion_tokens == eng_count_tokens("gpt-4o-mini", "one two three", 13),
       "json without metadata: usage is the exact count of prompt and answer");
    buf_free(&r.text);
}

static void test_stream(void)
{
    struct eng_request req;
    struct rec r;
    struct eng_usage u;
    struct relay_err e;
    fake_reset();
    fake.answers[0] = (struct answer){ 200,
        "event: content\ndata: {\"content\":\"Hel\"}\n\n"
        "event: content\ndata: {\"content\":\"lo world\"}\n\n"
        "event: content\ndata: {\"content\":\"Hello world\"}\n\n"
        "event: result\ndata: " RECORD("Hello world", ",\"metadata\":{\"inputToken\":7,\"outputToken\":2}") "\n\n"
        "event: done\ndata: [DONE]\n\n", 5 };
    fake.nanswers = 1;
    request(&req, 1);
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), 0, "stream: succeeds");
    is_str(r.calls, "BITTE", "stream: begin, idle, the two pieces, end (the repeated whole text dropped)");
    is_str(buf_str(&r.text), "Hello world", "stream: the text, split at every 5 bytes upstream");
    ok(r.res.usage.from_upstream && r.res.usage.prompt_tokens == 7 && r.res.usage.completion_tokens == 2,
       "stream: usage from the result event");
    is_str(fake.urls[0], "http://upstream.test/api/chat-with-ai?isStreaming=true", "stream: isStreaming=true");
    buf_free(&r.text);

    /* an error event after the answer started: the key is masked */
    fake_reset();
    fake.answers[0] = (struct answer){ 200,
        "event: content\ndata: {\"content\":\"partial\"}\n\n"
        "event: error\ndata: {\"error\":{\"message\":\"key " KEY " exhausted\"}}\n\n", 0 };
    fake.nanswers = 1;
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), -1, "stream error event: fails");
    is_str(r.calls, "BIT", "stream error event: no end()");
    is_int(e.status, 502, "stream error event: 502");
    ok(strstr(e.message, "exhausted") && !strstr(e.message, "test-engine"), "stream error event: key masked (%s)",
       e.message);
    buf_free(&r.text);

    /* the client leaves: the transfer stops, 499 */
    fake_reset();
    fake.answers[0] = (struct answer){ 200,
        "event: content\ndata: {\"content\":\"a\"}\n\nevent: content\ndata: {\"content\":\"b\"}\n\n", 0 };
    fake.nanswers = 1;
    rec_init(&r);
    r.gone_after_text = 1;
    is_int(run(&req, &r, &u, &e), -1, "client gone: fails");
    ok(fake.aborted && e.status == 499, "client gone: the upstream transfer is aborted, 499");
    ok(u.completion_tokens > 0, "client gone: what was sent is still counted for the limiter");
    buf_free(&r.text);
}

static void test_failures(void)
{
    struct eng_request req;
    struct rec r;
    struct eng_usage u;
    struct relay_err e;

    /* web search refused with a 400: retried once without it */
    fake_reset();
    fake.answers[0] = (struct answer){ 400, "{\"message\":\"web search unsupported\"}", 0 };
    fake.answers[1] = (struct answer){ 200, RECORD("ok", ""), 0 };
    fake.nanswers = 2;
    request(&req, 0);
    req.web_search = 1;
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), 0, "web search 400: retried and answered");
    is_int(fake.calls, 2, "web search 400: two calls");
    ok(strstr(buf_str(&fake.bodies[0]), "\"webSearchSettings\":{\"webSearch\":true,\"numOfSite\":3,\"maxWord\":500}") &&
       !strstr(buf_str(&fake.bodies[1]), "webSearch"), "web search 400: the retry has no web search");
    buf_free(&r.text);

    /* an upstream 500 that quotes the key, before anything started */
    fake_reset();
    fake.answers[0] = (struct answer){ 500, "{\"message\":\"bad key " KEY "\"}", 0 };
    fake.nanswers = 1;
    request(&req, 1);
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), -1, "upstream 500: fails");
    is_str(r.calls, "", "upstream 500: nothing reached the sink");
    ok(e.status == 502 && !strstr(e.message, KEY) && strstr(e.message, "***"), "upstream 500: 502, key masked (%s)",
       e.message);
    buf_free(&r.text);

    /* a FAILED record */
    fake_reset();
    fake.answers[0] = (struct answer){ 200, "{\"aiRecord\":{\"status\":\"FAILED\",\"aiRecordDetail\":{\"resultObject\":"
                                       "[\"quota of " KEY " used up\"]}}}", 0 };
    fake.nanswers = 1;
    request(&req, 0);
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), -1, "FAILED record: fails");
    ok(e.status == 502 && strcmp(e.code, "upstream_failed") == 0 && !strstr(e.message, KEY),
       "FAILED record: 502 upstream_failed, key masked");
    buf_free(&r.text);

    /* images for a model without vision: refused before any call */
    fake_reset();
    struct eng_part parts[2] = {
        { .kind = ENG_PART_TEXT, .text = "what is it", .text_len = 10 },
        { .kind = ENG_PART_IMAGE, .url = "https://example.test/a.png", .param = "messages[0].content[1]" },
    };
    struct eng_turn turn = { .role = ENG_USER, .parts = parts, .nparts = 2 };
    request(&req, 0);
    req.turns = &turn;
    rec_init(&r);
    is_int(run(&req, &r, &u, &e), -1, "image without vision: fails");
    ok(e.status == 400 && strcmp(e.code, "model_not_vision") == 0 && fake.calls == 0,
       "image without vision: 400 model_not_vision, no upstream call");
    buf_free(&r.text);
    fake_reset();
}

int main(void)
{
    test_json();
    test_stream();
    test_failures();
    return tap_done();
}
