/* test_emul: the stop-sequence matcher across chunk boundaries, the
 * max_tokens cutter against the exact tokenizer, JSON cleaning, and the
 * per-choice answer pipeline that chains them with the tool-call parser. */
#include <stdlib.h>

#include "core/buf.h"
#include "core/text.h"
#include "engine/answer.h"
#include "engine/jsonx.h"
#include "engine/stopmatch.h"
#include "engine/tokcut.h"
#include "tap.h"

static int collect(void *ud, const char *p, size_t n)
{
    return buf_append(ud, p, n);
}

/* ---- stop sequences ---- */

/* Feed s split at cut (byte by byte when cut is (size_t)-1). */
static int stop_run(const char *s, const char *const *stops, size_t nstops, size_t cut, struct buf *out,
                    const char **matched)
{
    struct stopmatch sm;
    stopmatch_init(&sm, stops, nstops);
    size_t n = strlen(s);
    int rc = 0;
    if (cut == (size_t)-1) {
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = stopmatch_feed(&sm, s + i, 1, collect, out);
    } else {
        rc = stopmatch_feed(&sm, s, cut, collect, out);
        if (rc == 0)
            rc = stopmatch_feed(&sm, s + cut, n - cut, collect, out);
    }
    if (rc == 0)
        stopmatch_finish(&sm, collect, out);
    *matched = stopmatch_matched(&sm);
    stopmatch_free(&sm);
    return rc;
}

static void stop_expect(const char *name, const char *s, const char *const *stops, size_t nstops,
                        const char *want, const char *want_match)
{
    size_t n = strlen(s);
    int same = 1;
    for (size_t cut = 0; cut <= n + 1; cut++) {
        struct buf out;
        buf_init(&out, 1 << 20);
        const char *m;
        int rc = stop_run(s, stops, nstops, cut == n + 1 ? (size_t)-1 : cut, &out, &m);
        int good = strcmp(buf_str(&out), want) == 0 && rc == (want_match ? 1 : 0) &&
            (want_match ? m && strcmp(m, want_match) == 0 : m == NULL);
        if (!good && same)
            printf("#   split %zu: '%s' rc %d match %s\n", cut, buf_str(&out), rc, m ? m : "-");
        same &= good;
        buf_free(&out);
    }
    ok(same, "stop: %s, at every split position", name);
}

static void test_stop(void)
{
    const char *one[] = { "END" };
    stop_expect("no match", "the end is near", one, 1, "the end is near", NULL);
    stop_expect("a match", "first part END second part", one, 1, "first part ", "END");
    stop_expect("a match at the start", "ENDING", one, 1, "", "END");
    stop_expect("a prefix at the very end is text", "it will EN", one, 1, "it will EN", NULL);
    const char *overlap[] = { "abcabd" };
    stop_expect("a self-overlapping sequence", "xxabcabcabdyy", overlap, 1, "xxabc", "abcabd");
    const char *four[] = { "\n\nHuman:", "STOP", "", "\xe2\x80\x94" };
    stop_expect("the earliest of four wins", "a STOP b\n\nHuman: c", four, 4, "a ", "STOP");
    stop_expect("a multi-byte sequence", "caf\xc3\xa9 \xe2\x80\x94 bar", four, 4, "caf\xc3\xa9 ",
                "\xe2\x80\x94");
    stop_expect("a newline sequence", "answer.\n\nHuman: next", four, 4, "answer.", "\n\nHuman:");
    const char *same_start[] = { "ab", "a" };
    stop_expect("the first complete wins", "xaby", same_start, 2, "x", "a");
    const char *nested[] = { "abcd", "bc" };
    stop_expect("the first complete wins, even when it starts later", "xabcde", nested, 2, "xa", "bc");
    const char *same_end[] = { "cd", "bcd" };
    stop_expect("at the same end the longer wins", "abcde", same_end, 2, "a", "bcd");
    const char *empty[] = { "" };
    stop_expect("an empty sequence is ignored", "abc", empty, 1, "abc", NULL);

    /* what is held back is only a possible prefix */
    struct stopmatch sm;
    struct buf out;
    buf_init(&out, 1 << 10);
    const char *s[] = { "STOP" };
    stopmatch_init(&sm, s, 1);
    stopmatch_feed(&sm, "hello ST", 8, collect, &out);
    is_str(buf_str(&out), "hello ", "stop: only the possible prefix 'ST' is held");
    stopmatch_feed(&sm, "ART", 3, collect, &out);
    is_str(buf_str(&out), "hello START", "stop: released when it is no match");
    stopmatch_free(&sm);
    buf_free(&out);
}

/* ---- max_tokens ---- */

