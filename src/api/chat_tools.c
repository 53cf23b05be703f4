/* chat_tools: see chat_tools.h. Messages follow OpenAI's 400 wording, so a
 * client sees the field it must fix. */
#include "api/chat_tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define CHAT_TOOLS_PARAM_MAX 64

static const char *chat_tools_string(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The JSON text of an object member as the client sent it (re-serialised
 * compactly), or NULL when absent or null. */
static const char *chat_tools_json_text(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return NULL;
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* One function definition ({name, description, parameters}) into t. */
static int chat_tools_function(struct json_object *fn, const char *where, struct eng_tool *t, struct relay_err *e)
{
    struct json_object *params;
    if (!json_object_is_type(fn, json_type_object))
        return err_set(e, 400, NULL, NULL, where, "Invalid type for '%s': expected an object.", where);
    t->name = chat_tools_string(fn, "name");
    if (!t->name || !*t->name)
        return err_set(e, 400, NULL, NULL, where, "Missing required parameter: '%s.name'.", where);
    if (strlen(t->name) > 64 || strspn(t->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        != strlen(t->name))
        return err_set(e, 400, NULL, NULL, where, "Invalid '%s.name': string does not match pattern. Expected a "
                       "string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.", where);
    t->description = chat_tools_string(fn, "description");
    if (json_object_object_get_ex(fn, "parameters", &params) && params &&
        !json_object_is_type(params, json_type_object))
        return err_set(e, 400, NULL, NULL, where, "Invalid type for '%s.parameters': expected an object.", where);
    t->parameters = chat_tools_json_text(fn, "parameters");
    return 0;
}

static int chat_tools_list(struct json_object *root, struct eng_request *req, struct relay_err *e)
{
    struct json_object *list;
    const char *key = "tools";
    int legacy = 0;
    if (!json_object_object_get_ex(root, key, &list) || !list) {
        key = "functions";
        legacy = 1;
        if (!json_object_object_get_ex(root, key, &list) || !list)
            return 0;
    }
    if (!json_object_is_type(list, json_type_array))
        return err_set(e, 400, NULL, NULL, key, "Invalid type for '%s': expected an array.", key);
    size_t n = json_object_array_length(list);
    req->tools = calloc(n ? n : 1, sizeof(*req->tools));
    if (!req->tools)
        return err_oom(e);
    char where[CHAT_TOOLS_PARAM_MAX];
    for (size_t i = 0; i < n; i++) {
        struct json_object *item = json_object_array_get_idx(list, i), *fn;
        snprintf(where, sizeof(where), "%s[%zu]", key, i);
        if (legacy) {
            if (chat_tools_function(item, where, &req->tools[req->ntools++], e) < 0)
                return -1;
            continue;
        }
        if (!json_object_is_type(item, json_type_object))
            return err_set(e, 400, NULL, NULL, where, "Invalid type for '%s': expected an object.", where);
        const char *type = chat_tools_string(item, "type");
        if (!type)
            return err_set(e, 400, NULL, NULL, where, "Missing required parameter: '%s.type'.", where);
        if (strcmp(type, "function") == 0) {
            snprintf(where, sizeof(where), "%s[%zu].function", key, i);
            if (!json_object_object_get_ex(item, "function", &fn))
                return err_set(e, 400, NULL, NULL, where, "Missing required parameter: '%s'.", where);
            if (chat_tools_function(fn, where, &req->tools[req->ntools++], e) < 0)
                return -1;
        } else if (strncmp(type, "web_search", 10) == 0) {
            req->web_search = 1;        /* 1min.ai's own web search (docs/tools.md §3) */
        } else {
            snprintf(where, sizeof(where), "%s[%zu].type", key, i);
            return err_set(e, 400, NULL, "unsupported_tool", where, "Tools of type '%.40s' are not supported by "
                           "this relay: 1min.ai cannot run them. Offer function tools (or web_search).", type);
        }
    }
    for (size_t i = 0; i < req->ntools; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(req->tools[i].name, req->tools[j].name) == 0)
                return err_set(e, 400, NULL, NULL, key, "Invalid '%s': the function name '%.64s' is used twice.",
                               key, req->tools[i].name);
    return 0;
}

static int chat_tools_choice(struct json_object *root, struct eng_request *req, struct relay_err *e)
{
    struct json_object *v, *fn;
    const char *key = "tool_choice";
    if (!json_object_object_get_ex(root, key, &v) || !v) {
        key = "function_call";
        if (!json_object_object_get_ex(root, key, &v) || !v)
            return 0;
    }
    int legacy = strcmp(key, "function_call") == 0;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (strcmp(s, "none") == 0)
            req->tool_choice = ENG_CHOICE_NONE;
        else if (strcmp(s, "auto") == 0)
            req->tool_choice = ENG_CHOICE_AUTO;
        else if (strcmp(s, "required") == 0 && !legacy)
            req->tool_choice = ENG_CHOICE_REQUIRED;
        else
            return err_set(e, 400, NULL, NULL, key, "Invalid value for '%s': expected %s.", key,
                           legacy ? "'none', 'auto' or an object with a 'name'"
                           : "'none', 'auto', 'required' or a function object");
    } else if (json_object_is_type(v, json_type_object)) {
        const char *name = NULL;
        if (legacy)
            name = chat_tools_string(v, "name");
        else if (json_object_object_get_ex(v, "function", &fn) && json_object_is_type(fn, json_type_object))
            name = chat_tools_string(fn, "name");
        if (!name)
            return err_set(e, 400, NULL, NULL, key, "Invalid value for '%s': %s.", key,
                           legacy ? "expected an object with a string 'name'"
                           : "expected {\"type\": \"function\", \"function\": {\"name\": ...}}");
        req->tool_choice = ENG_CHOICE_NAMED;
        req->tool_choice_name = name;
    } else {
        return err_set(e, 400, NULL, NULL, key, "Invalid type for '%s': expected a string or an object.", key);
    }
    if (req->tool_choice == ENG_CHOICE_REQUIRED || req->tool_choice == ENG_CHOICE_NAMED) {
        if (req->ntools == 0)
            return err_set(e, 400, NULL, NULL, key, "Invalid value for '%s': '%s' is only allowed when 'tools' "
                           "are specified.", key, key);
        size_t i = 0;
        while (req->tool_choice == ENG_CHOICE_NAMED && i < req->ntools &&
               strcmp(req->tools[i].name, req->tool_choice_name) != 0)
            i++;
        if (i == req->ntools)
            return err_set(e, 400, NULL, NULL, key, "Invalid value for '%s': no function named '%.64s' was "
                           "specified in 'tools'.", key, req->tool_choice_name);
    }
    return 0;
}

static int chat_tools_format(struct json_object *root, struct eng_request *req, struct relay_err *e)
{
    struct json_object *v, *js, *schema;
    if (!json_object_object_get_ex(root, "response_format", &v) || !v)
        return 0;
    const char *type = json_object_is_type(v, json_type_object) ? chat_tools_string(v, "type") : NULL;
    if (!type)
        return err_set(e, 400, NULL, NULL, "response_format", "Invalid value for 'response_format': expected an "
                       "object with a 'type'.");
    if (strcmp(type, "text") == 0)
        return 0;
    if (strcmp(type, "json_object") == 0) {
        req->format = ENG_FORMAT_JSON_OBJECT;
        return 0;
    }
    if (strcmp(type, "json_schema") != 0)
        return err_set(e, 400, NULL, NULL, "response_format.type", "Invalid value for 'response_format.type': "
                       "'%.40s'; expected 'text', 'json_object' or 'json_schema'.", type);
    if (!json_object_object_get_ex(v, "json_schema", &js) || !json_object_is_type(js, json_type_object))
        return err_set(e, 400, NULL, NULL, "response_format.json_schema",
                       "Missing required parameter: 'response_format.json_schema'.");
    req->format_name = chat_tools_string(js, "name");
    if (!req->format_name)
        return err_set(e, 400, NULL, NULL, "response_format.json_schema.name",
                       "Missing required parameter: 'response_format.json_schema.name'.");
    if (json_object_object_get_ex(js, "schema", &schema) && schema && !json_object_is_type(schema, json_type_object))
        return err_set(e, 400, NULL, NULL, "response_format.json_schema.schema",
                       "Invalid type for 'response_format.json_schema.schema': expected an object.");
    req->format = ENG_FORMAT_JSON_SCHEMA;
    req->format_schema = chat_tools_json_text(js, "schema");
    return 0;
}

static int chat_tools_stop(struct json_object *root, struct eng_request *req, struct relay_err *e)
{
    struct json_object *v;
    if (!json_object_object_get_ex(root, "stop", &v) || !v)
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        req->stop[0] = json_object_get_string(v);
        req->nstop = 1;
        return 0;
    }
    if (!json_object_is_type(v, json_type_array))
        return err_set(e, 400, NULL, NULL, "stop", "Invalid type for 'stop': expected a string or an array of "
                       "strings.");
    size_t n = json_object_array_length(v);
    if (n > ENG_STOP_MAX)
        return err_set(e, 400, NULL, NULL, "stop", "Invalid 'stop': array too long. Expected an array with maximum "
                       "length %d, but got an array with length %zu instead.", ENG_STOP_MAX, n);
    for (size_t i = 0; i < n; i++) {
        struct json_object *s = json_object_array_get_idx(v, i);
        if (!json_object_is_type(s, json_type_string))
            return err_set(e, 400, NULL, NULL, "stop", "Invalid type for 'stop[%zu]': expected a string.", i);
        req->stop[req->nstop++] = json_object_get_string(s);
    }
    return 0;
}

/* An optional integer >= min; *out untouched when absent or null. */
static int chat_tools_int(struct json_object *root, const char *key, long long min, long long *out,
                          struct relay_err *e)
{
    struct json_object *v;
    if (!json_object_object_get_ex(root, key, &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return err_set(e, 400, NULL, NULL, key, "Invalid type for '%s': expected an integer.", key);
    long long x = json_object_get_int64(v);
    if (x < min)
        return err_set(e, 400, NULL, "integer_below_min_value", key, "Invalid '%s': integer below minimum value. "
                       "Expected a value >= %lld, but got %lld instead.", key, min, x);
    *out = x;
    return 0;
}

int chat_tools_parse(struct json_object *root, unsigned max_n, struct eng_request *req, struct relay_err *e)
{
    struct json_object *v;
    req->parallel_tool_calls = 1;
    req->n = 1;
    if (json_object_object_get_ex(root, "parallel_tool_calls", &v) && v) {
        if (!json_object_is_type(v, json_type_boolean))
            return err_set(e, 400, NULL, NULL, "parallel_tool_calls", "Invalid type for 'parallel_tool_calls': "
                           "expected a boolean.");
        req->parallel_tool_calls = json_object_get_boolean(v);
    }
    if (chat_tools_legacy(root))
        req->parallel_tool_calls = 0;       /* one function_call per answer */
    long long n = 1;
    if (chat_tools_list(root, req, e) < 0 || chat_tools_choice(root, req, e) < 0 ||
        chat_tools_format(root, req, e) < 0 || chat_tools_stop(root, req, e) < 0 ||
        chat_tools_int(root, "max_tokens", 1, &req->max_tokens, e) < 0 ||
        chat_tools_int(root, "max_completion_tokens", 1, &req->max_tokens, e) < 0 ||
        chat_tools_int(root, "n", 1, &n, e) < 0)
        return -1;
    if (n > (long long)max_n)
        return err_set(e, 400, NULL, "integer_above_max_value", "n", "Invalid 'n': this relay makes at most %u "
                       "choices per request (RELAY_MAX_N), but got %lld.", max_n, n);
    req->n = (unsigned)n;
    return 0;
}

void chat_tools_free(struct eng_request *req)
{
    free(req->tools);
    req->tools = NULL;
    req->ntools = 0;
}

int chat_tools_legacy(struct json_object *root)
{
    struct json_object *v;
    return !(json_object_object_get_ex(root, "tools", &v) && v) &&
           json_object_object_get_ex(root, "functions", &v) && v;
}

struct json_object *chat_tools_call_json(const struct eng_tool_call *call, int with_index, int legacy)
{
    struct json_object *item = json_object_new_object(), *fn = json_object_new_object();
    if (!item || !fn)
        goto fail;
    if (legacy) {
        json_object_put(item);
        if (json_object_object_add(fn, "name", json_object_new_string(call->name)) < 0 ||
            json_object_object_add(fn, "arguments", json_object_new_string_len(call->arguments,
                                                                               (int)call->arguments_len)) < 0)
            goto fail_fn;
        return fn;
    }
    if ((with_index && json_object_object_add(item, "index", json_object_new_int((int)call->index)) < 0) ||
        json_object_object_add(item, "id", json_object_new_string(call->id)) < 0 ||
        json_object_object_add(item, "type", json_object_new_string("function")) < 0 ||
        json_object_object_add(fn, "name", json_object_new_string(call->name)) < 0 ||
        json_object_object_add(fn, "arguments", json_object_new_string_len(call->arguments,
                                                                           (int)call->arguments_len)) < 0)
        goto fail;
    if (json_object_object_add(item, "function", fn) < 0)
        goto fail;
    return item;
fail:
    json_object_put(item);
fail_fn:
    json_object_put(fn);
    return NULL;
}
