/* responses_parse: a Responses API request body -> struct resp_request; see
 * responses.h. Tool shapes and what is refused: docs/tools.md §3. The body's JSON tree stays alive (rq->body) and the request's
 * strings are borrowed from it; strings made here are kept in rq->owned. */
#include "api/responses.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"

#define RESP_TOOL_NAME_MAX 128

/* ---- small helpers --------------------------------------------------- */

static int bad(struct relay_err *e, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct relay_err *e, const char *param, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, 400, "invalid_request_error", NULL, param, "%s", msg);
}

/* Build a param path ("input[2].content[1].type"); cut when it does not fit. */
static void pfmt(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pfmt(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

static const char *jtype_name(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double:
    case json_type_int: return "a number";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "something else";
}

static int bad_type(struct relay_err *e, const char *param, const char *want, struct json_object *v)
{
    return bad(e, param, "Invalid type for '%s': expected %s, but got %s instead.", param, want,
               jtype_name(v));
}

struct json_object *resp_member(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return v;
}

/* An optional string member: 0 (absent, *out NULL), 1 (set), -1 (wrong type). */
static int opt_string(struct json_object *o, const char *key, const char *param, const char **out,
                      struct relay_err *e)
{
    struct json_object *v = resp_member(o, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return bad_type(e, param, "a string", v);
    *out = json_object_get_string(v);
    return 1;
}

/* A required non-empty string member. */
static int req_string(struct json_object *o, const char *key, const char *param, const char **out,
                      struct relay_err *e)
{
    int rc = opt_string(o, key, param, out, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return bad(e, param, "Missing required parameter: '%s'.", param);
    if (!**out)
        return bad(e, param, "Invalid '%s': empty string.", param);
    return 0;
}

static int opt_bool(struct json_object *o, const char *key, int def, int *out, struct relay_err *e)
{
    struct json_object *v = resp_member(o, key);
    *out = def;
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return bad_type(e, key, "a boolean", v);
    *out = json_object_get_boolean(v);
    return 0;
}

/* An optional number, echoed back as sent. */
static int opt_number(struct json_object *o, const char *key, double min, double max,
                      struct json_object **echo, struct relay_err *e)
{
    struct json_object *v = resp_member(o, key);
    *echo = NULL;
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        return bad_type(e, key, "a number", v);
    double d = json_object_get_double(v);
    if (!(d >= min && d <= max))
        return bad(e, key, "Invalid '%s': %g is outside [%g, %g].", key, d, min, max);
    *echo = v;
    return 0;
}

static char *own(struct resp_request *rq, const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return keep_add(&rq->owned, c);
}

static char *ownf(struct resp_request *rq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *ownf(struct resp_request *rq, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    return own(rq, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* JSON text of v, kept in rq. */
static const char *own_json(struct resp_request *rq, struct json_object *v)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    return s ? own(rq, s, n) : NULL;
}

/* ---- ids --------------------------------------------------------------- */

void resp_new_id(char hex[RESP_HEX_LEN + 1], char id[RESP_ID_MAX])
{
    rand_hex(hex, RESP_HEX_LEN);
    snprintf(id, RESP_ID_MAX, "resp_%s", hex);
}

int resp_id_hex(const char *id, char hex[RESP_HEX_LEN + 1])
{
    static const char *const prefixes[] = { "resp_", "msg_", "fc_", "fco_" };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(id, prefixes[i], n) != 0)
            continue;
        const char *h = id + n;
        for (size_t k = 0; k < RESP_HEX_LEN; k++)
            if (!((h[k] >= '0' && h[k] <= '9') || (h[k] >= 'a' && h[k] <= 'f')))
                return -1;
        char end = h[RESP_HEX_LEN];
        if (i == 0 ? end != '\0' : end != '_')
            return -1;
        memcpy(hex, h, RESP_HEX_LEN);
        hex[RESP_HEX_LEN] = '\0';
        return 0;
    }
    return -1;
}

/* ---- input items ----------------------------------------------------- */

static int role_ok(const char *role)
{
    return strcmp(role, "user") == 0 || strcmp(role, "assistant") == 0 ||
           strcmp(role, "system") == 0 || strcmp(role, "developer") == 0;
}

/* Check one content part of a message; p is "input[i].content[j]". */
static int check_part(struct json_object *part, const char *p, struct relay_err *e)
{
    char param[96];
    const char *type, *s;
    if (!json_object_is_type(part, json_type_object))
        return bad_type(e, p, "an object", part);
    pfmt(param, sizeof param, "%s.type", p);
    if (req_string(part, "type", param, &type, e) < 0)
        return -1;
    if (strcmp(type, "input_text") == 0 || strcmp(type, "output_text") == 0) {
        pfmt(param, sizeof param, "%s.text", p);
        if (opt_string(part, "text", param, &s, e) < 0)
            return -1;
        return s ? 0 : bad(e, param, "Missing required parameter: '%s'.", param);
    }
    if (strcmp(type, "refusal") == 0) {
        pfmt(param, sizeof param, "%s.refusal", p);
        if (opt_string(part, "refusal", param, &s, e) < 0)
            return -1;
        return s ? 0 : bad(e, param, "Missing required parameter: '%s'.", param);
    }
    if (strcmp(type, "input_image") == 0) {
        pfmt(param, sizeof param, "%s.image_url", p);
        if (opt_string(part, "image_url", param, &s, e) < 0)
            return -1;
        if (s && *s)
            return 0;
        if (resp_member(part, "file_id")) {
            pfmt(param, sizeof param, "%s.file_id", p);
            return bad(e, param, "input_image by file_id is not supported: the relay's files API holds "
                       "documents. Send the image as image_url (an https URL or a data: URL).");
        }
        return bad(e, param, "Missing required parameter: '%s'.", param);
    }
    if (strcmp(type, "input_file") == 0) {
        /* a document: file_data (data: URL or base64), file_url or file_id (api/docparts) */
        static const char *const keys[] = { "file_data", "file_url", "file_id" };
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            pfmt(param, sizeof param, "%s.%s", p, keys[k]);
            if (opt_string(part, keys[k], param, &s, e) < 0)
                return -1;
            if (s && *s)
                return 0;
        }
        return bad(e, p, "An input_file part needs file_data, file_url or file_id.");
    }
    pfmt(param, sizeof param, "%s.type", p);
    if (strcmp(type, "input_audio") == 0)
        return bad(e, param, "Content parts of type '%s' are not supported by 1min-relay (1min.ai's "
                   "chat takes text, images and documents only).", type);
    return bad(e, param, "Invalid value: '%s'. Supported content types are input_text, output_text, "
               "refusal, input_image and input_file.", type);
}

/* A new normalised item {"type", "id" when given}. */
static struct json_object *item_new(const char *type, const char *id)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "type", json_object_new_string(type));
    if (id)
        json_object_object_add(o, "id", json_object_new_string(id));
    return o;
}

/* A normalised message item from a message with or without type. */
static struct json_object *norm_message(struct json_object *item, const char *p, struct relay_err *e)
{
    char param[96];
    const char *role, *id;
    pfmt(param, sizeof param, "%s.role", p);
    if (req_string(item, "role", param, &role, e) < 0)
        return NULL;
    if (!role_ok(role)) {
        bad(e, param, "Invalid value: '%s'. Supported values are: 'user', 'assistant', 'system', "
            "and 'developer'.", role);
        return NULL;
    }
    pfmt(param, sizeof param, "%s.id", p);
    if (opt_string(item, "id", param, &id, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.content", p);
    struct json_object *content = resp_member(item, "content");
    if (!content) {
        bad(e, param, "Missing required parameter: '%s'.", param);
        return NULL;
    }
    struct json_object *out = item_new("message", id), *parts = json_object_new_array();
    if (!out || !parts) {
        json_object_put(out);
        json_object_put(parts);
        return err_oom(e), NULL;
    }
    json_object_object_add(out, "role", json_object_new_string(role));
    json_object_object_add(out, "content", parts);
    if (json_object_is_type(content, json_type_string)) {
        struct json_object *part = json_object_new_object();
        if (!part) {
            err_oom(e);
            goto fail;
        }
        json_object_array_add(parts, part);
        json_object_object_add(part, "type", json_object_new_string(
            strcmp(role, "assistant") == 0 ? "output_text" : "input_text"));
        json_object_object_add(part, "text", json_object_get(content));
        return out;
    }
    if (!json_object_is_type(content, json_type_array)) {
        bad_type(e, param, "a string or an array", content);
        goto fail;
    }
    for (size_t j = 0; j < json_object_array_length(content); j++) {
        struct json_object *part = json_object_array_get_idx(content, j);
        pfmt(param, sizeof param, "%s.content[%zu]", p, j);
        if (check_part(part, param, e) < 0)
            goto fail;
        json_object_array_add(parts, json_object_get(part));
    }
    return out;
fail:
    json_object_put(out);
    return NULL;
}

static struct json_object *norm_function_call(struct json_object *item, const char *p,
                                              struct relay_err *e)
{
    char param[96];
    const char *call_id, *name, *id, *ns;
    pfmt(param, sizeof param, "%s.call_id", p);
    if (req_string(item, "call_id", param, &call_id, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.name", p);
    if (req_string(item, "name", param, &name, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.id", p);
    if (opt_string(item, "id", param, &id, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.namespace", p);
    if (opt_string(item, "namespace", param, &ns, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.arguments", p);
    struct json_object *args = resp_member(item, "arguments");
    if (!args)
        return bad(e, param, "Missing required parameter: '%s'.", param), NULL;
    if (!json_object_is_type(args, json_type_string) && !json_object_is_type(args, json_type_object))
        return bad_type(e, param, "a string", args), NULL;
    struct json_object *out = item_new("function_call", id);
    if (!out)
        return err_oom(e), NULL;
    json_object_object_add(out, "call_id", json_object_new_string(call_id));
    json_object_object_add(out, "name", json_object_new_string(name));
    if (ns)
        json_object_object_add(out, "namespace", json_object_new_string(ns));
    if (json_object_is_type(args, json_type_string))
        json_object_object_add(out, "arguments", json_object_get(args));
    else
        json_object_object_add(out, "arguments", json_object_new_string(json_object_to_json_string_ext(
                                   args, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
    return out;
}

/* function_call_output: output is a string or a list of input_text parts. */
static struct json_object *norm_call_output(struct json_object *item, const char *p,
                                            struct relay_err *e)
{
    char param[96];
    const char *call_id, *id;
    pfmt(param, sizeof param, "%s.call_id", p);
    if (req_string(item, "call_id", param, &call_id, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.id", p);
    if (opt_string(item, "id", param, &id, e) < 0)
        return NULL;
    pfmt(param, sizeof param, "%s.output", p);
    struct json_object *output = resp_member(item, "output"), *text = NULL;
    if (!output)
        return bad(e, param, "Missing required parameter: '%s'.", param), NULL;
    if (json_object_is_type(output, json_type_string)) {
        text = json_object_get(output);
    } else if (json_object_is_type(output, json_type_array)) {
        struct buf b;
        buf_init(&b, (size_t)64 << 20);
        for (size_t j = 0; j < json_object_array_length(output); j++) {
            struct json_object *part = json_object_array_get_idx(output, j);
            const char *type = NULL, *s = NULL;
            pfmt(param, sizeof param, "%s.output[%zu]", p, j);
            if (!json_object_is_type(part, json_type_object) ||
                opt_string(part, "type", param, &type, e) < 0 || !type ||
                strcmp(type, "input_text") != 0 || opt_string(part, "text", param, &s, e) < 0 || !s) {
                buf_free(&b);
                if (!e->status)
                    bad(e, param, "function_call_output parts must be input_text parts (%s is %s).",
                        param, type ? type : "not one");
                return NULL;
            }
            if ((j && buf_puts(&b, "\n") < 0) || buf_puts(&b, s) < 0) {
                buf_free(&b);
                return err_oom(e), NULL;
            }
        }
        text = json_object_new_string_len(buf_str(&b), (int)b.len);
        buf_free(&b);
    } else {
        return bad_type(e, param, "a string or an array", output), NULL;
    }
    struct json_object *out = item_new("function_call_output", id);
    if (!out || !text) {
        json_object_put(out);
        json_object_put(text);
        return err_oom(e), NULL;
    }
    json_object_object_add(out, "call_id", json_object_new_string(call_id));
    json_object_object_add(out, "output", text);
    return out;
}

static struct json_object *norm_item(struct json_object *item, const char *p, struct relay_err *e)
{
    char param[96];
    const char *type, *id;
    if (!json_object_is_type(item, json_type_object))
        return bad_type(e, p, "an object", item), NULL;
    pfmt(param, sizeof param, "%s.type", p);
    if (opt_string(item, "type", param, &type, e) < 0)
        return NULL;
    if (!type || strcmp(type, "message") == 0)
        return norm_message(item, p, e);
    if (strcmp(type, "function_call") == 0)
        return norm_function_call(item, p, e);
    if (strcmp(type, "function_call_output") == 0)
        return norm_call_output(item, p, e);
    if (strcmp(type, "item_reference") == 0) {
        pfmt(param, sizeof param, "%s.id", p);
        if (req_string(item, "id", param, &id, e) < 0)
            return NULL;
        return json_object_get(item);
    }
    return bad(e, param, "Input items of type '%s' are not supported by 1min-relay; it accepts "
               "message, function_call, function_call_output and item_reference items.", type), NULL;
}

static int parse_input(struct json_object *body, struct resp_request *rq, struct relay_err *e)
{
    struct json_object *input = resp_member(body, "input");
    rq->input = json_object_new_array();
    if (!rq->input)
        return err_oom(e);
    if (!input) {
        if (!rq->previous_response_id)
            return bad(e, "input", "Missing required parameter: 'input'.");
        return 0;
    }
    if (json_object_is_type(input, json_type_string)) {
        struct json_object *m = json_object_new_object(), *parts = json_object_new_array(),
                           *part = json_object_new_object();
        if (!m || !parts || !part) {
            json_object_put(m);
            json_object_put(parts);
            json_object_put(part);
            return err_oom(e);
        }
        json_object_object_add(part, "type", json_object_new_string("input_text"));
        json_object_object_add(part, "text", json_object_get(input));
        json_object_array_add(parts, part);
        json_object_object_add(m, "type", json_object_new_string("message"));
        json_object_object_add(m, "role", json_object_new_string("user"));
        json_object_object_add(m, "content", parts);
        json_object_array_add(rq->input, m);
        return 0;
    }
    if (!json_object_is_type(input, json_type_array))
        return bad_type(e, "input", "a string or an array", input);
    for (size_t i = 0; i < json_object_array_length(input); i++) {
        char p[40];
        pfmt(p, sizeof p, "input[%zu]", i);
        struct json_object *item = norm_item(json_object_array_get_idx(input, i), p, e);
        if (!item)
            return -1;
        json_object_array_add(rq->input, item);
    }
    return 0;
}

/* ---- tools ------------------------------------------------------------- */

static int is_web_search(const char *type)
{
    return strcmp(type, "web_search") == 0 || strncmp(type, "web_search_", 11) == 0;
}

/* Append one function tool (t at param p) to rq->eng.tools. */
static int add_function(struct resp_request *rq, struct json_object *t, const char *p, const char *ns,
                        size_t *cap, struct relay_err *e)
{
    char param[96];
    const char *name, *desc;
    pfmt(param, sizeof param, "%s.name", p);
    if (req_string(t, "name", param, &name, e) < 0)
        return -1;
    if (strlen(name) > RESP_TOOL_NAME_MAX)
        return bad(e, param, "Invalid '%s': the name is longer than %d characters.", param,
                   RESP_TOOL_NAME_MAX);
    pfmt(param, sizeof param, "%s.description", p);
    if (opt_string(t, "description", param, &desc, e) < 0)
        return -1;
    pfmt(param, sizeof param, "%s.parameters", p);
    struct json_object *params = resp_member(t, "parameters");
    if (params && !json_object_is_type(params, json_type_object))
        return bad_type(e, param, "an object", params);
    struct eng_request *q = &rq->eng;
    for (size_t i = 0; i < q->ntools; i++)
        if (strcmp(q->tools[i].name, name) == 0)
            return bad(e, p, "Duplicate tool name '%s'.", name);
    if (q->ntools == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct eng_tool *nt = realloc(q->tools, ncap * sizeof *nt);
        if (!nt)
            return err_oom(e);
        q->tools = nt;
        *cap = ncap;
    }
    struct eng_tool *tool = &q->tools[q->ntools];
    memset(tool, 0, sizeof *tool);
    tool->name = name;
    tool->description = desc;
    tool->namespace_name = ns;
    if (params && !(tool->parameters = own_json(rq, params)))
        return err_oom(e);
    q->ntools++;
    return 0;
}

static int parse_tools(struct json_object *body, struct resp_request *rq, struct relay_err *e)
{
    struct json_object *tools = resp_member(body, "tools");
    size_t cap = 0;
    if (!tools)
        return 0;
    if (!json_object_is_type(tools, json_type_array))
        return bad_type(e, "tools", "an array", tools);
    rq->tools_echo = tools;
    for (size_t i = 0; i < json_object_array_length(tools); i++) {
        struct json_object *t = json_object_array_get_idx(tools, i);
        char p[40], param[96];
        const char *type;
        pfmt(p, sizeof p, "tools[%zu]", i);
        if (!json_object_is_type(t, json_type_object))
            return bad_type(e, p, "an object", t);
        pfmt(param, sizeof param, "%s.type", p);
        if (req_string(t, "type", param, &type, e) < 0)
            return -1;
        if (strcmp(type, "function") == 0) {
            if (add_function(rq, t, p, NULL, &cap, e) < 0)
                return -1;
        } else if (is_web_search(type)) {
            rq->eng.web_search = 1;
        } else if (strcmp(type, "namespace") == 0) {
            const char *ns;
            pfmt(param, sizeof param, "%s.name", p);
            if (req_string(t, "name", param, &ns, e) < 0)
                return -1;
            struct json_object *inner = resp_member(t, "tools");
            pfmt(param, sizeof param, "%s.tools", p);
            if (!inner || !json_object_is_type(inner, json_type_array))
                return inner ? bad_type(e, param, "an array", inner)
                             : bad(e, param, "Missing required parameter: '%s'.", param);
            for (size_t j = 0; j < json_object_array_length(inner); j++) {
                struct json_object *f = json_object_array_get_idx(inner, j);
                const char *ftype;
                char fp[64];
                pfmt(fp, sizeof fp, "%s.tools[%zu]", p, j);
                if (!json_object_is_type(f, json_type_object))
                    return bad_type(e, fp, "an object", f);
                pfmt(param, sizeof param, "%s.type", fp);
                if (opt_string(f, "type", param, &ftype, e) < 0)
                    return -1;
                if (ftype && strcmp(ftype, "function") != 0)
                    return bad(e, param, "A namespace may hold function tools only, not '%s'.", ftype);
                if (add_function(rq, f, fp, ns, &cap, e) < 0)
                    return -1;
            }
        } else {
            return bad(e, param, "Tools of type '%s' are not supported by 1min-relay: it emulates "
                       "function tools (also inside a namespace) and maps web_search to 1min.ai's "
                       "web search.", type);
        }
    }
    return 0;
}

static int tool_offered(const struct eng_request *q, const char *name)
{
    for (size_t i = 0; i < q->ntools; i++)
        if (strcmp(q->tools[i].name, name) == 0)
            return 1;
    return 0;
}

static int parse_tool_choice(struct json_object *body, struct resp_request *rq, struct relay_err *e)
{
    struct json_object *c = resp_member(body, "tool_choice");
    struct eng_request *q = &rq->eng;
    q->tool_choice = ENG_CHOICE_AUTO;
    if (!c)
        return 0;
    rq->tool_choice_echo = c;
    if (json_object_is_type(c, json_type_string)) {
        const char *s = json_object_get_string(c);
        if (strcmp(s, "auto") == 0)
            q->tool_choice = ENG_CHOICE_AUTO;
        else if (strcmp(s, "none") == 0)
            q->tool_choice = ENG_CHOICE_NONE;
        else if (strcmp(s, "required") == 0)
            q->tool_choice = ENG_CHOICE_REQUIRED;
        else
            return bad(e, "tool_choice", "Invalid value: '%s'. Supported values are: 'none', 'auto', "
                       "and 'required'.", s);
        if (q->tool_choice == ENG_CHOICE_REQUIRED && q->ntools == 0)
            return bad(e, "tool_choice", "tool_choice 'required' needs at least one function tool.");
        return 0;
    }
    if (!json_object_is_type(c, json_type_object))
        return bad_type(e, "tool_choice", "a string or an object", c);
    const char *type, *name;
    if (req_string(c, "type", "tool_choice.type", &type, e) < 0)
        return -1;
    if (is_web_search(type))
        return 0;   /* web search is not a call the model makes: nothing to force */
    if (strcmp(type, "function") != 0)
        return bad(e, "tool_choice.type", "tool_choice of type '%s' is not supported by 1min-relay; "
                   "use 'auto', 'none', 'required' or {\"type\":\"function\",\"name\":...}.", type);
    if (req_string(c, "name", "tool_choice.name", &name, e) < 0)
        return -1;
    if (!tool_offered(q, name))
        return bad(e, "tool_choice.name", "Tool choice '%s' not found in 'tools' parameter.", name);
    q->tool_choice = ENG_CHOICE_NAMED;
    q->tool_choice_name = name;
    return 0;
}

static int parse_text(struct json_object *body, struct resp_request *rq, struct relay_err *e)
{
    struct json_object *text = resp_member(body, "text"), *f;
    struct eng_request *q = &rq->eng;
    q->format = ENG_FORMAT_TEXT;
    if (!text)
        return 0;
    if (!json_object_is_type(text, json_type_object))
        return bad_type(e, "text", "an object", text);
    if (!(f = resp_member(text, "format")))
        return 0;
    if (!json_object_is_type(f, json_type_object))
        return bad_type(e, "text.format", "an object", f);
    rq->format_echo = f;
    const char *type;
    if (req_string(f, "type", "text.format.type", &type, e) < 0)
        return -1;
    if (strcmp(type, "text") == 0)
        return 0;
    if (strcmp(type, "json_object") == 0) {
        q->format = ENG_FORMAT_JSON_OBJECT;
        return 0;
    }
    if (strcmp(type, "json_schema") != 0)
        return bad(e, "text.format.type", "Invalid value: '%s'. Supported values are: 'text', "
                   "'json_object', and 'json_schema'.", type);
    q->format = ENG_FORMAT_JSON_SCHEMA;
    if (req_string(f, "name", "text.format.name", &q->format_name, e) < 0)
        return -1;
    struct json_object *schema = resp_member(f, "schema");
    if (!schema)
        return bad(e, "text.format.schema", "Missing required parameter: 'text.format.schema'.");
    if (!json_object_is_type(schema, json_type_object))
        return bad_type(e, "text.format.schema", "an object", schema);
    if (!(q->format_schema = own_json(rq, schema)))
        return err_oom(e);
    return 0;
}

static int parse_unsupported(struct json_object *body, struct relay_err *e)
{
    struct json_object *v;
    if ((v = resp_member(body, "background")) && json_object_is_type(v, json_type_boolean) &&
        json_object_get_boolean(v))
        return bad(e, "background", "Background responses are not supported by 1min-relay.");
    if (resp_member(body, "conversation"))
        return bad(e, "conversation", "The Conversations API is not supported by 1min-relay; "
                   "chain responses with previous_response_id.");
    if (resp_member(body, "prompt"))
        return bad(e, "prompt", "Prompt templates are not supported by 1min-relay.");
    return 0;
}

int resp_parse(struct json_object *body, struct resp_request *rq, struct relay_err *e)
{
    memset(rq, 0, sizeof *rq);
    rq->eng.n = 1;
    rq->eng.param_prefix = "input";
    if (!json_object_is_type(body, json_type_object))
        return bad(e, NULL, "The request body must be a JSON object.");
    rq->body = json_object_get(body);
    if (req_string(body, "model", "model", &rq->model, e) < 0)
        return -1;
    if (strlen(rq->model) >= sizeof rq->eng.model)
        return bad(e, "model", "The model name is too long.");
    snprintf(rq->eng.model, sizeof rq->eng.model, "%s", rq->model);
    if (opt_string(body, "instructions", "instructions", &rq->instructions, e) < 0 ||
        opt_string(body, "previous_response_id", "previous_response_id", &rq->previous_response_id, e) < 0 ||
        opt_string(body, "user", "user", &rq->user, e) < 0 ||
        opt_bool(body, "stream", 0, &rq->eng.stream, e) < 0 ||
        opt_bool(body, "store", 1, &rq->store, e) < 0 ||
        opt_bool(body, "parallel_tool_calls", 1, &rq->parallel_tool_calls, e) < 0 ||
        opt_number(body, "temperature", 0, 2, &rq->temperature_echo, e) < 0 ||
        opt_number(body, "top_p", 0, 1, &rq->top_p_echo, e) < 0 ||
        parse_unsupported(body, e) < 0)
        return -1;
    rq->eng.parallel_tool_calls = rq->parallel_tool_calls;

    struct json_object *v;
    if ((v = resp_member(body, "max_output_tokens"))) {
        if (!json_object_is_type(v, json_type_int))
            return bad_type(e, "max_output_tokens", "an integer", v);
        int64_t n = json_object_get_int64(v);
        if (n < 1)
            return bad(e, "max_output_tokens", "Invalid 'max_output_tokens': integer below minimum "
                       "value. Expected a value >= 1, but got %lld instead.", (long long)n);
        rq->max_output_tokens = rq->eng.max_tokens = n;
    }
    if ((v = resp_member(body, "max_tool_calls"))) {
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
            return bad_type(e, "max_tool_calls", "a positive integer", v);
        if (json_object_get_int64(v) == 1)
            rq->eng.parallel_tool_calls = 0;
    }
    if ((v = resp_member(body, "metadata"))) {
        if (!json_object_is_type(v, json_type_object))
            return bad_type(e, "metadata", "an object", v);
        rq->metadata_echo = v;
    }
    if ((v = resp_member(body, "reasoning"))) {
        if (!json_object_is_type(v, json_type_object))
            return bad_type(e, "reasoning", "an object", v);
        if (opt_string(v, "effort", "reasoning.effort", &rq->reasoning_effort, e) < 0)
            return -1;
    }
    if (rq->previous_response_id && !*rq->previous_response_id)
        return bad(e, "previous_response_id", "Invalid 'previous_response_id': empty string.");
    if (parse_tools(body, rq, e) < 0 || parse_tool_choice(body, rq, e) < 0 ||
        parse_text(body, rq, e) < 0 || parse_input(body, rq, e) < 0)
        return -1;
    return 0;
}

/* ---- the transcript ----------------------------------------------------- */

static struct eng_turn *new_turn(struct resp_request *rq, enum eng_role role)
{
    struct eng_request *q = &rq->eng;
    if (q->nturns == rq->capturns) {
        size_t cap = rq->capturns ? rq->capturns * 2 : 16;
        struct eng_turn *t = realloc(q->turns, cap * sizeof *t);
        if (!t)
            return NULL;
        q->turns = t;
        rq->capturns = cap;
    }
    struct eng_turn *t = &q->turns[q->nturns++];
    memset(t, 0, sizeof *t);
    t->role = role;
    return t;
}

/* Parts are few per turn: grow one by one. */
static struct eng_part *new_part(struct eng_turn *t, enum eng_part_kind kind, const char *param)
{
    struct eng_part *p = realloc(t->parts, (t->nparts + 1) * sizeof *p);
    if (!p)
        return NULL;
    t->parts = p;
    p = &t->parts[t->nparts++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->param = param;
    return p;
}

static const char *str_of(struct json_object *o, const char *key)
{
    struct json_object *v = resp_member(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int add_text(struct eng_turn *t, struct json_object *s, const char *param)
{
    struct eng_part *p = new_part(t, ENG_PART_TEXT, param);
    if (!p)
        return -1;
    p->text = json_object_get_string(s);
    p->text_len = (size_t)json_object_get_string_len(s);
    return 0;
}

/* Render one normalised item; where is its param ("input[3]" or
 * "previous_response_id"). */
static int render_item(struct resp_request *rq, struct json_object *item, const char *where,
                       struct relay_err *e)
{
    const char *type = str_of(item, "type");
    struct eng_request *q = &rq->eng;
    if (!type)
        return bad(e, where, "Invalid item: no type.");
    if (strcmp(type, "message") == 0) {
        const char *role = str_of(item, "role");
        struct json_object *content = resp_member(item, "content");
        if (!role || !role_ok(role) || !content || !json_object_is_type(content, json_type_array))
            return bad(e, where, "Invalid message item.");
        enum eng_role r = strcmp(role, "user") == 0 ? ENG_USER
                        : strcmp(role, "assistant") == 0 ? ENG_ASSISTANT : ENG_SYSTEM;
        struct eng_turn *t = new_turn(rq, r);
        if (!t)
            return err_oom(e);
        for (size_t j = 0; j < json_object_array_length(content); j++) {
            struct json_object *part = json_object_array_get_idx(content, j), *s;
            const char *pt = str_of(part, "type");
            const char *param = ownf(rq, "%s.content[%zu]", where, j);
            if (!param)
                return err_oom(e);
            if (pt && (strcmp(pt, "input_text") == 0 || strcmp(pt, "output_text") == 0) &&
                (s = resp_member(part, "text")) && json_object_is_type(s, json_type_string)) {
                if (add_text(t, s, param) < 0)
                    return err_oom(e);
            } else if (pt && strcmp(pt, "refusal") == 0 && (s = resp_member(part, "refusal")) &&
                       json_object_is_type(s, json_type_string)) {
                if (add_text(t, s, param) < 0)
                    return err_oom(e);
            } else if (pt && strcmp(pt, "input_image") == 0 && str_of(part, "image_url")) {
                struct eng_part *p = new_part(t, ENG_PART_IMAGE, param);
                if (!p)
                    return err_oom(e);
                p->url = str_of(part, "image_url");
            } else if (pt && strcmp(pt, "input_file") == 0) {
                struct eng_part *p = new_part(t, ENG_PART_FILE, param);
                if (!p)
                    return err_oom(e);
                p->filename = str_of(part, "filename");
                p->file_id = str_of(part, "file_id");
                p->url = str_of(part, "file_data") ? str_of(part, "file_data") : str_of(part, "file_url");
                if (p->file_id && !*p->file_id)
                    p->file_id = NULL;
            } else {
                return bad(e, param, "Invalid content part.");
            }
        }
        return 0;
    }
    if (strcmp(type, "function_call") == 0) {
        struct eng_turn *t = q->nturns && q->turns[q->nturns - 1].role == ENG_ASSISTANT
                           ? &q->turns[q->nturns - 1] : new_turn(rq, ENG_ASSISTANT);
        if (!t)
            return err_oom(e);
        struct eng_part *p = new_part(t, ENG_PART_TOOL_CALL, where);
        if (!p)
            return err_oom(e);
        p->id = str_of(item, "call_id");
        p->name = str_of(item, "name");
        p->arguments = str_of(item, "arguments");
        if (!p->id || !p->name || !p->arguments)
            return bad(e, where, "Invalid function_call item.");
        return 0;
    }
    if (strcmp(type, "function_call_output") == 0) {
        struct eng_turn *t = new_turn(rq, ENG_TOOL);
        struct json_object *out = resp_member(item, "output");
        if (!t)
            return err_oom(e);
        if (!out || !json_object_is_type(out, json_type_string) || !str_of(item, "call_id"))
            return bad(e, where, "Invalid function_call_output item.");
        struct eng_part *p = new_part(t, ENG_PART_TOOL_RESULT, where);
        if (!p)
            return err_oom(e);
        p->id = str_of(item, "call_id");
        p->text = json_object_get_string(out);
        p->text_len = (size_t)json_object_get_string_len(out);
        return 0;
    }
    return bad(e, where, "Input items of type '%s' are not supported by 1min-relay.", type);
}

int resp_build(struct resp_request *rq, struct json_object *prior, resp_lookup_fn lookup, void *ud,
               struct relay_err *e)
{
    size_t nprior = prior ? json_object_array_length(prior) : 0;
    json_object_put(rq->context);
    if (!(rq->context = json_object_new_array()))
        return err_oom(e);
    for (size_t i = 0; i < nprior; i++)
        json_object_array_add(rq->context, json_object_get(json_object_array_get_idx(prior, i)));
    for (size_t i = 0; i < json_object_array_length(rq->input); i++) {
        struct json_object *item = json_object_array_get_idx(rq->input, i), *found = NULL;
        const char *type = str_of(item, "type");
        if (type && strcmp(type, "item_reference") == 0) {
            const char *id = str_of(item, "id");
            char param[40];
            pfmt(param, sizeof param, "input[%zu].id", i);
            int rc = lookup ? lookup(ud, id, &found, e) : 0;
            if (rc < 0)
                return -1;
            if (rc == 0)
                return err_set(e, 404, "invalid_request_error", NULL, param,
                               "Item with id '%s' not found.", id);
            if (json_object_array_add(rq->context, found) < 0)
                return json_object_put(found), err_oom(e);
            continue;
        }
        json_object_array_add(rq->context, json_object_get(item));
    }
    /* Replace whatever an earlier call built. */
    for (size_t i = 0; i < rq->eng.nturns; i++)
        free(rq->eng.turns[i].parts);
    rq->eng.nturns = 0;
    if (rq->instructions) {
        struct eng_turn *t = new_turn(rq, ENG_SYSTEM);
        struct eng_part *p = t ? new_part(t, ENG_PART_TEXT, "instructions") : NULL;
        if (!p)
            return err_oom(e);
        p->text = rq->instructions;
        p->text_len = strlen(rq->instructions);
    }
    size_t n = json_object_array_length(rq->context), ninput_seen = 0;
    for (size_t i = 0; i < n; i++) {
        char where[40];
        if (i < nprior)
            pfmt(where, sizeof where, "previous_response_id");
        else
            pfmt(where, sizeof where, "input[%zu]", ninput_seen++);
        const char *w = own(rq, where, strlen(where));
        if (!w)
            return err_oom(e);
        if (render_item(rq, json_object_array_get_idx(rq->context, i), w, e) < 0)
            return -1;
    }
    int any = 0;
    for (size_t i = 0; i < rq->eng.nturns; i++)
        any |= rq->eng.turns[i].role != ENG_SYSTEM;
    if (!any)
        return bad(e, "input", "The input holds no message to answer.");
    return 0;
}

void resp_request_free(struct resp_request *rq)
{
    for (size_t i = 0; i < rq->eng.nturns; i++)
        free(rq->eng.turns[i].parts);
    free(rq->eng.turns);
    free(rq->eng.tools);
    keep_free(&rq->owned);
    json_object_put(rq->input);
    json_object_put(rq->context);
    json_object_put(rq->body);
    memset(rq, 0, sizeof *rq);
}
