/* Unit tests: codec/jsonparse against json-c's tokener, case by case.
 *
 * Each row is a body and the path it must take: the fast path (plain JSON,
 * which clients send) or json-c (everything else). Either way the result
 * must be json-c's own (tests/fuzz/jsonparse_check.h). The file includes
 * jsonparse.c to ask the fast path's checking run which path a body takes. */
#include "../../src/codec/jsonparse.c"

#include <stdio.h>

#include "../fuzz/jsonparse_check.h"
#include "tap.h"

#define DEPTH 64

static const struct jsonparse_opts strict = { DEPTH, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, NULL },
                                   lenient = { JSON_TOKENER_DEFAULT_DEPTH, 0, NULL };

enum path { FAST, TOKENER };

struct row {
    const char *body;
    size_t len;          /* 0: strlen(body) */
    enum path path;
    const char *what;
};

static const struct row rows[] = {
    { "{}", 0, FAST, "an empty object" },
    { " \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", 0, FAST, "whitespace everywhere" },
    { "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}", 0, FAST,
      "a chat request" },
    { "{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":null,\"e\":true,\"f\":false}", 0, FAST, "empty containers, literals" },
    { "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}", 0, FAST, "every one-letter escape" },
    { "{\"s\":\"\\u0041\\u00e9\\u20ac\\uFFFF\\ud83d\\ude00\"}", 0, FAST, "\\u escapes of 1 to 4 bytes, a pair" },
    { "{\"s\":\"x\\u0000y\"}", 0, FAST, "a NUL by escape in a value (api.c refuses it by name)" },
    { "{\"s\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"}", 0, FAST, "UTF-8 of 2, 3 and 4 bytes" },
    { "{\"s\":\"tab\there\x01\x1f\x7f\"}", 0, FAST, "raw control characters pass as json-c passes them" },
    { "{\"a\":1,\"b\":2,\"a\":3}", 0, FAST, "a duplicate key: the last value in the first place" },
    { "{\"\":0}", 0, FAST, "an empty key" },
    { "{\"k\\n\\u00e9\":0}", 0, FAST, "escapes in a key" },
    { "{\"n\":[0,-0,7,-7,123456789012,9223372036854775807,-9223372036854775808]}", 0, FAST, "integers" },
    { "{\"n\":[9223372036854775808,18446744073709551615]}", 0, FAST, "integers above int64: uint64" },
    { "{\"n\":[99999999999999999999999,-99999999999999999999999]}", 0, FAST, "integers past 64 bits clamp" },
    { "{\"n\":[0.5,-0.0,1e5,1E+5,2.5e-3,1.0,6.02214076e23]}", 0, FAST, "doubles keep their text" },
    { "{\"n\":1e400}", 0, FAST, "a double past the range" },
    { "{\"a\":\"x\",\"b\":[\"y\\\"z\",\"\\\\\"]}", 0, FAST, "strings shrink in place one after another" },

    { "", 0, TOKENER, "an empty body" },
    { "   ", 0, TOKENER, "only whitespace" },
    { "[1,2]", 0, TOKENER, "an array root" },
    { "\"s\"", 0, TOKENER, "a string root" },
    { "null", 0, TOKENER, "null" },
    { "{\"a\":1", 0, TOKENER, "cut short" },
    { "{\"a\":1}x", 0, TOKENER, "bytes after the root" },
    { "{\"a\":1}\0x", 8, TOKENER, "a NUL byte after the root (json-c stops there)" },
    { "{\"a\":\"x\0y\"}", 11, TOKENER, "a raw NUL byte in a string" },
    { "{\"a\":1,}", 0, TOKENER, "a trailing comma" },
    { "{'a':1}", 0, TOKENER, "single quotes" },
    { "{\"a\":NaN}", 0, TOKENER, "NaN" },
    { "{\"a\":Infinity}", 0, TOKENER, "Infinity" },
    { "{\"a\":-Infinity}", 0, TOKENER, "-Infinity" },
    { "{\"a\":TRUE}", 0, TOKENER, "TRUE" },
    { "{\"a\":1.}", 0, TOKENER, "1. (json-c takes it)" },
    { "{\"a\":-01}", 0, TOKENER, "-01 (json-c takes it)" },
    { "{\"a\":00}", 0, TOKENER, "00 (json-c takes it)" },
    { "{\"a\":01}", 0, TOKENER, "01" },
    { "{\"a\":.5}", 0, TOKENER, ".5" },
    { "{\"a\":+1}", 0, TOKENER, "+1" },
    { "{\"a\":1e}", 0, TOKENER, "1e" },
    { "{\"a\":-}", 0, TOKENER, "a lone minus" },
    { "{\"a\":12345678901234567890123456789012345678901234567890123456789012345}", 0, TOKENER,
      "a number of 65 digits" },
    { "{\"a\":\"\\ud83d\"}", 0, TOKENER, "a lone high surrogate (json-c: U+FFFD)" },
    { "{\"a\":\"\\ude00\"}", 0, TOKENER, "a lone low surrogate" },
    { "{\"a\":\"\\ud837\\ude00-\"}", 0, TOKENER, "a pair for U+1DE00 (json-c: U+FFFD, its surrogate test)" },
    { "{\"a\":\"\\ud876\\udc00\"}", 0, TOKENER, "a pair for U+2D800 (json-c: U+FFFD)" },
    { "{\"a\":\"\\ud83dx\"}", 0, TOKENER, "a high surrogate and a letter" },
    { "{\"a\":\"\\ud83d\\n\"}", 0, TOKENER, "a high surrogate and another escape" },
    { "{\"a\":\"\\x\"}", 0, TOKENER, "an unknown escape" },
    { "{\"a\":\"\\u12\"}", 0, TOKENER, "a short \\u escape" },
    { "{\"a\":\"\xc0\x80\"}", 0, TOKENER, "an overlong NUL" },
    { "{\"a\":\"\xed\xa0\x80\"}", 0, TOKENER, "a surrogate in UTF-8" },
    { "{\"a\":\"\xf5\x80\x80\x80\"}", 0, TOKENER, "past U+10FFFF" },
    { "{\"a\":\"\xc3\"}", 0, TOKENER, "a cut UTF-8 sequence" },
    { "{\"a\xff\":1}", 0, TOKENER, "a bad byte in a key" },
    { "{\"k\\u0000\":1}", 0, TOKENER, "a NUL in a key (json-c cuts the key there)" },
    { "{\"a\" 1}", 0, TOKENER, "no colon" },
    { "{\"a\":1 \"b\":2}", 0, TOKENER, "no comma" },
    { "{\"a\":[1 2]}", 0, TOKENER, "no comma in an array" },
    { "{\"a\":/*c*/1}", 0, TOKENER, "a comment" },
};

