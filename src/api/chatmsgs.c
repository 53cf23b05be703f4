/* chatmsgs: see chatmsgs.h. */
#include "api/chatmsgs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"

/* Room for the longest field path we build ("messages[N].tool_calls[N].function"
 * with 20-digit indices). */
#define CHATMSGS_WHERE_MAX 128
#define CHATMSGS_TEXT_MAX ((size_t)32 << 20)

/* A copy of s owned by m, or NULL when out of memory. */
static const char *chatmsgs_keep(struct chatmsgs *m, char *s)
{
    return keep_add(&m->owned, s);
}

static const char *chatmsgs_strdup(struct chatmsgs *m, const char *s)
{
    return chatmsgs_keep(m, strdup(s));
}

static enum eng_role *chatmsgs_role(const char *role, enum eng_role *out)
{
    static const struct { const char *name; enum eng_role role; } roles[] = {
        { "system", ENG_SYSTEM }, { "developer", ENG_SYSTEM }, { "user", ENG_USER },
        { "assistant", ENG_ASSISTANT }, { "tool", ENG_TOOL }, { "function", ENG_TOOL },
    };
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i].name) == 0) {
            *out = roles[i].role;
            return out;
        }
    return NULL;
}

static struct eng_part *chatmsgs_add(struct eng_turn *t, enum eng_part_kind kind)
{
    struct eng_part *p = &t->parts[t->nparts++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    return p;
}

/* {"type":"file","file":{"filename","file_data"|"file_id"}} as a FILE part
 * (api/docparts makes it ready: file_data is a data: URL or bare base64). */
static int chatmsgs_file(struct chatmsgs *m, struct json_object *part, const char *where, struct eng_turn *t,
                         struct relay_err *e)
{
    struct json_object *f, *v;
    char path[CHATMSGS_WHERE_MAX + 16];
    snprintf(path, sizeof path, "%s.file", where);
    if (!json_object_object_get_ex(part, "file", &f) || !json_object_is_type(f, json_type_object))
        return err_set(e, 400, NULL, NULL, path, "Missing required parameter: '%s'.", path);
    struct eng_part *p = chatmsgs_add(t, ENG_PART_FILE);
    if (json_object_object_get_ex(f, "filename", &v) && json_object_is_type(v, json_type_string))
        p->filename = json_object_get_string(v);
    if (json_object_object_get_ex(f, "file_id", &v) && json_object_is_type(v, json_type_string) &&
        json_object_get_string_len(v) > 0)
        p->file_id = json_object_get_string(v);
    else if (json_object_object_get_ex(f, "file_data", &v) && json_object_is_type(v, json_type_string) &&
             json_object_get_string_len(v) > 0)
        p->url = json_object_get_string(v);
    else
        return err_set(e, 400, NULL, NULL, path, "'%s' needs file_data (base64) or file_id.", path);
    p->param = chatmsgs_strdup(m, path);
    return p->param ? 0 : err_oom(e);
}

/* The parts of an array content: text, image and file parts. param is
 * "messages[i].content". */
static int chatmsgs_parts(struct chatmsgs *m, struct json_object *parts, const char *param, struct eng_turn *t,
                          struct relay_err *e)
{
    size_t n = json_object_array_length(parts), seen = 0;
    char where[CHATMSGS_WHERE_MAX];
    for (size_t j = 0; j < n; j++) {
        struct json_object *part = json_object_array_get_idx(parts, j), *type, *v, *u;
        snprintf(where, sizeof(where), "%s[%zu]", param, j);
        if (!json_object_is_type(part, json_type_object))
            return err_set(e, 400, NULL, NULL, where, "Invalid type for '%s': expected an object.", where);
        if (!json_object_object_get_ex(part, "type", &type) || !json_object_is_type(type, json_type_string))
            return err_set(e, 400, NULL, NULL, where, "Missing required parameter: '%s.type'.", where);
        const char *ty = json_object_get_string(type);
        /* "refusal" parts appear in assistant messages that a client replays */
        const char *text_key = strcmp(ty, "text") == 0 ? "text" : strcmp(ty, "refusal") == 0 ? "refusal" : NULL;
        if (text_key) {
            if (!json_object_object_get_ex(part, text_key, &v) || !json_object_is_type(v, json_type_string))
                return err_set(e, 400, NULL, NULL, where, "Invalid value for '%s.%s': expected a string.", where,
                               text_key);
            struct eng_part *p = chatmsgs_add(t, ENG_PART_TEXT);
            p->text = json_object_get_string(v);
            p->text_len = (size_t)json_object_get_string_len(v);
        } else if (strcmp(ty, "image_url") == 0) {
            /* {"type":"image_url","image_url":{"url":...}} or the shorthand "image_url":"..." */
            const char *url = "";
            if (json_object_object_get_ex(part, "image_url", &v) && v) {
                if (json_object_is_type(v, json_type_string))
                    url = json_object_get_string(v);
                else if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "url", &u) &&
                         json_object_is_type(u, json_type_string))
                    url = json_object_get_string(u);
            }
            struct eng_part *p = chatmsgs_add(t, ENG_PART_IMAGE);
            char path[CHATMSGS_WHERE_MAX + 16];
            snprintf(path, sizeof path, "%s.image_url", where);
            p->url = url;
            p->param = chatmsgs_strdup(m, path);
            if (!p->param)
                return err_oom(e);
        } else if (strcmp(ty, "file") == 0) {
            if (chatmsgs_file(m, part, where, t, e) < 0)
                return -1;
        } else if (strcmp(ty, "input_audio") == 0) {
            return err_set(e, 400, NULL, NULL, where, "Content parts of type '%s' cannot be relayed to 1min.ai; "
                           "send text or image_url parts.", ty);
        } else {
            return err_set(e, 400, NULL, NULL, where,
                           "Invalid value for '%s.type': '%.32s' is not a supported content part type.", where, ty);
        }
        seen++;
    }
    if (seen == 0)
        return err_set(e, 400, NULL, NULL, param, "'%s' must contain at least one text, image_url or file part.",
                       param);
    return 0;
}

