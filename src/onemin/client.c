#include "onemin/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "core/log.h"
#include "core/record.h"

#define CLIENT_HEADER_LINE_MAX 1024

/* Per-transfer state shared by the libcurl callbacks. */
struct client_xfer {
    const struct client_request *req;
    struct client_reply *rep;
    int headers_done;         /* on_status was called */
    int too_big;              /* the body passed its limit */
    int timed_out;            /* the idle timer fired */
    int aborted;              /* a caller callback asked to stop */
    curl_off_t last_dlnow;
    time_t last_byte;         /* monotonic seconds of the last progress */
    unsigned last_tick;
};

static time_t client_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

void *client_handle_new(void)
{
    return curl_easy_init();
}

void client_handle_free(void *h)
{
    if (h)
        curl_easy_cleanup(h);
}

void client_reply_init(struct client_reply *rep, size_t max_body)
{
    rep->status = 0;
    buf_init(&rep->body, max_body);
    rep->retry_after[0] = '\0';
    rep->content_type[0] = '\0';
}

void client_reply_free(struct client_reply *rep)
{
    buf_free(&rep->body);
}

const char *client_rc_text(enum client_rc rc)
{
    switch (rc) {
    case CLIENT_OK: return "ok";
    case CLIENT_ERR_CONNECT: return "could not reach the upstream";
    case CLIENT_ERR_TIMEOUT: return "the upstream timed out";
    case CLIENT_ERR_TOO_BIG: return "the upstream answer is too large";
    case CLIENT_ERR_ABORTED: return "the transfer was aborted";
    case CLIENT_ERR_INTERNAL: return "internal error";
    }
    return "unknown";
}

static int client_is_2xx(long status)
{
    return status >= 200 && status < 300;
}

/* Copy a header's value (after "Name:") into dst, trimmed. */
static void client_header_value(const char *line, size_t n, size_t namelen, char *dst, size_t dstlen)
{
    const char *v = line + namelen;
    size_t vn = n - namelen;
    while (vn && (*v == ' ' || *v == '\t'))
        v++, vn--;
    while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
        vn--;
    if (vn >= dstlen)
        vn = dstlen - 1;
    memcpy(dst, v, vn);
    dst[vn] = '\0';
}

/* A body the reply collects is reserved at its announced length (within the
 * reply's maximum), so a large answer is not grown by doubling and copying. */
static void client_reserve(struct client_xfer *x, const char *line, size_t n)
{
    char v[32], *end;
    if (x->req->on_data && client_is_2xx(x->rep->status))
        return;                   /* streamed: nothing is collected */
    client_header_value(line, n, 15, v, sizeof v);
    unsigned long long len = strtoull(v, &end, 10);
    if (end != v && !*end && len > 0 && len <= x->rep->body.max && x->rep->body.len == 0)
        (void)buf_reserve(&x->rep->body, (size_t)len);
}

static size_t client_on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct client_xfer *x = ud;
    size_t n = size * nmemb;
    if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue, for instance) starts over. */
        const char *sp = memchr(p, ' ', n);
        x->rep->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        x->rep->retry_after[0] = '\0';
        x->rep->content_type[0] = '\0';
        return n;
    }
    if (n >= 12 && strncasecmp(p, "Retry-After:", 12) == 0)
        client_header_value(p, n, 12, x->rep->retry_after, sizeof x->rep->retry_after);
    else if (n >= 13 && strncasecmp(p, "Content-Type:", 13) == 0)
        client_header_value(p, n, 13, x->rep->content_type, sizeof x->rep->content_type);
    else if (n >= 15 && strncasecmp(p, "Content-Length:", 15) == 0)
        client_reserve(x, p, n);
    else if ((n == 2 && p[0] == '\r') || (n == 1 && p[0] == '\n')) {
        if (x->rep->status >= 200 && !x->headers_done) {
            x->headers_done = 1;
            if (x->req->on_status && x->req->on_status(x->req->ud, x->rep) != 0) {
                x->aborted = 1;
                return 0;
            }
        }
    }
    return n;
}

