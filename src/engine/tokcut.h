/* tokcut: cutting an answer stream at max_tokens completion tokens.
 *
 * 1min.ai has no token limit, so the relay counts the answer with its exact
 * tokenizer as it arrives (docs/tools.md §4) and passes text on while the
 * text so far counts at most limit tokens. When the next text would pass the
 * limit, the answer is cut: it keeps the longest prefix (on a character
 * boundary) that still counts at most limit tokens, i.e. as close to the
 * limit as token boundaries allow.
 *
 * Counting is incremental: a BPE piece boundary of the pre-tokenizer three
 * pieces back from the end is taken as settled (later text can change only
 * the last pieces), the tokens before it are summed once, and each feed
 * recounts only the text after it. The cost per byte is therefore constant.
 *
 * Thread rule: a cutter belongs to one thread. */
#ifndef RELAY_ENGINE_TOKCUT_H
#define RELAY_ENGINE_TOKCUT_H

#include <stddef.h>

#include "core/buf.h"
#include "tokenizer/tok.h"

struct tokcut {
    enum tok_encoding enc;
    long long limit;            /* > 0 */
    struct buf tail;            /* the text from the settled boundary on */
    size_t emitted;             /* bytes of tail passed on */
    long long base_count;       /* tokens of the text before tail */
    int cut;
};

void tokcut_init(struct tokcut *tc, enum tok_encoding enc, long long limit);

/* Feed n bytes; emit gets what may be passed on (it returns 0, or non-zero to
 * stop). Returns 1 when the limit was reached and the answer is cut here
 * (feed nothing more), 0 to go on, emit's non-zero value, or -1 when out of
 * memory. */
int tokcut_feed(struct tokcut *tc, const char *p, size_t n,
                int (*emit)(void *ud, const char *p, size_t n), void *ud);

/* The answer ended: pass on what was held back (an incomplete character).
 * Returns 0 or emit's value. */
int tokcut_finish(struct tokcut *tc, int (*emit)(void *ud, const char *p, size_t n), void *ud);

void tokcut_free(struct tokcut *tc);

#endif