/* n containers deep: {"a":[[...]]} */
static char *nested(int n, size_t *len)
{
    char *s = malloc(2 * (size_t)n + 16), *p = s;
    p += sprintf(p, "{\"a\":");
    for (int i = 1; i < n; i++)
        *p++ = '[';
    for (int i = 1; i < n; i++)
        *p++ = ']';
    *p++ = '}';
    *len = (size_t)(p - s);
    return s;
}

static int fast(const char *body, size_t len)
{
    struct json_object *root = NULL;
    char *copy = malloc(len + 1);
    memcpy(copy, body, len);
    int rc = jp_run((unsigned char *)copy, len, &strict, 0, &root);
    int changed = memcmp(copy, body, len) != 0;
    free(copy);
    return rc == JP_OK && !changed;       /* the checking run writes nothing */
}

/* A member named skip is left out at any depth, its value still checked;
 * the rest of the tree is the tokener's. */
static void test_skip(void)
{
    const struct jsonparse_opts o = { DEPTH, 0, "promptObject" };
    char reply[] = "{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"promptObject\":{\"prompt\":"
                   "\"Human: a \\\"long\\\" prompt\\n\"},\"resultObject\":[\"Hi \\u00e9\"]}}}";
    char bad[] = "{\"a\":1,\"promptObject\":{\"prompt\":\"x\" \"y\"}}";
    struct json_object *root = NULL;
    enum json_tokener_error err;
    is_int(jsonparse_text(reply, strlen(reply), &o, &root, &err), 0, "skip: a reply parses");
    is_str(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN),
           "{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":[\"Hi \xc3\xa9\"]}}}",
           "skip: the echoed prompt is left out, the answer kept");
    json_object_put(root);
    ok(jsonparse_text(bad, strlen(bad), &o, &root, &err) < 0 && !root, "skip: a malformed skipped value is still an error");
}

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        size_t len = r->len ? r->len : strlen(r->body);
        const char *diff = jsonparse_check(r->body, len, &strict);
        ok(!diff, "%s: json-c's result%s%s", r->what, diff ? ": " : "", diff ? diff : "");
        diff = jsonparse_check(r->body, len, &lenient);
        ok(!diff, "%s: json-c's result with its default flags%s%s", r->what, diff ? ": " : "", diff ? diff : "");
        is_int(fast(r->body, len), r->path == FAST, "%s: %s", r->what,
               r->path == FAST ? "the fast path" : "left to json-c");
    }

    /* every cut of a request, and every byte of it replaced by a quote */
    const char *req = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9 \\\"x\\\"\\n\"}],"
                      "\"temperature\":0.5,\"n\":2,\"stop\":[\"\\ud83d\\ude00\"],\"tools\":null}";
    size_t rl = strlen(req), bad = 0;
    char *mut = malloc(rl + 1);
    for (size_t cut = 0; cut <= rl; cut++)
        bad += jsonparse_check(req, cut, &strict) != NULL;
    for (size_t at = 0; at < rl; at++) {
        memcpy(mut, req, rl);
        mut[at] = '"';
        bad += jsonparse_check(mut, rl, &strict) != NULL;
    }
    free(mut);
    is_int(bad, 0, "every cut and every quote-for-a-byte of a request: json-c's result");

    /* nesting at and around the depth limit */
    for (int n = DEPTH - 4; n <= DEPTH + 1; n++) {
        size_t len;
        char *s = nested(n, &len);
        const char *diff = jsonparse_check(s, len, &strict);
        ok(!diff, "%d containers deep: json-c's result%s%s", n, diff ? ": " : "", diff ? diff : "");
        free(s);
    }
    size_t len;
    char *s = nested(DEPTH - 3, &len);
    ok(fast(s, len), "%d containers deep: the fast path", DEPTH - 3);
    free(s);
    s = nested(DEPTH - 1, &len);
    ok(!fast(s, len), "%d containers deep: left to json-c, whose limit it is", DEPTH - 1);
    free(s);

    /* a large string with escapes throughout, decoded in place */
    size_t big = (size_t)1 << 20;
    char *b = malloc(big + 64), *p = b;
    p += sprintf(p, "{\"content\":\"");
    while ((size_t)(p - b) < big)
        p += sprintf(p, "line \\\"%zu\\\"\\n caf\xc3\xa9 \\u20ac\\t", (size_t)(p - b));
    p += sprintf(p, "\"}");
    const char *diff = jsonparse_check(b, (size_t)(p - b), &strict);
    ok(!diff, "a 1 MiB string full of escapes: json-c's result%s%s", diff ? ": " : "", diff ? diff : "");
    ok(fast(b, (size_t)(p - b)), "a 1 MiB string full of escapes: the fast path");
    free(b);
    test_skip();
    return tap_done();
}
