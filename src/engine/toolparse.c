/* toolparse: tool-call blocks out of an answer stream; the rules are in
 * toolparse.h (docs/tools.md §1).
 *
 * Two modes. In text mode the input is scanned with memchr for '<'; only a
 * possible tag prefix or an incomplete UTF-8 character at the very end of a
 * chunk is carried over (under 16 bytes). In block mode each byte updates a
 * JSON string state (inside a string or not) and a match of the close tag;
 * the body is collected until a close tag outside a string. Cost: a few
 * operations per byte, no rescanning. */
#include "engine/toolparse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/text.h"
#include "engine/jsonx.h"

#define TP_OPEN "<tool_call>"
#define TP_OPEN_LEN (sizeof(TP_OPEN) - 1)
#define TP_CLOSE "</tool_call>"
#define TP_CLOSE_LEN (sizeof(TP_CLOSE) - 1)
#define TP_ID_HEX 24
#define TP_ID_LEN (5 + TP_ID_HEX)           /* "call_" + hex */
#define TP_CARRY_MAX 16                     /* > TP_OPEN_LEN and > 3 */

struct toolparse {
    const struct eng_tool *tools;
    size_t ntools;
    unsigned max_calls, calls;
    struct toolparse_out out;
    int in_block;
    struct buf carry;           /* text mode: a possible tag prefix or an incomplete character */
    struct buf ws;              /* text mode, no call yet: trailing whitespace held back */
    struct buf body;            /* block mode: the body so far, close tag included once matched */
    int in_string, escaped;     /* block mode: JSON string state of the body */
    size_t close_matched;       /* block mode: bytes of the close tag matched */
    size_t candidate;           /* block mode: offset of a close tag inside a string, or SIZE_MAX */
    struct buf ids;             /* ids reported, TP_ID_LEN bytes each */
};

struct toolparse *toolparse_new(const struct eng_tool *tools, size_t ntools, unsigned max_calls,
                                size_t max_block, const struct toolparse_out *out)
{
    struct toolparse *tp = calloc(1, sizeof(*tp));
    if (!tp)
        return NULL;
    tp->tools = tools;
    tp->ntools = ntools;
    tp->max_calls = max_calls;
    tp->out = *out;
    buf_init(&tp->carry, TP_CARRY_MAX);
    buf_init(&tp->ws, max_block);
    buf_init(&tp->body, max_block + TP_CLOSE_LEN);
    buf_init(&tp->ids, (size_t)-1);
    return tp;
}

void toolparse_free(struct toolparse *tp)
{
    if (!tp)
        return;
    buf_free(&tp->carry);
    buf_free(&tp->ws);
    buf_free(&tp->body);
    buf_free(&tp->ids);
    free(tp);
}

unsigned toolparse_calls(const struct toolparse *tp)
{
    return tp->calls;
}

int toolparse_done(const struct toolparse *tp)
{
    return tp->max_calls && tp->calls >= tp->max_calls;
}

/* Length of s[0..n) without an incomplete UTF-8 character at its end (only
 * the last 4 bytes need a look). */
static size_t tp_complete(const char *s, size_t n)
{
    size_t from = n > 4 ? n - 4 : 0;
    return from + text_utf8_complete_prefix(s + from, n - from);
}

/* Text before the first call: reported, except trailing whitespace, which
 * waits in tp->ws until non-blank text follows it. After a call: dropped. */
static int tp_text(struct toolparse *tp, const char *p, size_t n)
{
    if (tp->calls || n == 0)
        return 0;
    size_t k = n;
    while (k > 0 && jsonx_is_ws(p[k - 1]))
        k--;
    if (k > 0) {
        int rc;
        if (tp->ws.len > 0) {
            rc = tp->out.text(tp->out.ud, tp->ws.data, tp->ws.len);
            buf_clear(&tp->ws);
            if (rc)
                return rc;
        }
        if ((rc = tp->out.text(tp->out.ud, p, k)) != 0)
            return rc;
    }
    return buf_append(&tp->ws, p + k, n - k);
}

/* The JSON inside a block body: whitespace and a Markdown code fence
 * (```json ... ```) around it removed. */
