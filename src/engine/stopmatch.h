/* stopmatch: cutting an answer stream at the first stop sequence.
 *
 * 1min.ai cannot stop early, so the relay does (docs/tools.md §4): the text
 * is fed as it arrives, split anywhere, and passed on up to the first
 * occurrence of any of up to ENG_STOP_MAX stop sequences; the sequence and
 * everything after it are not passed on. Held back between feeds is only the
 * longest tail of the text that is a proper prefix of a stop sequence. When
 * two sequences match, the first to be complete wins, as it would when the
 * model generated the text (the earliest end; at the same end, the longer
 * one), so the result does not depend on how the text was split. Empty
 * sequences are ignored.
 *
 * Ownership: the sequences are borrowed for the matcher's life. Thread rule:
 * a matcher belongs to one thread. */
#ifndef RELAY_ENGINE_STOPMATCH_H
#define RELAY_ENGINE_STOPMATCH_H

#include <stddef.h>

#include "core/buf.h"
#include "engine/engine.h"

struct stopmatch {
    const char *stop[ENG_STOP_MAX];
    size_t len[ENG_STOP_MAX];
    size_t nstop;
    struct buf held;            /* a tail that may begin a stop sequence */
    int matched;                /* index + 1 of the sequence found, 0 = none yet */
};

/* Start a matcher for stop[0..nstop) (nstop <= ENG_STOP_MAX). */
void stopmatch_init(struct stopmatch *sm, const char *const *stop, size_t nstop);

/* Feed n bytes; what is safe to pass on is given to emit (which returns 0, or
 * non-zero to stop). Returns 1 when a stop sequence was found (feed nothing
 * more: the answer ends here), 0 to go on, emit's non-zero value, or -1 when
 * out of memory. */
int stopmatch_feed(struct stopmatch *sm, const char *p, size_t n,
                   int (*emit)(void *ud, const char *p, size_t n), void *ud);

/* The answer ended without a match: pass on what was held back. Returns 0,
 * emit's value. */
int stopmatch_finish(struct stopmatch *sm, int (*emit)(void *ud, const char *p, size_t n), void *ud);

/* The sequence found, or NULL. */
const char *stopmatch_matched(const struct stopmatch *sm);

void stopmatch_free(struct stopmatch *sm);

#endif
