/* uperr: upstream error bodies and statuses -> error values; see uperr.h.
 *
 * Extraction rules (docs/upstream-api.md §8.1): message from error.message, error
 * (a string), message or detail; code from error.code or errorCode; up to 5
 * distinct "message" strings found up to 6 levels deep in error.details or
 * details (an array, an object, or a string holding JSON) are appended as
 * " (d1; d2)". Without a message the body itself is used (an HTML page by its
 * <title>). Everything that leaves this file is clean text: valid UTF-8,
 * no control characters, whitespace runs collapsed, at most 500 bytes. */
#include "onemin/uperr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/text.h"
#include "onemin/airec.h"

#define UPERR_TEXT_MAX 500      /* bytes of extracted message */
#define UPERR_DETAILS_MAX 5
#define UPERR_DETAILS_DEPTH 6
#define UPERR_JSON_DEPTH 64

/* ---- clean text -------------------------------------------------------- */

/* Write src[0..n) into dst (dstlen bytes with the NUL, at most limit bytes of
 * text) as clean text: invalid UTF-8 becomes U+FFFD, control characters
 * (C0, DEL, C1, U+2028/9) become spaces, whitespace runs collapse to one
 * space, and the ends are trimmed. Cuts only between characters. Returns the
 * length written. */
static size_t uperr_clean_raw(char *dst, size_t dstlen, size_t limit, const char *src, size_t n)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *s = (const unsigned char *)src;
    size_t out = 0, i = 0;
    if (dstlen == 0)
        return 0;
    if (limit > dstlen - 1)
        limit = dstlen - 1;
    int pending_space = 0;
    while (i < n) {
        uint32_t cp;
        int decoded = text_utf8_decode(s + i, n - i, &cp);
        size_t len = decoded > 0 ? (size_t)decoded : 0;
        const char *bytes = (const char *)s + i;
        size_t out_len = len;
        if (len == 0) {
            cp = 0xFFFD;
            bytes = replacement;
            out_len = 3;
            len = 1;
        }
        i += len;
        if (cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) {
            pending_space = pending_space || out > 0;
            continue;
        }
        if (out + pending_space + out_len > limit)
            break;
        if (pending_space)
            dst[out++] = ' ';
        pending_space = 0;
        memcpy(dst + out, bytes, out_len);
        out += out_len;
    }
    dst[out] = '\0';
    return out;
}

/* The same after masking secret in src: the key goes before anything is cut,
 * so no cut can leave a piece of it behind. */
static size_t uperr_clean(char *dst, size_t dstlen, size_t limit, const char *src, size_t n,
                          const char *secret)
{
    size_t slen = secret ? strlen(secret) : 0;
    if (slen < 4 || n < slen || !memmem(src, n, secret, slen))
        return uperr_clean_raw(dst, dstlen, limit, src, n);
    char *masked = malloc(n + 1);
    if (!masked) {
        if (dstlen)
            dst[0] = '\0';
        return 0;
    }
    size_t m = err_redact(masked, n + 1, src, n, secret);
    size_t out = uperr_clean_raw(dst, dstlen, limit, masked, m);
    free(masked);
    return out;
}

/* ---- extraction -------------------------------------------------------- */

struct uperr_details {
    const char *secret;
    const char *main;                       /* the cleaned main message */
    char found[UPERR_DETAILS_MAX][UPERR_TEXT_MAX + 1];
    size_t count;
};

static void uperr_detail_add(struct uperr_details *d, const char *s, size_t n)
{
    char text[UPERR_TEXT_MAX + 1];
    if (d->count >= UPERR_DETAILS_MAX || uperr_clean(text, sizeof(text), UPERR_TEXT_MAX, s, n, d->secret) == 0)
        return;
    if (strcmp(text, d->main) == 0)
        return;
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(text, d->found[i]) == 0)
            return;
    memcpy(d->found[d->count++], text, sizeof(text));
}

/* Parse len bytes as JSON; NULL when they are not one JSON value. */
static struct json_object *uperr_parse(const char *s, size_t len)
{
    if (len == 0 || len > (size_t)INT32_MAX)
        return NULL;
    struct json_tokener *tok = json_tokener_new_ex(UPERR_JSON_DEPTH);
    if (!tok)
        return NULL;
    struct json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
    if (!obj && json_tokener_get_error(tok) == json_tokener_continue)
        obj = json_tokener_parse_ex(tok, "", 1);   /* a bare number at the very end */
    json_tokener_free(tok);
    return obj;
}

