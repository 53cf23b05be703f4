/* uperr: turning whatever 1min.ai answered into an error value.
 *
 * This is the one place where an upstream reply becomes a struct relay_err,
 * and the client's key is masked inside it, on the raw text, before anything
 * is cut to size: no caller can forget the redaction and no cut can leave a
 * piece of a key behind.
 *
 * 1min.ai has several error body shapes (docs/upstream-api.md); this
 * extracts a message and a code from any of them and chooses the client's
 * status: 400/401/403/404/422/429 are kept, other 4xx become 400, 5xx and
 * transport failures 502, timeouts 504. A record that reports a failure
 * (HTTP 200 with status FAILED, or a refusal object in place of the result)
 * is a 502 upstream_failed, or a 400 content_filter for a refusal.
 *
 * Thread rule: pure functions; the error value belongs to the caller. */
#ifndef RELAY_ONEMIN_UPERR_H
#define RELAY_ONEMIN_UPERR_H

#include <stddef.h>

#include "core/err.h"
#include "onemin/client.h"

struct json_object;

#define UPERR_MSG_MAX 512               /* bytes of a mapped message, with the NUL */
#define UPERR_RECORD_MAX ((size_t)64 << 10)  /* raw failure text read from a record */

/* Extract message and code from an upstream error body (JSON or not), with
 * secret (the client's key; NULL for none) masked before the text is cut. */
void uperr_extract(const char *body, size_t len, char *msg, size_t msglen, char *code, size_t codelen,
                   const char *secret);

/* Fill e for an exchange that did not succeed (rc != CLIENT_OK, or a non-2xx
 * status), with Retry-After passed on. step, when not NULL, names what failed
 * ("Uploading image 1 to 1min.ai failed") in front of the message. Returns -1. */
int uperr_from_reply(struct relay_err *e, enum client_rc rc, const struct client_reply *rep,
                     const char *step, const char *secret);

/* Fill e when the aiRecord rec reports a failure and return -1; 0 when it
 * does not. */
int uperr_record(struct relay_err *e, struct json_object *rec, const char *secret);

/* Fill e from the data of an "event: error" in an upstream stream (502).
 * Returns -1. */
int uperr_event(struct relay_err *e, const char *data, size_t len, const char *secret);

#endif
