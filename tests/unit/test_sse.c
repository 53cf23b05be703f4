/* test_sse: the upstream SSE parser gives the same events however the body
 * is split (every single split point, every pair of split points for short
 * bodies, byte by byte), handles the SSE rules, detects legacy raw text
 * without breaking UTF-8, and fails cleanly past its limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "onemin/sse.h"

/* Events are recorded as "name=data|" (raw events merged into one "raw="
 * entry, since their boundaries follow the reads by design). */
struct rec {
    struct buf log;
    int raw_open;           /* the last entry is a raw one still growing */
    int raw_broken;         /* a raw event started or ended inside a UTF-8 character */
    int events;
    int stop_after;         /* ask the parser to stop after this many events; 0: never */
};

static int on_event(void *ud, const char *event, char *data, size_t len)
{
    struct rec *r = ud;
    r->events++;
    if (strlen(data) != len && memchr(data, '\0', len) == NULL)
        buf_puts(&r->log, "<len mismatch>");
    if (strcmp(event, "raw") == 0) {
        if (len == 0 || ((unsigned char)data[0] & 0xC0) == 0x80)
            r->raw_broken = 1;
        size_t back = 0;    /* the last character must be complete */
        while (back < len && ((unsigned char)data[len - 1 - back] & 0xC0) == 0x80)
            back++;
        if (back < len) {
            unsigned char lead = (unsigned char)data[len - 1 - back];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (back + 1 != need)
                r->raw_broken = 1;
        }
        if (!r->raw_open)
            buf_puts(&r->log, "raw=");
        buf_append(&r->log, data, len);
        r->raw_open = 1;
    } else {
        if (r->raw_open)
            buf_puts(&r->log, "|");
        r->raw_open = 0;
        buf_printf(&r->log, "%s=", event);
        buf_append(&r->log, data, len);
        buf_puts(&r->log, "|");
    }
    return r->stop_after && r->events >= r->stop_after;
}

struct run {
    char *log;          /* malloc'ed */
    int feed_rc;        /* the first non-zero sse_feed result, else 0 */
    int finish_rc;
    int raw_broken;
};

/* Parse body cut at the given offsets (ascending, up to ncuts of them). */
static struct run parse_cuts(const char *body, size_t len, const size_t *cuts, size_t ncuts,
                             size_t max_event)
{
    struct rec r;
    memset(&r, 0, sizeof(r));
    buf_init(&r.log, 1 << 20);
    struct sse_parser p;
    sse_init(&p, max_event, on_event, &r);
    struct run out = { 0 };
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        int rc = sse_feed(&p, body + at, end - at);
        if (rc && !out.feed_rc)
            out.feed_rc = rc;
        at = end;
    }
    out.finish_rc = sse_finish(&p);
    if (r.raw_open)
        buf_puts(&r.log, "|");
    sse_free(&p);
    out.log = buf_steal(&r.log);
    out.raw_broken = r.raw_broken;
    return out;
}

static struct run parse_whole(const char *body, size_t max_event)
{
    return parse_cuts(body, strlen(body), NULL, 0, max_event);
}

/* Check that every way of splitting body gives want. */
static void check_splits(const char *name, const char *body, const char *want, int pairs)
{
    size_t len = strlen(body);
    struct run whole = parse_whole(body, 1 << 16);
    is_str(whole.log, want, "%s: whole body", name);
    ok(whole.feed_rc == 0 && whole.finish_rc == 0, "%s: whole body parses without error", name);
    free(whole.log);

    int bad_single = 0, bad_pair = 0, broken = 0;
    for (size_t i = 0; i <= len; i++) {
        struct run r = parse_cuts(body, len, &i, 1, 1 << 16);
        if (strcmp(r.log, want) != 0 || r.feed_rc || r.finish_rc) {
            if (!bad_single)
                printf("# %s: split at %zu gives '%s'\n", name, i, r.log);
            bad_single++;
        }
        broken += r.raw_broken;
        free(r.log);
        for (size_t j = i; pairs && j <= len; j++) {
            size_t cuts[2] = { i, j };
            struct run r2 = parse_cuts(body, len, cuts, 2, 1 << 16);
            if (strcmp(r2.log, want) != 0 || r2.feed_rc || r2.finish_rc) {
                if (!bad_pair)
                    printf("# %s: split at %zu,%zu gives '%s'\n", name, i, j, r2.log);
                bad_pair++;
            }
            broken += r2.raw_broken;
            free(r2.log);
        }
    }
    is_int(bad_single, 0, "%s: same events at each of the %zu split points", name, len + 1);
    if (pairs)
        is_int(bad_pair, 0, "%s: same events for every pair of split points", name);

    size_t *cuts = malloc(len * sizeof(*cuts));
    for (size_t i = 0; i < len; i++)
        cuts[i] = i;
    struct run bytewise = parse_cuts(body, len, cuts, len, 1 << 16);
    free(cuts);
    is_str(bytewise.log, want, "%s: byte by byte", name);
    broken += bytewise.raw_broken;
    free(bytewise.log);
    is_int(broken, 0, "%s: no raw event splits a UTF-8 character", name);
}