static void uperr_collect(struct uperr_details *d, struct json_object *v, int depth)
{
    if (depth > UPERR_DETAILS_DEPTH || d->count >= UPERR_DETAILS_MAX)
        return;
    if (json_object_is_type(v, json_type_object)) {
        struct json_object *m;
        if (json_object_object_get_ex(v, "message", &m) && json_object_is_type(m, json_type_string))
            uperr_detail_add(d, json_object_get_string(m), (size_t)json_object_get_string_len(m));
        json_object_object_foreach(v, key, child) {
            (void)key;
            if (json_object_is_type(child, json_type_object) || json_object_is_type(child, json_type_array))
                uperr_collect(d, child, depth + 1);
        }
    } else if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            uperr_collect(d, json_object_array_get_idx(v, i), depth + 1);
    }
}

/* details: an array or object, or a string holding JSON (else plain text). */
static void uperr_details_from(struct uperr_details *d, struct json_object *v)
{
    if (!json_object_is_type(v, json_type_string)) {
        uperr_collect(d, v, 1);
        return;
    }
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    struct json_object *inner = uperr_parse(s, n);
    if (json_object_is_type(inner, json_type_object) || json_object_is_type(inner, json_type_array))
        uperr_collect(d, inner, 1);
    else
        uperr_detail_add(d, s, n);
    json_object_put(inner);
}

/* The first non-empty string among the candidates, cleaned into out. */
static void uperr_first_message(struct json_object *root, struct json_object *err, char *out, size_t outlen,
                                const char *secret)
{
    struct json_object *cand[4] = { NULL, NULL, NULL, NULL }, *v;
    if (json_object_is_type(err, json_type_object) && json_object_object_get_ex(err, "message", &v))
        cand[0] = v;
    cand[1] = err;
    if (json_object_object_get_ex(root, "message", &v))
        cand[2] = v;
    if (json_object_object_get_ex(root, "detail", &v))
        cand[3] = v;
    out[0] = '\0';
    for (size_t i = 0; i < 4; i++)
        if (json_object_is_type(cand[i], json_type_string) &&
            uperr_clean(out, outlen, UPERR_TEXT_MAX, json_object_get_string(cand[i]),
                        (size_t)json_object_get_string_len(cand[i]), secret) > 0)
            return;
}

/* A code as a short identifier: a string or an integer, other bytes dropped. */
static int uperr_code_from(struct json_object *v, char *code, size_t codelen, const char *secret)
{
    char tmp[256];
    const char *s;
    if (json_object_is_type(v, json_type_int)) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_object_get_int64(v));
        s = tmp;
    } else if (json_object_is_type(v, json_type_string)) {
        /* masked before the filter below could break the key into pieces */
        err_redact(tmp, sizeof(tmp), json_object_get_string(v), (size_t)json_object_get_string_len(v), secret);
        s = tmp;
    } else {
        return 0;
    }
    size_t out = 0;
    for (; *s && out + 1 < codelen; s++)
        if (isalnum((unsigned char)*s) || strchr("_-.:", *s))
            code[out++] = *s;
    code[out] = '\0';
    return out > 0;
}

/* The text of an HTML page's <title>, or NULL. */
static const char *uperr_html_title(const char *body, size_t len, size_t *n)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i == len || body[i] != '<')
        return NULL;
    for (; i + 7 <= len; i++) {
        if (strncasecmp(body + i, "<title", 6) != 0 || (body[i + 6] != '>' && !isspace((unsigned char)body[i + 6])))
            continue;
        const char *start = memchr(body + i, '>', len - i);
        if (!start)
            return NULL;
        start++;
        for (const char *e = start; e + 8 <= body + len; e++)
            if (strncasecmp(e, "</title>", 8) == 0) {
                *n = (size_t)(e - start);
                return start;
            }
        return NULL;
    }
    return NULL;
}

