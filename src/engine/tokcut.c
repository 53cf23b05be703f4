/* tokcut: see tokcut.h. */
#include "engine/tokcut.h"

#include <string.h>

#include "core/text.h"
#include "tokenizer/tok_split.h"

/* Pieces kept open at the end of the text: later text may still change how
 * the last pieces split (a contraction completed, a whitespace run followed
 * by a word), never the ones before. */
#define TOKCUT_OPEN_PIECES 3

void tokcut_init(struct tokcut *tc, enum tok_encoding enc, long long limit)
{
    memset(tc, 0, sizeof(*tc));
    tc->enc = enc;
    tc->limit = limit;
    buf_init(&tc->tail, (size_t)-1);
}

void tokcut_free(struct tokcut *tc)
{
    buf_free(&tc->tail);
}

/* Tokens of the whole text up to tail[0..len). -1 when out of memory. */
static long long tokcut_count(const struct tokcut *tc, size_t len)
{
    size_t n = tok_count(tc->enc, tc->tail.data, len);
    return n == (size_t)-1 ? -1 : tc->base_count + (long long)n;
}

/* Move the settled boundary up to the start of the third-last piece of
 * tail[0..valid). */
static int tokcut_settle(struct tokcut *tc, size_t valid)
{
    enum tok_pattern pat = tc->enc == TOK_CL100K_BASE ? TOK_PAT_CL100K : TOK_PAT_O200K;
    const unsigned char *s = (const unsigned char *)tc->tail.data;
    size_t starts[TOKCUT_OPEN_PIECES] = { 0 }, npieces = 0;
    for (size_t i = 0; i < valid; i = tok_split_next(pat, s, valid, i))
        starts[npieces++ % TOKCUT_OPEN_PIECES] = i;
    if (npieces <= TOKCUT_OPEN_PIECES)
        return 0;
    size_t base = starts[npieces % TOKCUT_OPEN_PIECES];     /* the oldest of the last three */
    size_t n = tok_count(tc->enc, tc->tail.data, base);
    if (n == (size_t)-1)
        return -1;
    tc->base_count += (long long)n;
    buf_consume(&tc->tail, base);
    tc->emitted -= base;
    return 0;
}

static int tokcut_is_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

int tokcut_feed(struct tokcut *tc, const char *p, size_t n,
                int (*emit)(void *ud, const char *p, size_t n), void *ud)
{
    if (tc->cut)
        return 1;
    if (buf_append(&tc->tail, p, n) < 0)
        return -1;
    size_t len = tc->tail.len, from = len > 4 ? len - 4 : 0;
    size_t whole = from + text_utf8_complete_prefix(tc->tail.data + from, len - from);
    long long count = tokcut_count(tc, whole);
    if (count < 0)
        return -1;
    if (count <= tc->limit) {
        int rc = whole > tc->emitted ? emit(ud, tc->tail.data + tc->emitted, whole - tc->emitted) : 0;
        tc->emitted = whole;
        if (rc)
            return rc;
        return tokcut_settle(tc, text_utf8_valid_prefix(tc->tail.data, whole));
    }
    /* over the limit: the longest prefix that fits, between what was passed
     * on (it fit) and all of it (it does not) */
    size_t lo = tc->emitted, hi = whole;
    for (;;) {
        size_t mid = lo + (hi - lo) / 2;
        while (mid > lo && tokcut_is_cont(tc->tail.data[mid]))
            mid--;
        if (mid == lo) {
            mid = lo + 1;
            while (mid < hi && tokcut_is_cont(tc->tail.data[mid]))
                mid++;
            if (mid >= hi)
                break;
        }
        long long c = tokcut_count(tc, mid);
        if (c < 0)
            return -1;
        if (c <= tc->limit)
            lo = mid;
        else
            hi = mid;
    }
    tc->cut = 1;
    int rc = lo > tc->emitted ? emit(ud, tc->tail.data + tc->emitted, lo - tc->emitted) : 0;
    tc->emitted = lo;
    return rc ? rc : 1;
}

int tokcut_finish(struct tokcut *tc, int (*emit)(void *ud, const char *p, size_t n), void *ud)
{
    int rc = 0;
    if (!tc->cut && tc->tail.len > tc->emitted)
        rc = emit(ud, tc->tail.data + tc->emitted, tc->tail.len - tc->emitted);
    tc->emitted = tc->tail.len;
    return rc;
}