/* One OpenAI function object as a TOOL_CALL part (id NULL: a legacy
 * function_call, known by its name). */
static int chatmsgs_call(struct json_object *fn, const char *id, const char *where, struct eng_turn *t,
                         struct relay_err *e)
{
    struct json_object *name, *args;
    if (!json_object_is_type(fn, json_type_object) ||
        !json_object_object_get_ex(fn, "name", &name) || !json_object_is_type(name, json_type_string))
        return err_set(e, 400, NULL, NULL, where, "Invalid value for '%s': a function needs a string 'name'.", where);
    const char *a = "";
    if (json_object_object_get_ex(fn, "arguments", &args) && args) {
        if (!json_object_is_type(args, json_type_string))
            return err_set(e, 400, NULL, NULL, where, "Invalid value for '%s.arguments': expected a string.", where);
        a = json_object_get_string(args);
    }
    struct eng_part *p = chatmsgs_add(t, ENG_PART_TOOL_CALL);
    p->name = json_object_get_string(name);
    p->id = id ? id : p->name;      /* a legacy function result names the function */
    p->arguments = a;
    return 0;
}

/* The assistant's tool_calls (or legacy function_call) as TOOL_CALL parts. */
static int chatmsgs_calls(struct json_object *msg, size_t i, struct eng_turn *t, size_t *written,
                          struct relay_err *e)
{
    struct json_object *calls, *fn, *id;
    char where[CHATMSGS_WHERE_MAX];
    *written = 0;
    if (json_object_object_get_ex(msg, "tool_calls", &calls) && calls) {
        snprintf(where, sizeof(where), "messages[%zu].tool_calls", i);
        if (!json_object_is_type(calls, json_type_array))
            return err_set(e, 400, NULL, NULL, where, "Invalid type for '%s': expected an array.", where);
        size_t n = json_object_array_length(calls);
        for (size_t k = 0; k < n; k++) {
            snprintf(where, sizeof(where), "messages[%zu].tool_calls[%zu].function", i, k);
            struct json_object *call = json_object_array_get_idx(calls, k);
            if (!json_object_is_type(call, json_type_object) || !json_object_object_get_ex(call, "function", &fn))
                fn = NULL;
            const char *cid = call && json_object_object_get_ex(call, "id", &id) &&
                              json_object_is_type(id, json_type_string) ? json_object_get_string(id) : NULL;
            if (chatmsgs_call(fn, cid, where, t, e) < 0)
                return -1;
            ++*written;
        }
    }
    if (json_object_object_get_ex(msg, "function_call", &fn) && fn) {
        snprintf(where, sizeof(where), "messages[%zu].function_call", i);
        if (chatmsgs_call(fn, NULL, where, t, e) < 0)
            return -1;
        ++*written;
    }
    return 0;
}

/* A tool or function message: its text parts joined into one TOOL_RESULT. */
static int chatmsgs_result(struct chatmsgs *m, struct json_object *msg, struct eng_turn *t, int function,
                           struct relay_err *e)
{
    struct json_object *v;
    struct eng_part *r = &t->parts[0];
    struct buf joined;
    size_t texts = 0;
    if (json_object_object_get_ex(msg, function ? "name" : "tool_call_id", &v) &&
        json_object_is_type(v, json_type_string))
        r->id = json_object_get_string(v);
    buf_init(&joined, CHATMSGS_TEXT_MAX);
    for (size_t i = 1; i < t->nparts; i++) {
        const struct eng_part *p = &t->parts[i];
        if (p->kind != ENG_PART_TEXT)
            continue;
        if ((texts++ && buf_append(&joined, "\n", 1) < 0) || buf_append(&joined, p->text, p->text_len) < 0) {
            buf_free(&joined);
            return err_set(e, 400, NULL, NULL, "messages", "The conversation is too long for the relay's prompt limit.");
        }
    }
    size_t len = joined.len;
    r->text = chatmsgs_keep(m, buf_steal(&joined));
    r->text_len = len;
    t->nparts = 1;
    return r->text ? 0 : err_oom(e);
}

