#include "http/resp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

/* Headers a browser client may read (docs/client-api.md §2). */
#define RESP_EXPOSE_HEADERS \
    "x-request-id, retry-after, retry-after-ms, x-ratelimit-limit-requests, " \
    "x-ratelimit-limit-tokens, x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens, " \
    "x-ratelimit-reset-requests, x-ratelimit-reset-tokens, x-usage-source, request-id, " \
    "anthropic-ratelimit-requests-limit, anthropic-ratelimit-requests-remaining, " \
    "anthropic-ratelimit-requests-reset, anthropic-ratelimit-tokens-limit, " \
    "anthropic-ratelimit-tokens-remaining, anthropic-ratelimit-tokens-reset"

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
    case 529: return "Overloaded";
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
    char head[2048];
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
    if (r->held > 0) {
        r->flush_due = 1;
        return 0;
    }
    if (io_flush(r->io) < 0) {
        r->client_gone = 1;
        return -1;
    }
    return 0;
}

void resp_hold(struct relay_req *r)
{
    r->held++;
}

int resp_release(struct relay_req *r)
{
    if (r->held > 0 && --r->held > 0)
        return r->client_gone ? -1 : 0;
    if (!r->flush_due)
        return r->client_gone ? -1 : 0;
    r->flush_due = 0;
    return resp_flush(r);
}

int resp_send(struct relay_req *r, int status, const char *content_type, const void *body, size_t n)
{
    if (resp_begin(r, status, content_type, (long long)n) < 0)
        return -1;
    if (strcmp(r->method, "HEAD") == 0)
        return 0;
    return n ? resp_write(r, body, n) : 0;
}
