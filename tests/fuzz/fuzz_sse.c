/* libFuzzer target: the upstream SSE parser.
 * Input: byte 0 picks the piece sizes, the rest is the body. The body parsed
 * whole and parsed in pieces must give the same events, with and without a
 * member left out of event data (onemin/recskip) (raw-text events
 * compared as one text, since their boundaries follow the reads), and every
 * event must be NUL-terminated at its length. A run with a small max_event
 * must not crash.
 * Run: fuzz_sse -max_total_time=60 NEW_CORPUS_DIR tests/fuzz/corpus/sse */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "onemin/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct log {
    struct buf text;
    int raw_open;
    int overflow;
};

static int on_event(void *ud, const char *event, char *data, size_t len)
{
    struct log *l = ud;
    if (data[len] != '\0' || event[0] == '\0')
        abort();
    int raw = strcmp(event, "raw") == 0;
    if (raw && len == 0)
        abort();
    if (!(raw && l->raw_open)) {
        if (buf_puts(&l->text, "\x1e") < 0 || buf_puts(&l->text, event) < 0 || buf_puts(&l->text, "\x1f") < 0)
            l->overflow = 1;
    }
    if (buf_append(&l->text, data, len) < 0)
        l->overflow = 1;
    l->raw_open = raw;
    return 0;
}

/* Parse body in pieces of the given sizes (cycled; 0 means whole), leaving
 * out members named skip (NULL: none). */
static int run(const char *body, size_t n, const uint8_t *sizes, size_t nsizes, size_t max_event,
               const char *skip, struct log *l)
{
    struct sse_parser p;
    int rc = 0;
    memset(l, 0, sizeof(*l));
    buf_init(&l->text, 1 << 22);
    sse_init(&p, max_event, on_event, l);
    if (skip)
        sse_skip_member(&p, skip);
    size_t at = 0, k = 0;
    while (at < n) {
        size_t piece = nsizes ? (size_t)(sizes[k++ % nsizes] % 17) + 1 : n;
        if (piece > n - at)
            piece = n - at;
        rc |= sse_feed(&p, body + at, piece);
        at += piece;
    }
    rc |= sse_finish(&p);
    sse_free(&p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *sizes = data;
    size_t nsizes = (size_t)(data[0] % 8) + 1;
    if (nsizes > size)
        nsizes = size;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;

    struct log whole, pieces, small;
    for (int skip = 0; skip < 2; skip++) {
        const char *name = skip ? "promptObject" : NULL;
        int rc_whole = run(body, n, NULL, 0, 1 << 20, name, &whole);
        int rc_pieces = run(body, n, sizes, nsizes, 1 << 20, name, &pieces);
        if (!whole.overflow && !pieces.overflow &&
            (rc_whole != rc_pieces || whole.text.len != pieces.text.len ||
             memcmp(buf_str(&whole.text), buf_str(&pieces.text), whole.text.len) != 0))
            abort();
        buf_free(&whole.text);
        buf_free(&pieces.text);
    }
    (void)run(body, n, sizes, nsizes, (size_t)(data[0] % 64) + 1, NULL, &small);
    buf_free(&small.text);
    return 0;
}
