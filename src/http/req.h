/* req: the state of one client request while the application handles it.
 *
 * Contract: req_init binds a request to its io (FastCGI, CGI or in-memory) and
 * derives the path, request id and client address; the readers below parse
 * the CGI variables; req_read_body reads the body within a bound.
 *
 * The application's state is opaque here: struct relay_app (what the whole
 * process shares) and struct worker (one thread's reusable resources) are
 * defined by the composition root (src/app.h); http/ only carries the
 * pointers it was given, so it knows no routes, curl or limiter.
 *
 * Ownership: a relay_req lives on its worker's stack for one request; the
 * strings it hands out are borrowed from io and valid until the request ends.
 * Thread rule: a relay_req and its worker belong to one thread. */
#ifndef RELAY_HTTP_REQ_H
#define RELAY_HTTP_REQ_H

#include <stddef.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/err.h"
#include "core/record.h"
#include "http/io.h"

#define REQ_PATH_MAX 2048
#define REQ_ID_LEN 40

struct relay_app;   /* the application's shared state (src/app.h); opaque here */
struct worker;      /* the application's per-thread state (src/app.h); opaque here */

struct relay_req {
    struct io *io;
    const struct relay_app *app;        /* borrowed, shared by every thread */
    const struct relay_config *cfg;     /* the core settings */
    struct worker *w;                   /* the serving thread's own */
    const char *method;                 /* borrowed from io */
    char path[REQ_PATH_MAX];            /* REQUEST_URI without query and mount prefix */
    char request_id[REQ_ID_LEN];        /* also sent as x-request-id */
    char client_ip[64];                 /* REMOTE_ADDR */
    struct buf headers;                 /* extra "Name: value\r\n" lines for the response */
    int committed;                      /* status line and headers written */
    int sse;                            /* the committed response is an event stream */
    int status;                         /* status sent, once committed */
    int client_gone;                    /* a write or flush failed */
    int held;                           /* resp_hold depth: flushes wait for resp_release */
    int flush_due;                      /* a flush was asked for while held */
    struct record rec;                  /* ops: access log + metrics (core/record.h) */
};

/* Set up r for one request on io. path is taken from REQUEST_URI (falling back
 * to SCRIPT_NAME + PATH_INFO), query removed, mount prefix stripped.
 * Allocates nothing until headers are added; release with req_finish. */
void req_init(struct relay_req *r, struct io *io, const struct relay_config *cfg,
              const struct relay_app *app, struct worker *w);
void req_finish(struct relay_req *r);

/* 1 when the client has already gone: a write failed, or the web server
 * closed the connection (it does so when its client leaves). Cheap (one poll
 * with no wait); call it before work that costs money, such as the upstream
 * call, and drop the request without an answer when it says 1. */
int req_client_gone(struct relay_req *r);

/* The client's API key from "Authorization: Bearer K" or "x-api-key: K", with
 * surrounding whitespace removed, or NULL. Borrowed from io; never log it. */
const char *req_api_key(struct relay_req *r, size_t *len);

/* A request header by its HTTP name ("Content-Type"), or NULL. Borrowed. */
const char *req_header(struct relay_req *r, const char *http_name);

/* Read the whole body into out, allowing at most max bytes. Returns 0, or -1
 * with e filled (413 for too large, 400 when the body is cut short); nothing
 * is sent. out must be buf_init'ed; the caller frees it. */
int req_read_body(struct relay_req *r, size_t max, struct buf *out, struct relay_err *e);

#endif
