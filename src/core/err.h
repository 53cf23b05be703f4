/* err: the one error value every failing step fills.
 *
 * A function that fails fills a struct relay_err and returns -1; nothing on
 * the way up sends anything. The request's handler returns the -1 to the
 * router, which renders the error exactly once, in the shape of the route's
 * dialect (api/render_error). The value is dialect-neutral: status and an
 * OpenAI-style type/code/param; the renderer maps them to Anthropic's or the
 * Responses API's shapes.
 *
 * Secrets: text that may hold the client's key (anything from the upstream)
 * goes in through err_set_redacted, which masks the secret in the raw text
 * before anything is cut to size, so no caller can forget and no truncation
 * can leave a piece of a key behind.
 *
 * Thread rule: an error value belongs to the request that fills it. */
#ifndef RELAY_CORE_ERR_H
#define RELAY_CORE_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 1024

struct relay_err {
    int status;                 /* HTTP status for the client; 0 = no error yet */
    char type[40];              /* OpenAI error type; "" = derived from status */
    char code[64];              /* "" = null */
    char param[96];             /* "" = null */
    char message[ERR_MSG_MAX];
    unsigned retry_after_s;     /* > 0: sent as Retry-After */
};

/* Fill e (type, code, param may be NULL). Always returns -1, so a failing
 * step can `return err_set(e, 400, NULL, NULL, "model", "...")`. */
int err_set(struct relay_err *e, int status, const char *type, const char *code,
            const char *param, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The same with a message built from untrusted text (an upstream body): every
 * occurrence of secret (when at least 4 bytes long) in text and code is
 * replaced by "***" before the result is cut to fit. prefix is trusted text
 * put in front ("1min.ai failed: "). Returns -1. */
int err_set_redacted(struct relay_err *e, int status, const char *type, const char *code,
                     const char *param, const char *prefix, const char *text, size_t len,
                     const char *secret);

/* Copy src[0..n) into dst (dstlen bytes with the NUL) with every occurrence
 * of secret (when at least 4 bytes long) replaced by "***", cutting what does
 * not fit between characters, never inside a mask or a secret. Returns the
 * length written. The building block of err_set_redacted, for code that must
 * clean untrusted text before it cuts it (onemin/uperr). */
size_t err_redact(char *dst, size_t dstlen, const char *src, size_t n, const char *secret);

/* 500, "Out of memory". Returns -1. */
int err_oom(struct relay_err *e);

/* The type to render for e: e->type, or the OpenAI default for its status. */
const char *err_type(const struct relay_err *e);

#endif