/* Cut s at limit tokens, fed in chunks of step bytes. */
static void tok_expect(const char *name, const char *s, long long limit, size_t step)
{
    enum tok_encoding enc = TOK_O200K_BASE;
    struct tokcut tc;
    struct buf out;
    buf_init(&out, 1 << 20);
    tokcut_init(&tc, enc, limit);
    size_t n = strlen(s), i = 0;
    int rc = 0, chunks_whole = 1;
    while (i < n && rc == 0) {
        size_t k = n - i < step ? n - i : step;
        size_t before = out.len;
        rc = tokcut_feed(&tc, s + i, k, collect, &out);
        if (text_utf8_complete_prefix(out.data ? out.data : "", out.len) != out.len && out.len > before)
            chunks_whole = 0;
        i += k;
    }
    if (rc == 0)
        tokcut_finish(&tc, collect, &out);
    size_t total = tok_count(enc, s, n), got = tok_count(enc, out.data ? out.data : "", out.len);
    if ((long long)total <= limit) {
        ok(rc == 0 && out.len == n && memcmp(out.data, s, n) == 0,
           "tokens: %s (step %zu): under the limit, all of it", name, step);
    } else {
        /* at most the limit; one more character would pass it */
        size_t next = out.len + 1;
        while (next < n && (s[next] & 0xC0) == 0x80)
            next++;
        size_t more = tok_count(enc, s, next);
        ok(rc == 1 && (long long)got <= limit && (long long)more > limit && memcmp(out.data ? out.data : "", s, out.len) == 0,
           "tokens: %s (step %zu): cut at %zu of %zu tokens (limit %lld; +1 character: %zu)", name, step, got, total,
           limit, more);
    }
    ok(chunks_whole, "tokens: %s (step %zu): whole characters", name, step);
    tokcut_free(&tc);
    buf_free(&out);
}

static void test_tokens(void)
{
    const char *prose = "The relay counts the answer with its exact tokenizer as it arrives, and cuts it at the "
        "limit: it's what OpenAI's max_tokens does. Don't they'll we've   spaces\n\n\n  and 12345678 numbers, "
        "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\xe3\x81\x99 \xf0\x9f\x8e\x89\xf0\x9f\x8e\x89!";
    size_t steps[] = { 1, 2, 3, 7, 64, 100000 };
    long long limits[] = { 1, 2, 5, 13, 30, 1000 };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        for (size_t j = 0; j < sizeof(limits) / sizeof(limits[0]); j++) {
            char name[32];
            snprintf(name, sizeof(name), "limit %lld", limits[j]);
            tok_expect(name, prose, limits[j], steps[i]);
        }
    /* a long answer: the incremental count agrees with the exact one */
    struct buf big;
    buf_init(&big, 1 << 22);
    for (int i = 0; i < 300; i++)
        buf_printf(&big, "Line %d: the quick brown fox's jumps over   the lazy dog, %d times.\n", i, i * 7919);
    tok_expect("long answer", buf_str(&big), 2500, 9);
    tok_expect("long answer", buf_str(&big), 1000000, 17);
    buf_free(&big);
}

/* ---- JSON cleaning ---- */

static void jsonx_expect(const char *s, const char *want, const char *name)
{
    size_t start = 0, len = 0;
    int found = jsonx_find(s, strlen(s), &start, &len);
    char got[512];
    snprintf(got, sizeof(got), "%.*s", (int)len, s + start);
    if (!want)
        is_int(found, 0, "json: %s: kept as it is", name);
    else
        is_str(found ? got : "(kept)", want, "json: %s", name);
}

static void test_jsonx(void)
{
    jsonx_expect("{\"a\": 1}", NULL, "JSON already");
    jsonx_expect("  [1, 2]\n", NULL, "JSON with whitespace");
    jsonx_expect("```json\n{\"a\": [1, 2]}\n```", "{\"a\": [1, 2]}", "a code fence");
    jsonx_expect("Here it is:\n```\n{\"a\": \"```\"}\n```\nEnjoy", "{\"a\": \"```\"}", "a fence without language");
    jsonx_expect("Sure! {\"name\": \"x\", \"n\": {\"deep\": true}} Hope it helps.",
                 "{\"name\": \"x\", \"n\": {\"deep\": true}}", "prose around");
    jsonx_expect("Use {braces} like this: [1, 2, 3].", "[1, 2, 3]", "the first complete value");
    jsonx_expect("no JSON here", NULL, "no JSON");
    jsonx_expect("{\"a\": 1", NULL, "incomplete JSON");
}

/* ---- the pipeline ---- */

struct seen {
    struct buf text, calls;
    unsigned text_reports;
};

static int seen_text(void *ud, const char *p, size_t n)
{
    struct seen *s = ud;
    s->text_reports++;
    return buf_append(&s->text, p, n);
}

static int seen_call(void *ud, const struct eng_tool_call *c)
{
    struct seen *s = ud;
    return buf_printf(&s->calls, "%s %.*s;", c->name, (int)c->arguments_len, c->arguments);
}

/* Run an answer through a pipeline in chunks of step bytes. */
static int pipe_run(const struct eng_request *req, const char *ans, size_t step, struct seen *s,
                    struct eng_result *res, struct buf *kept)
{
    struct answer_out out = { .ud = s, .text = seen_text, .tool_call = seen_call };
    struct answer *a = answer_new(req, 1 << 20, &out);
    size_t n = strlen(ans), i = 0;
    int rc = 0;
    memset(s, 0, sizeof(*s));
    buf_init(&s->text, 1 << 20);
    buf_init(&s->calls, 1 << 20);
    while (i < n && rc == 0) {
        size_t k = n - i < step ? n - i : step;
        rc = answer_feed(a, ans + i, k);
        i += k;
    }
    int fin = answer_finish(a, ENG_FINISH_STOP, res);
    size_t len;
    const char *t = answer_text(a, &len);
    buf_append(kept, t, len);
    answer_free(a);
    return rc < 0 ? rc : fin < 0 ? fin : rc;
}

