/* resp: writing responses, always through one formatter.
 *
 * Contract: every response carries the CORS headers, x-request-id and any
 * header added with resp_add_header, then the body as the caller gives it.
 * Error bodies are the API layer's (api/render_error): http/ knows no
 * dialect.
 *
 * Ownership: the bytes are copied into the transport's buffer; nothing is kept.
 * Thread rule: the request's thread only. */
#ifndef RELAY_HTTP_RESP_H
#define RELAY_HTTP_RESP_H

#include <stddef.h>

#include "http/req.h"

/* Add a header to the response that has not started yet. CR and LF in the value
 * are dropped. Returns 0 or -1 (already committed, or too many headers). */
int resp_add_header(struct relay_req *r, const char *name, const char *value);

/* Commit: write the status line, Content-Type, the common headers and the
 * extra headers, then the blank line. content_length < 0 means none.
 * Returns 0, or -1 when the client is gone. */
int resp_begin(struct relay_req *r, int status, const char *content_type, long long content_length);

/* Body bytes after resp_begin; -1 when the client is gone (r->client_gone set). */
int resp_write(struct relay_req *r, const void *p, size_t n);
int resp_flush(struct relay_req *r);

/* Batching: between resp_hold and resp_release, resp_flush only notes that
 * a flush is due, and resp_release does it once. Whoever turns one upstream
 * read into several events brackets them, so the events that arrived
 * together leave in one FastCGI record and one write. Holds nest. Returns
 * like resp_flush (0 when nothing was due). */
void resp_hold(struct relay_req *r);
int resp_release(struct relay_req *r);

/* A whole response with a body. */
int resp_send(struct relay_req *r, int status, const char *content_type, const void *body, size_t n);

/* The reason phrase for a status ("Not Found"). */
const char *resp_reason(int status);

#endif
