/* libFuzzer target: the tool-call block parser and the stop matcher
 * (docs/tools.md §1, §4). Input: byte 0 picks the piece sizes, byte 1 the
 * call limit, the rest is the answer. Parsed whole and parsed in pieces, the
 * answer must give the same text and calls; every text report must be whole
 * characters when the answer is valid UTF-8; the stop matcher must give the
 * same cut however the text is split.
 * Run: fuzz_toolparse -max_total_time=60 NEW_CORPUS_DIR tests/fuzz/corpus/toolparse */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "engine/stopmatch.h"
#include "engine/toolparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct eng_tool tools[] = { { .name = "get_weather" }, { .name = "search" } };

struct out {
    struct buf text, calls;
    int valid_utf8, broken;
};

static int on_text(void *ud, const char *p, size_t n)
{
    struct out *o = ud;
    if (n == 0 || (o->valid_utf8 && text_utf8_valid_prefix(p, n) != n))
        o->broken = 1;
    return buf_append(&o->text, p, n) < 0 ? 1 : 0;
}

static int on_call(void *ud, const struct eng_tool_call *c)
{
    struct out *o = ud;
    if (strncmp(c->id, "call_", 5) != 0 || c->arguments[0] != '{' || c->arguments[c->arguments_len - 1] != '}')
        o->broken = 1;
    if (buf_puts(&o->calls, c->name) < 0 || buf_append(&o->calls, c->arguments, c->arguments_len) < 0)
        return 1;
    return 0;
}

static void parse(const char *s, size_t n, size_t piece, unsigned max_calls, struct out *o)
{
    struct toolparse_out to = { .ud = o, .text = on_text, .call = on_call };
    struct toolparse *tp = toolparse_new(tools, 2, max_calls, 1 << 16, &to);
    if (!tp)
        abort();
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += piece)
        rc = toolparse_feed(tp, s + at, n - at < piece ? n - at : piece);
    if (rc == 0)
        toolparse_finish(tp);
    toolparse_free(tp);
}

static int collect(void *ud, const char *p, size_t n)
{
    return buf_append(ud, p, n) < 0 ? -1 : 0;
}

static void stop(const char *s, size_t n, size_t piece, struct buf *out, const char **matched)
{
    static const char *const seqs[] = { "</answer>", "\n\nHuman:", "ab", "\xc3\xa9" };
    struct stopmatch sm;
    stopmatch_init(&sm, seqs, 4);
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += piece)
        rc = stopmatch_feed(&sm, s + at, n - at < piece ? n - at : piece, collect, out);
    if (rc == 0)
        stopmatch_finish(&sm, collect, out);
    *matched = stopmatch_matched(&sm);
    stopmatch_free(&sm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t piece = (size_t)(data[0] % 17) + 1;
    unsigned max_calls = data[1] % 3;
    const char *s = (const char *)data + 2;
    size_t n = size - 2;
    struct out whole, split;
    memset(&whole, 0, sizeof(whole));
    memset(&split, 0, sizeof(split));
    buf_init(&whole.text, 1 << 20);
    buf_init(&whole.calls, 1 << 20);
    buf_init(&split.text, 1 << 20);
    buf_init(&split.calls, 1 << 20);
    whole.valid_utf8 = split.valid_utf8 = text_utf8_valid_prefix(s, n) == n;
    parse(s, n, n ? n : 1, max_calls, &whole);
    parse(s, n, piece, max_calls, &split);
    /* ids differ between runs; names and arguments must not */
    if (whole.broken || split.broken || whole.text.len != split.text.len ||
        memcmp(buf_str(&whole.text), buf_str(&split.text), whole.text.len) != 0 ||
        strcmp(buf_str(&whole.calls), buf_str(&split.calls)) != 0)
        abort();
    buf_free(&whole.text);
    buf_free(&whole.calls);
    buf_free(&split.text);
    buf_free(&split.calls);

    struct buf a, b;
    const char *ma, *mb;
    buf_init(&a, 1 << 20);
    buf_init(&b, 1 << 20);
    stop(s, n, n ? n : 1, &a, &ma);
    stop(s, n, piece, &b, &mb);
    if (ma != mb || a.len != b.len || memcmp(buf_str(&a), buf_str(&b), a.len) != 0)
        abort();
    buf_free(&a);
    buf_free(&b);
    return 0;
}