static size_t client_on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct client_xfer *x = ud;
    size_t n = size * nmemb;
    x->last_byte = client_now();
    if (n == 0)
        return 0;
    if (x->req->on_data && client_is_2xx(x->rep->status)) {
        if (x->req->on_data(x->req->ud, p, n) != 0) {
            x->aborted = 1;
            return CURL_WRITEFUNC_ERROR;
        }
        return n;
    }
    if (buf_append(&x->rep->body, p, n) < 0) {
        x->too_big = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    return n;
}

static int client_on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    struct client_xfer *x = ud;
    time_t now = client_now();
    if (dlnow != x->last_dlnow) {
        x->last_dlnow = dlnow;
        x->last_byte = now;
    }
    unsigned idle = (unsigned)(now - x->last_byte);
    if (x->req->idle_timeout_s && idle >= x->req->idle_timeout_s) {
        x->timed_out = 1;
        return 1;
    }
    if (x->req->on_tick && idle != x->last_tick) {
        x->last_tick = idle;
        if (x->req->on_tick(x->req->ud, idle) != 0) {
            x->aborted = 1;
            return 1;
        }
    }
    return 0;
}

static enum client_rc client_map(CURLcode cc, const struct client_xfer *x)
{
    switch (cc) {
    case CURLE_OK:
        return CLIENT_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return CLIENT_ERR_TIMEOUT;
    case CURLE_ABORTED_BY_CALLBACK:
        return x->timed_out ? CLIENT_ERR_TIMEOUT : CLIENT_ERR_ABORTED;
    case CURLE_WRITE_ERROR:
        return x->too_big ? CLIENT_ERR_TOO_BIG : CLIENT_ERR_ABORTED;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
        return CLIENT_ERR_INTERNAL;
    default:
        return x->aborted ? CLIENT_ERR_ABORTED : CLIENT_ERR_CONNECT;
    }
}

/* A body produced as it is sent (client_body). */
static size_t client_on_read(char *p, size_t size, size_t nmemb, void *ud)
{
    const struct client_body *b = ud;
    return b->read(b->ud, p, size * nmemb);
}

/* libcurl rewinds a body it must send again (a reused connection that had
 * closed; docs/platform.md §5.3); that is the only seek a client_body can do. */
static int client_on_seek(void *ud, curl_off_t offset, int origin)
{
    const struct client_body *b = ud;
    if (origin != SEEK_SET || offset != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    b->rewind(b->ud);
    return CURL_SEEKFUNC_OK;
}

/* One transfer being set up or run: the easy handle, its callbacks' state
 * and its header list (which holds the key). */
struct client_run {
    CURL *c;
    struct client_xfer x;
    struct curl_slist *hdrs;
};

/* Set c up for req. Returns 0, or -1 (r->hdrs may need freeing anyway). */
static int client_setup(struct client_run *r, const struct client_request *req, struct client_reply *rep)
{
    CURL *c = r->c;
    char line[CLIENT_HEADER_LINE_MAX];
    r->x = (struct client_xfer){ .req = req, .rep = rep, .last_byte = client_now(), .last_tick = 0 };
    r->hdrs = NULL;
    curl_easy_reset(c);
    rep->status = 0;
    buf_clear(&rep->body);

    int ok = 1;
#define SET(opt, val) ok &= curl_easy_setopt(c, opt, val) == CURLE_OK
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, "1min-relay/" PACKAGE_VERSION);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(req->connect_timeout_ms ? req->connect_timeout_ms : 10000));
    SET(CURLOPT_TIMEOUT, (long)req->total_timeout_s);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_HEADERFUNCTION, client_on_header);
    SET(CURLOPT_HEADERDATA, &r->x);
    SET(CURLOPT_WRITEFUNCTION, client_on_body);
    SET(CURLOPT_WRITEDATA, &r->x);
    SET(CURLOPT_XFERINFOFUNCTION, client_on_progress);
    SET(CURLOPT_XFERINFODATA, &r->x);
    SET(CURLOPT_NOPROGRESS, 0L);

    if (req->api_key) {
        if ((size_t)snprintf(line, sizeof line, "API-KEY: %s", req->api_key) >= sizeof line) {
            LOG_WARN("API key too long to send");
            return -1;
        }
        r->hdrs = curl_slist_append(r->hdrs, line);
        if (!r->hdrs)
            return -1;
    }
    /* No 100-continue round trip for large bodies. */
    struct curl_slist *t = curl_slist_append(r->hdrs, "Expect:");
    if (!t)
        return -1;
    r->hdrs = t;
    if (req->mime) {
        SET(CURLOPT_MIMEPOST, (curl_mime *)req->mime);
    } else if (req->body || req->body_src) {
        snprintf(line, sizeof line, "Content-Type: %s", req->content_type ? req->content_type : "application/json");
        t = curl_slist_append(r->hdrs, line);
        if (!t)
            return -1;
        r->hdrs = t;
        if (req->body_src) {
            SET(CURLOPT_POST, 1L);
            SET(CURLOPT_READFUNCTION, client_on_read);
            SET(CURLOPT_READDATA, (void *)req->body_src);
            SET(CURLOPT_SEEKFUNCTION, client_on_seek);
            SET(CURLOPT_SEEKDATA, (void *)req->body_src);
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_src->len);
        } else {
            SET(CURLOPT_POSTFIELDS, req->body);
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
    }
    if (req->method && strcmp(req->method, "GET") == 0)
        SET(CURLOPT_HTTPGET, 1L);
    SET(CURLOPT_HTTPHEADER, r->hdrs);