void uperr_extract(const char *body, size_t len, char *msg, size_t msglen, char *code, size_t codelen,
                   const char *secret)
{
    char main_msg[UPERR_TEXT_MAX + 1] = "";
    struct uperr_details details;
    if (msglen > 0)
        msg[0] = '\0';
    if (codelen > 0)
        code[0] = '\0';
    if (!body)
        len = 0;
    memset(&details, 0, sizeof(details));
    details.main = main_msg;
    details.secret = secret;

    struct json_object *root = uperr_parse(body, len), *err = NULL, *v;
    if (json_object_is_type(root, json_type_object)) {
        json_object_object_get_ex(root, "error", &err);
        uperr_first_message(root, err, main_msg, sizeof(main_msg), secret);
        int have_code = json_object_is_type(err, json_type_object) &&
                        json_object_object_get_ex(err, "code", &v) && uperr_code_from(v, code, codelen, secret);
        if (!have_code && json_object_object_get_ex(root, "errorCode", &v))
            uperr_code_from(v, code, codelen, secret);
        if (json_object_is_type(err, json_type_object) && json_object_object_get_ex(err, "details", &v))
            uperr_details_from(&details, v);
        if (json_object_object_get_ex(root, "details", &v))
            uperr_details_from(&details, v);
    } else if (json_object_is_type(root, json_type_string)) {
        uperr_clean(main_msg, sizeof(main_msg), UPERR_TEXT_MAX, json_object_get_string(root),
                    (size_t)json_object_get_string_len(root), secret);
    }
    json_object_put(root);

    /* main (d1; d2), or the details alone, or the body itself */
    char joined[UPERR_TEXT_MAX * (UPERR_DETAILS_MAX + 1) + 64];
    size_t at = (size_t)snprintf(joined, sizeof(joined), "%s", main_msg);
    for (size_t i = 0; i < details.count; i++)
        at += (size_t)snprintf(joined + at, sizeof(joined) - at, "%s%s",
                               i == 0 ? (at > 0 ? " (" : "") : "; ", details.found[i]);
    if (details.count > 0 && main_msg[0])
        snprintf(joined + at, sizeof(joined) - at, ")");
    if (joined[0]) {
        uperr_clean(msg, msglen, UPERR_TEXT_MAX, joined, strlen(joined), secret);
        return;
    }
    size_t title_len = 0;
    const char *title = uperr_html_title(body, len, &title_len);
    if (title && uperr_clean(msg, msglen, UPERR_TEXT_MAX, title, title_len, secret) > 0)
        return;
    uperr_clean(msg, msglen, UPERR_TEXT_MAX, body, len, secret);
}

/* ---- status mapping ---------------------------------------------------- */

/* Fill e from a formatted message: cleaned to UPERR_MSG_MAX, with step (a
 * trusted "Uploading image 1 to 1min.ai failed: ") in front, the key masked. */
