/* test_chatmap: finish_reason mapping and usage from aiRecord.metadata. */
#include <json-c/json.h>

#include "tap.h"
#include "onemin/chatmap.h"

static void test_finish(void)
{
    static const struct { const char *in, *want; } cases[] = {
        { "length", "length" }, { "MAX_TOKENS", "length" }, { " max_output_tokens\t", "length" },
        { "Truncated", "length" }, { "content_filter", "content_filter" }, { "SAFETY", "content_filter" },
        { "recitation", "content_filter" }, { "PROHIBITED_CONTENT", "content_filter" },
        { "tool_calls", "tool_calls" }, { "tool_use", "tool_calls" }, { "function_call", "tool_calls" },
        { "stop", "stop" }, { "end_turn", "stop" }, { "complete", "stop" }, { "", "stop" },
        { "   ", "stop" }, { "lengthy", "stop" }, { "len", "stop" },
        { "length                                                        x", "stop" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_str(chatmap_finish_reason(cases[i].in), cases[i].want, "finish '%s'", cases[i].in);
    is_str(chatmap_finish_reason(NULL), "stop", "finish NULL");
}

/* Run chatmap_usage on {"metadata": meta}. */
static int usage(const char *meta, long long *p, long long *c, long long *t)
{
    char json[512];
    snprintf(json, sizeof(json), "{\"metadata\":%s}", meta);
    struct json_object *rec = json_tokener_parse(json);
    if (!rec)
        printf("# bad test JSON: %s\n", json);
    *p = *c = *t = -1;
    int rc = chatmap_usage(rec, p, c, t);
    json_object_put(rec);
    return rc;
}

static void test_usage(void)
{
    long long p, c, t;
    is_int(usage("{\"credit\":45,\"inputToken\":98,\"outputToken\":3,\"totalToken\":101,\"promptToken\":11}",
                 &p, &c, &t), 1, "full metadata is usable");
    ok(p == 98 && c == 3 && t == 101, "prompt 98, completion 3, total 101 (got %lld %lld %lld)", p, c, t);

    is_int(usage("{\"inputToken\":10,\"outputToken\":5}", &p, &c, &t), 1, "without totalToken");
    ok(p == 10 && c == 5 && t == 15, "total is the sum (got %lld)", t);

    is_int(usage("{\"inputToken\":10,\"outputToken\":5,\"totalToken\":\"99\"}", &p, &c, &t), 1,
           "string totalToken");
    is_int(t, 15, "a string totalToken is not a number: the sum is used");

    is_int(usage("{\"inputToken\":12}", &p, &c, &t), 1, "only inputToken");
    ok(p == 12 && c == 0 && t == 12, "missing outputToken counts 0");

    is_int(usage("{\"inputToken\":7.0,\"outputToken\":2}", &p, &c, &t), 1, "a whole double counts");
    is_int(p, 7, "double 7.0 -> 7");

    long long before;
    is_int(usage("{\"inputToken\":0,\"outputToken\":0,\"totalToken\":0}", &p, &c, &t), 0, "both 0: not usable");
    is_int(usage("{\"inputToken\":\"98\",\"outputToken\":\"3\"}", &p, &c, &t), 0, "strings are not numbers");
    before = p;
    is_int(before, -1, "outputs untouched when not usable");
    is_int(usage("{\"inputToken\":null,\"outputToken\":true}", &p, &c, &t), 0, "null and bool are not numbers");
    is_int(usage("{\"inputToken\":-5,\"outputToken\":0}", &p, &c, &t), 0, "negative counts are not usable");
    is_int(usage("{\"inputToken\":1.5,\"outputToken\":0}", &p, &c, &t), 0, "fractional counts are not usable");
    is_int(usage("{\"finishReason\":\"stop\"}", &p, &c, &t), 0, "no token fields");
    is_int(usage("null", &p, &c, &t), 0, "metadata null (as in the docs)");
    is_int(usage("[1,2]", &p, &c, &t), 0, "metadata not an object");
    is_int(chatmap_usage(NULL, &p, &c, &t), 0, "NULL record");
}

static void test_upstream_finish(void)
{
    struct json_object *rec = json_tokener_parse("{\"metadata\":{\"finishReason\":\"MAX_TOKENS\"}}");
    is_str(chatmap_upstream_finish(rec), "MAX_TOKENS", "finishReason read");
    is_str(chatmap_finish_reason(chatmap_upstream_finish(rec)), "length", "...and mapped");
    json_object_put(rec);
    rec = json_tokener_parse("{\"metadata\":{\"finishReason\":3}}");
    ok(chatmap_upstream_finish(rec) == NULL, "finishReason not a string");
    json_object_put(rec);
    rec = json_tokener_parse("{\"metadata\":null}");
    ok(chatmap_upstream_finish(rec) == NULL, "metadata null");
    json_object_put(rec);
    ok(chatmap_upstream_finish(NULL) == NULL, "NULL record");
}

int main(void)
{
    test_finish();
    test_usage();
    test_upstream_finish();
    return tap_done();
}
