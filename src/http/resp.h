/* resp: writing responses, always through one formatter.
 *
 * Every response carries the CORS headers, x-request-id and any header added
 * with resp_add_header. Errors always have OpenAI's shape:
 *   {"error":{"message":...,"type":...,"param":...,"code":...}}
 * Before the response is committed an error gets its own status; afterwards
 * (inside a 200 event stream) it is sent as a "data: {"error":...}" event. */
#ifndef RELAY_HTTP_RESP_H
#define RELAY_HTTP_RESP_H

#include <stddef.h>

#include "http/req.h"

struct json_object;

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

/* A whole response with a body. */
int resp_send(struct relay_req *r, int status, const char *content_type, const void *body, size_t n);

/* A JSON response; does not take ownership of obj. */
int resp_json(struct relay_req *r, int status, struct json_object *obj);

/* An OpenAI-shaped error. type, code and param may be NULL (sent as null,
 * except type, which defaults from the status). The message is formatted. */
int resp_error(struct relay_req *r, int status, const char *type, const char *code,
               const char *param, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The reason phrase for a status ("Not Found"). */
const char *resp_reason(int status);

#endif
