/* toolparse: reading tool calls back out of a model's answer, incrementally.
 *
 * The emulation contract (docs/tools.md §1): a model calls a tool by writing
 *   <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>
 * in its answer, one block per call, nothing after the last block. The parser
 * is fed the upstream text as it arrives, split anywhere (inside a tag, inside
 * a UTF-8 character), and reports:
 *   - text: the text before the first valid call, as soon as it is known not
 *     to be part of a tag. Held back are only a possible tag prefix ("<",
 *     "<tool_c"...), an incomplete UTF-8 character and trailing whitespace
 *     (the content's trailing whitespace is trimmed; whitespace-only text is
 *     never reported). Every text report ends on a character boundary.
 *   - call: each valid block when it closes, with a generated id "call_" +
 *     24 hex digits, unique within the parser, and its arguments serialised
 *     as a compact JSON object.
 * A block is judged on its own when it closes: its body (whitespace and a
 * Markdown code fence around the JSON tolerated) must be a JSON object whose
 * "name" is an offered tool and whose "arguments" is an object or a string
 * holding an object. An invalid block is reported as text when no call came
 * before it and dropped after one (the reason is logged at debug level).
 * Everything after the first valid call that is not a valid block is dropped.
 * A "</tool_call>" inside a JSON string does not close a block, unless the
 * block never closes otherwise. A block left open at the end is valid when
 * its JSON is complete. With max_calls reached, the rest is dropped unread.
 *
 * Ownership: tools (and the strings they point to) are borrowed for the
 * parser's life; the call passed to out->call is valid during the callback.
 * Thread rule: a parser belongs to one thread. */
#ifndef RELAY_ENGINE_TOOLPARSE_H
#define RELAY_ENGINE_TOOLPARSE_H

#include <stddef.h>

#include "engine/engine.h"

struct toolparse_out {
    void *ud;
    /* Each returns 0, or non-zero to stop (returned by feed/finish). */
    int (*text)(void *ud, const char *p, size_t n);
    int (*call)(void *ud, const struct eng_tool_call *call);
};

struct toolparse;

/* A parser for the offered tools. max_calls 0 = no limit (1 for
 * parallel_tool_calls false). max_block bounds one block's body in bytes.
 * NULL when out of memory. */
struct toolparse *toolparse_new(const struct eng_tool *tools, size_t ntools, unsigned max_calls,
                                size_t max_block, const struct toolparse_out *out);

/* Feed n bytes of answer text. Returns 0, a callback's non-zero value, or -1
 * (out of memory, or a block longer than max_block). */
int toolparse_feed(struct toolparse *tp, const char *p, size_t n);

/* The answer ended: judge an open block, report what was held back (except
 * trailing whitespace). Same returns as toolparse_feed. Call once. */
int toolparse_finish(struct toolparse *tp);

/* Valid calls reported so far. */
unsigned toolparse_calls(const struct toolparse *tp);

/* 1 when max_calls calls were reported: nothing more can come out, the rest
 * of the answer need not be read. */
int toolparse_done(const struct toolparse *tp);

void toolparse_free(struct toolparse *tp);

#endif
