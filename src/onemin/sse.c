/* sse: incremental parser for the upstream event stream; see sse.h.
 *
 * Three modes. UNKNOWN collects the first bytes in p->line until the first
 * non-blank line is complete (or 4 KiB have arrived), then decides: a line
 * that is an SSE field or comment means SSE, anything else means legacy raw
 * text. The collected prefix is then replayed in the chosen mode, so nothing
 * is lost and the result does not depend on how the body was split.
 *
 * SSE: bytes are cut into lines at \n, \r\n or a lone \r (p->skip_lf
 * remembers a \r at the end of a piece); each complete line is applied to the
 * pending event, and a blank line dispatches it.
 *
 * RAW: p->data holds at most one incomplete UTF-8 sequence between pieces;
 * invalid bytes pass through (the consumer makes text safe). */
#include "onemin/sse.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* The legacy-text decision is made by this many bytes at the latest. */
#define SSE_SNIFF_MAX 4096
#define SSE_LONG_LINE ((size_t)64 << 10)   /* a data line this long streams into the event */

static const char utf8_bom[3] = { '\xEF', '\xBB', '\xBF' };

void sse_init(struct sse_parser *p, size_t max_event, sse_event_cb cb, void *ud)
{
    memset(p, 0, sizeof(*p));
    p->mode = SSE_MODE_UNKNOWN;
    buf_init(&p->line, max_event);
    buf_init(&p->event, max_event);
    buf_init(&p->data, max_event);
    p->cb = cb;
    p->ud = ud;
}

void sse_free(struct sse_parser *p)
{
    buf_free(&p->line);
    buf_free(&p->event);
    buf_free(&p->data);
}

/* Mark the parser dead and return -1: the callback stopped it. */
static int sse_stop(struct sse_parser *p)
{
    p->stopped = 1;
    return -1;
}

/* The same for a buffer that would pass max_event (or memory running out). */
static int sse_overflow(struct sse_parser *p)
{
    p->overflow = 1;
    return -1;
}

/* ---- SSE mode ---------------------------------------------------------- */

/* Append to the event's data, through the member filter when there is one. */
static int sse_data(struct sse_parser *p, const char *s, size_t n)
{
    return p->skip_name ? recskip_feed(&p->skip, s, n) : buf_append(&p->data, s, n);
}

void sse_skip_member(struct sse_parser *p, const char *name)
{
    p->skip_name = name;
    recskip_init(&p->skip, &p->data, name);
}

/* Is line (len bytes, possibly a partial line) an SSE comment or a field we
 * know? Unknown field names do not count: they are far more likely text. */
static int sse_is_field(const char *line, size_t len)
{
    static const char *const names[] = { "event", "data", "id", "retry" };
    if (len > 0 && line[0] == ':')
        return 1;
    const char *colon = memchr(line, ':', len);
    size_t name_len = colon ? (size_t)(colon - line) : len;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == name_len && memcmp(line, names[i], name_len) == 0)
            return 1;
    return 0;
}

/* Report the pending event, if it has data or a name, and start a new one. */
static int sse_dispatch(struct sse_parser *p)
{
    int rc = 0;
    /* Dropped: a name holding a NUL byte (it cannot be passed as a string),
     * and "raw", which always means legacy text to the caller. Neither is an
     * event 1min.ai sends. */
    int named_ok = memchr(buf_str(&p->event), '\0', p->event.len) == NULL &&
                   strcmp(buf_str(&p->event), "raw") != 0;
    if ((p->have_data || p->event.len > 0) && named_ok) {
        const char *name = p->event.len > 0 ? buf_str(&p->event) : "message";
        char empty[1] = "";
        if (p->cb(p->ud, name, p->data.data ? p->data.data : empty, p->data.len) != 0)
            rc = sse_stop(p);
    }
    buf_clear(&p->event);
    buf_clear(&p->data);
    p->have_data = 0;
    if (p->skip_name)
        recskip_init(&p->skip, &p->data, p->skip_name);    /* each event's data is a document */
    return rc;
}