/* Bodies with NUL bytes (strlen cannot measure them). */
static void test_nul_bytes(void)
{
    static const char body[] = "event: con\0tent\ndata: dropped\n\nevent: raw\ndata: dropped too\n\n"
                               "data: a\0b\n\n";
    struct run r = parse_cuts(body, sizeof(body) - 1, NULL, 0, 4096);
    ok(memcmp(r.log, "message=a\0b|", 12) == 0, "SSE events named with a NUL byte or \"raw\" are dropped; NUL in data kept");
    free(r.log);
}

static void test_bodies(void)
{
    check_splits("unified stream",
        "event: content\n"
        "data: {\"content\":\"Artificial intelligence is\"}\n"
        "\n"
        "event: content\n"
        "data: {\"content\":\" a branch of computer science.\"}\n"
        "\n"
        "event: result\n"
        "data: {\"aiRecord\":{\"status\":\"SUCCESS\"}}\n"
        "\n"
        "event: done\n"
        "data: {\"message\":\"Stream completed\"}\n"
        "\n",
        "content={\"content\":\"Artificial intelligence is\"}|"
        "content={\"content\":\" a branch of computer science.\"}|"
        "result={\"aiRecord\":{\"status\":\"SUCCESS\"}}|"
        "done={\"message\":\"Stream completed\"}|", 1);

    check_splits("CRLF line ends",
        "event: content\r\ndata: {\"content\":\"h\xC3\xA9\"}\r\n\r\n"
        "event: done\r\ndata: {}\r\n\r\n",
        "content={\"content\":\"h\xC3\xA9\"}|done={}|", 1);

    check_splits("lone CR line ends",
        "event: content\rdata: a\r\revent: done\rdata: b\r\r",
        "content=a|done=b|", 1);

    check_splits("comments, multi-line data, unknown events",
        ": keep-alive\n\n"
        "event: content\n: a comment inside an event\ndata: line one\ndata: line two\ndata:\ndata:x\n\n"
        ": keep-alive\n\n"
        "event: llm_chunk\ndata: {\"other\":1}\n\n"
        "id: 7\nretry: 1000\nfoo: bar\ndata\n\n"
        "data: no event name\n\n"
        "data: [DONE]\n\n"
        "event: error\ndata: {\"error\":\"Model xyz is not supported\"}\n\n",
        "content=line one\nline two\n\nx|"
        "llm_chunk={\"other\":1}|"
        "message=|"
        "message=no event name|"
        "message=[DONE]|"
        "error={\"error\":\"Model xyz is not supported\"}|", 0);

    check_splits("no final blank line",
        "event: content\ndata: {\"content\":\"a\"}\n\nevent: done\ndata: {\"message\":\"end\"}",
        "content={\"content\":\"a\"}|done={\"message\":\"end\"}|", 1);

    check_splits("event name without data, only the first space dropped",
        "event: done\n\nevent:  two spaces\ndata:  x \n\n",
        "done=| two spaces= x |", 1);

    check_splits("leading blank lines and a BOM",
        "\xEF\xBB\xBF\r\n\nevent: content\ndata: {\"content\":\"x\"}\n\n",
        "content={\"content\":\"x\"}|", 1);

    /* the multibyte characters come after the first line, where the body is
     * already known to be text and is passed on piece by piece */
    check_splits("legacy raw text with multibyte UTF-8",
        "Hello\nw\xC3\xB6rld \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x8E\x89\n"
        "second line: data\n\nevent: not parsed \xC3\xA9",
        "raw=Hello\nw\xC3\xB6rld \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x8E\x89\n"
        "second line: data\n\nevent: not parsed \xC3\xA9|", 1);

    check_splits("raw text after blank lines",
        "\n\n\xF0\x9F\x98\x80 smile",
        "raw=\n\n\xF0\x9F\x98\x80 smile|", 1);

    check_splits("raw text shorter than a line", "\xC3\xA9t\xC3\xA9", "raw=\xC3\xA9t\xC3\xA9|", 1);

    check_splits("SSE body of one unterminated data line", "data: x", "message=x|", 1);

    check_splits("empty body", "", "", 1);
    check_splits("blank lines only", "\r\n\n\n", "", 1);
}

