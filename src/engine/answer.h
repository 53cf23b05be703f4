/* answer: the emulation applied to one choice's answer on its way back.
 *
 * The upstream text of one choice is fed as it arrives; out gets what the
 * client sees, in the order of engine.h's sink (text, then tool calls):
 *   1. stop sequences (stopmatch): the answer ends before the first one;
 *   2. max_tokens (tokcut): the answer ends at the limit;
 *   3. tool-call blocks (toolparse), when tools are offered and tool_choice
 *      is not none: text before the first call, then the calls;
 *   4. structured output (jsonx): for a JSON (non-stream) answer with a
 *      json_object / json_schema format and no call, the JSON freed from a
 *      code fence or prose; a stream passes the text through.
 * Every text given to out ends on a UTF-8 character boundary. The rules are
 * those of docs/tools.md §1 and §4.
 *
 * Ownership: req is borrowed for the answer's life. Thread rule: an answer
 * belongs to one thread. */
#ifndef RELAY_ENGINE_ANSWER_H
#define RELAY_ENGINE_ANSWER_H

#include <stddef.h>

#include "engine/engine.h"

struct answer_out {
    void *ud;
    /* Each returns 0, or non-zero when the client is gone. */
    int (*text)(void *ud, const char *p, size_t n);
    int (*tool_call)(void *ud, const struct eng_tool_call *call);
};

enum {
    ANSWER_MORE = 0,            /* go on feeding */
    ANSWER_DONE = 1,            /* complete (cut, or the last allowed call): abort the upstream, finish */
    ANSWER_FAIL = -1,           /* out of memory, or the answer passed max_text */
    ANSWER_GONE = -2,           /* out returned non-zero */
};

struct answer;

/* NULL when out of memory. max_text bounds the answer text kept. */
struct answer *answer_new(const struct eng_request *req, size_t max_text, const struct answer_out *out);

/* Feed n bytes of upstream answer text. Returns an ANSWER_ value. */
int answer_feed(struct answer *a, const char *p, size_t n);

/* The upstream ended (or was aborted after ANSWER_DONE): report what was held
 * back and set res->finish and res->stop_sequence (upstream: what 1min.ai
 * reported; used when the emulation did not decide). res->usage is left to
 * the caller. Returns ANSWER_MORE (0), ANSWER_FAIL or ANSWER_GONE. */
int answer_finish(struct answer *a, enum eng_finish upstream, struct eng_result *res);

/* The answer text as the model wrote it, up to where it was cut (tool-call
 * blocks included): what the completion tokens are counted on. */
const char *answer_text(const struct answer *a, size_t *len);

void answer_free(struct answer *a);

#endif