/* Apply one complete line (without its line end) to the pending event. */
static int sse_line(struct sse_parser *p, const char *line, size_t len)
{
    if (len == 0)
        return sse_dispatch(p);
    if (line[0] == ':')
        return 0;
    const char *colon = memchr(line, ':', len);
    size_t name_len = colon ? (size_t)(colon - line) : len;
    const char *value = colon ? colon + 1 : line + len;
    size_t value_len = (size_t)(line + len - value);
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }
    if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        buf_clear(&p->event);
        if (buf_append(&p->event, value, value_len) < 0)
            return sse_overflow(p);
    } else if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        if ((p->have_data && sse_data(p, "\n", 1) < 0) || sse_data(p, value, value_len) < 0)
            return sse_overflow(p);
        p->have_data = 1;
    }
    /* id, retry and unknown fields do not matter to the relay */
    return 0;
}

/* The partial line in p->line is a long data line: its value goes into
 * p->data now, and the rest of the line as it arrives (p->long_data), so a
 * large event (1min.ai's result event echoes the whole prompt) is held once,
 * not once as a line and again as data. */
static int sse_long_data(struct sse_parser *p)
{
    const char *v = p->line.data + 5;
    size_t vn = p->line.len - 5;
    if (v[0] == ' ') {
        v++;
        vn--;
    }
    if ((p->have_data && sse_data(p, "\n", 1) < 0) || sse_data(p, v, vn) < 0)
        return sse_overflow(p);
    p->have_data = 1;
    p->long_data = 1;
    buf_clear(&p->line);
    return 0;
}

/* Cut bytes into lines; a line split across pieces waits in p->line (the
 * value of a long data line in p->data). */
static int sse_feed_lines(struct sse_parser *p, const char *s, size_t n)
{
    while (n > 0) {
        if (p->skip_lf) {
            p->skip_lf = 0;
            if (s[0] == '\n') {
                s++;
                n--;
                continue;
            }
        }
        size_t i = 0;
        while (i < n && s[i] != '\n' && s[i] != '\r')
            i++;
        if (i == n) {
            if (p->long_data)
                return sse_data(p, s, n) < 0 ? sse_overflow(p) : 0;
            if (buf_append(&p->line, s, n) < 0)
                return sse_overflow(p);
            if (p->line.len >= SSE_LONG_LINE && memcmp(p->line.data, "data:", 5) == 0)
                return sse_long_data(p);
            return 0;
        }
        int rc;
        if (p->long_data) {
            rc = sse_data(p, s, i) < 0 ? sse_overflow(p) : 0;
            p->long_data = 0;
        } else if (p->line.len == 0) {
            rc = sse_line(p, s, i);
        } else {
            if (buf_append(&p->line, s, i) < 0)
                return sse_overflow(p);
            rc = sse_line(p, p->line.data, p->line.len);
            buf_clear(&p->line);
        }
        if (rc < 0)
            return -1;
        p->skip_lf = s[i] == '\r';
        s += i + 1;
        n -= i + 1;
    }
    return 0;
}

/* ---- RAW mode ---------------------------------------------------------- */

/* Report the first len bytes of p->data as a "raw" event and drop them. */
static int sse_emit_raw(struct sse_parser *p, size_t len)
{
    if (len == 0)
        return 0;
    char saved = p->data.data[len];
    p->data.data[len] = '\0';
    int stop = p->cb(p->ud, "raw", p->data.data, len);
    p->data.data[len] = saved;
    buf_consume(&p->data, len);
    return stop ? sse_stop(p) : 0;
}

static int sse_feed_raw(struct sse_parser *p, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = p->data.max - p->data.len;
        size_t take = n < room ? n : room;
        if (buf_append(&p->data, s, take) < 0)
            return sse_overflow(p);
        s += take;
        n -= take;
        size_t len = text_utf8_complete_prefix(p->data.data, p->data.len);
        if (len == 0 && take == 0)
            return sse_overflow(p);     /* max_event below one character */
        if (sse_emit_raw(p, len) < 0)
            return -1;
    }
    return 0;
}