static int chatmsgs_message(struct chatmsgs *m, struct json_object *msg, size_t i, struct eng_turn *t,
                            struct relay_err *e)
{
    char param[64];
    struct json_object *role, *content, *calls;
    snprintf(param, sizeof(param), "messages[%zu]", i);
    if (!json_object_is_type(msg, json_type_object))
        return err_set(e, 400, NULL, NULL, param, "Invalid type for '%s': expected an object.", param);

    snprintf(param, sizeof(param), "messages[%zu].role", i);
    if (!json_object_object_get_ex(msg, "role", &role) || !role)
        return err_set(e, 400, NULL, NULL, param, "Missing required parameter: '%s'.", param);
    if (!json_object_is_type(role, json_type_string))
        return err_set(e, 400, NULL, NULL, param, "Invalid type for '%s': expected a string.", param);
    const char *r = json_object_get_string(role);
    if (!chatmsgs_role(r, &t->role))
        return err_set(e, 400, NULL, NULL, param, "Invalid value for '%s': '%.32s' is not one of 'system', "
                       "'developer', 'user', 'assistant', 'tool' or 'function'.", param, r);
    int function = strcmp(r, "function") == 0;

    snprintf(param, sizeof(param), "messages[%zu].content", i);
    int has_content = json_object_object_get_ex(msg, "content", &content);
    size_t cap = 2 + (has_content && json_object_is_type(content, json_type_array) ?
                      json_object_array_length(content) : 0);
    if (json_object_object_get_ex(msg, "tool_calls", &calls) && json_object_is_type(calls, json_type_array))
        cap += json_object_array_length(calls);
    t->parts = calloc(cap, sizeof *t->parts);
    if (!t->parts)
        return err_oom(e);
    if (t->role == ENG_TOOL)
        chatmsgs_add(t, ENG_PART_TOOL_RESULT);      /* filled from the text parts below */
    if (has_content && json_object_is_type(content, json_type_string)) {
        struct eng_part *p = chatmsgs_add(t, ENG_PART_TEXT);
        p->text = json_object_get_string(content);
        p->text_len = (size_t)json_object_get_string_len(content);
    } else if (has_content && json_object_is_type(content, json_type_array)) {
        if (chatmsgs_parts(m, content, param, t, e) < 0)
            return -1;
    } else if (has_content && content) {
        return err_set(e, 400, NULL, NULL, param,
                       "Invalid type for '%s': expected a string or an array of content parts.", param);
    }
    int have_text = has_content && content;

    size_t ncalls = 0;
    if (t->role == ENG_ASSISTANT && chatmsgs_calls(msg, i, t, &ncalls, e) < 0)
        return -1;
    /* null or missing content is only valid next to tool calls (and for the
     * legacy function role, whose result may be empty) */
    if (!have_text && ncalls == 0 && !function)
        return err_set(e, 400, NULL, NULL, param, has_content ? "Invalid value for '%s': content is null but the "
                       "message has no tool_calls." : "Missing required parameter: '%s'.", param);
    return t->role == ENG_TOOL ? chatmsgs_result(m, msg, t, function, e) : 0;
}

int chatmsgs_parse(struct json_object *messages, struct chatmsgs *m, struct relay_err *e)
{
    memset(m, 0, sizeof *m);
    if (!messages)
        return err_set(e, 400, NULL, NULL, "messages", "Missing required parameter: 'messages'.");
    if (!json_object_is_type(messages, json_type_array))
        return err_set(e, 400, NULL, NULL, "messages", "Invalid type for 'messages': expected an array of messages.");
    size_t n = json_object_array_length(messages);
    if (n == 0)
        return err_set(e, 400, NULL, NULL, "messages", "'messages' must contain at least one message.");
    m->turns = calloc(n, sizeof *m->turns);
    if (!m->turns)
        return err_oom(e);
    for (size_t i = 0; i < n; i++) {
        m->nturns = i + 1;
        if (chatmsgs_message(m, json_object_array_get_idx(messages, i), i, &m->turns[i], e) < 0)
            return -1;
    }
    return 0;
}

void chatmsgs_free(struct chatmsgs *m)
{
    for (size_t i = 0; i < m->nturns; i++)
        free(m->turns[i].parts);
    free(m->turns);
    keep_free(&m->owned);
    memset(m, 0, sizeof *m);
}
