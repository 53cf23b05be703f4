/* render: see render.h. */
#include "engine/render.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/text.h"
#include "engine/jsonx.h"

int render_has_tools(const struct eng_request *req)
{
    return req->ntools > 0 && req->tool_choice != ENG_CHOICE_NONE;
}

/* A JSON text as sent, trimmed, when it is an object; else fallback. */
static int render_object(struct buf *out, const char *json, const char *fallback)
{
    size_t n = json ? strlen(json) : 0;
    struct json_object *v = jsonx_object(json ? json : "", n);
    if (v) {
        json_object_put(v);
        jsonx_trim(&json, &n);
        return buf_append(out, json, n);
    }
    if (!fallback)
        return text_json_quote(out, json ? json : "", n);
    return buf_puts(out, fallback);
}

static int render_quoted(struct buf *out, const char *s)
{
    return text_json_quote(out, s ? s : "", s ? strlen(s) : 0);
}

/* One tool as a JSON line: name, description, parameters as sent. */
static int render_tool(struct buf *out, const struct eng_tool *t)
{
    if (buf_puts(out, "{\"name\": ") < 0 || render_quoted(out, t->name) < 0)
        return -1;
    if (t->description && (buf_puts(out, ", \"description\": ") < 0 || render_quoted(out, t->description) < 0))
        return -1;
    if (buf_puts(out, ", \"parameters\": ") < 0 ||
        (t->parameters ? buf_puts(out, t->parameters) : buf_puts(out, "{}")) < 0)
        return -1;
    return buf_puts(out, "}\n");
}

static int render_tool_section(const struct eng_request *req, struct buf *out)
{
    if (buf_puts(out, "# Tools\n\nYou can call these tools (one JSON object per tool: its name, its "
                 "description and the JSON Schema of its parameters):\n") < 0)
        return -1;
    for (size_t i = 0; i < req->ntools; i++)
        if (render_tool(out, &req->tools[i]) < 0)
            return -1;
    if (buf_puts(out, "\nTo call a tool, write in your answer one block per call, of exactly this form:\n"
                 "<tool_call>{\"name\": \"<tool name>\", \"arguments\": {<arguments>}}</tool_call>\n"
                 "where \"name\" is one of the tools above and \"arguments\" is a JSON object that follows "
                 "the tool's parameters schema. Write nothing after the last block. Each result comes back "
                 "to you in a block of the form \"Tool: <tool name> (<call id>): <result>\".\n") < 0)
        return -1;
    int rc = 0;
    switch (req->tool_choice) {
    case ENG_CHOICE_REQUIRED:
        rc = buf_puts(out, "You must call at least one tool in this answer.\n");
        break;
    case ENG_CHOICE_NAMED:
        rc = buf_puts(out, "You must call the tool ");
        if (rc == 0)
            rc = render_quoted(out, req->tool_choice_name);
        if (rc == 0)
            rc = buf_puts(out, " in this answer.\n");
        break;
    default:
        rc = buf_puts(out, "Call a tool only when you need one; otherwise answer normally, without any block.\n");
        break;
    }
    if (rc < 0)
        return -1;
    return buf_puts(out, req->parallel_tool_calls ? "You may call several tools at once: one block per call.\n"
                    : "Call at most one tool per answer: write at most one block.\n");
}

static int render_format_section(const struct eng_request *req, struct buf *out)
{
    if (req->format == ENG_FORMAT_JSON_OBJECT)
        return buf_puts(out, "Answer with a single valid JSON object and nothing else: no code fence, "
                        "no text before or after it.\n");
    if (buf_puts(out, "Answer with a single valid JSON value that follows this JSON Schema") < 0)
        return -1;
    if (req->format_name && (buf_puts(out, " (") < 0 || render_quoted(out, req->format_name) < 0 ||
                             buf_puts(out, ")") < 0))
        return -1;
    if (buf_puts(out, ", and nothing else: no code fence, no text before or after it.\n") < 0)
        return -1;
    return render_object(out, req->format_schema, "{}") < 0 || buf_puts(out, "\n") < 0 ? -1 : 0;
}

/* The tool and format sections, without a trailing newline; 0 bytes when
 * the request has neither. */
static int render_section(const struct eng_request *req, struct buf *out)
{
    size_t start = out->len;
    if (render_has_tools(req) && render_tool_section(req, out) < 0)
        return -1;
    if (req->format != ENG_FORMAT_TEXT) {
        if (out->len > start && buf_puts(out, "\n") < 0)
            return -1;
        if (render_format_section(req, out) < 0)
            return -1;
    }
    while (out->len > start && out->data[out->len - 1] == '\n')
        out->data[--out->len] = '\0';
    return 0;
}

static const char *render_label(enum eng_role role)
{
    switch (role) {
    case ENG_SYSTEM: return "System";
    case ENG_USER: return "Human";
    case ENG_ASSISTANT: return "Assistant";
    default: return "Tool";
    }
}

/* The tool calls of the transcript sorted by id, so that naming the call of
 * each result is a binary search, not a scan of the whole transcript (a body
 * with many calls and many results must not cost their product). */
struct render_calls {
    const struct eng_request *req;
    const struct eng_part **by_id;  /* NULL when it could not be allocated: scan */
    size_t n;
};