/* ---- mode decision ----------------------------------------------------- */

/* Hand the collected prefix (without a BOM) to the chosen mode. */
static int sse_decide(struct sse_parser *p, enum sse_mode mode)
{
    size_t n = p->line.len;
    char *prefix = buf_steal(&p->line);
    if (!prefix)
        return sse_overflow(p);
    const char *s = prefix;
    if (n >= 3 && memcmp(s, utf8_bom, 3) == 0) {
        s += 3;
        n -= 3;
    }
    p->mode = mode;
    int rc = mode == SSE_MODE_SSE ? sse_feed_lines(p, s, n) : sse_feed_raw(p, s, n);
    free(prefix);
    return rc;
}

/* Where the first non-blank line of the prefix starts (after a BOM). */
static size_t sse_first_line(const struct sse_parser *p)
{
    const char *s = p->line.data;
    size_t i = p->line.len >= 3 && memcmp(s, utf8_bom, 3) == 0 ? 3 : 0;
    while (i < p->line.len && (s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Collect bytes until the format is known; returns the bytes consumed, or
 * -1. *decided is set once the mode is chosen. */
static long sse_sniff(struct sse_parser *p, const char *s, size_t n, int *decided)
{
    size_t limit = p->line.max < SSE_SNIFF_MAX ? p->line.max : SSE_SNIFF_MAX;
    for (size_t i = 0; i < n; i++) {
        if (buf_append(&p->line, s + i, 1) < 0)
            return sse_overflow(p);
        int end = s[i] == '\n' || s[i] == '\r';
        size_t start = end || p->line.len >= limit ? sse_first_line(p) : 0;
        const char *line = p->line.data + start;
        size_t len = p->line.len - start;
        if (end && len > 1) {
            *decided = 1;
            return sse_decide(p, sse_is_field(line, len - 1) ? SSE_MODE_SSE : SSE_MODE_RAW) < 0
                 ? -1 : (long)(i + 1);
        }
        if (p->line.len >= limit) {
            *decided = 1;
            return sse_decide(p, sse_is_field(line, len) ? SSE_MODE_SSE : SSE_MODE_RAW) < 0
                 ? -1 : (long)(i + 1);
        }
    }
    return (long)n;
}

int sse_feed(struct sse_parser *p, const char *bytes, size_t n)
{
    if (p->stopped || p->overflow)
        return -1;
    if (p->mode == SSE_MODE_UNKNOWN) {
        int decided = 0;
        long used = sse_sniff(p, bytes, n, &decided);
        if (used < 0)
            return -1;
        if (!decided)
            return 0;
        bytes += used;
        n -= (size_t)used;
    }
    return p->mode == SSE_MODE_SSE ? sse_feed_lines(p, bytes, n) : sse_feed_raw(p, bytes, n);
}

int sse_finish(struct sse_parser *p)
{
    if (p->stopped || p->overflow)
        return -1;
    if (p->mode == SSE_MODE_UNKNOWN) {
        size_t start = sse_first_line(p);
        if (start == p->line.len) {         /* empty or only blank lines */
            buf_clear(&p->line);
            return 0;
        }
        int sse = sse_is_field(p->line.data + start, p->line.len - start);
        if (sse_decide(p, sse ? SSE_MODE_SSE : SSE_MODE_RAW) < 0)
            return -1;
    }
    if (p->mode == SSE_MODE_RAW)
        return sse_emit_raw(p, p->data.len);
    p->long_data = 0;                   /* its value is in p->data already */
    if (p->line.len > 0) {
        int rc = sse_line(p, p->line.data, p->line.len);
        buf_clear(&p->line);
        if (rc < 0)
            return -1;
    }
    return sse_dispatch(p);
}
