/* libFuzzer target: the Responses API request parser and sink on any bytes.
 * The body is parsed (resp_parse), built into turns with a stored
 * conversation and an item_reference lookup (resp_build), and a valid request
 * is then answered through the sink in both modes, stream and JSON, with its
 * own bytes as the answer text and a tool call: every event must be one
 * well-formed SSE event whose data is JSON.
 * Run: fuzz_responses NEW_CORPUS_DIR tests/fuzz/corpus/responses */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api/responses.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *ud, const char *id, struct json_object **item, struct relay_err *e)
{
    (void)e;
    if (strncmp(id, "msg_", 4) != 0)
        return 0;
    *item = json_object_get(ud);
    return 1;
}

/* Every write is whole events: "event: T\ndata: JSON\n\n" or a comment. */
static int check_write(void *ud, const char *p, size_t n)
{
    (void)ud;
    if (n == 0 || (n >= 2 && p[0] == ':'))
        return 0;
    if (n < 9 || strncmp(p, "event: ", 7) != 0 || p[n - 1] != '\n' || p[n - 2] != '\n')
        abort();
    const char *d = memchr(p, '\n', n);
    if (!d || (size_t)(d - p) + 7 > n || strncmp(d + 1, "data: ", 6) != 0)
        abort();
    struct json_tokener *t = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(t, d + 7, (int)(p + n - 2 - (d + 7)));
    if (!o || json_tokener_get_error(t) != json_tokener_success)
        abort();
    json_object_put(o);
    json_tokener_free(t);
    return 0;
}

static void answer(const struct resp_request *rq, int stream, const uint8_t *data, size_t size)
{
    struct resp_request copy = *rq;
    struct resp_sink s;
    copy.eng.stream = stream;
    resp_sink_init(&s, &copy, "0123456789abcdef0123456789abcdef", "resp_0123456789abcdef0123456789abcdef", 1,
                   check_write, NULL);
    struct eng_sink k = resp_sink_engine(&s);
    struct eng_tool_call call = { 0, "call_x", "f", size & 1 ? "ns" : NULL, "{}", 2 };
    struct eng_result res = { .finish = (enum eng_finish)(size % 5), .usage = { 1, 2, 0 } };
    k.begin(k.ud, 0);
    k.text(k.ud, 0, (const char *)data, size / 2);
    if (size & 2)
        k.tool_call(k.ud, 0, &call);
    k.text(k.ud, 0, (const char *)data + size / 2, size - size / 2);
    if (size & 4) {
        struct relay_err e = { 0 };
        err_set(&e, 502, NULL, "upstream_failed", NULL, "failed");
        resp_sink_fail(&s, &e);
    } else {
        k.end(k.ud, 0, &res);
    }
    struct json_object *r = resp_sink_response(&s);
    if (!r || !json_object_to_json_string(r))
        abort();
    json_object_put(r);
    resp_sink_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *t = json_tokener_new_ex(64);
    struct json_object *body = t ? json_tokener_parse_ex(t, (const char *)data, (int)size) : NULL;
    json_tokener_free(t);
    if (!body)
        return 0;
    struct json_object *prior = json_tokener_parse("[{\"type\":\"message\",\"role\":\"user\",\"content\":"
                                                   "[{\"type\":\"input_text\",\"text\":\"earlier\"}]}]");
    struct json_object *item = json_tokener_parse("{\"type\":\"message\",\"role\":\"assistant\",\"content\":"
                                                  "[{\"type\":\"output_text\",\"text\":\"stored\"}]}");
    struct resp_request rq;
    struct relay_err e = { 0 };
    if (resp_parse(body, &rq, &e) == 0 && resp_build(&rq, size & 8 ? prior : NULL, lookup, item, &e) == 0) {
        if (rq.eng.nturns == 0 || rq.eng.n != 1)
            abort();
        answer(&rq, 1, data, size);
        answer(&rq, 0, data, size);
    } else if (e.status < 400 || e.status > 404 || !e.message[0]) {
        abort();
    }
    resp_request_free(&rq);
    json_object_put(prior);
    json_object_put(item);
    json_object_put(body);
    return 0;
}
