/* render_error: the one place an error value becomes bytes for the client,
 * in the shape of the route's API dialect.
 *
 * Before the response is committed: the error's own status, Retry-After when
 * set, and a JSON body —
 *   OPENAI, RESPONSES  {"error":{"message":...,"type":...,"param":...,"code":...}}
 *   ANTHROPIC          {"type":"error","error":{"type":...,"message":...}}
 *                      (type from the status: 400 invalid_request_error,
 *                      401 authentication_error, 403 permission_error,
 *                      404 not_found_error, 413 request_too_large,
 *                      429 rate_limit_error, 500 api_error,
 *                      503/529 overloaded_error)
 * After a 200 event stream started: the hook a sink registered for this
 * request, when there is one (Responses' response.failed); else for OPENAI
 * and RESPONSES a `data: {"error":...}` frame, for ANTHROPIC an
 * `event: error` frame with the body above. A committed response that is not
 * a stream cannot carry an error: it is only logged.
 *
 * Every error is logged (warn from 500 up, debug below); the message is
 * sanitized (no control characters, valid UTF-8) before it goes anywhere.
 *
 * Thread rule: the hook is per worker thread and per request; the router
 * clears it before each handler runs. */
#ifndef RELAY_API_RENDER_ERROR_H
#define RELAY_API_RENDER_ERROR_H

#include "core/buf.h"
#include "core/err.h"
#include "http/req.h"

enum api_dialect { API_OPENAI, API_RESPONSES, API_ANTHROPIC };

/* Render e for r once, in dialect d. Returns 0, or -1 when the client is gone. */
int render_error(struct relay_req *r, enum api_dialect d, const struct relay_err *e);

/* A sink's own rendering of a failure after the stream started; returns 0,
 * or -1 when the client is gone. */
typedef int (*render_error_fail_fn)(void *ud, const struct relay_err *e);

/* Set (or with fn NULL clear) the calling thread's post-commit hook. */
void render_error_hook(render_error_fail_fn fn, void *ud);

/* The JSON body of e in dialect d, appended to out (a sink's own event may
 * embed it). Returns 0 or -1 when out is full. */
int render_error_body(struct buf *out, enum api_dialect d, const struct relay_err *e);

#endif
