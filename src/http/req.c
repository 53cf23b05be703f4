#include "http/req.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/rand.h"

#define REQ_HEADERS_MAX 8192
#define REQ_READ_CHUNK 65536

/* Copy at most the path part (before '?') of src into dst. */
static void req_copy_path(char *dst, size_t dstlen, const char *src)
{
    size_t n = strcspn(src, "?#");
    if (n >= dstlen)
        n = dstlen - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void req_set_path(struct relay_req *r)
{
    const char *uri = io_param(r->io, "REQUEST_URI");
    if (uri && *uri) {
        req_copy_path(r->path, sizeof r->path, uri);
    } else {
        const char *sn = io_param(r->io, "SCRIPT_NAME");
        const char *pi = io_param(r->io, "PATH_INFO");
        snprintf(r->path, sizeof r->path, "%s%s", sn ? sn : "", pi ? pi : "");
        req_copy_path(r->path, sizeof r->path, r->path);
    }
    const char *prefix = r->cfg->mount_prefix;
    size_t plen = strlen(prefix);
    while (plen > 0 && prefix[plen - 1] == '/')
        plen--;
    if (plen > 0 && strncmp(r->path, prefix, plen) == 0 &&
        (r->path[plen] == '/' || r->path[plen] == '\0'))
        memmove(r->path, r->path + plen, strlen(r->path + plen) + 1);
    if (r->path[0] != '/') {
        memmove(r->path + 1, r->path, strnlen(r->path, sizeof r->path - 2) + 1);
        r->path[0] = '/';
        r->path[sizeof r->path - 1] = '\0';
    }
}

void req_init(struct relay_req *r, struct io *io, const struct relay_config *cfg,
              const struct relay_app *app, struct worker *w)
{
    memset(r, 0, sizeof *r);
    r->io = io;
    r->app = app;
    r->cfg = cfg;
    r->w = w;
    r->method = io_param(io, "REQUEST_METHOD");
    if (!r->method)
        r->method = "GET";
    req_set_path(r);
    memcpy(r->request_id, "req_", 4);
    rand_hex(r->request_id + 4, 24);
    const char *ip = io_param(io, "REMOTE_ADDR");
    snprintf(r->client_ip, sizeof r->client_ip, "%s", ip ? ip : "");
    buf_init(&r->headers, REQ_HEADERS_MAX);
}

void req_finish(struct relay_req *r)
{
    buf_free(&r->headers);
}

int req_client_gone(struct relay_req *r)
{
    if (!r->client_gone && io_gone(r->io))
        r->client_gone = 1;
    return r->client_gone;
}

const char *req_header(struct relay_req *r, const char *http_name)
{
    char var[128];
    size_t j = 0;
    if (strcasecmp(http_name, "Content-Type") != 0 && strcasecmp(http_name, "Content-Length") != 0)
        j = (size_t)snprintf(var, sizeof var, "HTTP_");
    for (const char *p = http_name; *p && j + 1 < sizeof var; p++)
        var[j++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    var[j] = '\0';
    return io_param(r->io, var);
}

/* Trim spaces and tabs from both ends of [*s, *s + *n). */
static void req_trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* A key must be printable ASCII without spaces, so it can travel in a header. */
static int req_key_ok(const char *k, size_t n)
{
    if (n == 0 || n > 1024)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] <= 0x20 || (unsigned char)k[i] >= 0x7f)
            return 0;
    return 1;
}

const char *req_api_key(struct relay_req *r, size_t *len)
{
    const char *auth = req_header(r, "Authorization");
    if (auth) {
        const char *p = auth;
        size_t n = strlen(p);
        req_trim(&p, &n);
        if (n > 7 && strncasecmp(p, "Bearer", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
            p += 7;
            n -= 7;
            req_trim(&p, &n);
            if (req_key_ok(p, n)) {
                *len = n;
                return p;
            }
        }
    }
    const char *x = req_header(r, "x-api-key");
    if (x) {
        size_t n = strlen(x);
        req_trim(&x, &n);
        if (req_key_ok(x, n)) {
            *len = n;
            return x;
        }
    }
    *len = 0;
    return NULL;
}

int req_read_body(struct relay_req *r, size_t max, struct buf *out, struct relay_err *e)
{
    const char *cl = io_param(r->io, "CONTENT_LENGTH");
    unsigned long long declared = 0;
    int have_length = 0;
    if (cl && *cl) {
        char *end;
        declared = strtoull(cl, &end, 10);
        if (*end || cl[0] == '-')
            return err_set(e, 400, NULL, NULL, NULL, "Invalid Content-Length header");
        have_length = 1;
        if (declared > max)
            goto too_large;
    }
    out->max = max;
    if (have_length) {
        /* The declared size, allocated once and read into in place. */
        if (buf_reserve(out, (size_t)declared) < 0)
            return err_oom(e);
        while (out->len < declared) {
            ssize_t got = io_read(r->io, out->data + out->len, (size_t)declared - out->len);
            if (got < 0)
                return err_set(e, 400, NULL, NULL, NULL, "Could not read the request body");
            if (got == 0)
                break;
            out->len += (size_t)got;
            out->data[out->len] = '\0';
        }
    } else {
        char chunk[REQ_READ_CHUNK];
        for (;;) {
            ssize_t got = io_read(r->io, chunk, sizeof chunk);
            if (got < 0)
                return err_set(e, 400, NULL, NULL, NULL, "Could not read the request body");
            if (got == 0)
                break;
            if (buf_append(out, chunk, (size_t)got) < 0)
                goto too_large;
        }
    }
    if (have_length && out->len != declared)
        return err_set(e, 400, NULL, NULL, NULL,
                       "The request body is shorter than its Content-Length (%zu of %llu bytes)",
                       out->len, declared);
    return 0;
too_large:
    return err_set(e, 413, NULL, "request_too_large", NULL,
                   "Request body too large: the limit is %zu bytes", max);
}
