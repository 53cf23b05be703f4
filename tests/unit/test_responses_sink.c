/* The Responses API sink (fed eng_sink calls; the JSON object and the event
 * bytes checked) and the response store (directory and a real memcached). */
#include <json-c/json.h>
#include <libmemcached/memcached.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "api/responses.h"
#include "rl_test_memcached.h"
#include "tap.h"

static struct json_object *J(const char *s)
{
    struct json_object *o = json_tokener_parse(s);
    if (!o) {
        printf("# bad test JSON: %s\n", s);
        exit(2);
    }
    return o;
}

/* A JSON path lookup: "output.0.content.0.text". */
static struct json_object *at(struct json_object *o, const char *path)
{
    char p[256];
    snprintf(p, sizeof p, "%s", path);
    for (char *tok = strtok(p, "."); tok && o; tok = strtok(NULL, ".")) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(tok));
        else if (!json_object_object_get_ex(o, tok, &o))
            return NULL;
    }
    return o;
}

static const char *str_at(struct json_object *o, const char *path)
{
    struct json_object *v = at(o, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long int_at(struct json_object *o, const char *path)
{
    struct json_object *v = at(o, path);
    return v ? json_object_get_int64(v) : -999;
}

static int probes;

static int capture(void *ud, const char *p, size_t n)
{
    if (n == 0) {
        probes++;
        return 0;
    }
    return buf_append(ud, p, n);
}

static struct resp_request *request(const char *body, struct resp_request *rq)
{
    struct json_object *b = J(body);
    struct relay_err e = { 0 };
    if (resp_parse(b, rq, &e) < 0 || resp_build(rq, NULL, NULL, NULL, &e) < 0) {
        printf("# bad request: %s\n", e.message);
        exit(2);
    }
    json_object_put(b);
    return rq;
}

/* Split captured SSE bytes into events: a JSON array of {"event","data"}. */
static struct json_object *events(const struct buf *b)
{
    struct json_object *list = json_object_new_array();
    const char *p = buf_str(b);
    while (*p) {
        const char *end = strstr(p, "\n\n");
        if (!end)
            break;
        if (*p == ':') {        /* a comment */
            p = end + 2;
            continue;
        }
        struct json_object *ev = json_object_new_object();
        const char *nl = strchr(p, '\n');
        if (strncmp(p, "event: ", 7) == 0 && nl && strncmp(nl + 1, "data: ", 6) == 0) {
            json_object_object_add(ev, "event", json_object_new_string_len(p + 7, (int)(nl - p - 7)));
            struct json_tokener *t = json_tokener_new();
            struct json_object *d = json_tokener_parse_ex(t, nl + 7, (int)(end - nl - 7));
            json_tokener_free(t);
            json_object_object_add(ev, "data", d);
        }
        json_object_array_add(list, ev);
        p = end + 2;
    }
    return list;
}

static void check_sequence(struct json_object *evs, const char *name)
{
    int good = 1;
    for (size_t i = 0; i < json_object_array_length(evs); i++) {
        struct json_object *ev = json_object_array_get_idx(evs, i);
        const char *e = str_at(ev, "event"), *t = str_at(ev, "data.type");
        if (!e || !t || strcmp(e, t) != 0 || int_at(ev, "data.sequence_number") != (long long)i)
            good = 0;
    }
    ok(good, "%s: every event names its type and sequence_numbers count 0, 1, ...", name);
}

static void types_are(struct json_object *evs, const char *const *want, size_t n, const char *name)
{
    int same = json_object_array_length(evs) == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(str_at(json_object_array_get_idx(evs, i), "event"), want[i]) == 0;
    if (!ok(same, "%s: event order", name))
        for (size_t i = 0; i < json_object_array_length(evs); i++)
            printf("#   %s\n", str_at(json_object_array_get_idx(evs, i), "event"));
}

static void test_json_answer(void)
{
    struct resp_request rq;
    struct resp_sink s;
    request("{\"model\":\"gpt-4o\",\"input\":\"hi\",\"instructions\":\"Be nice\",\"metadata\":{\"a\":\"b\"},"
            "\"temperature\":0.3,\"reasoning\":{\"effort\":\"low\"}}", &rq);
    resp_sink_init(&s, &rq, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef",
                   1700000000, NULL, NULL);
    struct eng_sink k = resp_sink_engine(&s);
    struct eng_result res = { .finish = ENG_FINISH_STOP, .usage = { 9, 2, 1 } };
    ok(k.begin(k.ud, 0) == 0 && k.text(k.ud, 0, "Hel", 3) == 0 && k.text(k.ud, 0, "lo!", 3) == 0 &&
       k.end(k.ud, 0, &res) == 0, "callbacks succeed");
    struct json_object *r = resp_sink_response(&s);
    is_str(str_at(r, "id"), "resp_0123456789abcdef0123456789abcdef", "id");
    is_str(str_at(r, "object"), "response", "object");
    is_int(int_at(r, "created_at"), 1700000000, "created_at");
    is_str(str_at(r, "status"), "completed", "status completed");
    is_str(str_at(r, "model"), "gpt-4o", "model as asked");
    is_int(json_object_array_length(at(r, "output")), 1, "one output item");
    is_str(str_at(r, "output.0.type"), "message", "a message");
    is_str(str_at(r, "output.0.id"), "msg_0123456789abcdef0123456789abcdef_0", "message id carries the response");
    is_str(str_at(r, "output.0.role"), "assistant", "assistant");
    is_str(str_at(r, "output.0.status"), "completed", "item completed");
    is_str(str_at(r, "output.0.content.0.type"), "output_text", "output_text part");
    is_str(str_at(r, "output.0.content.0.text"), "Hello!", "the text");
    ok(json_object_is_type(at(r, "output.0.content.0.annotations"), json_type_array) &&
       json_object_array_length(at(r, "output.0.content.0.annotations")) == 0, "annotations: []");
    is_int(int_at(r, "usage.input_tokens"), 9, "input_tokens");
    is_int(int_at(r, "usage.output_tokens"), 2, "output_tokens");
    is_int(int_at(r, "usage.total_tokens"), 11, "total_tokens");
    is_int(int_at(r, "usage.input_tokens_details.cached_tokens"), 0, "input details");
    is_int(int_at(r, "usage.output_tokens_details.reasoning_tokens"), 0, "output details");
    is_str(str_at(r, "instructions"), "Be nice", "instructions echoed");
    is_str(str_at(r, "metadata.a"), "b", "metadata echoed");
    ok(json_object_get_double(at(r, "temperature")) == 0.3, "temperature echoed");
    is_str(str_at(r, "reasoning.effort"), "low", "reasoning.effort echoed");
    is_str(str_at(r, "tool_choice"), "auto", "tool_choice auto");
    is_str(str_at(r, "text.format.type"), "text", "text.format text");
    ok(json_object_is_type(at(r, "tools"), json_type_array), "tools []");
    ok(at(r, "error") == NULL && at(r, "incomplete_details") == NULL, "error and incomplete_details null");
    ok(json_object_get_boolean(at(r, "parallel_tool_calls")), "parallel_tool_calls true");
    ok(json_object_get_boolean(at(r, "store")), "store true");
    json_object_put(r);
    resp_sink_free(&s);
    resp_request_free(&rq);
}

static size_t on_end_len;
static int on_end_calls;
static char on_end_status[32];

static void on_end(void *ud, const struct resp_sink *s)
{
    on_end_len = ((struct buf *)ud)->len;
    on_end_calls++;
    struct json_object *r = resp_sink_response(s);
    snprintf(on_end_status, sizeof on_end_status, "%s", str_at(r, "status"));
    json_object_put(r);
}

static char batch_log[8];

static void batch_note(void *ud, int start)
{
    (void)ud;
    size_t n = strlen(batch_log);
    if (n + 1 < sizeof batch_log) {
        batch_log[n] = start ? '1' : '0';
        batch_log[n + 1] = '\0';
    }
}

static void test_stream_text(void)
{
    struct resp_request rq;
    struct resp_sink s;
    struct buf out;
    buf_init(&out, 1 << 20);
    request("{\"model\":\"gpt-4o\",\"input\":\"hi\",\"stream\":true}", &rq);
    resp_sink_init(&s, &rq, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef",
                   1700000000, capture, &out);
    struct eng_sink k = resp_sink_engine(&s);
    struct eng_result res = { .finish = ENG_FINISH_STOP, .usage = { 5, 3, 0 } };
    s.on_end = on_end;
    s.on_end_ud = &out;
    ok(k.begin(k.ud, 0) == 0, "begin");
    s.batch = batch_note;
    k.batch(k.ud, 1);
    k.batch(k.ud, 0);
    is_str(batch_log, "10", "batch brackets reach the writer's hold and release");
    struct json_object *evs = events(&out);
    is_int(json_object_array_length(evs), 2, "begin sends created and in_progress at once");
    json_object_put(evs);
    ok(k.text(k.ud, 0, "Hel", 3) == 0, "text 1");
    size_t after_first = out.len;
    ok(k.idle(k.ud, 1) == 0, "idle");
    ok(strstr(buf_str(&out) + after_first, ": keep-alive\n\n") != NULL, "idle sends an SSE comment");
    s.keepalive_s = 100;
    size_t before_idle = out.len;
    ok(k.idle(k.ud, 1) == 0 && out.len == before_idle && probes == 1,
       "idle within keepalive_s of the last write only asks whether the client is there");
    ok(k.text(k.ud, 0, "lo", 2) == 0 && k.end(k.ud, 0, &res) == 0, "text 2 and end");
    evs = events(&out);
    static const char *const want[] = {
        "response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed",
    };
    types_are(evs, want, sizeof want / sizeof want[0], "text stream");
    check_sequence(evs, "text stream");
    struct json_object *created = json_object_array_get_idx(evs, 0);
    is_str(str_at(created, "data.response.status"), "in_progress", "created: in_progress");
    is_int(json_object_array_length(at(created, "data.response.output")), 0, "created: empty output");
    ok(at(created, "data.response.usage") == NULL, "created: usage null");
    struct json_object *added = json_object_array_get_idx(evs, 2);
    is_int(int_at(added, "data.output_index"), 0, "item added at 0");
    is_str(str_at(added, "data.item.status"), "in_progress", "item in_progress");
    is_int(json_object_array_length(at(added, "data.item.content")), 0, "item content empty");
    struct json_object *part = json_object_array_get_idx(evs, 3);
    is_str(str_at(part, "data.item_id"), "msg_0123456789abcdef0123456789abcdef_0", "part names the item");
    is_int(int_at(part, "data.content_index"), 0, "content_index 0");
    is_str(str_at(part, "data.part.type"), "output_text", "part is output_text");
    is_str(str_at(part, "data.part.text"), "", "part starts empty");
    is_str(str_at(json_object_array_get_idx(evs, 4), "data.delta"), "Hel", "delta 1 as it came");
    is_str(str_at(json_object_array_get_idx(evs, 5), "data.delta"), "lo", "delta 2 as it came");
    ok(json_object_is_type(at(json_object_array_get_idx(evs, 5), "data.logprobs"), json_type_array),
       "delta logprobs []");
    is_str(str_at(json_object_array_get_idx(evs, 6), "data.text"), "Hello", "text.done has the whole text");
    is_str(str_at(json_object_array_get_idx(evs, 7), "data.part.text"), "Hello", "part.done has the text");
    is_str(str_at(json_object_array_get_idx(evs, 8), "data.item.status"), "completed", "item.done completed");
    is_str(str_at(json_object_array_get_idx(evs, 8), "data.item.content.0.text"), "Hello", "item.done text");
    struct json_object *done = json_object_array_get_idx(evs, 9);
    is_str(str_at(done, "data.response.status"), "completed", "completed last");
    is_str(str_at(done, "data.response.output.0.content.0.text"), "Hello", "completed carries the output");
    is_int(int_at(done, "data.response.usage.total_tokens"), 8, "completed carries usage");
    ok(strstr(buf_str(&out), "[DONE]") == NULL, "no [DONE]");
    is_int(on_end_calls, 1, "on_end called once");
    is_str(on_end_status, "completed", "on_end sees the completed response");
    ok(strstr(buf_str(&out) + on_end_len, "event: response.output_item.done") == NULL &&
       strstr(buf_str(&out) + on_end_len, "event: response.completed") != NULL,
       "on_end runs after the item events, before response.completed");
    json_object_put(evs);
    resp_sink_free(&s);
    resp_request_free(&rq);
    buf_free(&out);
}

static void test_stream_tools(void)
{
    struct resp_request rq;
    struct resp_sink s;
    struct buf out;
    buf_init(&out, 1 << 20);
    request("{\"model\":\"m\",\"input\":\"hi\",\"stream\":true,\"tools\":[{\"type\":\"function\",\"name\":\"f\"},"
            "{\"type\":\"namespace\",\"name\":\"ns\",\"tools\":[{\"type\":\"function\",\"name\":\"g\"}]}]}", &rq);
    resp_sink_init(&s, &rq, "fedcba9876543210fedcba9876543210", "resp_fedcba9876543210fedcba9876543210", 1,
                   capture, &out);
    struct eng_sink k = resp_sink_engine(&s);
    struct eng_tool_call c1 = { 0, "call_one", "f", NULL, "{\"a\":1}", 7 };
    struct eng_tool_call c2 = { 1, "call_two", "g", "ns", "{}", 2 };
    struct eng_result res = { .finish = ENG_FINISH_TOOL_CALLS, .usage = { 1, 1, 0 } };
    ok(k.begin(k.ud, 0) == 0 && k.text(k.ud, 0, "Let me", 6) == 0 && k.tool_call(k.ud, 0, &c1) == 0 &&
       k.tool_call(k.ud, 0, &c2) == 0 && k.end(k.ud, 0, &res) == 0, "callbacks succeed");
    struct json_object *evs = events(&out);
    static const char *const want[] = {
        "response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed",
    };
    types_are(evs, want, sizeof want / sizeof want[0], "tool stream");
    check_sequence(evs, "tool stream");
    struct json_object *fa = json_object_array_get_idx(evs, 8);
    is_int(int_at(fa, "data.output_index"), 1, "first call at output 1, after the message");
    is_str(str_at(fa, "data.item.type"), "function_call", "function_call item");
    is_str(str_at(fa, "data.item.id"), "fc_fedcba9876543210fedcba9876543210_1", "fc_ id");
    is_str(str_at(fa, "data.item.call_id"), "call_one", "call_id from the engine");
    is_str(str_at(fa, "data.item.arguments"), "", "added with empty arguments");
    is_str(str_at(fa, "data.item.status"), "in_progress", "added in_progress");
    is_str(str_at(json_object_array_get_idx(evs, 9), "data.delta"), "{\"a\":1}", "arguments delta");
    is_str(str_at(json_object_array_get_idx(evs, 9), "data.item_id"), "fc_fedcba9876543210fedcba9876543210_1",
           "delta names the item");
    is_str(str_at(json_object_array_get_idx(evs, 10), "data.arguments"), "{\"a\":1}", "arguments done");
    is_str(str_at(json_object_array_get_idx(evs, 11), "data.item.status"), "completed", "call item done");
    is_str(str_at(json_object_array_get_idx(evs, 12), "data.item.namespace"), "ns", "namespace on the call");
    struct json_object *done = json_object_array_get_idx(evs, 16);
    is_int(json_object_array_length(at(done, "data.response.output")), 3, "message + 2 calls");
    is_str(str_at(done, "data.response.output.2.arguments"), "{}", "final call arguments");
    ok(at(done, "data.response.output.1.namespace") == NULL, "no namespace on a flat call");
    json_object_put(evs);
    resp_sink_free(&s);
    resp_request_free(&rq);
    buf_free(&out);
}

static void test_incomplete_failed_empty(void)
{
    struct resp_request rq;
    struct resp_sink s;
    struct buf out;
    buf_init(&out, 1 << 20);
    request("{\"model\":\"m\",\"input\":\"hi\",\"stream\":true,\"max_output_tokens\":2}", &rq);
    resp_sink_init(&s, &rq, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef", 1,
                   capture, &out);
    struct eng_sink k = resp_sink_engine(&s);
    struct eng_result res = { .finish = ENG_FINISH_LENGTH, .usage = { 1, 2, 0 } };
    ok(k.begin(k.ud, 0) == 0 && k.text(k.ud, 0, "a b", 3) == 0 && k.end(k.ud, 0, &res) == 0, "cut answer");
    struct json_object *evs = events(&out);
    struct json_object *last = json_object_array_get_idx(evs, json_object_array_length(evs) - 1);
    is_str(str_at(last, "event"), "response.incomplete", "max_output_tokens ends with response.incomplete");
    is_str(str_at(last, "data.response.status"), "incomplete", "status incomplete");
    is_str(str_at(last, "data.response.incomplete_details.reason"), "max_output_tokens", "reason");
    is_int(int_at(last, "data.response.max_output_tokens"), 2, "max_output_tokens echoed");
    json_object_put(evs);
    resp_sink_free(&s);

    /* A failure after the stream began. */
    buf_clear(&out);
    resp_sink_init(&s, &rq, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef", 1,
                   capture, &out);
    k = resp_sink_engine(&s);
    struct relay_err e = { 0 };
    err_set(&e, 502, "upstream_error", "upstream_failed", NULL, "1min.ai failed: boom");
    ok(k.begin(k.ud, 0) == 0 && k.text(k.ud, 0, "par", 3) == 0 && resp_sink_fail(&s, &e) == 0, "failure");
    evs = events(&out);
    last = json_object_array_get_idx(evs, json_object_array_length(evs) - 1);
    is_str(str_at(last, "event"), "response.failed", "ends with response.failed");
    is_str(str_at(last, "data.response.status"), "failed", "status failed");
    is_str(str_at(last, "data.response.error.code"), "upstream_failed", "error code");
    is_str(str_at(last, "data.response.error.message"), "1min.ai failed: boom", "error message");
    check_sequence(evs, "failed stream");
    json_object_put(evs);
    resp_sink_free(&s);
    resp_request_free(&rq);

    /* No output at all still gives one (empty) message. */
    buf_clear(&out);
    request("{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}", &rq);
    resp_sink_init(&s, &rq, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef", 1,
                   capture, &out);
    k = resp_sink_engine(&s);
    res.finish = ENG_FINISH_STOP;
    ok(k.begin(k.ud, 0) == 0 && k.end(k.ud, 0, &res) == 0, "empty answer");
    evs = events(&out);
    is_int(json_object_array_length(evs), 8, "created, in_progress, message open/close, completed");
    last = json_object_array_get_idx(evs, 7);
    is_str(str_at(last, "data.response.output.0.content.0.text"), "", "one empty output_text");
    json_object_put(evs);
    resp_sink_free(&s);
    resp_request_free(&rq);

    /* A client gone: the callback says so. */
    request("{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}", &rq);
    struct buf tiny;
    buf_init(&tiny, 16);
    resp_sink_init(&s, &rq, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef", 1,
                   capture, &tiny);
    k = resp_sink_engine(&s);
    ok(k.begin(k.ud, 0) != 0, "a failed write stops the exchange");
    resp_sink_free(&s);
    resp_request_free(&rq);
    buf_free(&tiny);
    buf_free(&out);
}

/* ---- the store ------------------------------------------------------------ */

static struct json_object *entry(const char *owner, const char *text)
{
    struct json_object *e = json_object_new_object();
    json_object_object_add(e, "owner", json_object_new_string(owner));
    json_object_object_add(e, "response", J("{\"id\":\"resp_x\",\"output\":[]}"));
    json_object_object_add(e, "input", json_object_new_array());
    json_object_object_add(e, "context", json_object_new_array());
    json_object_object_add(e, "note", json_object_new_string(text));
    return e;
}

static void store_suite(const struct resp_store_config *c, memcached_st *mc, const char *name)
{
    const char *hex = "00112233445566778899aabbccddeeff";
    char owner[65], other[65];
    resp_store_owner("sk-key-one", 10, owner);
    resp_store_owner("sk-key-two", 10, other);
    ok(strcmp(owner, other) != 0 && strlen(owner) == 64, "%s: owners are key hashes", name);
    struct json_object *got = NULL, *e1 = entry(owner, "hello");
    struct relay_err e = { 0 };
    is_int(resp_store_get(c, mc, hex, owner, "previous_response_id", &got, &e), 0, "%s: miss before put", name);
    is_int(resp_store_put(c, mc, hex, e1), 0, "%s: put", name);
    is_int(resp_store_get(c, mc, hex, owner, "previous_response_id", &got, &e), 1, "%s: hit", name);
    is_str(str_at(got, "note"), "hello", "%s: the entry comes back", name);
    json_object_put(got);
    got = NULL;
    is_int(resp_store_get(c, mc, hex, other, "previous_response_id", &got, &e), 0,
           "%s: another key's entry is not found", name);
    is_int(resp_store_delete(c, mc, hex, other, &e), 0, "%s: another key cannot delete it", name);
    is_int(resp_store_get(c, mc, hex, owner, "previous_response_id", &got, &e), 1, "%s: still there", name);
    json_object_put(got);
    is_int(resp_store_delete(c, mc, hex, owner, &e), 1, "%s: the owner deletes it", name);
    is_int(resp_store_get(c, mc, hex, owner, "previous_response_id", &got, &e), 0, "%s: gone", name);
    is_int(resp_store_delete(c, mc, hex, owner, &e), 0, "%s: a second delete finds nothing", name);
    is_int(resp_store_get(c, mc, "../../etc/passwd", owner, "p", &got, &e), 0, "%s: a bad hex is a miss", name);
    json_object_put(e1);

    /* Too large: a marker, then a clear 400. */
    char *big = malloc(c->max_bytes + 10);
    memset(big, 'x', c->max_bytes + 9);
    big[c->max_bytes + 9] = '\0';
    e1 = entry(owner, big);
    free(big);
    is_int(resp_store_put(c, mc, hex, e1), 0, "%s: a too large entry stores a marker", name);
    memset(&e, 0, sizeof e);
    is_int(resp_store_get(c, mc, hex, owner, "previous_response_id", &got, &e), -1, "%s: marker -> error", name);
    is_int(e.status, 400, "%s: 400", name);
    is_str(e.code, "response_too_large", "%s: code", name);
    is_str(e.param, "previous_response_id", "%s: param", name);
    ok(strstr(e.message, "RELAY_RESPONSES_MAX_BYTES") != NULL, "%s: names the setting", name);
    is_int(resp_store_get(c, mc, hex, other, "previous_response_id", &got, &e), 0,
           "%s: another key's marker is a plain miss", name);
    json_object_put(e1);
}

static void test_store_dir(void)
{
    char dir[] = "/tmp/resp-store-test-XXXXXX";
    ok(mkdtemp(dir) != NULL, "temp dir");
    struct resp_store_config c = { .ttl_s = 60, .max_bytes = 8192 };
    snprintf(c.dir, sizeof c.dir, "%s/sub/responses", dir);
    store_suite(&c, NULL, "dir");
    struct stat st;
    ok(stat(c.dir, &st) == 0 && (st.st_mode & 0777) == 0700, "dir: created with mode 0700");

    /* Expiry by mtime. */
    const char *hex = "ffeeddccbbaa99887766554433221100";
    char owner[65], file[700];
    resp_store_owner("k1234", 5, owner);
    struct json_object *e1 = entry(owner, "old"), *got = NULL;
    struct relay_err e = { 0 };
    resp_store_put(&c, NULL, hex, e1);
    snprintf(file, sizeof file, "%s/%s", c.dir, hex);
    struct timeval tv[2] = { { time(NULL) - 120, 0 }, { time(NULL) - 120, 0 } };
    ok(utimes(file, tv) == 0, "dir: age the entry");
    is_int(resp_store_get(&c, NULL, hex, owner, "p", &got, &e), 0, "dir: an expired entry is a miss");
    ok(access(file, F_OK) != 0, "dir: and is removed");
    json_object_put(e1);

    /* A directory open to others is refused. */
    chmod(c.dir, 0755);
    e1 = entry(owner, "x");
    is_int(resp_store_put(&c, NULL, hex, e1), -1, "dir: an open directory is not used");
    json_object_put(e1);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ok(system(cmd) == 0, "cleanup");
}

static void test_store_memcached(void)
{
    struct test_mc m;
    if (test_mc_start(&m, 0) < 0) {
        ok(0, "memcached starts (is memcached installed?)");
        return;
    }
    char conf[64];
    snprintf(conf, sizeof conf, "--SERVER=127.0.0.1:%d", m.port);
    memcached_st *mc = memcached(conf, strlen(conf));
    struct resp_store_config c = { .ttl_s = 60, .max_bytes = 8192 };
    store_suite(&c, mc, "memcached");
    memcached_free(mc);
    test_mc_kill(&m);

    /* A store that is down: 503, not a 404. */
    mc = memcached(conf, strlen(conf));
    struct json_object *got = NULL;
    struct relay_err e = { 0 };
    char owner[65];
    resp_store_owner("k1234", 5, owner);
    is_int(resp_store_get(&c, mc, "00112233445566778899aabbccddeeff", owner, "p", &got, &e), -1,
           "memcached down: an error");
    is_int(e.status, 503, "memcached down: 503");
    memcached_free(mc);
}

static void test_config(void)
{
    struct resp_store_config c;
    char err[256];
    unsetenv("RELAY_RESPONSES_TTL");
    unsetenv("RELAY_RESPONSES_MAX_BYTES");
    unsetenv("RELAY_RESPONSES_DIR");
    is_int(resp_store_config_load(&c, err, sizeof err), 0, "defaults load");
    is_int(c.ttl_s, 3600, "TTL 1 hour");
    is_int(c.max_bytes, 960 << 10, "960K");
    ok(strstr(c.dir, "/1min-relay-") && strstr(c.dir, "/responses"), "default dir");
    setenv("RELAY_RESPONSES_TTL", "soon", 1);
    is_int(resp_store_config_load(&c, err, sizeof err), -1, "bad TTL");
    ok(strstr(err, "RELAY_RESPONSES_TTL") != NULL, "names the variable");
    unsetenv("RELAY_RESPONSES_TTL");
    setenv("RELAY_RESPONSES_DIR", "relative", 1);
    is_int(resp_store_config_load(&c, err, sizeof err), -1, "relative dir refused");
    unsetenv("RELAY_RESPONSES_DIR");
}

int main(void)
{
    test_json_answer();
    test_stream_text();
    test_stream_tools();
    test_incomplete_failed_empty();
    test_store_dir();
    test_store_memcached();
    test_config();
    return tap_done();
}
