/* Unit tests for http/ and the router: paths, keys, bodies, response framing,
 * routing errors, the query string of the list routes — over the in-memory
 * io. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render_error.h"
#include "api/router.h"
#include "app.h"
#include "core/cfg.h"
#include "http/io_mem.h"
#include "http/req.h"
#include "http/resp.h"
#include "tap.h"

static struct relay_config cfg;
static struct relay_app app = { .cfg = &cfg };
static struct worker worker;

struct fixture {
    struct io io;
    struct io_mem mem;
    struct relay_req r;
};

static void fx_open(struct fixture *f, const char *const *vars, const char *body)
{
    io_mem_bind(&f->io, &f->mem, vars, body, body ? strlen(body) : 0);
    req_init(&f->r, &f->io, &cfg, &app, &worker);
}

static void fx_close(struct fixture *f)
{
    req_finish(&f->r);
    io_mem_free(&f->mem);
}

/* The body after the CGI headers, parsed as JSON (caller puts it), or NULL. */
static struct json_object *fx_json(struct fixture *f)
{
    const char *s = strstr(buf_str(&f->mem.out), "\r\n\r\n");
    return s ? json_tokener_parse(s + 4) : NULL;
}

static const char *fx_out(struct fixture *f)
{
    return buf_str(&f->mem.out);
}

static void test_paths(void)
{
    struct fixture f;
    const char *v1[] = { "REQUEST_URI=/v1/models?x=1", "REQUEST_METHOD=GET", NULL };
    fx_open(&f, v1, NULL);
    is_str(f.r.path, "/v1/models", "query string removed");
    is_str(f.r.method, "GET", "method read");
    ok(strncmp(f.r.request_id, "req_", 4) == 0 && strlen(f.r.request_id) == 28, "request id generated");
    fx_close(&f);

    const char *v2[] = { "SCRIPT_NAME=/v1/chat", "PATH_INFO=/completions", NULL };
    fx_open(&f, v2, NULL);
    is_str(f.r.path, "/v1/chat/completions", "SCRIPT_NAME + PATH_INFO fallback");
    fx_close(&f);

    cfg.mount_prefix = "/relay/";
    const char *v3[] = { "REQUEST_URI=/relay/v1/models", NULL };
    fx_open(&f, v3, NULL);
    is_str(f.r.path, "/v1/models", "mount prefix stripped");
    fx_close(&f);
    const char *v4[] = { "REQUEST_URI=/relayx/v1/models", NULL };
    fx_open(&f, v4, NULL);
    is_str(f.r.path, "/relayx/v1/models", "prefix only strips at a segment boundary");
    fx_close(&f);
    cfg.mount_prefix = "";
}

static void test_keys(void)
{
    struct fixture f;
    size_t n;
    const char *key;
    const char *v1[] = { "HTTP_AUTHORIZATION=  bearer   sk-abc  ", NULL };
    fx_open(&f, v1, NULL);
    key = req_api_key(&f.r, &n);
    ok(key && n == 6 && strncmp(key, "sk-abc", 6) == 0, "lower-case bearer, whitespace trimmed");
    fx_close(&f);

    const char *v2[] = { "HTTP_AUTHORIZATION=", "HTTP_X_API_KEY=k2", NULL };
    fx_open(&f, v2, NULL);
    key = req_api_key(&f.r, &n);
    ok(key && n == 2 && strncmp(key, "k2", 2) == 0, "x-api-key used when Authorization is empty");
    fx_close(&f);

    const char *v3[] = { "HTTP_AUTHORIZATION=Basic dXNlcg==", NULL };
    fx_open(&f, v3, NULL);
    ok(req_api_key(&f.r, &n) == NULL, "non-bearer scheme gives no key");
    fx_close(&f);

    const char *v4[] = { "HTTP_X_API_KEY=bad key", NULL };
    fx_open(&f, v4, NULL);
    ok(req_api_key(&f.r, &n) == NULL, "key with a space refused");
    fx_close(&f);
}

