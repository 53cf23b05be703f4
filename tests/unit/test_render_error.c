/* test_render_error: the one error renderer (api/render_error.c) in each
 * dialect — the OpenAI and Anthropic bodies before the response started
 * (Anthropic's type from the status), Retry-After, the in-stream frames after
 * a 200 event stream started, a sink's own hook, and a committed non-stream
 * response that cannot carry an error. Over the in-memory io. */
#include <json-c/json.h>
#include <string.h>

#include "api/render_error.h"
#include "app.h"
#include "core/cfg.h"
#include "http/io_mem.h"
#include "http/resp.h"
#include "tap.h"

static struct relay_config cfg;
static struct relay_app app = { .cfg = &cfg };
static struct worker worker;
static struct io io;
static struct io_mem mem;
static struct relay_req req;

/* Render e for a fresh request; stream: a 200 event stream started first.
 * Returns what was written after the stream's head (or everything). */
static const char *render(enum api_dialect d, const struct relay_err *e, int stream)
{
    static const char *const vars[] = { "REQUEST_URI=/v1/messages", "REQUEST_METHOD=POST", NULL };
    static char out[4096];
    io_mem_bind(&io, &mem, vars, NULL, 0);
    req_init(&req, &io, &cfg, &app, &worker);
    if (stream == 1)
        resp_begin(&req, 200, "text/event-stream", -1);
    else if (stream == 2)
        resp_begin(&req, 200, "application/json", -1);
    size_t before = mem.out.len;
    render_error(&req, d, e);
    snprintf(out, sizeof out, "%s", buf_str(&mem.out) + before);
    req_finish(&req);
    io_mem_free(&mem);
    return out;
}

/* The JSON body of a whole response. */
static struct json_object *body_of(const char *out)
{
    const char *s = strstr(out, "\r\n\r\n");
    return s ? json_tokener_parse(s + 4) : NULL;
}

static const char *field(struct json_object *o, const char *a, const char *b)
{
    struct json_object *x, *y;
    if (!json_object_object_get_ex(o, a, &x))
        return NULL;
    if (!b)
        return json_object_get_string(x);
    return json_object_object_get_ex(x, b, &y) ? json_object_get_string(y) : NULL;
}

static void test_anthropic_types(void)
{
    static const struct { int status; const char *type; } map[] = {
        { 400, "invalid_request_error" }, { 401, "authentication_error" }, { 403, "permission_error" },
        { 404, "not_found_error" }, { 413, "request_too_large" }, { 429, "rate_limit_error" },
        { 500, "api_error" }, { 502, "api_error" }, { 503, "overloaded_error" }, { 529, "overloaded_error" },
        { 422, "invalid_request_error" },
    };
    struct relay_err e;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        err_set(&e, map[i].status, NULL, "some_code", "model", "failed %d", map[i].status);
        struct json_object *j = body_of(render(API_ANTHROPIC, &e, 0));
        const char *type = j ? field(j, "error", "type") : NULL;
        ok(j && strcmp(field(j, "type", NULL), "error") == 0 && type && strcmp(type, map[i].type) == 0 &&
           strncmp(field(j, "error", "message"), "failed", 6) == 0,
           "anthropic %d -> {\"type\":\"error\",\"error\":{\"type\":\"%s\",...}} (got %s)", map[i].status,
           map[i].type, type ? type : "none");
        json_object_put(j);
    }
}

static void test_shapes(void)
{
    struct relay_err e;
    err_set(&e, 429, "requests", "rate_limit_exceeded", NULL, "slow down");
    e.retry_after_s = 7;
    const char *out = render(API_OPENAI, &e, 0);
    ok(strncmp(out, "Status: 429 ", 12) == 0 && strstr(out, "Retry-After: 7\r\n"), "openai: status and Retry-After");
    struct json_object *j = body_of(out), *param;
    ok(j && strcmp(field(j, "error", "type"), "requests") == 0 &&
       strcmp(field(j, "error", "code"), "rate_limit_exceeded") == 0 &&
       json_object_object_get_ex(json_object_object_get(j, "error"), "param", &param) && param == NULL,
       "openai: type, code, and a null param");
    json_object_put(j);

    err_set(&e, 502, NULL, NULL, NULL, "upstream broke");
    out = render(API_OPENAI, &e, 1);
    is_str(out, "data: {\"error\":{\"message\":\"upstream broke\",\"type\":\"upstream_error\",\"param\":null,"
           "\"code\":null}}\n\n", "openai after a 200 stream: one data: error frame");
    out = render(API_ANTHROPIC, &e, 1);
    is_str(out, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"
           "\"upstream broke\"}}\n\n", "anthropic after a 200 stream: an event: error frame");
    out = render(API_OPENAI, &e, 2);
    is_str(out, "", "a started JSON body cannot carry an error: nothing is written");
}

static int hook_calls;
static int hook(void *ud, const struct relay_err *e)
{
    hook_calls++;
    return resp_write(ud, e->message, strlen(e->message));
}

static void test_hook(void)
{
    struct relay_err e;
    err_set(&e, 500, NULL, NULL, NULL, "failed late");
    render_error_hook(hook, &req);
    const char *out = render(API_RESPONSES, &e, 1);
    ok(hook_calls == 1 && strcmp(out, "failed late") == 0, "after the 200, a sink's hook renders the failure");
    out = render(API_RESPONSES, &e, 0);
    ok(hook_calls == 1 && strncmp(out, "Status: 500 ", 12) == 0, "before the 200 the hook is not used");
    render_error_hook(NULL, NULL);
}

int main(void)
{
    cfg.cors_origin = "*";
    cfg.mount_prefix = "";
    test_anthropic_types();
    test_shapes();
    test_hook();
    return tap_done();
}
