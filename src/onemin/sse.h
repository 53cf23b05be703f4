/* sse: an incremental parser for the upstream's event stream (docs/upstream-api.md §2.3).
 *
 * Bytes go in as they arrive, split anywhere; complete events come out through
 * a callback. Rules: \n and \r\n line ends; "event:" sets the type until the
 * blank line that ends the event; several "data:" lines join with \n; lines
 * starting with ':' are comments; one leading space after the colon is
 * dropped. An event without "event:" is reported as "message". A blank line
 * reports an event when it had a data: line or an event: name. SSE events
 * named "raw" (or with a NUL byte in the name) are dropped, so "raw" always
 * means legacy text.
 *
 * Legacy raw-text bodies: when the first complete line (or the first 4 KiB
 * without a line end) is not an SSE field, the whole body is treated as text
 * and reported as events named "raw", one per fed piece, never splitting a
 * UTF-8 sequence (an incomplete tail is held back until the next piece).
 * At the end of the body, sse_finish reports an event still pending (no final
 * blank line) and any held-back text.
 *
 * Every buffer is bounded by max_event bytes; past it sse_feed fails.
 * Thread rule: a parser belongs to one request. */
#ifndef RELAY_ONEMIN_SSE_H
#define RELAY_ONEMIN_SSE_H

#include <stddef.h>

#include "core/buf.h"
#include "onemin/recskip.h"

/* Called for each complete event. event and data are NUL-terminated and
 * borrowed until the callback returns; data[0..len) is the callback's to
 * overwrite (a JSON payload can be parsed in place). Return non-zero to stop
 * parsing. */
typedef int (*sse_event_cb)(void *ud, const char *event, char *data, size_t len);

enum sse_mode { SSE_MODE_UNKNOWN, SSE_MODE_SSE, SSE_MODE_RAW };

struct sse_parser {
    enum sse_mode mode;
    struct buf line;      /* the current partial line (or undecided prefix) */
    struct buf event;     /* the current event name */
    struct buf data;      /* the current event's data */
    int have_data;        /* a data: line was seen in this event */
    int long_data;        /* the current line is a long data: line, going into data */
    int skip_lf;          /* last byte was \r: a following \n belongs to it */
    sse_event_cb cb;
    void *ud;
    const char *skip_name; /* a member left out of event data, or NULL */
    struct recskip skip;
    int stopped;          /* the callback asked to stop */
    int overflow;         /* an event or line passed max_event */
};

void sse_init(struct sse_parser *p, size_t max_event, sse_event_cb cb, void *ud);

/* From now on, collect each event's data without the value of the members
 * named name (onemin/recskip; name must outlive p): 1min.ai's result event
 * echoes the whole prompt. */
void sse_skip_member(struct sse_parser *p, const char *name);

/* Feed n bytes. Returns 0, or -1 when an event passes the limit (p->overflow)
 * or the callback stopped the parser (p->stopped); every later call then
 * fails too. */
int sse_feed(struct sse_parser *p, const char *bytes, size_t n);

/* End of body: report what is pending. Returns 0 or -1 as sse_feed. */
int sse_finish(struct sse_parser *p);

void sse_free(struct sse_parser *p);

#endif