static void test_body(void)
{
    struct fixture f;
    struct buf b;
    struct relay_err e;
    const char *v1[] = { "CONTENT_LENGTH=5", NULL };
    fx_open(&f, v1, "hello");
    buf_init(&b, 0);
    ok(req_read_body(&f.r, 100, &b, &e) == 0 && b.len == 5, "body read");
    buf_free(&b);
    fx_close(&f);

    const char *v2[] = { "CONTENT_LENGTH=500", NULL };
    fx_open(&f, v2, "x");
    buf_init(&b, 0);
    ok(req_read_body(&f.r, 100, &b, &e) < 0, "declared length over the limit refused");
    ok(e.status == 413 && !f.r.committed, "413 returned, nothing sent");
    is_str(e.code, "request_too_large", "413 has code request_too_large");
    buf_free(&b);
    fx_close(&f);

    const char *v3[] = { NULL };
    fx_open(&f, v3, "0123456789abcdef");
    buf_init(&b, 0);
    ok(req_read_body(&f.r, 8, &b, &e) < 0 && e.status == 413, "undeclared body over the limit refused");
    buf_free(&b);
    fx_close(&f);

    const char *v4[] = { "CONTENT_LENGTH=10", NULL };
    fx_open(&f, v4, "short");
    buf_init(&b, 0);
    ok(req_read_body(&f.r, 100, &b, &e) < 0 && e.status == 400, "truncated body is a 400");
    buf_free(&b);
    fx_close(&f);
}

static void test_resp(void)
{
    struct fixture f;
    const char *v[] = { "REQUEST_URI=/x", "REQUEST_METHOD=GET", NULL };
    fx_open(&f, v, NULL);
    resp_add_header(&f.r, "X-Test", "a\r\nInjected: yes");
    struct relay_err err = { 0 };
    err_set(&err, 404, NULL, NULL, NULL, "nope \x01");
    render_error(&f.r, API_OPENAI, &err);
    const char *out = fx_out(&f);
    ok(strncmp(out, "Status: 404 Not Found\r\n", 23) == 0, "status line first");
    ok(strstr(out, "Access-Control-Allow-Origin: *\r\n") != NULL, "CORS origin on errors");
    ok(strstr(out, "Content-Type: application/json\r\n") != NULL, "JSON content type");
    ok(strstr(out, "X-Test: aInjected: yes\r\n") != NULL, "CR/LF cannot inject a header");
    struct json_object *j = fx_json(&f), *e, *m;
    ok(j && json_object_object_get_ex(j, "error", &e), "error object present");
    int four = e && json_object_object_get_ex(e, "message", &m) && json_object_object_get_ex(e, "type", NULL) &&
               json_object_object_get_ex(e, "param", NULL) && json_object_object_get_ex(e, "code", NULL);
    ok(four, "all four keys present");
    if (four)
        is_str(json_object_get_string(m), "nope ?", "control characters removed from messages");
    json_object_put(j);
    fx_close(&f);

    fx_open(&f, v, NULL);
    resp_begin(&f.r, 200, "text/event-stream", -1);
    size_t before = f.mem.out.len;
    err_set(&err, 502, NULL, "x", NULL, "late");
    render_error(&f.r, API_OPENAI, &err);
    ok(strncmp(fx_out(&f) + before, "data: {\"error\":", 15) == 0, "after commit an error becomes an SSE frame");
    ok(f.mem.flushes >= 1, "the error frame is flushed");
    fx_close(&f);

    fx_open(&f, v, NULL);
    f.mem.fail_after_writes = 1;
    ok(resp_begin(&f.r, 200, "text/event-stream", -1) < 0 && f.r.client_gone, "write failure marks the client gone");
    fx_close(&f);
}

