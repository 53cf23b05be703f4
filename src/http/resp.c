#include "http/resp.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"
#include "core/text.h"

/* Headers a browser client may read (openai-contract §9). */
#define RESP_EXPOSE_HEADERS \
    "x-request-id, retry-after, retry-after-ms, x-ratelimit-limit-requests, " \
    "x-ratelimit-limit-tokens, x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens, " \
    "x-ratelimit-reset-requests, x-ratelimit-reset-tokens, x-usage-source"

const char *resp_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default:  return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

int resp_add_header(struct relay_req *r, const char *name, const char *value)
{
    if (r->committed)
        return -1;
    size_t mark = r->headers.len;
    if (buf_puts(&r->headers, name) < 0 || buf_puts(&r->headers, ": ") < 0)
        goto fail;
    for (const char *p = value; *p; p++)
        if (*p != '\r' && *p != '\n' && buf_append(&r->headers, p, 1) < 0)
            goto fail;
    if (buf_puts(&r->headers, "\r\n") < 0)
        goto fail;
    return 0;
fail:
    r->headers.len = mark;
    if (r->headers.data)
        r->headers.data[mark] = '\0';
    LOG_WARN("response header %s dropped: header space full", name);
    return -1;
}

static int resp_out(struct relay_req *r, const void *p, size_t n)
{
    if (r->client_gone)
        return -1;
    if (io_write(r->io, p, n) < 0) {
        r->client_gone = 1;
        return -1;
    }
    return 0;
}

int resp_begin(struct relay_req *r, int status, const char *content_type, long long content_length)
{
    char head[1024];
    int n;
    if (r->committed)
        return -1;
    r->committed = 1;
    r->status = status;
    r->sse = content_type && strncasecmp(content_type, "text/event-stream", 17) == 0;
    record_stream_open(&r->rec, r->sse);
    n = snprintf(head, sizeof head,
                 "Status: %d %s\r\n"
                 "Access-Control-Allow-Origin: %s\r\n"
                 "%s"
                 "Access-Control-Expose-Headers: " RESP_EXPOSE_HEADERS "\r\n"
                 "x-request-id: %s\r\n",
                 status, resp_reason(status), r->cfg->cors_origin,
                 strcmp(r->cfg->cors_origin, "*") ? "Vary: Origin\r\n" : "", r->request_id);
    if (n < 0 || (size_t)n >= sizeof head || resp_out(r, head, (size_t)n) < 0)
        return -1;
    if (content_type) {
        n = snprintf(head, sizeof head, "Content-Type: %s\r\n", content_type);
        if (resp_out(r, head, (size_t)n) < 0)
            return -1;
    }
    if (content_length >= 0) {
        n = snprintf(head, sizeof head, "Content-Length: %lld\r\n", content_length);
        if (resp_out(r, head, (size_t)n) < 0)
            return -1;
    }
    if (resp_out(r, buf_str(&r->headers), r->headers.len) < 0 || resp_out(r, "\r\n", 2) < 0)
        return -1;
    return 0;
}

int resp_write(struct relay_req *r, const void *p, size_t n)
{
    if (resp_out(r, p, n) < 0)
        return -1;
    record_body(&r->rec, p, n, r->sse);
    return 0;
}

int resp_flush(struct relay_req *r)
{
    if (r->client_gone)
        return -1;
    if (io_flush(r->io) < 0) {
        r->client_gone = 1;
        return -1;
    }
    return 0;
}

int resp_send(struct relay_req *r, int status, const char *content_type, const void *body, size_t n)
{
    if (resp_begin(r, status, content_type, (long long)n) < 0)
        return -1;
    if (strcmp(r->method, "HEAD") == 0)
        return 0;
    return n ? resp_write(r, body, n) : 0;
}

int resp_json(struct relay_req *r, int status, struct json_object *obj)
{
    size_t len;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!s)
        return resp_error(r, 500, NULL, NULL, NULL, "Out of memory while writing the response");
    return resp_send(r, status, "application/json", s, len);
}

int resp_error(struct relay_req *r, int status, const char *type, const char *code,
               const char *param, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    text_sanitize(msg);

    int rc = -1;
    struct json_object *root = json_object_new_object();
    struct json_object *err = json_object_new_object();
    if (!root || !err) {
        json_object_put(root);
        json_object_put(err);
        return -1;
    }
    json_object_object_add(err, "message", json_object_new_string(msg));
    struct relay_err status_only = { .status = status };
    json_object_object_add(err, "type", json_object_new_string(type ? type : err_type(&status_only)));
    json_object_object_add(err, "param", param ? json_object_new_string(param) : NULL);
    json_object_object_add(err, "code", code ? json_object_new_string(code) : NULL);
    json_object_object_add(root, "error", err);

    size_t len;
    const char *s = json_object_to_json_string_length(
        root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (status >= 500)
        LOG_WARN("%s %s -> %d: %s", r->method, r->path, status, msg);
    else
        LOG_DEBUG("%s %s -> %d: %s", r->method, r->path, status, msg);
    if (!r->committed) {
        rc = resp_send(r, status, "application/json", s, len);
    } else if (r->sse) {
        /* After a 200 event stream has started, errors travel inside it. */
        if (resp_write(r, "data: ", 6) == 0 && resp_write(r, s, len) == 0 &&
            resp_write(r, "\n\n", 2) == 0)
            rc = resp_flush(r);
    }
    json_object_put(root);
    return rc;
}
