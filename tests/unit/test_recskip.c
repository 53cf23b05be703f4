/* Unit tests: onemin/recskip, a record copied as it arrives without the
 * value of one member. Each record is fed whole, split at every point, and
 * byte by byte: the output must be the same each time, and parse to the tree
 * codec/jsonparse builds from the record when told to leave that member out
 * (its fast path) with the member put back as null. Text that is not JSON
 * must come through split the same way it comes through whole. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jsonparse.h"
#include "onemin/recskip.h"
#include "tap.h"

static const char *const records[] = {
    "{\"aiRecord\":{\"uuid\":\"u\",\"status\":\"SUCCESS\",\"metadata\":{\"inputToken\":3},"
    "\"aiRecordDetail\":{\"promptObject\":{\"prompt\":\"Human: a \\\"quoted\\\" {[,]} : \\\\\\\"\\n\\n\","
    "\"linkContentList\":[],\"searchContentList\":[{\"a\":[1,{\"b\":\"}\"}]}]},"
    "\"resultObject\":[\"The answer, with \\\"promptObject\\\": inside\"]}}}",
    "{ \"promptObject\" : \"a plain string\" , \"x\" : [ \"promptObject\" , 1 ] }",
    "{\"a\":{\"promptObject\":{\"promptObject\":[1,2,{\"c\":null}]}},\"promptObject\":42,\"z\":true}",
    "{\"prompt\\u004fbject\":\"spelt with an escape: kept\",\"promptObjectX\":1,\"promptObjec\":2}",
    "{\"list\":[{\"promptObject\":[]},{\"b\":{\"promptObject\":{}}}]}",
    "{\"promptObject\":{\"prompt\":\"\xc3\xa9\xe2\x82\xac \\u00e9\"}}",
};

static void feed_split(const char *s, size_t n, size_t cut, int bytewise, struct buf *out)
{
    struct recskip r;
    buf_clear(out);
    recskip_init(&r, out, "promptObject");
    if (bytewise) {
        for (size_t i = 0; i < n; i++)
            recskip_feed(&r, s + i, 1);
        return;
    }
    recskip_feed(&r, s, cut);
    recskip_feed(&r, s + cut, n - cut);
}

static char *tree_text(const char *s, size_t n, const char *skip)
{
    const struct jsonparse_opts o = { 64, JSON_TOKENER_STRICT, skip };
    struct json_object *root = NULL;
    enum json_tokener_error err;
    char *copy = strndup(s, n), *text = NULL;
    if (jsonparse_text(copy, n, &o, &root, &err) == 0)
        text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
    json_object_put(root);
    free(copy);
    return text;
}

/* What the filtered record must parse to: the tree without the member, with
 * the member put back as null where it was (member order kept). */
static int same_tree(const char *filtered, size_t fn, const char *record)
{
    char *got = tree_text(filtered, fn, NULL), *nulls = tree_text(filtered, fn, "promptObject"),
         *want = tree_text(record, strlen(record), "promptObject");
    int ok_ = got && nulls && want && strcmp(nulls, want) == 0 && !strstr(got, "\"prompt\":");
    free(got);
    free(nulls);
    free(want);
    return ok_;
}

int main(void)
{
    struct buf whole, split;
    buf_init(&whole, 1 << 20);
    buf_init(&split, 1 << 20);
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        const char *s = records[i];
        size_t n = strlen(s), bad = 0;
        feed_split(s, n, n, 0, &whole);
        for (size_t cut = 0; cut <= n; cut++) {
            feed_split(s, n, cut, 0, &split);
            bad += split.len != whole.len || memcmp(split.data, whole.data, whole.len) != 0;
        }
        feed_split(s, n, 0, 1, &split);
        bad += split.len != whole.len || memcmp(split.data, whole.data, whole.len) != 0;
        is_int(bad, 0, "record %zu: every split and byte by byte give the whole's output", i);
        ok(same_tree(whole.data, whole.len, s), "record %zu: the output is the record without the member: %s", i,
           buf_str(&whole));
    }
    feed_split(records[3], strlen(records[3]), 0, 0, &whole);
    is_str(buf_str(&whole), records[3], "names that only resemble it, or spell it with an escape, are kept");

    /* not JSON: split the same as whole, and never longer than the input plus "null"s */
    srand(5);
    size_t bad = 0;
    for (int it = 0; it < 2000; it++) {
        static const char alphabet[] = "{}[]\":,\\ nulpromptObject12";
        char s[80];
        size_t n = (size_t)rand() % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
        feed_split(s, n, n, 0, &whole);
        feed_split(s, n, (size_t)rand() % (n + 1), 0, &split);
        bad += split.len != whole.len || memcmp(split.data, whole.data, whole.len) != 0;
        feed_split(s, n, 0, 1, &split);
        bad += split.len != whole.len || memcmp(split.data, whole.data, whole.len) != 0;
    }
    is_int(bad, 0, "random text that is not JSON: split and byte by byte give the whole's output");

    struct buf small;
    struct recskip r;
    buf_init(&small, 8);
    recskip_init(&r, &small, "promptObject");
    ok(recskip_feed(&r, records[1], strlen(records[1])) < 0, "a full output buffer is an error");
    buf_free(&small);
    buf_free(&whole);
    buf_free(&split);
    return tap_done();
}
