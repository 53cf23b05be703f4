/* stopmatch: see stopmatch.h. Each feed searches the held tail plus the new
 * bytes once per sequence (memmem), so the cost is linear in the text. */
#include "engine/stopmatch.h"

#include <stdint.h>
#include <string.h>

void stopmatch_init(struct stopmatch *sm, const char *const *stop, size_t nstop)
{
    memset(sm, 0, sizeof(*sm));
    for (size_t i = 0; i < nstop && i < ENG_STOP_MAX; i++)
        if (stop[i] && *stop[i]) {
            sm->stop[sm->nstop] = stop[i];
            sm->len[sm->nstop++] = strlen(stop[i]);
        }
    buf_init(&sm->held, (size_t)-1);
}

void stopmatch_free(struct stopmatch *sm)
{
    buf_free(&sm->held);
}

const char *stopmatch_matched(const struct stopmatch *sm)
{
    return sm->matched ? sm->stop[sm->matched - 1] : NULL;
}

/* Longest k < len(some sequence) such that s ends with that sequence's first
 * k bytes. */
static size_t stopmatch_tail(const struct stopmatch *sm, const char *s, size_t n)
{
    size_t best = 0;
    for (size_t i = 0; i < sm->nstop; i++) {
        size_t k = sm->len[i] - 1 < n ? sm->len[i] - 1 : n;
        for (; k > best; k--)
            if (memcmp(s + n - k, sm->stop[i], k) == 0) {
                best = k;
                break;
            }
    }
    return best;
}

int stopmatch_feed(struct stopmatch *sm, const char *p, size_t n,
                   int (*emit)(void *ud, const char *p, size_t n), void *ud)
{
    if (sm->matched)
        return 1;
    if (sm->nstop == 0)
        return n ? emit(ud, p, n) : 0;
    const char *s = p;
    size_t len = n;
    if (sm->held.len > 0) {
        if (buf_append(&sm->held, p, n) < 0)
            return -1;
        s = sm->held.data;
        len = sm->held.len;
    }
    /* the first sequence to be complete wins: the earliest end; at the same
     * end, the longer one */
    size_t first = len, best_end = SIZE_MAX;
    for (size_t i = 0; i < sm->nstop; i++) {
        const char *at = memmem(s, len, sm->stop[i], sm->len[i]);
        if (!at)
            continue;
        size_t start = (size_t)(at - s), end = start + sm->len[i];
        if (end < best_end || (end == best_end && start < first)) {
            best_end = end;
            first = start;
            sm->matched = (int)i + 1;
        }
    }
    int rc = 0;
    if (sm->matched) {
        rc = first ? emit(ud, s, first) : 0;
        buf_clear(&sm->held);
        return rc ? rc : 1;
    }
    size_t keep = stopmatch_tail(sm, s, len);
    if (len - keep > 0)
        rc = emit(ud, s, len - keep);
    if (s == sm->held.data) {
        buf_consume(&sm->held, len - keep);
    } else if (keep > 0 && buf_append(&sm->held, s + len - keep, keep) < 0) {
        return -1;
    }
    return rc;
}

int stopmatch_finish(struct stopmatch *sm, int (*emit)(void *ud, const char *p, size_t n), void *ud)
{
    int rc = 0;
    if (!sm->matched && sm->held.len > 0)
        rc = emit(ud, sm->held.data, sm->held.len);
    buf_clear(&sm->held);
    return rc;
}