/* The format is decided within 4 KiB: a long unterminated first line of text
 * is raw, a long first data: line is still SSE. */
static void test_long_first_line(void)
{
    size_t n = 6000;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = (i % 3 == 0) ? '\xC3' : (i % 3 == 1) ? '\xA9' : 'a';
    text[n] = '\0';
    struct run r = parse_whole(text, 1 << 16);
    ok(strncmp(r.log, "raw=", 4) == 0 && strlen(r.log) == n + 5
       && memcmp(r.log + 4, text, n) == 0, "6000 bytes of text without a line end are raw");
    free(r.log);
    size_t cuts[3] = { 1000, 4095, 4097 };
    r = parse_cuts(text, n, cuts, 3, 1 << 16);
    ok(strlen(r.log) == n + 5 && !r.raw_broken, "...also when split around the 4 KiB mark");
    free(r.log);
    free(text);

    struct buf body, want;
    buf_init(&body, 1 << 20);
    buf_init(&want, 1 << 20);
    buf_puts(&body, "data: ");
    buf_puts(&want, "message=");
    for (int i = 0; i < 5000; i++) {
        buf_puts(&body, "x");
        buf_puts(&want, "x");
    }
    buf_puts(&body, "\n\nevent: done\ndata: {}\n\n");
    buf_puts(&want, "|done={}|");
    r = parse_whole(buf_str(&body), 1 << 16);
    is_str(r.log, buf_str(&want), "a 5000-byte first data: line is SSE");
    free(r.log);
    buf_free(&body);
    buf_free(&want);
}

static void test_limits(void)
{
    const char *body = "event: content\ndata: 0123456789012345678901234567890123456789\n\n";
    struct run r = parse_whole(body, 64);
    is_str(r.log, "content=0123456789012345678901234567890123456789|", "an event within the limit passes");
    free(r.log);

    r = parse_whole(body, 32);
    ok(r.feed_rc == -1 && r.finish_rc == -1, "a line over the limit fails feed and finish");
    is_str(r.log, "", "...and reports nothing");
    free(r.log);

    /* many short data lines adding up past the limit */
    struct buf big;
    buf_init(&big, 1 << 20);
    buf_puts(&big, "event: content\n");
    for (int i = 0; i < 100; i++)
        buf_puts(&big, "data: 0123456789\n");
    buf_puts(&big, "\n");
    r = parse_whole(buf_str(&big), 512);
    ok(r.feed_rc == -1, "joined data over the limit fails");
    is_str(r.log, "", "...without a partial event");
    free(r.log);
    buf_free(&big);

    /* the parser stays failed */
    struct rec rc;
    memset(&rc, 0, sizeof(rc));
    buf_init(&rc.log, 4096);
    struct sse_parser p;
    sse_init(&p, 16, on_event, &rc);
    is_int(sse_feed(&p, "event: content\ndata: this is far too long\n", 42), -1, "feed fails");
    ok(p.overflow && !p.stopped, "overflow is set, stopped is not");
    is_int(sse_feed(&p, "event: done\n\n", 13), -1, "later feeds fail too");
    is_int(rc.events, 0, "no event after the failure");
    sse_free(&p);
    buf_free(&rc.log);

    /* raw text is not limited by max_event: it is passed on in pieces */
    const char *text = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E text that is longer than sixteen bytes \xF0\x9F\x8E\x89";
    r = parse_whole(text, 16);
    ok(r.feed_rc == 0 && r.finish_rc == 0 && !r.raw_broken, "raw text larger than max_event passes");
    ok(strlen(r.log) == strlen(text) + 5 && memcmp(r.log + 4, text, strlen(text)) == 0,
       "...complete and in order");
    free(r.log);
}

static void test_callback_stop(void)
{
    struct rec r;
    memset(&r, 0, sizeof(r));
    buf_init(&r.log, 4096);
    r.stop_after = 2;
    struct sse_parser p;
    sse_init(&p, 4096, on_event, &r);
    const char *body = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    is_int(sse_feed(&p, body, strlen(body)), -1, "callback stop makes feed return -1");
    ok(p.stopped && !p.overflow, "stopped is set after a callback stop, overflow is not");
    is_int(r.events, 2, "no event after the stop");
    is_int(sse_finish(&p), -1, "finish after a stop fails");
    sse_free(&p);
    buf_free(&r.log);

    /* a stop from the raw path */
    memset(&r, 0, sizeof(r));
    buf_init(&r.log, 4096);
    r.stop_after = 1;
    sse_init(&p, 4096, on_event, &r);
    is_int(sse_feed(&p, "plain text\n", 11), -1, "callback stop in raw mode");
    is_int(sse_feed(&p, "more", 4), -1, "...and later feeds fail");
    is_int(r.events, 1, "...after one event");
    sse_free(&p);
    buf_free(&r.log);
}

