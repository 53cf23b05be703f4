/* test_airecord: reading aiRecord in every shape the upstream doc lists. */
#include <json-c/json.h>

#include "tap.h"
#include "onemin/airec.h"

/* airec_failed's reason as a C string cut to msglen. */
static enum airec_failure failed(struct json_object *rec, char *msg, size_t msglen)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    enum airec_failure f = airec_failed(rec, &b);
    snprintf(msg, msglen, "%s", buf_str(&b));
    buf_free(&b);
    return f;
}

static struct json_object *parse(const char *s)
{
    struct json_object *o = json_tokener_parse(s);
    if (!o)
        printf("# bad test JSON: %s\n", s);
    return o;
}

static void test_list_result(void)
{
    struct json_object *root = parse(
        "{\"aiRecord\":{\"status\":\"SUCCESS\",\"temporaryUrl\":\"https://x.test/a.mp3?sig=1\","
        "\"aiRecordDetail\":{\"resultObject\":[\"The whole answer.\",\"second\",7]}}}");
    struct json_object *rec = airec_get(root);
    ok(rec != NULL, "list: record found");
    char msg[128] = "";
    is_int(failed(rec, msg, sizeof(msg)), AIREC_OK, "list: SUCCESS is not a failure");
    is_int(airec_result_count(rec), 3, "list: three entries");
    is_str(airec_result_string(rec, 0), "The whole answer.", "list: first string");
    is_str(airec_result_string(rec, 1), "second", "list: second string");
    ok(airec_result_string(rec, 2) == NULL, "list: a number entry is not a string");
    ok(airec_result_string(rec, 3) == NULL, "list: past the end");
    is_str(airec_temporary_url(rec), "https://x.test/a.mp3?sig=1", "temporaryUrl");
    json_object_put(root);
}

static void test_string_result(void)
{
    struct json_object *root = parse(
        "{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":\"Whole text\"}}}");
    struct json_object *rec = airec_get(root);
    char msg[128] = "";
    is_int(failed(rec, msg, sizeof(msg)), AIREC_OK, "plain string: not a failure");
    is_int(airec_result_count(rec), 1, "plain string: one entry");
    is_str(airec_result_string(rec, 0), "Whole text", "plain string: the whole string, not its first character");
    ok(airec_result_string(rec, 1) == NULL, "plain string: no second entry");
    ok(airec_temporary_url(rec) == NULL, "no temporaryUrl");
    json_object_put(root);
}

static void test_refusal_object(void)
{
    struct json_object *root = parse(
        "{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":"
        "{\"code\":\"CONTENT_POLICY\",\"message\":\"The prompt was flagged\"}}}}");
    struct json_object *rec = airec_get(root);
    char msg[128] = "";
    is_int(failed(rec, msg, sizeof(msg)), AIREC_REFUSED, "object result: a failure");
    is_str(msg, "request refused: The prompt was flagged (CONTENT_POLICY)",
           "object result: message and code");
    is_int(airec_result_count(rec), 0, "object result: no entries");
    ok(airec_result_string(rec, 0) == NULL, "object result: no string");
    json_object_put(root);

    root = parse("{\"aiRecord\":{\"aiRecordDetail\":{\"resultObject\":{\"code\":\"X\"}}}}");
    is_int(failed(airec_get(root), msg, sizeof(msg)), AIREC_REFUSED, "object with a code only: a failure");
    is_str(msg, "request refused: X", "...named by its code");
    json_object_put(root);

    char small[16];
    root = parse("{\"aiRecord\":{\"aiRecordDetail\":{\"resultObject\":{\"message\":\"a long refusal message\"}}}}");
    is_int(failed(airec_get(root), small, sizeof(small)), AIREC_REFUSED, "small message buffer: still a failure");
    is_int(strlen(small), sizeof(small) - 1, "...message cut to the buffer");
    json_object_put(root);
}

static void test_failed_status(void)
{
    struct json_object *root = parse(
        "{\"aiRecord\":{\"status\":\"FAILED\",\"aiRecordDetail\":{\"resultObject\":[]}}}");
    struct json_object *rec = airec_get(root);
    char msg[128] = "";
    is_int(failed(rec, msg, sizeof(msg)), AIREC_FAILED, "FAILED with an empty result: a failure");
    is_str(msg, "status FAILED", "FAILED: message");
    is_int(airec_result_count(rec), 0, "FAILED: no entries");
    json_object_put(root);

    root = parse("{\"aiRecord\":{\"status\":\"failed\",\"aiRecordDetail\":{\"resultObject\":[\"quota exceeded\"]}}}");
    is_int(failed(airec_get(root), msg, sizeof(msg)), AIREC_FAILED, "lower-case failed: a failure");
    is_str(msg, "status FAILED: quota exceeded", "FAILED: result text as the reason");
    json_object_put(root);
}

static void test_missing(void)
{
    struct json_object *root = parse("{\"success\":true}");
    ok(airec_get(root) == NULL, "no aiRecord");
    ok(airec_get(NULL) == NULL, "NULL root");
    json_object_put(root);

    root = parse("{\"aiRecord\":\"not an object\"}");
    ok(airec_get(root) == NULL, "aiRecord of the wrong type");
    json_object_put(root);

    root = parse("{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":null},"
                 "\"temporaryUrl\":\"\"}}");
    struct json_object *rec = airec_get(root);
    char msg[64] = "";
    ok(airec_result(rec) == NULL, "null resultObject");
    is_int(airec_result_count(rec), 0, "null resultObject: no entries");
    is_int(failed(rec, msg, sizeof(msg)), AIREC_OK, "null result with SUCCESS is not reported as failed here");
    ok(airec_temporary_url(rec) == NULL, "empty temporaryUrl counts as none");
    json_object_put(root);

    root = parse("{\"aiRecord\":{\"aiRecordDetail\":[1,2]}}");
    rec = airec_get(root);
    ok(airec_result(rec) == NULL, "aiRecordDetail of the wrong type");
    is_int(airec_result_count(NULL), 0, "NULL record: no entries");
    ok(airec_result_string(NULL, 0) == NULL, "NULL record: no string");
    ok(airec_temporary_url(NULL) == NULL, "NULL record: no temporaryUrl");
    json_object_put(root);
}

int main(void)
{
    test_list_result();
    test_string_result();
    test_refusal_object();
    test_failed_status();
    test_missing();
    return tap_done();
}
