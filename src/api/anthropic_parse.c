/* anthropic_parse: a Messages API request body -> struct eng_request.
 *
 * Every 400 names the field in Anthropic's dotted form ("messages.2.content.0")
 * both in the message and in e->param. Strings are borrowed from the parsed
 * body (q->root); what has to be built (decoded images, joined tool results,
 * serialised tool inputs and schemas) is kept in q->owned. */
#include "api/anthropic.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/b64.h"
#include "codec/sniff.h"

#define ANTH_WHERE_MAX 96
#define ANTH_TOOL_NAME_MAX 128
#define ANTH_TEXT_MAX ((size_t)64 << 20)

/* out = where.key / where.i, cut to ANTH_WHERE_MAX (a field path is a label). */
static void anth_at(char *out, const char *where, const char *key)
{
    if (snprintf(out, ANTH_WHERE_MAX, "%s%s%s", where, *where ? "." : "", key) >= ANTH_WHERE_MAX)
        out[ANTH_WHERE_MAX - 1] = '\0';
}

static void anth_at_i(char *out, const char *where, size_t i)
{
    if (snprintf(out, ANTH_WHERE_MAX, "%s.%zu", where, i) >= ANTH_WHERE_MAX)
        out[ANTH_WHERE_MAX - 1] = '\0';
}