static void test_router(void)
{
    struct fixture f;
    const char *v1[] = { "REQUEST_URI=/v1/nope", "REQUEST_METHOD=GET", NULL };
    fx_open(&f, v1, NULL);
    api_dispatch(&f.r);
    ok(strstr(fx_out(&f), "Status: 404") && strstr(fx_out(&f), "Invalid URL (GET /v1/nope)"), "unknown path 404");
    fx_close(&f);

    const char *v2[] = { "REQUEST_URI=/v1/chat/completions", "REQUEST_METHOD=GET", NULL };
    fx_open(&f, v2, NULL);
    api_dispatch(&f.r);
    ok(strstr(fx_out(&f), "Status: 405") && strstr(fx_out(&f), "Allow: POST, OPTIONS\r\n"), "wrong method 405 with Allow");
    fx_close(&f);

    const char *v3[] = { "REQUEST_URI=/anything", "REQUEST_METHOD=OPTIONS",
                         "HTTP_ACCESS_CONTROL_REQUEST_HEADERS=authorization, x-stainless-os", NULL };
    fx_open(&f, v3, NULL);
    api_dispatch(&f.r);
    ok(strstr(fx_out(&f), "Status: 204"), "preflight 204 on any path");
    ok(strstr(fx_out(&f), "Access-Control-Allow-Headers: authorization, x-stainless-os\r\n"), "requested headers echoed");
    fx_close(&f);

    const char *v4[] = { "REQUEST_URI=/v1/embeddings", "REQUEST_METHOD=POST", NULL };
    fx_open(&f, v4, NULL);
    api_dispatch(&f.r);
    ok(strstr(fx_out(&f), "Status: 501") && strstr(fx_out(&f), "api_not_implemented"), "known unimplemented route 501");
    fx_close(&f);

    const char *v6[] = { "REQUEST_URI=/health", "REQUEST_METHOD=HEAD", NULL };
    fx_open(&f, v6, NULL);
    api_dispatch(&f.r);
    const char *end = strstr(fx_out(&f), "\r\n\r\n");
    ok(strstr(fx_out(&f), "Status: 200") && strstr(fx_out(&f), "Content-Length: ") && end && end[4] == '\0',
       "HEAD on health: 200 with Content-Length and no body");
    fx_close(&f);

    const char *v7[] = { "REQUEST_URI=/v1/chat/completions", "REQUEST_METHOD=POST", NULL };
    fx_open(&f, v7, NULL);
    api_busy(&f.r);
    ok(strstr(fx_out(&f), "Status: 503") && strstr(fx_out(&f), "Retry-After: 2\r\n") &&
       strstr(fx_out(&f), "\"code\":\"overloaded\""), "busy: 503 overloaded with Retry-After, OpenAI shape");
    fx_close(&f);

    const char *v8[] = { "REQUEST_URI=/v1/messages", "REQUEST_METHOD=POST", NULL };
    fx_open(&f, v8, NULL);
    api_busy(&f.r);
    ok(strstr(fx_out(&f), "Status: 529") && strstr(fx_out(&f), "Retry-After: 2\r\n") &&
       strstr(fx_out(&f), "\"overloaded_error\""), "busy on an Anthropic route: 529 overloaded_error with Retry-After");
    fx_close(&f);

    const char *v5[] = { "REQUEST_URI=/?probe=1", "REQUEST_METHOD=GET", NULL };
    fx_open(&f, v5, NULL);
    api_dispatch(&f.r);
    ok(strstr(fx_out(&f), "Status: 200") && strstr(fx_out(&f), "\"status\":\"ok\""), "health on /");
    fx_close(&f);
}

/* api_query and api_list_query on the query string qs. */
static int fx_query(const char *qs, const char *name, char *out, size_t outlen, struct relay_err *e)
{
    char var[512];
    const char *vars[] = { "REQUEST_URI=/v1/files", "REQUEST_METHOD=GET", var, NULL };
    struct fixture f;
    snprintf(var, sizeof var, "QUERY_STRING=%s", qs);
    fx_open(&f, vars, NULL);
    int rc = api_query(&f.r, name, out, outlen, e);
    fx_close(&f);
    return rc;
}

