/* test_toolparse: the tool-call block parser of docs/tools.md §1, fed every
 * answer whole, split at every byte position, and byte by byte; each time
 * the text and calls must be the same, every text report must end on a
 * character boundary, and text must come out as early as the rules allow. */
#include <stdlib.h>

#include "core/buf.h"
#include "core/text.h"
#include "engine/toolparse.h"
#include "tap.h"

static const struct eng_tool tools[] = {
    { .name = "get_weather", .description = "Weather of a city", .parameters = "{\"type\":\"object\"}" },
    { .name = "search", .namespace_name = "web" },
};

struct got {
    struct buf text;
    struct buf calls;           /* "name args\n" per call */
    struct buf ids;
    int bad_chunk;              /* a text report was empty or cut a character */
    unsigned next_index;
};

static int got_text(void *ud, const char *p, size_t n)
{
    struct got *g = ud;
    if (n == 0 || text_utf8_complete_prefix(p, n) != n)
        g->bad_chunk = 1;
    return buf_append(&g->text, p, n);
}

static int got_call(void *ud, const struct eng_tool_call *c)
{
    struct got *g = ud;
    if (c->index != g->next_index++)
        g->bad_chunk = 1;
    buf_printf(&g->ids, "%s\n", c->id);
    return buf_printf(&g->calls, "%s%s%s %.*s\n", c->namespace_name ? c->namespace_name : "",
                      c->namespace_name ? "." : "", c->name, (int)c->arguments_len, c->arguments);
}

static void got_init(struct got *g)
{
    memset(g, 0, sizeof(*g));
    buf_init(&g->text, 1 << 20);
    buf_init(&g->calls, 1 << 20);
    buf_init(&g->ids, 1 << 20);
}

static void got_free(struct got *g)
{
    buf_free(&g->text);
    buf_free(&g->calls);
    buf_free(&g->ids);
}

/* Run s through a parser in pieces: split at cut (0 = whole), or byte by
 * byte when cut is (size_t)-1. */
static int run(const char *s, unsigned max_calls, size_t cut, struct got *g)
{
    struct toolparse_out out = { .ud = g, .text = got_text, .call = got_call };
    struct toolparse *tp = toolparse_new(tools, 2, max_calls, 1 << 16, &out);
    size_t n = strlen(s);
    int rc = 0;
    if (cut == (size_t)-1) {
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = toolparse_feed(tp, s + i, 1);
    } else {
        rc = toolparse_feed(tp, s, cut);
        if (rc == 0)
            rc = toolparse_feed(tp, s + cut, n - cut);
    }
    if (rc == 0)
        rc = toolparse_finish(tp);
    toolparse_free(tp);
    return rc;
}

/* The answer gives text and calls, however it is split. */
static void expect(const char *name, const char *answer, unsigned max_calls, const char *text, const char *calls)
{
    size_t n = strlen(answer);
    int all_same = 1, all_clean = 1;
    for (size_t cut = 0; cut <= n + 1; cut++) {
        struct got g;
        got_init(&g);
        size_t at = cut == n + 1 ? (size_t)-1 : cut;
        int rc = run(answer, max_calls, at, &g);
        if (cut == 0) {
            is_int(rc, 0, "%s: parsed", name);
            is_str(buf_str(&g.text), text, "%s: text", name);
            is_str(buf_str(&g.calls), calls, "%s: calls", name);
        }
        if (rc || strcmp(buf_str(&g.text), text) || strcmp(buf_str(&g.calls), calls)) {
            if (all_same)
                printf("#   split at %zu: text '%s' calls '%s'\n", at, buf_str(&g.text), buf_str(&g.calls));
            all_same = 0;
        }
        if (g.bad_chunk)
            all_clean = 0;
        got_free(&g);
    }
    ok(all_same, "%s: the same at every split position and byte by byte", name);
    ok(all_clean, "%s: text reports are whole characters, calls indexed in order", name);
}

#define W "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"
#define WCALL "get_weather {\"city\":\"Paris\"}\n"

