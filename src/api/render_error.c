/* render_error: see render_error.h. */
#include "api/render_error.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "http/resp.h"

#define RENDER_BODY_MAX 8192

/* Set by a streaming sink for the request its thread is serving. */
static __thread render_error_fail_fn render_hook;
static __thread void *render_hook_ud;

void render_error_hook(render_error_fail_fn fn, void *ud)
{
    render_hook = fn;
    render_hook_ud = ud;
}

static const char *render_anthropic_type(int status)
{
    switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503: case 529: return "overloaded_error";
    default:  return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

/* A JSON string, or null for "". */
static int render_string_or_null(struct buf *out, const char *s)
{
    return *s ? text_json_quote(out, s, strlen(s)) : buf_puts(out, "null");
}

int render_error_body(struct buf *out, enum api_dialect d, const struct relay_err *e)
{
    char msg[ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", e->message);
    text_sanitize(msg);
    if (d == API_ANTHROPIC) {
        const char *type = render_anthropic_type(e->status);
        return buf_puts(out, "{\"type\":\"error\",\"error\":{\"type\":") < 0 ||
               text_json_quote(out, type, strlen(type)) < 0 || buf_puts(out, ",\"message\":") < 0 ||
               text_json_quote(out, msg, strlen(msg)) < 0 || buf_puts(out, "}}") < 0 ? -1 : 0;
    }
    const char *type = err_type(e);
    return buf_puts(out, "{\"error\":{\"message\":") < 0 || text_json_quote(out, msg, strlen(msg)) < 0 ||
           buf_puts(out, ",\"type\":") < 0 || text_json_quote(out, type, strlen(type)) < 0 ||
           buf_puts(out, ",\"param\":") < 0 || render_string_or_null(out, e->param) < 0 ||
           buf_puts(out, ",\"code\":") < 0 || render_string_or_null(out, e->code) < 0 ||
           buf_puts(out, "}}") < 0 ? -1 : 0;
}

int render_error(struct relay_req *r, enum api_dialect d, const struct relay_err *e)
{
    struct buf body;
    int rc = -1;
    if (e->status >= 500)
        LOG_WARN("%s %s -> %d: %s", r->method, r->path, e->status, e->message);
    else
        LOG_DEBUG("%s %s -> %d: %s", r->method, r->path, e->status, e->message);
    if (r->client_gone)
        return -1;
    if (r->committed && r->sse && render_hook)
        return render_hook(render_hook_ud, e);
    if (r->committed && !r->sse)
        return -1;      /* a started body cannot carry an error */
    buf_init(&body, RENDER_BODY_MAX);
    if (render_error_body(&body, d, e) < 0)
        goto out;
    if (!r->committed) {
        if (e->retry_after_s) {
            char v[16];
            snprintf(v, sizeof v, "%u", e->retry_after_s);
            resp_add_header(r, "Retry-After", v);
        }
        rc = resp_send(r, e->status, "application/json", body.data, body.len);
    } else if (d == API_ANTHROPIC) {
        if (resp_write(r, "event: error\ndata: ", 19) == 0 && resp_write(r, body.data, body.len) == 0 &&
            resp_write(r, "\n\n", 2) == 0)
            rc = resp_flush(r);
    } else {
        /* After a 200 event stream has started, errors travel inside it. */
        if (resp_write(r, "data: ", 6) == 0 && resp_write(r, body.data, body.len) == 0 &&
            resp_write(r, "\n\n", 2) == 0)
            rc = resp_flush(r);
    }
out:
    buf_free(&body);
    return rc;
}
