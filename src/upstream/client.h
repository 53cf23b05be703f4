/* up_client: one HTTP exchange with 1min.ai (or anything else) over libcurl.
 *
 * A worker thread keeps one CURL easy handle and passes it to every call, so
 * connections and TLS sessions are reused. The reply body is collected into a
 * bounded buf; with on_data set, a 2xx body is handed over piece by piece
 * instead (streaming), while a non-2xx body is still collected for error
 * mapping. The API key travels only in the API-KEY header; it is never logged.
 *
 * Thread rule: a handle belongs to one thread at a time. */
#ifndef RELAY_UPSTREAM_CLIENT_H
#define RELAY_UPSTREAM_CLIENT_H

#include <stddef.h>

#include "core/buf.h"

enum up_rc {
    UP_OK = 0,          /* an HTTP answer arrived (any status) */
    UP_ERR_CONNECT,     /* could not connect or the connection broke: 502 */
    UP_ERR_TIMEOUT,     /* connect, idle or total timeout: 504 */
    UP_ERR_TOO_BIG,     /* the reply passed the body limit: 502 */
    UP_ERR_ABORTED,     /* a callback stopped the transfer (client gone) */
    UP_ERR_INTERNAL     /* out of memory, bad option: 500 */
};

struct up_reply {
    long status;                /* HTTP status; 0 when no answer */
    struct buf body;            /* the body (non-2xx always; 2xx unless streamed) */
    char retry_after[32];       /* Retry-After header, "" when absent */
    char content_type[128];     /* Content-Type header, "" when absent */
};

struct up_request {
    const char *method;         /* "GET" or "POST"; NULL: POST if body or mime, else GET */
    const char *url;
    const char *api_key;        /* sent as API-KEY; NULL for none */
    const char *body;           /* request body, or NULL */
    size_t body_len;
    const char *content_type;   /* of body; default application/json */
    void *mime;                 /* curl_mime * for multipart uploads, or NULL */
    unsigned connect_timeout_ms;
    unsigned idle_timeout_s;    /* abort when no byte arrives for this long; 0: none */
    unsigned total_timeout_s;   /* hard cap on the whole exchange; 0: none */
    /* Called once when the status line and headers are in, before any body
     * byte. Return non-zero to abort. May be NULL. */
    int (*on_status)(void *ud, const struct up_reply *rep);
    /* Called with each piece of a 2xx body. Return non-zero to abort. When
     * NULL the body is collected into reply->body. */
    int (*on_data)(void *ud, const char *p, size_t n);
    /* Called about once a second while the transfer waits, with the seconds
     * since the last byte. Return non-zero to abort. May be NULL. */
    int (*on_tick)(void *ud, unsigned idle_s);
    void *ud;
};

/* Create a handle for one worker thread, or NULL. Free with up_handle_free. */
void *up_handle_new(void);
void up_handle_free(void *h);

/* Set up an empty reply that accepts at most max_body bytes. */
void up_reply_init(struct up_reply *rep, size_t max_body);
void up_reply_free(struct up_reply *rep);

/* Perform req on handle h. rep must be up_reply_init'ed; it is filled in
 * whatever the outcome. Returns UP_OK when an answer arrived. */
enum up_rc up_perform(void *h, const struct up_request *req, struct up_reply *rep);

/* A short description for logs and error messages ("connection refused"). */
const char *up_rc_text(enum up_rc rc);

#endif