static void test_rules(void)
{
    expect("plain text", "Hello world", 0, "Hello world", "");
    expect("no content in whitespace", " \n\t \n", 0, "", "");
    expect("trailing whitespace trimmed", "  Hello\n world \n\n", 0, "  Hello\n world", "");
    expect("one call after text", "I'll check.\n\n<tool_call>" W "</tool_call>", 0, "I'll check.", WCALL);
    expect("one call alone", "<tool_call>" W "</tool_call>\n", 0, "", WCALL);
    expect("several calls, text after the last dropped",
           "Two:\n<tool_call>" W "</tool_call>\nthen\n<tool_call>{\"name\":\"search\",\"arguments\":{\"q\":\"x\"}}"
           "</tool_call>\nDone, I will wait.", 0, "Two:", WCALL "web.search {\"q\":\"x\"}\n");
    expect("whitespace and newlines around the JSON", "<tool_call>\n  " W "  \n</tool_call>", 0, "", WCALL);
    expect("code fence inside the tags", "<tool_call>\n```json\n" W "\n```\n</tool_call>", 0, "", WCALL);
    expect("bare code fence inside the tags", "<tool_call>```" W "```</tool_call>", 0, "", WCALL);
    expect("arguments as a string holding an object",
           "<tool_call>{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}</tool_call>", 0,
           "", WCALL);
    expect("unknown tool first is text",
           "Look: <tool_call>{\"name\": \"nope\", \"arguments\": {}}</tool_call> ok  ", 0,
           "Look: <tool_call>{\"name\": \"nope\", \"arguments\": {}}</tool_call> ok", "");
    expect("unknown tool after a call is dropped",
           "<tool_call>" W "</tool_call><tool_call>{\"name\": \"nope\", \"arguments\": {}}</tool_call>", 0, "", WCALL);
    expect("broken JSON first is text, a later valid block is a call",
           "a <tool_call>{\"name\": \"get_weather\", \"arguments\": {</tool_call> b\n<tool_call>" W "</tool_call>", 0,
           "a <tool_call>{\"name\": \"get_weather\", \"arguments\": {</tool_call> b", WCALL);
    expect("arguments that are not an object", "<tool_call>{\"name\": \"search\", \"arguments\": [1]}</tool_call>",
           0, "<tool_call>{\"name\": \"search\", \"arguments\": [1]}</tool_call>", "");
    expect("missing arguments", "<tool_call>{\"name\": \"search\"}</tool_call>", 0,
           "<tool_call>{\"name\": \"search\"}</tool_call>", "");
    expect("JSON followed by prose inside the tags", "<tool_call>" W " thanks</tool_call>", 0,
           "<tool_call>" W " thanks</tool_call>", "");
    expect("unterminated final block with complete JSON", "Sure. <tool_call>" W "\n", 0, "Sure.", WCALL);
    expect("unterminated final block cut in its close tag", "<tool_call>" W "</tool_c", 0, "", WCALL);
    expect("unterminated final block with incomplete JSON is text", "Sure. <tool_call>{\"name\": \"get_weather\"",
           0, "Sure. <tool_call>{\"name\": \"get_weather\"", "");
    expect("unterminated block after a call is dropped", "<tool_call>" W "</tool_call><tool_call>{\"na", 0, "",
           WCALL);
    expect("a close tag inside a JSON string does not close the block",
           "<tool_call>{\"name\": \"search\", \"arguments\": {\"q\": \"a</tool_call>b\\\"\"}}</tool_call>", 0, "",
           "web.search {\"q\":\"a</tool_call>b\\\"\"}\n");
    expect("a stray quote: the block ends at its first close tag after all",
           "<tool_call>{\"name\": \"search\", \"arguments\": {\"q\": \"it\"s\"}}</tool_call>\n"
           "<tool_call>" W "</tool_call>", 0,
           "<tool_call>{\"name\": \"search\", \"arguments\": {\"q\": \"it\"s\"}}</tool_call>", WCALL);
    expect("tag-like text is text", "a < b, <tool> and <tool_cal and <", 0, "a < b, <tool> and <tool_cal and <",
           "");
    expect("multi-byte text around the tags",
           "Voil\xc3\xa0 \xe2\x98\x83 \xf0\x9f\x8e\x89<tool_call>{\"name\": \"get_weather\", \"arguments\": "
           "{\"city\": \"Z\xc3\xbcrich \xf0\x9f\x8c\x8d\"}}</tool_call>\xe2\x80\x94\xc3\xa9", 0,
           "Voil\xc3\xa0 \xe2\x98\x83 \xf0\x9f\x8e\x89",
           "get_weather {\"city\":\"Z\xc3\xbcrich \xf0\x9f\x8c\x8d\"}\n");
    expect("multi-byte text only", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e <b>\xc3\xa9</b>", 0,
           "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e <b>\xc3\xa9</b>", "");
    expect("parallel_tool_calls false: the first call only",
           "<tool_call>" W "</tool_call>\n<tool_call>{\"name\":\"search\",\"arguments\":{}}</tool_call>", 1, "",
           WCALL);
    expect("escaped unicode in arguments",
           "<tool_call>{\"name\": \"search\", \"arguments\": {\"q\": \"\\u00fc\\n\"}}</tool_call>", 0, "",
           "web.search {\"q\":\"\xc3\xbc\\n\"}\n");
}

