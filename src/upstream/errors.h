/* up_errors: turning whatever 1min.ai answered into an OpenAI error.
 *
 * 1min.ai has several error body shapes (docs/upstream §8.1); this extracts a
 * message and a code from any of them and chooses the client's status:
 * 400/401/403/404/422/429 are kept, other 4xx become 400, 5xx and transport
 * failures 502, timeouts 504. The message never contains the API key. */
#ifndef RELAY_UPSTREAM_ERRORS_H
#define RELAY_UPSTREAM_ERRORS_H

#include <stddef.h>

#include "upstream/client.h"

struct relay_req;

#define UPERR_MSG_MAX 512

struct up_error {
    int status;                 /* status for the client */
    char type[32];              /* OpenAI error type */
    char code[64];              /* upstream errorCode / error.code, "" if none */
    char message[UPERR_MSG_MAX];
};

/* Extract message and code from an upstream error body (JSON or not). */
void uperr_extract(const char *body, size_t len, char *msg, size_t msglen, char *code, size_t codelen);

/* Classify an exchange that did not succeed: rc != UP_OK, or a non-2xx status. */
void uperr_from_reply(enum up_rc rc, const struct up_reply *rep, struct up_error *out);

/* Mask every occurrence of secret (the client's API key) in e's message and
 * code with "***", in case the upstream ever echoes it. Secrets shorter than 4
 * bytes are left alone. Call before uperr_send. */
void uperr_redact(struct up_error *e, const char *secret);

/* Send e to the client (as an HTTP error, or an in-stream event when the
 * response is already committed). Passes Retry-After on. */
int uperr_send(struct relay_req *r, const struct up_error *e, const struct up_reply *rep);

#endif