static void tp_unwrap(const char **s, size_t *n)
{
    jsonx_trim(s, n);
    if (*n >= 3 && memcmp(*s, "```", 3) == 0) {
        const char *p = *s + 3, *e = *s + *n;
        while (p < e && *p != '\n' && *p != '{')    /* the language tag */
            p++;
        if (e - p >= 3 && memcmp(e - 3, "```", 3) == 0)
            e -= 3;
        *s = p;
        *n = (size_t)(e - p);
        jsonx_trim(s, n);
    }
}

/* Judge one body. Returns 0 with *tool and the serialised arguments in args
 * (appended), or -1 with *why set. */
static int tp_judge(const struct toolparse *tp, const char *s, size_t n, size_t *tool, struct buf *args,
                    const char **why)
{
    tp_unwrap(&s, &n);
    struct json_object *obj = jsonx_object(s, n), *inner = NULL, *name, *a;
    int rc = -1;
    if (!obj) {
        *why = "its body is not a JSON object";
        return -1;
    }
    if (!json_object_object_get_ex(obj, "name", &name) || !json_object_is_type(name, json_type_string)) {
        *why = "it has no string \"name\"";
        goto out;
    }
    const char *nm = json_object_get_string(name);
    *tool = tp->ntools;
    if (strlen(nm) == (size_t)json_object_get_string_len(name))
        for (size_t i = 0; i < tp->ntools; i++)
            if (tp->tools[i].name && strcmp(tp->tools[i].name, nm) == 0) {
                *tool = i;
                break;
            }
    if (*tool == tp->ntools) {
        *why = "it names a tool that was not offered";
        goto out;
    }
    if (!json_object_object_get_ex(obj, "arguments", &a) || !a) {
        *why = "it has no \"arguments\"";
        goto out;
    }
    if (json_object_is_type(a, json_type_string)) {
        if (!(a = inner = jsonx_object(json_object_get_string(a), (size_t)json_object_get_string_len(a)))) {
            *why = "its \"arguments\" string does not hold a JSON object";
            goto out;
        }
    } else if (!json_object_is_type(a, json_type_object)) {
        *why = "its \"arguments\" is not an object";
        goto out;
    }
    size_t alen;
    const char *text = json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                         &alen);
    *why = "out of memory";
    if (text && buf_append(args, text, alen) == 0)
        rc = 0;
out:
    json_object_put(inner);
    json_object_put(obj);
    return rc;
}

/* A fresh id, different from every id this parser reported. */
static int tp_new_id(struct toolparse *tp, char id[TP_ID_LEN + 1])
{
    memcpy(id, "call_", 5);
    for (;;) {
        rand_hex(id + 5, TP_ID_HEX);
        int seen = 0;
        for (size_t off = 0; off < tp->ids.len; off += TP_ID_LEN)
            if (memcmp(tp->ids.data + off, id, TP_ID_LEN) == 0)
                seen = 1;
        if (!seen)
            return buf_append(&tp->ids, id, TP_ID_LEN);
    }
}

/* Judge body[0..len) and report it: a call, or (no call before) the raw
 * text "<tool_call>" + body[0..raw_len), or nothing. */
static int tp_report(struct toolparse *tp, size_t len, size_t raw_len)
{
    size_t tool = 0;
    const char *why = NULL;
    struct buf args;
    buf_init(&args, (size_t)-1);
    if (tp_judge(tp, tp->body.data ? tp->body.data : "", len, &tool, &args, &why) < 0) {
        buf_free(&args);
        LOG_DEBUG("tool_call block %s: %s", tp->calls ? "dropped" : "passed on as text", why);
        int rc = tp_text(tp, TP_OPEN, TP_OPEN_LEN);
        return rc ? rc : tp_text(tp, tp->body.data, raw_len);
    }
    char id[TP_ID_LEN + 1];
    int rc = -1;
    if (tp_new_id(tp, id) == 0) {
        struct eng_tool_call call = {
            .index = tp->calls, .id = id, .name = tp->tools[tool].name,
            .namespace_name = tp->tools[tool].namespace_name, .arguments = buf_str(&args),
            .arguments_len = args.len,
        };
        buf_clear(&tp->ws);        /* the content's trailing whitespace */
        tp->calls++;
        rc = tp->out.call(tp->out.ud, &call);
    }
    buf_free(&args);
    return rc;
}

/* Text mode over p[0..n) with an empty carry: returns the bytes used (all of
 * them, or up to the end of an open tag); *rc set on failure. */
