/* prompt: OpenAI messages -> one 1min.ai prompt; the convention is in prompt.h.
 *
 * Validation follows the OpenAI request schema closely enough that a client
 * gets a 400 naming the field it must fix, instead of a prompt that silently
 * lost part of the conversation. */
#include "api/prompt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

/* Room for the longest field path we build ("messages[N].tool_calls[N].function"
 * with 20-digit indices); err->param keeps what fits. */
#define PROMPT_WHERE_MAX 128

/* Fill err; always returns -1 so callers can `return prompt_fail(...)`. */
static int prompt_fail(struct prompt_error *err, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int prompt_fail(struct prompt_error *err, const char *param, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    snprintf(err->param, sizeof(err->param), "%s", param);
    return -1;
}

static int prompt_full(struct prompt_error *err)
{
    return prompt_fail(err, "messages", "The conversation is too long for the relay's prompt limit.");
}

static const char *prompt_label(const char *role)
{
    static const struct { const char *role, *label; } labels[] = {
        { "system", "System" }, { "developer", "System" }, { "user", "Human" },
        { "assistant", "Assistant" }, { "tool", "Tool" }, { "function", "Tool" },
    };
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(role, labels[i].role) == 0)
            return labels[i].label;
    return NULL;
}

/* Append an array of content parts: text parts joined with "\n", image parts
 * counted. param is "messages[i].content". */
static int prompt_parts(struct json_object *parts, const char *param, struct buf *out,
                        size_t *images, struct prompt_error *err)
{
    size_t n = json_object_array_length(parts), texts = 0, seen_images = 0;
    char where[PROMPT_WHERE_MAX];
    for (size_t j = 0; j < n; j++) {
        struct json_object *part = json_object_array_get_idx(parts, j), *type, *v;
        snprintf(where, sizeof(where), "%s[%zu]", param, j);
        if (!json_object_is_type(part, json_type_object))
            return prompt_fail(err, where, "Invalid type for '%s': expected an object.", where);
        if (!json_object_object_get_ex(part, "type", &type) || !json_object_is_type(type, json_type_string))
            return prompt_fail(err, where, "Missing required parameter: '%s.type'.", where);
        const char *t = json_object_get_string(type);
        /* "refusal" parts appear in assistant messages that a client replays */
        const char *text_key = strcmp(t, "text") == 0 ? "text" : strcmp(t, "refusal") == 0 ? "refusal" : NULL;
        if (text_key) {
            if (!json_object_object_get_ex(part, text_key, &v) || !json_object_is_type(v, json_type_string))
                return prompt_fail(err, where, "Invalid value for '%s.%s': expected a string.", where, text_key);
            if ((texts > 0 && buf_append(out, "\n", 1) < 0) ||
                buf_append(out, json_object_get_string(v), (size_t)json_object_get_string_len(v)) < 0)
                return prompt_full(err);
            texts++;
        } else if (strcmp(t, "image_url") == 0) {
            seen_images++;
        } else if (strcmp(t, "input_audio") == 0 || strcmp(t, "file") == 0) {
            return prompt_fail(err, where, "Content parts of type '%s' cannot be relayed to 1min.ai; "
                               "send text or image_url parts.", t);
        } else {
            return prompt_fail(err, where, "Invalid value for '%s.type': '%.32s' is not a supported content part type.",
                               where, t);
        }
    }
    if (texts == 0 && seen_images == 0)
        return prompt_fail(err, param, "'%s' must contain at least one text or image_url part.", param);
    if (images)
        *images += seen_images;
    return 0;
}

/* Append "[tool call NAME: ARGS]" for one OpenAI function object. */
static int prompt_call(struct json_object *fn, const char *where, int first, struct buf *out,
                       struct prompt_error *err)
{
    struct json_object *name, *args;
    if (!json_object_is_type(fn, json_type_object) ||
        !json_object_object_get_ex(fn, "name", &name) || !json_object_is_type(name, json_type_string))
        return prompt_fail(err, where, "Invalid value for '%s': a function needs a string 'name'.", where);
    const char *a = "";
    if (json_object_object_get_ex(fn, "arguments", &args) && args) {
        if (!json_object_is_type(args, json_type_string))
            return prompt_fail(err, where, "Invalid value for '%s.arguments': expected a string.", where);
        a = json_object_get_string(args);
    }
    if ((!first && buf_append(out, "\n", 1) < 0) ||
        buf_printf(out, "[tool call %s: %s]", json_object_get_string(name), a) < 0)
        return prompt_full(err);
    return 0;
}

/* The assistant's tool_calls (or legacy function_call) as lines. *written
 * counts the lines. */