static int fx_list(const char *qs, struct api_list *q, struct relay_err *e)
{
    char var[512];
    const char *vars[] = { "REQUEST_URI=/v1/files", "REQUEST_METHOD=GET", var, NULL };
    struct fixture f;
    snprintf(var, sizeof var, "QUERY_STRING=%s", qs);
    fx_open(&f, vars, NULL);
    int rc = api_list_query(&f.r, 20, 100, q, e);
    fx_close(&f);
    return rc;
}

static void test_query(void)
{
    char v[16];
    struct relay_err e = { 0 };
    struct api_list q;
    is_int(fx_query("", "purpose", v, sizeof v, &e), 0, "an empty query string: absent");
    is_int(fx_query("purposes=x&apurpose=y", "purpose", v, sizeof v, &e), 0, "a longer or shorter name is another");
    ok(fx_query("a=1&purpose=user%5Fdata&b", "purpose", v, sizeof v, &e) == 1 && strcmp(v, "user_data") == 0,
       "a value among others, percent-decoded");
    ok(fx_query("purpose=a&purpose=b+c", "purpose", v, sizeof v, &e) == 1 && strcmp(v, "b c") == 0,
       "the last one counts; + is a space");
    ok(fx_query("x&purpose", "purpose", v, sizeof v, &e) == 1 && v[0] == '\0', "a bare name: present, empty");
    ok(fx_query("purpose=%C3%A9", "purpose", v, sizeof v, &e) == 1 && strcmp(v, "\xc3\xa9") == 0, "UTF-8 escapes");
    const char *bad[] = { "purpose=%zz", "purpose=a%2", "purpose=%", "purpose=%00", "purpose=0123456789abcdef" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&e, 0, sizeof e);
        ok(fx_query(bad[i], "purpose", v, sizeof v, &e) == -1 && e.status == 400 && strcmp(e.param, "purpose") == 0,
           "%s: a 400 naming purpose", bad[i]);
    }
    ok(fx_query("purpose=0123456789abcde", "purpose", v, sizeof v, &e) == 1 && strlen(v) == 15, "a value that just fits");

    ok(fx_list("", &q, &e) == 0 && q.desc && q.limit == 20 && !q.after[0], "list defaults: desc, the default limit");
    ok(fx_list("order=asc&limit=100&after=file-1", &q, &e) == 0 && !q.desc && q.limit == 100 &&
       strcmp(q.after, "file-1") == 0, "order, limit (the most) and after");
    ok(fx_list("limit=1&order=desc", &q, &e) == 0 && q.desc && q.limit == 1, "limit 1, order desc");
    const char *badl[][2] = { { "limit=0", "limit" }, { "limit=101", "limit" }, { "limit=", "limit" },
                              { "limit=+5", "limit" }, { "limit=%205", "limit" }, { "limit=5x", "limit" },
                              { "limit=-1", "limit" }, { "limit=99999999999999999999", "limit" },
                              { "order=", "order" }, { "order=ASC", "order" }, { "order=up", "order" },
                              { "after=%zz", "after" } };
    for (size_t i = 0; i < sizeof badl / sizeof *badl; i++) {
        memset(&e, 0, sizeof e);
        ok(fx_list(badl[i][0], &q, &e) == -1 && e.status == 400 && strcmp(e.param, badl[i][1]) == 0,
           "%s: a 400 naming %s", badl[i][0], badl[i][1]);
    }
}

int main(void)
{
    char err[CFG_ERR_LEN];
    if (cfg_load(&cfg, err, sizeof err) < 0)
        return 1;
    test_paths();
    test_keys();
    test_body();
    test_resp();
    test_router();
    test_query();
    return tap_done();
}