static int anth_bad(struct relay_err *e, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int anth_bad(struct relay_err *e, const char *where, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX - ANTH_WHERE_MAX - 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (where && *where)
        return err_set(e, 400, "invalid_request_error", NULL, where, "%s: %s", where, msg);
    return err_set(e, 400, "invalid_request_error", NULL, NULL, "%s", msg);
}

/* Remember p for anth_request_free; on failure p is freed and NULL returned. */
static void *anth_keep(struct anth_request *q, void *p)
{
    return keep_add(&q->owned, p);
}

static void *anth_calloc(struct anth_request *q, size_t n, size_t size)
{
    return anth_keep(q, calloc(n ? n : 1, size));
}

/* A JSON value as compact text, kept with the request. */
static const char *anth_json_text(struct anth_request *q, struct json_object *v)
{
    const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return s ? anth_keep(q, strdup(s)) : NULL;
}

/* The member key of obj when it is present and not null, else NULL. */
static struct json_object *anth_get(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* A string member. Missing: *out = NULL and 0 unless required. Not a string,
 * or holding a NUL: a 400. */
static int anth_str(struct json_object *obj, const char *key, int required, const char *where,
                    const char **out, size_t *len, struct relay_err *e)
{
    char at[ANTH_WHERE_MAX];
    struct json_object *v = anth_get(obj, key);
    anth_at(at, where, key);
    *out = NULL;
    if (len)
        *len = 0;
    if (!v) {
        if (required)
            return anth_bad(e, at, "Field required");
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return anth_bad(e, at, "Input should be a valid string");
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (memchr(s, '\0', n))
        return anth_bad(e, at, "The string must not contain a NUL character");
    *out = s;
    if (len)
        *len = n;
    return 0;
}

/* A required object member: *out, and at = where.key for later messages. */
static int anth_obj(struct json_object *obj, const char *key, const char *where, char *at,
                    struct json_object **out, struct relay_err *e)
{
    *out = anth_get(obj, key);
    anth_at(at, where, key);
    if (!*out)
        return anth_bad(e, at, "Field required");
    if (!json_object_is_type(*out, json_type_object))
        return anth_bad(e, at, "Input should be an object");
    return 0;
}

/* ---- Content blocks --------------------------------------------------- */

/* Where the parts of one message go: a slice of turns that grows as blocks of
 * different roles follow each other. */
struct anth_msg {
    struct anth_request *q;
    struct eng_part *parts;     /* room for every part of the message */
    size_t nparts;
    struct eng_turn *turn;      /* the turn being filled, or NULL */
};

/* A new part in a turn of role, which continues the current turn when it has
 * the same role. */
static struct eng_part *anth_part(struct anth_msg *m, enum eng_role role, enum eng_part_kind kind,
                                  const char *where)
{
    struct eng_request *r = &m->q->eng;
    if (!m->turn || m->turn->role != role) {
        m->turn = &r->turns[r->nturns++];
        m->turn->role = role;
        m->turn->parts = &m->parts[m->nparts];
        m->turn->nparts = 0;
    }
    struct eng_part *p = &m->parts[m->nparts++];
    m->turn->nparts++;
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->param = anth_keep(m->q, strdup(where));
    return p;
}

static int anth_oom(struct relay_err *e)
{
    return err_oom(e);
}

static int anth_image(struct anth_msg *m, struct json_object *blk, enum eng_role role,
                      const char *where, struct relay_err *e)
{
    char at[ANTH_WHERE_MAX];
    const char *type, *s;
    size_t n;
    struct json_object *src;
    if (anth_obj(blk, "source", where, at, &src, e) < 0 || anth_str(src, "type", 1, at, &type, NULL, e) < 0)
        return -1;
    if (strcmp(type, "base64") == 0) {
        const char *mt;
        if (anth_str(src, "media_type", 1, at, &mt, NULL, e) < 0 ||
            anth_str(src, "data", 1, at, &s, &n, e) < 0)
            return -1;
        if (!sniff_mime(mt, SNIFF_IMAGE))
            return anth_bad(e, at, "Input should be 'image/jpeg', 'image/png', 'image/gif' or "
                            "'image/webp' (media_type)");
        struct buf bytes;
        buf_init(&bytes, n / 4 * 3 + 3);
        if (n == 0 || b64_decode(&bytes, s, n) < 0 || bytes.len == 0) {
            buf_free(&bytes);
            return anth_bad(e, at, "The image data is not valid base64");
        }
        const struct sniff_fmt *fmt = sniff_magic(bytes.data, bytes.len, SNIFF_IMAGE);
        if (!fmt) {
            buf_free(&bytes);
            return anth_bad(e, at, "The image data is not a JPEG, PNG, GIF or WebP image");
        }
        size_t len = bytes.len;
        void *data = anth_keep(m->q, buf_steal(&bytes));
        if (!data)
            return anth_oom(e);
        struct eng_part *p = anth_part(m, role, ENG_PART_IMAGE, where);
        p->data = data;
        p->data_len = len;
        p->media_type = fmt->mime;   /* the bytes decide, as for data: URLs */
        return 0;
    }
    if (strcmp(type, "url") == 0) {
        if (anth_str(src, "url", 1, at, &s, NULL, e) < 0)
            return -1;
        if (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0)
            return anth_bad(e, at, "The image URL must be an http or https URL");
        anth_part(m, role, ENG_PART_IMAGE, where)->url = s;
        return 0;
    }
    return anth_bad(e, at, "Image sources of type '%.32s' cannot be relayed to 1min.ai; send "
                    "'base64' or 'url' sources", type);
}

/* A document block with a base64, url or file source as a FILE part (PDF and
 * the other documents api/docparts accepts): 1 when made, 0 when the source
 * is text for anth_document_text, -1 with e. */
static int anth_document_file(struct anth_msg *m, struct json_object *blk, enum eng_role role,
                              const char *where, struct relay_err *e)
{
    char at[ANTH_WHERE_MAX];
    const char *type, *s, *mt = NULL, *title = NULL;
    size_t n;
    struct json_object *src;
    if (anth_obj(blk, "source", where, at, &src, e) < 0 || anth_str(src, "type", 1, at, &type, NULL, e) < 0 ||
        anth_str(blk, "title", 0, where, &title, NULL, e) < 0)
        return -1;
    if (strcmp(type, "base64") == 0) {
        if (anth_str(src, "media_type", 1, at, &mt, NULL, e) < 0 || anth_str(src, "data", 1, at, &s, &n, e) < 0)
            return -1;
        struct buf bytes;
        buf_init(&bytes, n / 4 * 3 + 3);
        if (n == 0 || b64_decode(&bytes, s, n) < 0 || bytes.len == 0) {
            buf_free(&bytes);
            return anth_bad(e, at, "The document data is not valid base64");
        }
        size_t len = bytes.len;
        void *data = anth_keep(m->q, buf_steal(&bytes));
        if (!data)
            return anth_oom(e);
        struct eng_part *p = anth_part(m, role, ENG_PART_FILE, where);
        p->data = data;
        p->data_len = len;
        p->media_type = mt;
        p->filename = title;
        return 1;
    }
    if (strcmp(type, "url") == 0 || strcmp(type, "file") == 0) {
        int url = strcmp(type, "url") == 0;
        if (anth_str(src, url ? "url" : "file_id", 1, at, &s, NULL, e) < 0)
            return -1;
        if (url && strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0)
            return anth_bad(e, at, "The document URL must be an http or https URL");
        struct eng_part *p = anth_part(m, role, ENG_PART_FILE, where);
        if (url)
            p->url = s;
        else
            p->file_id = s;
        p->filename = title;
        return 1;
    }
    return 0;
}

/* The text of a document block, appended to text: only plain-text sources
 * ("text", or "content" holding text blocks) can become prompt text. */
static int anth_document_text(struct json_object *blk, const char *where, struct buf *text,
                              struct relay_err *e)
{
    char at[ANTH_WHERE_MAX], cat[ANTH_WHERE_MAX];
    const char *type, *title, *s;
    size_t n, tlen;
    struct json_object *src;
    if (anth_obj(blk, "source", where, at, &src, e) < 0 || anth_str(src, "type", 1, at, &type, NULL, e) < 0 ||
        anth_str(blk, "title", 0, where, &title, &tlen, e) < 0)
        return -1;
    if (title && tlen && (buf_puts(text, "Document: ") < 0 || buf_append(text, title, tlen) < 0 ||
                          buf_puts(text, "\n") < 0))
        return anth_bad(e, where, "The document is too long for the relay");
    if (strcmp(type, "text") == 0) {
        if (anth_str(src, "data", 1, at, &s, &n, e) < 0)
            return -1;
        if (buf_append(text, s, n) < 0)
            return anth_bad(e, where, "The document is too long for the relay");
        return 0;
    }
    if (strcmp(type, "content") != 0)
        return anth_bad(e, at, "Document sources of type '%.32s' cannot be relayed to 1min.ai (it "
                        "reads no PDF or file here); send 'text' or 'content' sources", type);
    struct json_object *c = anth_get(src, "content");
    anth_at(cat, at, "content");
    if (c && json_object_is_type(c, json_type_string)) {
        if (anth_str(src, "content", 1, at, &s, &n, e) < 0)
            return -1;
        if (buf_append(text, s, n) < 0)
            return anth_bad(e, where, "The document is too long for the relay");
        return 0;
    }
    if (!c || !json_object_is_type(c, json_type_array))
        return anth_bad(e, cat, c ? "Input should be a string or a list of text blocks" : "Field required");
    for (size_t i = 0; i < json_object_array_length(c); i++) {
        struct json_object *b = json_object_array_get_idx(c, i);
        const char *bt;
        char bat[ANTH_WHERE_MAX];
        anth_at_i(bat, cat, i);
        if (!json_object_is_type(b, json_type_object))
            return anth_bad(e, bat, "Input should be an object");
        if (anth_str(b, "type", 1, bat, &bt, NULL, e) < 0)
            return -1;
        if (strcmp(bt, "text") != 0)
            return anth_bad(e, bat, "Document content blocks of type '%.32s' cannot be relayed to "
                            "1min.ai; send text blocks", bt);
        if (anth_str(b, "text", 1, bat, &s, &n, e) < 0)
            return -1;
        if ((i > 0 && buf_puts(text, "\n") < 0) || buf_append(text, s, n) < 0)
            return anth_bad(e, where, "The document is too long for the relay");
    }
    return 0;
}

/* A part holding the text of text[], which is kept with the request. */
static int anth_text_part(struct anth_msg *m, enum eng_role role, struct buf *text, const char *where,
                          struct relay_err *e)
{
    size_t len = text->len;
    char *kept = anth_keep(m->q, buf_steal(text));
    if (!kept)
        return anth_oom(e);
    struct eng_part *p = anth_part(m, role, ENG_PART_TEXT, where);
    p->text = kept;
    p->text_len = len;
    return 0;
}

/* A tool_result block: one TOOL_RESULT part in a tool turn; images inside it
 * follow as parts of a user turn. */
static int anth_tool_result(struct anth_msg *m, struct json_object *blk, const char *where,
                            struct relay_err *e)
{
    const char *id, *s;
    size_t n;
    int is_error = 0;
    struct json_object *v, *content;
    struct buf text;
    char at[ANTH_WHERE_MAX];
    if (anth_str(blk, "tool_use_id", 1, where, &id, NULL, e) < 0)
        return -1;
    anth_at(at, where, "is_error");
    if ((v = anth_get(blk, "is_error"))) {
        if (!json_object_is_type(v, json_type_boolean))
            return anth_bad(e, at, "Input should be a valid boolean");
        is_error = json_object_get_boolean(v);
    }
    anth_at(at, where, "content");
    content = anth_get(blk, "content");
    struct eng_part *p = anth_part(m, ENG_TOOL, ENG_PART_TOOL_RESULT, where);
    p->id = id;
    p->is_error = is_error;
    p->text = "";
    if (!content)
        return 0;
    if (json_object_is_type(content, json_type_string)) {
        if (anth_str(blk, "content", 1, where, &p->text, &p->text_len, e) < 0)
            return -1;
        return 0;
    }
    if (!json_object_is_type(content, json_type_array))
        return anth_bad(e, at, "Input should be a string or a list of content blocks");
    buf_init(&text, ANTH_TEXT_MAX);
    size_t texts = 0;
    for (size_t i = 0; i < json_object_array_length(content); i++) {
        struct json_object *b = json_object_array_get_idx(content, i);
        const char *bt;
        char bat[ANTH_WHERE_MAX];
        anth_at_i(bat, at, i);
        if (!json_object_is_type(b, json_type_object)) {
            anth_bad(e, bat, "Input should be an object");
            goto fail;
        }
        if (anth_str(b, "type", 1, bat, &bt, NULL, e) < 0)
            goto fail;
        if (strcmp(bt, "text") == 0) {
            if (anth_str(b, "text", 1, bat, &s, &n, e) < 0)
                goto fail;
            if ((texts++ > 0 && buf_puts(&text, "\n") < 0) || buf_append(&text, s, n) < 0) {
                anth_bad(e, at, "The tool result is too long for the relay");
                goto fail;
            }
        } else if (strcmp(bt, "image") == 0) {
            if (anth_image(m, b, ENG_USER, bat, e) < 0)
                goto fail;
        } else if (strcmp(bt, "document") == 0) {
            if (texts++ > 0 && buf_puts(&text, "\n") < 0) {
                anth_bad(e, at, "The tool result is too long for the relay");
                goto fail;
            }
            if (anth_document_text(b, bat, &text, e) < 0)
                goto fail;
        } else {
            anth_bad(e, bat, "Tool result content blocks of type '%.32s' cannot be relayed to "
                     "1min.ai; send text, image or document blocks", bt);
            goto fail;
        }
    }
    p->text_len = text.len;
    p->text = anth_keep(m->q, buf_steal(&text));
    if (!p->text)
        return anth_oom(e);
    return 0;
fail:
    buf_free(&text);
    return -1;
}

static int anth_tool_use(struct anth_msg *m, struct json_object *blk, const char *where,
                         struct relay_err *e)
{
    const char *id, *name;
    char at[ANTH_WHERE_MAX];
    if (anth_str(blk, "id", 1, where, &id, NULL, e) < 0 || anth_str(blk, "name", 1, where, &name, NULL, e) < 0)
        return -1;
    struct json_object *input;
    if (anth_obj(blk, "input", where, at, &input, e) < 0)
        return -1;
    const char *args = anth_json_text(m->q, input);
    if (!args)
        return anth_oom(e);
    struct eng_part *p = anth_part(m, ENG_ASSISTANT, ENG_PART_TOOL_CALL, where);
    p->id = id;
    p->name = name;
    p->arguments = args;
    return 0;
}

static int anth_block(struct anth_msg *m, struct json_object *blk, enum eng_role role,
                      const char *where, struct relay_err *e)
{
    const char *type;
    int user = role == ENG_USER;
    if (!json_object_is_type(blk, json_type_object))
        return anth_bad(e, where, "Input should be an object");
    if (anth_str(blk, "type", 1, where, &type, NULL, e) < 0)
        return -1;
    if (role == ENG_SYSTEM && strcmp(type, "text") != 0)
        return anth_bad(e, where, "System messages hold text blocks only, not '%.32s'", type);
    if (strcmp(type, "text") == 0) {
        struct eng_part tmp;
        if (anth_str(blk, "text", 1, where, &tmp.text, &tmp.text_len, e) < 0)
            return -1;
        struct eng_part *p = anth_part(m, role, ENG_PART_TEXT, where);
        p->text = tmp.text;
        p->text_len = tmp.text_len;
        return 0;
    }
    if (strcmp(type, "image") == 0) {
        if (!user)
            return anth_bad(e, where, "Image blocks are only allowed in user messages");
        return anth_image(m, blk, role, where, e);
    }
    if (strcmp(type, "document") == 0) {
        int made = anth_document_file(m, blk, role, where, e);
        if (made != 0)
            return made < 0 ? -1 : 0;
        struct buf text;
        buf_init(&text, ANTH_TEXT_MAX);
        if (anth_document_text(blk, where, &text, e) < 0) {
            buf_free(&text);
            return -1;
        }
        return anth_text_part(m, role, &text, where, e);
    }
    if (strcmp(type, "tool_use") == 0) {
        if (user)
            return anth_bad(e, where, "tool_use blocks are only allowed in assistant messages");
        return anth_tool_use(m, blk, where, e);
    }
    if (strcmp(type, "tool_result") == 0) {
        if (!user)
            return anth_bad(e, where, "tool_result blocks are only allowed in user messages");
        return anth_tool_result(m, blk, where, e);
    }
    if (!user && (strcmp(type, "thinking") == 0 || strcmp(type, "redacted_thinking") == 0))
        return 0;   /* earlier turns' thinking is not part of the context */
    return anth_bad(e, where, "Content blocks of type '%.40s' cannot be relayed to 1min.ai; send "
                    "text, image, document, tool_use or tool_result blocks", type);
}

/* Parts a block may add (a tool result adds one more for each image in it). */
static size_t anth_block_parts(struct json_object *blk)
{
    struct json_object *c = json_object_is_type(blk, json_type_object) ? anth_get(blk, "content") : NULL;
    return 1 + (c && json_object_is_type(c, json_type_array) ? json_object_array_length(c) : 0);
}

static int anth_message(struct anth_request *q, struct json_object *msg, size_t i, struct relay_err *e)
{
    char where[ANTH_WHERE_MAX], at[ANTH_WHERE_MAX];
    const char *role_s;
    anth_at_i(where, "messages", i);
    if (!json_object_is_type(msg, json_type_object))
        return anth_bad(e, where, "Input should be an object");
    if (anth_str(msg, "role", 1, where, &role_s, NULL, e) < 0)
        return -1;
    enum eng_role role;
    if (strcmp(role_s, "user") == 0)
        role = ENG_USER;
    else if (strcmp(role_s, "assistant") == 0)
        role = ENG_ASSISTANT;
    else if (strcmp(role_s, "system") == 0)
        role = ENG_SYSTEM;      /* mid-conversation system text (Claude Code sends it) */
    else
        return anth_bad(e, where, "Unexpected role '%.32s'; messages take 'user', 'assistant' and "
                        "'system'", role_s);
    struct json_object *content = anth_get(msg, "content");
    anth_at(at, where, "content");
    struct anth_msg m = { .q = q };
    if (!content)
        return anth_bad(e, at, "Field required");
    if (json_object_is_type(content, json_type_string)) {
        struct eng_part tmp;
        if (anth_str(msg, "content", 1, where, &tmp.text, &tmp.text_len, e) < 0)
            return -1;
        if (!(m.parts = anth_calloc(q, 1, sizeof *m.parts)))
            return anth_oom(e);
        struct eng_part *p = anth_part(&m, role, ENG_PART_TEXT, at);
        p->text = tmp.text;
        p->text_len = tmp.text_len;
        return 0;
    }
    if (!json_object_is_type(content, json_type_array))
        return anth_bad(e, at, "Input should be a string or a list of content blocks");
    size_t n = json_object_array_length(content), room = 0;
    for (size_t j = 0; j < n; j++)
        room += anth_block_parts(json_object_array_get_idx(content, j));
    if (!(m.parts = anth_calloc(q, room, sizeof *m.parts)))
        return anth_oom(e);
    for (size_t j = 0; j < n; j++) {
        char bw[ANTH_WHERE_MAX];
        anth_at_i(bw, at, j);
        if (anth_block(&m, json_object_array_get_idx(content, j), role, bw, e) < 0)
            return -1;
    }
    return 0;
}

static int anth_system(struct anth_request *q, struct json_object *sys, struct relay_err *e)
{
    struct anth_msg m = { .q = q };
    if (json_object_is_type(sys, json_type_string)) {
        if (json_object_get_string_len(sys) == 0)
            return 0;
        if (!(m.parts = anth_calloc(q, 1, sizeof *m.parts)))
            return anth_oom(e);
        struct eng_part tmp;
        if (anth_str(q->root, "system", 1, "", &tmp.text, &tmp.text_len, e) < 0)
            return -1;
        struct eng_part *p = anth_part(&m, ENG_SYSTEM, ENG_PART_TEXT, "system");
        p->text = tmp.text;
        p->text_len = tmp.text_len;
        return 0;
    }
    if (!json_object_is_type(sys, json_type_array))
        return anth_bad(e, "system", "Input should be a string or a list of text blocks");
    size_t n = json_object_array_length(sys);
    if (!(m.parts = anth_calloc(q, n, sizeof *m.parts)))
        return anth_oom(e);
    for (size_t j = 0; j < n; j++) {
        struct json_object *blk = json_object_array_get_idx(sys, j);
        const char *type;
        char where[ANTH_WHERE_MAX];
        struct eng_part tmp;
        anth_at_i(where, "system", j);
        if (!json_object_is_type(blk, json_type_object))
            return anth_bad(e, where, "Input should be an object");
        if (anth_str(blk, "type", 1, where, &type, NULL, e) < 0)
            return -1;
        if (strcmp(type, "text") != 0)
            return anth_bad(e, where, "System blocks must be of type 'text', not '%.32s'", type);
        /* cache_control and citations change nothing here */
        if (anth_str(blk, "text", 1, where, &tmp.text, &tmp.text_len, e) < 0)
            return -1;
        struct eng_part *p = anth_part(&m, ENG_SYSTEM, ENG_PART_TEXT, where);
        p->text = tmp.text;
        p->text_len = tmp.text_len;
    }
    return 0;
}

/* ---- Tools ------------------------------------------------------------ */

static int anth_prefixed(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int anth_tool(struct anth_request *q, struct json_object *t, size_t i, struct relay_err *e)
{
    char where[ANTH_WHERE_MAX], at[ANTH_WHERE_MAX];
    const char *type, *name, *desc;
    size_t nlen;
    anth_at_i(where, "tools", i);
    if (!json_object_is_type(t, json_type_object))
        return anth_bad(e, where, "Input should be an object");
    if (anth_str(t, "type", 0, where, &type, NULL, e) < 0)
        return -1;
    anth_at(at, where, "type");
    if (type && strcmp(type, "custom") != 0) {
        if (anth_prefixed(type, "web_search_")) {
            q->eng.web_search = 1;  /* 1min.ai searches itself; the model never calls it */
            return 0;
        }
        if (anth_prefixed(type, "bash_") || anth_prefixed(type, "text_editor_") ||
            anth_prefixed(type, "computer_") || anth_prefixed(type, "code_execution_"))
            return anth_bad(e, at, "The Anthropic-defined tool '%.48s' cannot be emulated by the "
                            "relay; offer it as a custom tool with an input_schema instead", type);
        return anth_bad(e, at, "Tools of type '%.48s' are not supported by the relay (custom tools "
                        "and the web_search server tool are)", type);
    }
    if (anth_str(t, "name", 1, where, &name, &nlen, e) < 0 || anth_str(t, "description", 0, where, &desc, NULL, e) < 0)
        return -1;
    anth_at(at, where, "name");
    if (nlen == 0 || nlen > ANTH_TOOL_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789_-") != nlen)
        return anth_bad(e, at, "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
    for (size_t k = 0; k < q->eng.ntools; k++)
        if (strcmp(q->eng.tools[k].name, name) == 0)
            return anth_bad(e, at, "Tool names must be unique ('%s' is offered twice)", name);
    struct json_object *schema;
    if (anth_obj(t, "input_schema", where, at, &schema, e) < 0)
        return -1;
    struct eng_tool *tool = &q->eng.tools[q->eng.ntools];
    tool->name = name;
    tool->description = desc;
    if (!(tool->parameters = anth_json_text(q, schema)))
        return anth_oom(e);
    q->eng.ntools++;
    return 0;
}

static int anth_tool_choice(struct anth_request *q, struct json_object *tc, struct relay_err *e)
{
    const char *type, *name;
    struct json_object *v;
    if (!json_object_is_type(tc, json_type_object))
        return anth_bad(e, "tool_choice", "Input should be an object");
    if (anth_str(tc, "type", 1, "tool_choice", &type, NULL, e) < 0)
        return -1;
    if ((v = anth_get(tc, "disable_parallel_tool_use"))) {
        if (!json_object_is_type(v, json_type_boolean))
            return anth_bad(e, "tool_choice.disable_parallel_tool_use", "Input should be a valid boolean");
        q->eng.parallel_tool_calls = !json_object_get_boolean(v);
    }
    if (strcmp(type, "auto") == 0) {
        q->eng.tool_choice = ENG_CHOICE_AUTO;
    } else if (strcmp(type, "none") == 0) {
        q->eng.tool_choice = ENG_CHOICE_NONE;
    } else if (strcmp(type, "any") == 0 || strcmp(type, "tool") == 0) {
        if (q->eng.ntools == 0)
            return anth_bad(e, "tool_choice", "tool_choice '%s' needs at least one custom tool in 'tools'", type);
        q->eng.tool_choice = ENG_CHOICE_REQUIRED;
        if (strcmp(type, "tool") == 0) {
            if (anth_str(tc, "name", 1, "tool_choice", &name, NULL, e) < 0)
                return -1;
            size_t k = 0;
            while (k < q->eng.ntools && strcmp(q->eng.tools[k].name, name) != 0)
                k++;
            if (k == q->eng.ntools)
                return anth_bad(e, "tool_choice.name", "Tool '%.128s' is not one of the offered tools", name);
            q->eng.tool_choice = ENG_CHOICE_NAMED;
            q->eng.tool_choice_name = name;
        }
    } else {
        return anth_bad(e, "tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'");
    }
    return 0;
}

/* ---- The request ------------------------------------------------------ */

static int anth_number(struct json_object *root, const char *key, int integer, struct relay_err *e)
{
    struct json_object *v = anth_get(root, key);
    if (!v || json_object_is_type(v, json_type_int) || (!integer && json_object_is_type(v, json_type_double)))
        return 0;
    return anth_bad(e, key, integer ? "Input should be a valid integer" : "Input should be a valid number");
}

static int anth_object(struct json_object *root, const char *key, struct relay_err *e)
{
    struct json_object *v = anth_get(root, key);
    if (!v || json_object_is_type(v, json_type_object))
        return 0;
    return anth_bad(e, key, "Input should be an object");
}

/* Structured output: output_format (beta) or output_config.format. */
static int anth_output_format(struct anth_request *q, struct relay_err *e)
{
    struct json_object *cfg = anth_get(q->root, "output_config"), *f = anth_get(q->root, "output_format");
    const char *where = "output_format", *type;
    if (cfg) {
        if (!json_object_is_type(cfg, json_type_object))
            return anth_bad(e, "output_config", "Input should be an object");
        struct json_object *cf = anth_get(cfg, "format");
        if (cf) {
            f = cf;
            where = "output_config.format";
        }
    }
    if (!f)
        return 0;
    if (!json_object_is_type(f, json_type_object))
        return anth_bad(e, where, "Input should be an object");
    if (anth_str(f, "type", 1, where, &type, NULL, e) < 0)
        return -1;
    if (strcmp(type, "json_schema") != 0)
        return anth_bad(e, where, "Output formats of type '%.32s' are not supported (json_schema is)", type);
    struct json_object *schema;
    char at[ANTH_WHERE_MAX];
    if (anth_obj(f, "schema", where, at, &schema, e) < 0)
        return -1;
    q->eng.format = ENG_FORMAT_JSON_SCHEMA;
    if (!(q->eng.format_schema = anth_json_text(q, schema)))
        return anth_oom(e);
    return 0;
}

int anth_parse(struct json_object *root, enum anth_mode mode, struct anth_request *q, struct relay_err *e)
{
    struct json_object *v;
    const char *model;
    size_t mlen;
    memset(q, 0, sizeof *q);
    q->eng.n = 1;
    q->eng.parallel_tool_calls = 1;
    q->eng.param_prefix = "messages";
    q->root = json_object_get(root);
    if (!json_object_is_type(root, json_type_object))
        return anth_bad(e, NULL, "The request body must be a JSON object");

    if (anth_str(root, "model", 1, "", &model, &mlen, e) < 0)
        return -1;
    if (mlen == 0 || mlen >= sizeof q->client_model)
        return anth_bad(e, "model", mlen ? "The model name is too long" : "String should have at least 1 character");
    memcpy(q->client_model, model, mlen + 1);

    if ((v = anth_get(root, "max_tokens"))) {
        if (!json_object_is_type(v, json_type_int))
            return anth_bad(e, "max_tokens", "Input should be a valid integer");
        long long mt = json_object_get_int64(v);
        if (mt < 1)
            return anth_bad(e, "max_tokens", "Input should be greater than or equal to 1");
        q->eng.max_tokens = mt;
    } else if (mode == ANTH_MESSAGES) {
        return anth_bad(e, "max_tokens", "Field required");
    }
    if ((v = anth_get(root, "stream"))) {
        if (!json_object_is_type(v, json_type_boolean))
            return anth_bad(e, "stream", "Input should be a valid boolean");
        q->eng.stream = mode == ANTH_MESSAGES && json_object_get_boolean(v);
    }
    if ((v = anth_get(root, "stop_sequences"))) {
        if (!json_object_is_type(v, json_type_array))
            return anth_bad(e, "stop_sequences", "Input should be a valid list");
        size_t n = json_object_array_length(v);
        if (n > ENG_STOP_MAX)
            return anth_bad(e, "stop_sequences", "The relay supports at most %d stop sequences", ENG_STOP_MAX);
        for (size_t i = 0; i < n; i++) {
            struct json_object *s = json_object_array_get_idx(v, i);
            char at[ANTH_WHERE_MAX];
            anth_at_i(at, "stop_sequences", i);
            if (!json_object_is_type(s, json_type_string))
                return anth_bad(e, at, "Input should be a valid string");
            const char *str = json_object_get_string(s);
            size_t slen = (size_t)json_object_get_string_len(s);
            if (slen == 0 || strspn(str, " \t\r\n") == slen)
                return anth_bad(e, at, "Stop sequences must contain non-whitespace");
            if (memchr(str, '\0', slen))
                return anth_bad(e, at, "The string must not contain a NUL character");
            q->eng.stop[q->eng.nstop++] = str;
        }
    }
    if (anth_number(root, "temperature", 0, e) < 0 || anth_number(root, "top_p", 0, e) < 0 ||
        anth_number(root, "top_k", 1, e) < 0 || anth_object(root, "metadata", e) < 0 ||
        anth_object(root, "thinking", e) < 0 || anth_object(root, "context_management", e) < 0)
        return -1;
    if ((v = anth_get(root, "mcp_servers")) &&
        (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > 0))
        return anth_bad(e, "mcp_servers", "MCP servers cannot be reached through the relay");
    if (anth_output_format(q, e) < 0)
        return -1;

    struct json_object *tools = anth_get(root, "tools");
    if (tools) {
        if (!json_object_is_type(tools, json_type_array))
            return anth_bad(e, "tools", "Input should be a valid list");
        size_t n = json_object_array_length(tools);
        if (!(q->eng.tools = anth_calloc(q, n, sizeof *q->eng.tools)))
            return anth_oom(e);
        for (size_t i = 0; i < n; i++)
            if (anth_tool(q, json_object_array_get_idx(tools, i), i, e) < 0)
                return -1;
    }
    if ((v = anth_get(root, "tool_choice")) && anth_tool_choice(q, v, e) < 0)
        return -1;

    struct json_object *msgs = anth_get(root, "messages");
    if (!msgs)
        return anth_bad(e, "messages", "Field required");
    if (!json_object_is_type(msgs, json_type_array))
        return anth_bad(e, "messages", "Input should be a valid list");
    size_t n = json_object_array_length(msgs);
    if (n == 0)
        return anth_bad(e, "messages", "At least one message is required");
    /* Turns: the system turn, then at most one per block of each message. */
    size_t room = 1;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = anth_get(json_object_array_get_idx(msgs, i), "content");
        size_t blocks = c && json_object_is_type(c, json_type_array) ? json_object_array_length(c) : 0;
        for (size_t j = 0; j < blocks; j++)
            room += anth_block_parts(json_object_array_get_idx(c, j));
        room += 1;
    }
    if (!(q->eng.turns = anth_calloc(q, room, sizeof *q->eng.turns)))
        return anth_oom(e);
    struct json_object *sys = anth_get(root, "system");
    if (sys && anth_system(q, sys, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (anth_message(q, json_object_array_get_idx(msgs, i), i, e) < 0)
            return -1;
    return 0;
}

void anth_request_free(struct anth_request *q)
{
    keep_free(&q->owned);
    json_object_put(q->root);
    memset(q, 0, sizeof *q);
}