static int prompt_calls(struct json_object *msg, size_t i, int after_text, struct buf *out,
                        size_t *written, struct prompt_error *err)
{
    struct json_object *calls, *fn;
    char where[PROMPT_WHERE_MAX];
    *written = 0;
    if (json_object_object_get_ex(msg, "tool_calls", &calls) && calls) {
        snprintf(where, sizeof(where), "messages[%zu].tool_calls", i);
        if (!json_object_is_type(calls, json_type_array))
            return prompt_fail(err, where, "Invalid type for '%s': expected an array.", where);
        size_t n = json_object_array_length(calls);
        for (size_t k = 0; k < n; k++) {
            snprintf(where, sizeof(where), "messages[%zu].tool_calls[%zu].function", i, k);
            struct json_object *call = json_object_array_get_idx(calls, k);
            if (!json_object_is_type(call, json_type_object) ||
                !json_object_object_get_ex(call, "function", &fn))
                fn = NULL;
            if (prompt_call(fn, where, !after_text && *written == 0, out, err) < 0)
                return -1;
            ++*written;
        }
    }
    if (json_object_object_get_ex(msg, "function_call", &fn) && fn) {
        snprintf(where, sizeof(where), "messages[%zu].function_call", i);
        if (prompt_call(fn, where, !after_text && *written == 0, out, err) < 0)
            return -1;
        ++*written;
    }
    return 0;
}

/* Append one message's block. */
static int prompt_message(struct json_object *msg, size_t i, struct buf *out, size_t *images,
                          struct prompt_error *err)
{
    char param[64];
    struct json_object *role, *content;
    snprintf(param, sizeof(param), "messages[%zu]", i);
    if (!json_object_is_type(msg, json_type_object))
        return prompt_fail(err, param, "Invalid type for '%s': expected an object.", param);

    snprintf(param, sizeof(param), "messages[%zu].role", i);
    if (!json_object_object_get_ex(msg, "role", &role) || !role)
        return prompt_fail(err, param, "Missing required parameter: '%s'.", param);
    if (!json_object_is_type(role, json_type_string))
        return prompt_fail(err, param, "Invalid type for '%s': expected a string.", param);
    const char *r = json_object_get_string(role);
    const char *label = prompt_label(r);
    if (!label)
        return prompt_fail(err, param, "Invalid value for '%s': '%.32s' is not one of 'system', "
                           "'developer', 'user', 'assistant', 'tool' or 'function'.", param, r);
    int assistant = strcmp(r, "assistant") == 0;

    if (buf_printf(out, "%s: ", label) < 0)
        return prompt_full(err);
    snprintf(param, sizeof(param), "messages[%zu].content", i);
    int has_content = json_object_object_get_ex(msg, "content", &content);
    size_t text_start = out->len;
    if (has_content && json_object_is_type(content, json_type_string)) {
        if (buf_append(out, json_object_get_string(content), (size_t)json_object_get_string_len(content)) < 0)
            return prompt_full(err);
    } else if (has_content && json_object_is_type(content, json_type_array)) {
        if (prompt_parts(content, param, out, images, err) < 0)
            return -1;
    } else if (has_content && content) {
        return prompt_fail(err, param, "Invalid type for '%s': expected a string or an array of content parts.",
                           param);
    }
    int have_text = has_content && content;

    size_t calls = 0;
    if (assistant && prompt_calls(msg, i, out->len > text_start, out, &calls, err) < 0)
        return -1;
    /* null or missing content is only valid next to tool calls (and for the
     * legacy function role, whose result may be empty) */
    if (!have_text && calls == 0 && strcmp(r, "function") != 0)
        return prompt_fail(err, param, has_content ? "Invalid value for '%s': content is null but the "
                           "message has no tool_calls." : "Missing required parameter: '%s'.", param);
    if (buf_append(out, "\n\n", 2) < 0)
        return prompt_full(err);
    return 0;
}

int prompt_build(struct json_object *messages, struct buf *out, size_t *image_parts,
                 struct prompt_error *err)
{
    if (image_parts)
        *image_parts = 0;
    if (!messages)
        return prompt_fail(err, "messages", "Missing required parameter: 'messages'.");
    if (!json_object_is_type(messages, json_type_array))
        return prompt_fail(err, "messages", "Invalid type for 'messages': expected an array of messages.");
    size_t n = json_object_array_length(messages);
    if (n == 0)
        return prompt_fail(err, "messages", "'messages' must contain at least one message.");
    for (size_t i = 0; i < n; i++)
        if (prompt_message(json_object_array_get_idx(messages, i), i, out, image_parts, err) < 0)
            return -1;
    return 0;
}