static size_t tp_scan_text(struct toolparse *tp, const char *p, size_t n, int *rc)
{
    size_t i = 0;
    while (i < n) {
        const char *lt = memchr(p + i, '<', n - i);
        if (!lt)
            break;
        size_t q = (size_t)(lt - p), rem = n - q;
        if (memcmp(lt, TP_OPEN, rem < TP_OPEN_LEN ? rem : TP_OPEN_LEN) != 0) {
            i = q + 1;
            continue;
        }
        if ((*rc = tp_text(tp, p, q)) != 0)
            return n;
        if (rem < TP_OPEN_LEN) {
            *rc = buf_append(&tp->carry, lt, rem);
            return n;
        }
        tp->in_block = 1;
        buf_clear(&tp->body);
        tp->in_string = tp->escaped = 0;
        tp->close_matched = 0;
        tp->candidate = SIZE_MAX;
        return q + TP_OPEN_LEN;
    }
    size_t whole = tp_complete(p, n);
    if ((*rc = tp_text(tp, p, whole)) == 0)
        *rc = buf_append(&tp->carry, p + whole, n - whole);
    return n;
}

/* Block mode over p[0..n): returns the bytes used (all, or up to the end of
 * the close tag, when the block has been judged). */
static size_t tp_scan_block(struct toolparse *tp, const char *p, size_t n, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (tp->in_string) {
            if (tp->escaped)
                tp->escaped = 0;
            else if (c == '\\')
                tp->escaped = 1;
            else if (c == '"')
                tp->in_string = 0;
        } else if (c == '"') {
            tp->in_string = 1;
        }
        /* the close tag holds no '"' or '\\': the string state is the same
         * all along a tag */
        if (c == TP_CLOSE[tp->close_matched])
            tp->close_matched++;
        else
            tp->close_matched = c == '<';
        if (tp->close_matched < TP_CLOSE_LEN)
            continue;
        tp->close_matched = 0;
        size_t at = tp->body.len + i + 1 - TP_CLOSE_LEN;
        if (tp->in_string) {
            if (tp->candidate == SIZE_MAX)
                tp->candidate = at;
            continue;
        }
        if (buf_append(&tp->body, p, i + 1) < 0) {
            *rc = -1;
            return n;
        }
        tp->in_block = 0;
        *rc = tp_report(tp, at, tp->body.len);
        return i + 1;
    }
    if (buf_append(&tp->body, p, n) < 0)
        *rc = -1;
    return n;
}

int toolparse_feed(struct toolparse *tp, const char *p, size_t n)
{
    int rc = 0;
    while (n > 0 && rc == 0 && !toolparse_done(tp)) {
        size_t used;
        if (tp->in_block) {
            used = tp_scan_block(tp, p, n, &rc);
        } else if (tp->carry.len > 0) {
            /* resolve the carry together with the next bytes: fed again
             * with an empty carry, so this recursion is one level deep */
            char local[TP_CARRY_MAX + 48];
            size_t c = tp->carry.len;
            used = n < sizeof(local) - c ? n : sizeof(local) - c;
            memcpy(local, tp->carry.data, c);
            memcpy(local + c, p, used);
            buf_clear(&tp->carry);
            rc = toolparse_feed(tp, local, c + used);
        } else {
            used = tp_scan_text(tp, p, n, &rc);
        }
        p += used;
        n -= used;
    }
    return rc;
}

int toolparse_finish(struct toolparse *tp)
{
    if (toolparse_done(tp))
        return 0;
    if (!tp->in_block) {
        int rc = tp_text(tp, tp->carry.data, tp->carry.len);
        buf_clear(&tp->carry);
        return rc;
    }
    tp->in_block = 0;
    if (tp->candidate != SIZE_MAX) {
        /* the block never closed outside a string (a stray quote): it ends
         * at its first close tag after all, and what followed is read again */
        size_t at = tp->candidate, tag_end = at + TP_CLOSE_LEN;
        struct buf rest;
        buf_init(&rest, (size_t)-1);
        int rc = buf_append(&rest, tp->body.data + tag_end, tp->body.len - tag_end);
        if (rc == 0)
            rc = tp_report(tp, at, tag_end);
        if (rc == 0)
            rc = toolparse_feed(tp, buf_str(&rest), rest.len);
        buf_free(&rest);
        return rc ? rc : toolparse_finish(tp);
    }
    /* an unterminated block, perhaps cut inside its close tag */
    return tp_report(tp, tp->body.len - tp->close_matched, tp->body.len);
}
