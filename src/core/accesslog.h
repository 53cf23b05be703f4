/* accesslog: one JSON line per request (RELAY_ACCESS_LOG).
 *
 * RELAY_ACCESS_LOG is "off" (the default), "stderr", or an absolute file path,
 * opened for appending (created 0640). Every line is written with one
 * write(2) on an O_APPEND descriptor, so the lines of several threads and
 * several processes sharing the file never interleave. accesslog_reopen (on
 * SIGHUP) opens the path again, for logrotate.
 *
 * The fields (see record.h): time, ts (Unix seconds), request_id, method,
 * route, dialect, model, status, stream, duration_ms, ttfb_ms,
 * upstream_ms, upstream_calls, upstream_status, prompt_tokens,
 * completion_tokens, token_source, ratelimit, bytes_out, key (a 12-hex-digit
 * prefix of the SHA-256 of the API key), pid. Never the key, the prompt or
 * the answer.
 *
 * Thread rule: accesslog_open and accesslog_close run before worker threads
 * start and after they stop; accesslog_write and accesslog_reopen from any
 * thread. */
#ifndef RELAY_CORE_ACCESSLOG_H
#define RELAY_CORE_ACCESSLOG_H

#include <stddef.h>

#include "core/buf.h"
#include "core/record.h"

/* Open the log named by spec (NULL or "" is "off"). Returns 0, or -1 with a
 * message naming RELAY_ACCESS_LOG in err. */
int accesslog_open(const char *spec, char *err, size_t errlen);
/* accesslog_open with RELAY_ACCESS_LOG. */
int accesslog_configure(char *err, size_t errlen);
/* Open the file again (after logrotate moved it); keeps the old descriptor
 * when the new open fails, and logs why. */
void accesslog_reopen(void);
void accesslog_close(void);

/* Format rec's line (with a trailing newline) into out. 0, or -1 when full. */
int accesslog_format(struct buf *out, const struct record *rec, double duration_s);
/* Write rec's line, when the log is on. */
void accesslog_write(const struct record *rec, double duration_s);

#endif