static int uperr_set(struct relay_err *e, const char *secret, const char *step, int status, const char *type,
                     const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int uperr_set(struct relay_err *e, const char *secret, const char *step, int status, const char *type,
                     const char *code, const char *fmt, ...)
{
    char text[UPERR_MSG_MAX * 2], clean[UPERR_MSG_MAX];
    size_t at = 0;
    va_list ap;
    if (step)
        at = (size_t)snprintf(text, sizeof(text), "%s: ", step);
    if (at >= sizeof(text))
        at = 0;
    va_start(ap, fmt);
    int n = vsnprintf(text + at, sizeof(text) - at, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    size_t len = at + (size_t)n < sizeof(text) ? at + (size_t)n : sizeof(text) - 1;
    size_t m = uperr_clean(clean, sizeof(clean), sizeof(clean) - 1, text, len, secret);
    return err_set_redacted(e, status, type, code && *code ? code : NULL, NULL, NULL, clean, m, secret);
}

/* Retry-After in whole seconds, when the upstream sent one. */
static unsigned uperr_retry_after(const struct client_reply *rep)
{
    const char *s = rep ? rep->retry_after : "";
    unsigned long v = 0;
    size_t n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    while (isdigit((unsigned char)s[n]) && n < 9)
        v = v * 10 + (unsigned long)(s[n++] - '0');
    const char *rest = s + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return n > 0 && *rest == '\0' ? (unsigned)v : 0;
}

int uperr_from_reply(struct relay_err *e, enum client_rc rc, const struct client_reply *rep,
                     const char *step, const char *secret)
{
    char msg[UPERR_TEXT_MAX + 1], code[sizeof(e->code)], why[UPERR_TEXT_MAX + 8];
    switch (rc) {
    case CLIENT_OK:
        break;
    case CLIENT_ERR_TIMEOUT:
        return uperr_set(e, secret, step, 504, "timeout_error", NULL, "1min.ai did not answer in time.");
    case CLIENT_ERR_CONNECT:
        return uperr_set(e, secret, step, 502, "upstream_error", "bad_gateway",
                         "Could not reach 1min.ai (the connection failed).");
    case CLIENT_ERR_TOO_BIG:
        return uperr_set(e, secret, step, 502, "upstream_error", "bad_gateway",
                         "1min.ai's answer was larger than the relay accepts.");
    case CLIENT_ERR_ABORTED:
        return uperr_set(e, secret, step, 500, "server_error", NULL, "The request to 1min.ai was cancelled.");
    case CLIENT_ERR_INTERNAL:
    default:
        return uperr_set(e, secret, step, 500, "server_error", NULL, "The relay failed while calling 1min.ai.");
    }

    long status = rep ? rep->status : 0;
    uperr_extract(rep ? rep->body.data : NULL, rep ? rep->body.len : 0, msg, sizeof(msg), code, sizeof(code),
                  secret);
    const char *client_code = code[0] ? code : NULL;
    if (msg[0])
        snprintf(why, sizeof(why), ": %s", msg);
    else
        snprintf(why, sizeof(why), " (no error message).");

    switch (status) {
    case 400:
        uperr_set(e, secret, step, 400, "invalid_request_error", client_code, "1min.ai rejected the request%s", why);
        break;
    case 401:
        uperr_set(e, secret, step, 401, "invalid_request_error", client_code ? client_code : "invalid_api_key",
                  "1min.ai rejected the API key%s", why);
        break;
    case 403:
        uperr_set(e, secret, step, 403, "permission_error", client_code, "1min.ai denied access%s", why);
        break;
    case 404:
        uperr_set(e, secret, step, 404, "invalid_request_error", client_code, "1min.ai answered Not Found%s", why);
        break;
    case 422:
        uperr_set(e, secret, step, 422, "invalid_request_error", client_code,
                  "1min.ai could not process the request%s", why);
        break;
    case 429:
        uperr_set(e, secret, step, 429, "requests", client_code ? client_code : "rate_limit_exceeded",
                  "1min.ai's rate limit was reached%s", why);
        break;
    default:
        if (status > 400 && status < 500)
            uperr_set(e, secret, step, 400, "invalid_request_error", client_code, "1min.ai answered HTTP %ld%s",
                      status, why);
        else if (status >= 500 && status < 600)
            uperr_set(e, secret, step, 502, "upstream_error", "bad_gateway", "1min.ai failed with HTTP %ld%s",
                      status, why);
        else
            uperr_set(e, secret, step, 502, "upstream_error", "bad_gateway",
                      "1min.ai gave an unexpected answer (HTTP %ld)%s", status, why);
        break;
    }
    e->retry_after_s = uperr_retry_after(rep);
    return -1;
}

int uperr_record(struct relay_err *e, struct json_object *rec, const char *secret)
{
    struct buf msg;
    int rc = 0;
    buf_init(&msg, UPERR_RECORD_MAX);
    enum airec_failure failure = airec_failed(rec, &msg);
    /* a refusal is the client's (moderation: retrying will not help, so not a
     * 5xx); a FAILED status the upstream's */
    if (failure == AIREC_REFUSED)
        rc = err_set_redacted(e, 400, NULL, "content_filter", NULL, "1min.ai refused the request: ",
                              buf_str(&msg), msg.len, secret);
    else if (failure)
        rc = err_set_redacted(e, 502, "upstream_error", "upstream_failed", NULL, "1min.ai failed: ",
                              buf_str(&msg), msg.len, secret);
    buf_free(&msg);
    return rc;
}

int uperr_event(struct relay_err *e, const char *data, size_t len, const char *secret)
{
    char msg[UPERR_TEXT_MAX + 1], code[sizeof(e->code)];
    uperr_extract(data, len, msg, sizeof(msg), code, sizeof(code), secret);
    return err_set_redacted(e, 502, "upstream_error", code[0] ? code : NULL, NULL, NULL, msg, strlen(msg), secret);
}
