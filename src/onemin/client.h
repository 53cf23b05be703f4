/* client: one HTTP exchange with 1min.ai (or anything else) over libcurl.
 *
 * A worker thread keeps one CURL easy handle and passes it to every call, so
 * connections and TLS sessions are reused. The reply body is collected into a
 * bounded buf; with on_data set, a 2xx body is handed over piece by piece
 * instead (streaming), while a non-2xx body is still collected for error
 * mapping. The API key travels only in the API-KEY header; it is never logged.
 *
 * Thread rule: a handle belongs to one thread at a time. */
#ifndef RELAY_ONEMIN_CLIENT_H
#define RELAY_ONEMIN_CLIENT_H

#include <stddef.h>

#include "core/buf.h"

enum client_rc {
    CLIENT_OK = 0,          /* an HTTP answer arrived (any status) */
    CLIENT_ERR_CONNECT,     /* could not connect or the connection broke: 502 */
    CLIENT_ERR_TIMEOUT,     /* connect, idle or total timeout: 504 */
    CLIENT_ERR_TOO_BIG,     /* the reply passed the body limit: 502 */
    CLIENT_ERR_ABORTED,     /* a callback stopped the transfer (client gone) */
    CLIENT_ERR_INTERNAL     /* out of memory, bad option: 500 */
};

struct client_reply {
    long status;                /* HTTP status; 0 when no answer */
    struct buf body;            /* the body (non-2xx always; 2xx unless streamed) */
    char retry_after[32];       /* Retry-After header, "" when absent */
    char content_type[128];     /* Content-Type header, "" when absent */
};

/* A request body produced piece by piece as it is sent, len bytes in all,
 * for a body too large to hold twice (the chat prompt). read writes the next
 * bytes into dst (at most max; at least one while any are left) and returns
 * how many; rewind starts over, for libcurl to send the body again. */
struct client_body {
    size_t len;
    size_t (*read)(void *ud, char *dst, size_t max);
    void (*rewind)(void *ud);
    void *ud;
};

struct client_request {
    const char *method;         /* "GET" or "POST"; NULL: POST if a body or mime, else GET */
    const char *url;
    const char *api_key;        /* sent as API-KEY; NULL for none */
    const char *body;           /* request body, or NULL */
    size_t body_len;
    const struct client_body *body_src;   /* instead of body: produced as it is sent */
    const char *content_type;   /* of body; default application/json */
    void *mime;                 /* curl_mime * for multipart uploads, or NULL */
    unsigned connect_timeout_ms;
    unsigned idle_timeout_s;    /* abort when no byte arrives for this long; 0: none */
    unsigned total_timeout_s;   /* hard cap on the whole exchange; 0: none */
    /* Called once when the status line and headers are in, before any body
     * byte. Return non-zero to abort. May be NULL. */
    int (*on_status)(void *ud, const struct client_reply *rep);
    /* Called with each piece of a 2xx body. Return non-zero to abort. When
     * NULL the body is collected into reply->body. */
    int (*on_data)(void *ud, const char *p, size_t n);
    /* Called about once a second while the transfer waits, with the seconds
     * since the last byte. Return non-zero to abort. May be NULL. */
    int (*on_tick)(void *ud, unsigned idle_s);
    void *ud;
};

/* Create a handle for one worker thread, or NULL. Free with client_handle_free. */
void *client_handle_new(void);
void client_handle_free(void *h);

/* Set up an empty reply that accepts at most max_body bytes. */
void client_reply_init(struct client_reply *rep, size_t max_body);
void client_reply_free(struct client_reply *rep);

/* Perform req on handle h. rep must be client_reply_init'ed; it is filled in
 * whatever the outcome. Returns CLIENT_OK when an answer arrived. */
enum client_rc client_perform(void *h, const struct client_request *req, struct client_reply *rep);

/* Perform reqs[0..n) at once, each on its own handle h[i] (all of this
 * thread), for the n choices of one request: the callbacks of the transfers
 * interleave on the calling thread. rcs[i] and reps[i] get each outcome as
 * client_perform would give it; a callback that aborts its transfer stops
 * only that one. Returns 0, or -1 when the transfers could not be run (out
 * of memory, a libcurl failure): then rcs[i] may be CLIENT_ERR_INTERNAL. */
int client_perform_many(void *const *h, const struct client_request *reqs, struct client_reply *reps,
                        enum client_rc *rcs, size_t n);

/* A short description for logs and error messages ("connection refused"). */
const char *client_rc_text(enum client_rc rc);

#endif