static void feed_str(struct toolparse *tp, const char *s)
{
    toolparse_feed(tp, s, strlen(s));
}

/* Text streams through at once; only a tag prefix and whitespace wait. */
static void test_incremental(void)
{
    struct got g;
    got_init(&g);
    struct toolparse_out out = { .ud = &g, .text = got_text, .call = got_call };
    struct toolparse *tp = toolparse_new(tools, 2, 0, 1 << 16, &out);
    feed_str(tp, "Hello, wor");
    is_str(buf_str(&g.text), "Hello, wor", "text streams through as it arrives");
    feed_str(tp, "ld <to");
    is_str(buf_str(&g.text), "Hello, world", "a possible tag and the whitespace before it wait");
    feed_str(tp, "y> ok \xe2\x82");
    is_str(buf_str(&g.text), "Hello, world <toy> ok", "released when it is no tag; an incomplete character waits");
    feed_str(tp, "\xac <tool_call>{\"name\": \"search\", \"arguments\"");
    is_str(buf_str(&g.text), "Hello, world <toy> ok \xe2\x82\xac", "the character completed; the block waits");
    is_int(toolparse_calls(tp), 0, "no call before the block closes");
    feed_str(tp, ": {}}</tool_call> more");
    is_int(toolparse_calls(tp), 1, "the call when the block closes");
    is_int(toolparse_done(tp), 0, "not done without a call limit");
    toolparse_finish(tp);
    is_str(buf_str(&g.text), "Hello, world <toy> ok \xe2\x82\xac", "text after the call is dropped");
    toolparse_free(tp);
    got_free(&g);
}

static void test_ids(void)
{
    struct got g;
    got_init(&g);
    struct buf ans;
    buf_init(&ans, 1 << 20);
    for (int i = 0; i < 200; i++)
        buf_puts(&ans, "<tool_call>{\"name\":\"search\",\"arguments\":{}}</tool_call>");
    is_int(run(buf_str(&ans), 0, 0, &g), 0, "200 calls parsed");
    int good = 1, unique = 1;
    const char *ids = buf_str(&g.ids);
    for (int i = 0; i < 200; i++) {
        const char *id = ids + i * 30;
        if (strncmp(id, "call_", 5) != 0 || strspn(id + 5, "0123456789abcdef") != 24 || id[29] != '\n')
            good = 0;
        for (int j = 0; j < i; j++)
            if (memcmp(ids + j * 30, id, 29) == 0)
                unique = 0;
    }
    ok(good, "ids are call_ + 24 hex digits");
    ok(unique, "ids are unique");
    got_free(&g);
    buf_free(&ans);
}

static int stop_text(void *ud, const char *p, size_t n)
{
    (void)p, (void)n;
    return ++*(int *)ud >= 2 ? 7 : 0;
}

static int stop_call(void *ud, const struct eng_tool_call *c)
{
    (void)ud, (void)c;
    return 9;
}

static void test_stops(void)
{
    int calls = 0;
    struct toolparse_out out = { .ud = &calls, .text = stop_text, .call = stop_call };
    struct toolparse *tp = toolparse_new(tools, 2, 0, 1 << 16, &out);
    is_int(toolparse_feed(tp, "a ", 2), 0, "first text accepted");
    is_int(toolparse_feed(tp, "b", 1), 7, "a text callback's non-zero stops the feed");
    toolparse_free(tp);
    tp = toolparse_new(tools, 2, 0, 1 << 16, &out);
    is_int(toolparse_feed(tp, "<tool_call>" W "</tool_call>", strlen("<tool_call>" W "</tool_call>")), 9,
           "a call callback's non-zero stops the feed");
    toolparse_free(tp);
    tp = toolparse_new(tools, 2, 0, 64, &out);
    char big[200];
    memset(big, 'x', sizeof(big));
    is_int(toolparse_feed(tp, "<tool_call>", 11), 0, "block opened");
    is_int(toolparse_feed(tp, big, sizeof(big)), -1, "a block past max_block fails");
    toolparse_free(tp);
}

int main(void)
{
    test_rules();
    test_incremental();
    test_ids();
    test_stops();
    return tap_done();
}