static void pipe_expect(const char *name, const struct eng_request *req, const char *ans, const char *text,
                        const char *calls, enum eng_finish finish, int done)
{
    int same = 1;
    for (size_t step = 1; step <= strlen(ans) + 1; step++) {
        struct seen s;
        struct eng_result res;
        struct buf kept;
        buf_init(&kept, 1 << 20);
        int rc = pipe_run(req, ans, step, &s, &res, &kept);
        int good = rc == done && strcmp(buf_str(&s.text), text) == 0 && strcmp(buf_str(&s.calls), calls) == 0 &&
            res.finish == finish;
        if (!good && same)
            printf("#   step %zu: rc %d text '%s' calls '%s' finish %d\n", step, rc, buf_str(&s.text),
                   buf_str(&s.calls), (int)res.finish);
        same &= good;
        buf_free(&s.text);
        buf_free(&s.calls);
        buf_free(&kept);
    }
    ok(same, "pipeline: %s, in chunks of every size", name);
}

static void test_pipeline(void)
{
    struct eng_tool tools[] = { { .name = "get_weather" } };
    struct eng_request req;
    memset(&req, 0, sizeof(req));
    snprintf(req.model, sizeof(req.model), "gpt-4o");
    req.n = 1;
    req.parallel_tool_calls = 1;
    pipe_expect("plain", &req, "Hello there.", "Hello there.", "", ENG_FINISH_STOP, 0);

    req.tools = tools;
    req.ntools = 1;
    const char *call = "Checking.\n<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}</tool_call>";
    pipe_expect("a tool call", &req, call, "Checking.", "get_weather {\"city\":\"Oslo\"};", ENG_FINISH_TOOL_CALLS, 0);
    req.parallel_tool_calls = 0;
    pipe_expect("one call allowed: done at once", &req, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}"
                "</tool_call> and more", "", "get_weather {};", ENG_FINISH_TOOL_CALLS, ANSWER_DONE);
    req.tool_choice = ENG_CHOICE_NONE;
    pipe_expect("tool_choice none: blocks are text", &req, call, call, "", ENG_FINISH_STOP, 0);
    req.tool_choice = ENG_CHOICE_AUTO;

    req.stop[0] = "\n\nHuman:";
    req.nstop = 1;
    pipe_expect("a stop sequence", &req, "Yes.\n\nHuman: and then", "Yes.", "", ENG_FINISH_STOP_SEQUENCE,
                ANSWER_DONE);
    req.nstop = 0;

    req.max_tokens = 3;
    pipe_expect("max_tokens", &req, "one two three four five", "one two three", "", ENG_FINISH_LENGTH, ANSWER_DONE);
    req.max_tokens = 0;

    req.ntools = 0;
    req.format = ENG_FORMAT_JSON_OBJECT;
    pipe_expect("JSON answer cleaned", &req, "Here:\n```json\n{\"a\": 1}\n```", "{\"a\": 1}", "", ENG_FINISH_STOP, 0);
    req.stream = 1;
    pipe_expect("a stream is not cleaned", &req, "Here:\n```json\n{\"a\": 1}\n```", "Here:\n```json\n{\"a\": 1}\n```",
                "", ENG_FINISH_STOP, 0);

    /* the text kept for the count ends at the cut; text reports are timely */
    req.stream = 1;
    req.format = ENG_FORMAT_TEXT;
    req.stop[0] = "STOP";
    req.nstop = 1;
    struct seen s;
    struct eng_result res;
    struct buf kept;
    buf_init(&kept, 1 << 10);
    pipe_run(&req, "abc STOP def", 1, &s, &res, &kept);
    is_str(buf_str(&kept), "abc ", "pipeline: the counted text ends at the cut");
    is_str(res.stop_sequence, "STOP", "pipeline: the stop sequence is reported");
    ok(s.text_reports >= 3, "pipeline: text streams out byte by byte (%u reports)", s.text_reports);
    buf_free(&s.text);
    buf_free(&s.calls);
    buf_clear(&kept);

    /* after the last allowed call nothing more is read or counted */
    req.nstop = 0;
    req.ntools = 1;
    req.parallel_tool_calls = 0;
    is_int(pipe_run(&req, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call> tail", 3, &s, &res,
                    &kept), ANSWER_DONE, "pipeline: done after the one allowed call");
    ok(strncmp(buf_str(&kept), "<tool_call>", 11) == 0 && strstr(buf_str(&kept), "tail") == NULL,
       "pipeline: the counted text ends with the call (%s)", buf_str(&kept));
    buf_free(&s.text);
    buf_free(&s.calls);
    buf_free(&kept);
}

int main(void)
{
    test_stop();
    test_tokens();
    test_jsonx();
    test_pipeline();
    return tap_done();
}