#undef SET
    if (!ok) {
        LOG_ERROR("libcurl rejected an option");
        return -1;
    }
    return 0;
}

/* The outcome of a finished transfer. */
static enum client_rc client_done(struct client_run *r, CURLcode cc)
{
    const struct client_request *req = r->x.req;
    struct client_reply *rep = r->x.rep;
    enum client_rc rc = client_map(cc, &r->x);
    double secs = 0;
    curl_easy_getinfo(r->c, CURLINFO_TOTAL_TIME, &secs);
    record_upstream_done(rc == CLIENT_ERR_CONNECT ? 0 : rep->status, rc == CLIENT_ERR_TIMEOUT, secs);
    if (rc == CLIENT_OK && !r->x.headers_done && req->on_status && rep->status >= 200 &&
        req->on_status(req->ud, rep) != 0)
        rc = CLIENT_ERR_ABORTED;
    if (rc != CLIENT_OK && rc != CLIENT_ERR_ABORTED)
        LOG_DEBUG("upstream %s: %s (%s)", req->url, client_rc_text(rc), curl_easy_strerror(cc));
    return rc;
}

/* The key lives in the slist; free it and drop the handle's reference. */
static void client_release(struct client_run *r)
{
    curl_easy_setopt(r->c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
}

enum client_rc client_perform(void *h, const struct client_request *req, struct client_reply *rep)
{
    struct client_run r = { .c = h };
    enum client_rc rc = CLIENT_ERR_INTERNAL;
    if (client_setup(&r, req, rep) == 0)
        rc = client_done(&r, curl_easy_perform(r.c));
    client_release(&r);
    return rc;
}

int client_perform_many(void *const *h, const struct client_request *reqs, struct client_reply *reps,
                        enum client_rc *rcs, size_t n)
{
    struct client_run *runs = calloc(n ? n : 1, sizeof(*runs));
    CURLM *m = curl_multi_init();
    int rc = -1;
    size_t added = 0, left = 0;
    for (size_t i = 0; i < n; i++)
        rcs[i] = CLIENT_ERR_INTERNAL;
    if (!runs || !m)
        goto out;
    for (size_t i = 0; i < n; i++) {
        runs[i].c = h[i];
        if (client_setup(&runs[i], &reqs[i], &reps[i]) < 0 || curl_multi_add_handle(m, runs[i].c) != CURLM_OK)
            goto out;
        added = i + 1;
    }
    left = n;
    while (left > 0) {
        int running = 0, queued = 0;
        if (curl_multi_perform(m, &running) != CURLM_OK || curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
            goto out;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            for (size_t i = 0; i < n; i++)
                if (runs[i].c == msg->easy_handle) {
                    rcs[i] = client_done(&runs[i], msg->data.result);
                    left--;
                }
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < added; i++)
        curl_multi_remove_handle(m, runs[i].c);
    for (size_t i = 0; runs && i < n; i++)
        if (runs[i].c)
            client_release(&runs[i]);
    curl_multi_cleanup(m);
    free(runs);
    return rc;
}