/* By id, then by position, so the first call with an id is found first. */
static int render_call_cmp(const void *a, const void *b)
{
    const struct eng_part *x = *(const struct eng_part *const *)a, *y = *(const struct eng_part *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x < y ? -1 : x > y);
}

static int render_is_named_call(const struct eng_part *p)
{
    return p->kind == ENG_PART_TOOL_CALL && p->id && p->name;
}

static void render_calls_index(struct render_calls *c, const struct eng_request *req)
{
    size_t n = 0;
    c->req = req;
    c->n = 0;
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++)
            n += render_is_named_call(&req->turns[t].parts[i]);
    c->by_id = n ? malloc(n * sizeof *c->by_id) : NULL;
    if (!c->by_id)
        return;
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++)
            if (render_is_named_call(&req->turns[t].parts[i]))
                c->by_id[c->n++] = &req->turns[t].parts[i];
    qsort(c->by_id, c->n, sizeof *c->by_id, render_call_cmp);
}

/* The name of the call with this id anywhere in the transcript. */
static const char *render_call_name(const struct render_calls *c, const char *id)
{
    const struct eng_request *req = c->req;
    if (!id)
        return "unknown";
    if (c->by_id) {
        size_t lo = 0, hi = c->n;   /* the first entry whose id is >= id */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(c->by_id[mid]->id, id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < c->n && strcmp(c->by_id[lo]->id, id) == 0 ? c->by_id[lo]->name : "unknown";
    }
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++) {
            const struct eng_part *p = &req->turns[t].parts[i];
            if (render_is_named_call(p) && strcmp(p->id, id) == 0)
                return p->name;
        }
    return "unknown";
}

static int render_call(struct buf *out, const struct eng_part *p)
{
    if (buf_puts(out, "<tool_call>{\"name\": ") < 0 || render_quoted(out, p->name) < 0 ||
        buf_puts(out, ", \"arguments\": ") < 0)
        return -1;
    const char *a = p->arguments ? p->arguments : "";
    size_t an = strlen(a);
    jsonx_trim(&a, &an);
    if (render_object(out, p->arguments, an ? NULL : "{}") < 0)
        return -1;
    return buf_puts(out, "}</tool_call>");
}

static int render_result(const struct render_calls *calls, struct buf *out, const struct eng_part *p)
{
    if (buf_printf(out, "Tool: %s (%s)%s: ", render_call_name(calls, p->id), p->id ? p->id : "",
                   p->is_error ? " error" : "") < 0)
        return -1;
    if (p->text && buf_append(out, p->text, p->text_len) < 0)
        return -1;
    return buf_puts(out, "\n\n");
}

/* One turn: its labelled block (text parts, then calls) and a block per
 * tool result, in the order of the parts. With open_only, the first block
 * is left open (no blank line after it) for the tool section. */
static int render_turn(const struct render_calls *calls, const struct eng_turn *turn, struct buf *out,
                       int open_only)
{
    int open = 0, items = 0;
    for (size_t i = 0; i < turn->nparts; i++) {
        const struct eng_part *p = &turn->parts[i];
        if (p->kind == ENG_PART_TOOL_RESULT) {
            if (open && buf_puts(out, "\n\n") < 0)
                return -1;
            open = items = 0;
            if (render_result(calls, out, p) < 0)
                return -1;
            continue;
        }
        if (!open && buf_printf(out, "%s: ", render_label(turn->role)) < 0)
            return -1;
        open = 1;
        if (p->kind == ENG_PART_IMAGE || p->kind == ENG_PART_FILE)
            continue;
        if (items++ > 0 && buf_puts(out, "\n") < 0)
            return -1;
        if (p->kind == ENG_PART_TEXT ? buf_append(out, p->text ? p->text : "", p->text ? p->text_len : 0) < 0
            : render_call(out, p) < 0)
            return -1;
    }
    if (turn->nparts == 0 && buf_printf(out, "%s: ", render_label(turn->role)) < 0)
        return -1;
    if (open_only)
        return 0;
    return open || turn->nparts == 0 ? buf_puts(out, "\n\n") : 0;
}

int render_prompt(const struct eng_request *req, struct buf *out)
{
    struct buf section;
    struct render_calls calls;
    render_calls_index(&calls, req);
    buf_init(&section, out->max);
    int rc = render_section(req, &section);
    size_t first = 0;
    if (rc == 0 && section.len > 0) {
        if (req->nturns > 0 && req->turns[0].role == ENG_SYSTEM) {
            /* after the client's own system text */
            size_t start = out->len;
            rc = render_turn(&calls, &req->turns[0], out, 1);
            if (rc == 0 && out->len > start + strlen("System: "))
                rc = buf_puts(out, "\n\n");
            first = 1;
        } else {
            rc = buf_puts(out, "System: ");
        }
        if (rc == 0)
            rc = buf_append(out, section.data, section.len);
        if (rc == 0)
            rc = buf_puts(out, "\n\n");
    }
    buf_free(&section);
    for (size_t t = first; rc == 0 && t < req->nturns; t++)
        rc = render_turn(&calls, &req->turns[t], out, 0);
    free(calls.by_id);
    return rc < 0 ? -1 : 0;
}