/* Incomplete UTF-8 at the very end of a raw body is reported by sse_finish. */
static void test_raw_tail(void)
{
    struct run r = parse_whole("abc\xE6\x97", 4096);
    is_str(r.log, "raw=abc\xE6\x97|", "held-back bytes come out at finish");
    free(r.log);
}

/* Data lines longer than the parser keeps as lines (64 KiB) stream into the
 * event as they arrive: split in pieces of many sizes, the events are those
 * of the body parsed whole (which never takes that path), at the end of an
 * event, of the body, with CRLF, after another data line, and past the limit. */
static void test_long_data_lines(void)
{
    static const char *const shapes[][2] = {     /* what comes before and after the value */
        { "event: result\ndata: ", "\ndata: second\n\nevent: done\ndata: {}\n\n" },
        { "data:", "\r\n\r\n" },
        { "event: content\ndata: first\ndata: ", "\n\n" },
        { "event: result\ndata: ", "" },
    };
    static const size_t pieces[] = { 1000, 4096, 65535, 65536, 70001 };
    size_t big = 200000;
    char *value = malloc(big + 1), *body = malloc(big + 200);
    for (size_t i = 0; i < big; i++)
        value[i] = (char)('a' + i % 26);
    value[big] = '\0';
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t len = (size_t)snprintf(body, big + 200, "%s%s%s", shapes[s][0], value, shapes[s][1]), bad = 0;
        struct run whole = parse_cuts(body, len, NULL, 0, 1 << 20);
        for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
            size_t cuts[400], ncuts = 0;
            for (size_t at = pieces[k]; at < len && ncuts < 400; at += pieces[k])
                cuts[ncuts++] = at;
            struct run split = parse_cuts(body, len, cuts, ncuts, 1 << 20);
            bad += strcmp(split.log, whole.log) != 0 || split.feed_rc || split.finish_rc;
            free(split.log);
        }
        ok(whole.feed_rc == 0 && whole.finish_rc == 0 && strstr(whole.log, value) != NULL,
           "long data line, shape %zu: the whole body gives the value", s);
        is_int(bad, 0, "long data line, shape %zu: in pieces of 1000 to 70001 bytes, the same events", s);
        free(whole.log);
    }
    size_t len = (size_t)snprintf(body, big + 200, "%s%s%s", shapes[0][0], value, shapes[0][1]);
    size_t cuts[] = { 70000, 140000 };
    struct run over = parse_cuts(body, len, cuts, 2, 150000);
    ok(over.feed_rc < 0, "long data line past max_event: the feed fails");
    free(over.log);
    free(value);
    free(body);
}

/* With a member left out of event data: gone from a result event however
 * the body is split, other events untouched, and the filter starts afresh
 * at every event. */
static void test_skip_member(void)
{
    const char *body = "event: content\ndata: {\"content\":\"promptObject\"}\n\n"
                       "event: result\ndata: {\"aiRecord\":{\"aiRecordDetail\":{\"promptObject\":{\"prompt\":"
                       "\"a \\\"long\\\" {prompt}\"},\"resultObject\":[\"ok\"]},\"metadata\":{\"inputToken\":5}}}\n\n"
                       "event: result\ndata: {\"promptObject\":\nd";
    const char *want = "content={\"content\":\"promptObject\"}|"
                       "result={\"aiRecord\":{\"aiRecordDetail\":{\"promptObject\":null,\"resultObject\":[\"ok\"]},"
                       "\"metadata\":{\"inputToken\":5}}}|result={\"promptObject\":null|";
    size_t len = strlen(body), bad = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        struct rec r;
        struct sse_parser p;
        memset(&r, 0, sizeof r);
        buf_init(&r.log, 1 << 16);
        sse_init(&p, 1 << 16, on_event, &r);
        sse_skip_member(&p, "promptObject");
        sse_feed(&p, body, cut);
        sse_feed(&p, body + cut, len - cut);
        sse_finish(&p);
        bad += strcmp(buf_str(&r.log), want) != 0;
        if (cut == len)
            is_str(buf_str(&r.log), want, "skip member: the events, body whole");
        sse_free(&p);
        buf_free(&r.log);
    }
    is_int(bad, 0, "skip member: the same events at every split point");
}

int main(void)
{
    test_skip_member();
    test_long_data_lines();
    test_bodies();
    test_nul_bytes();
    test_long_first_line();
    test_limits();
    test_callback_stop();
    test_raw_tail();
    return tap_done();
}
