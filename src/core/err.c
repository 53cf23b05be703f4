/* err: the one error value; see err.h. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MASK "***"

static void err_copy(char *dst, size_t dstlen, const char *src)
{
    snprintf(dst, dstlen, "%s", src ? src : "");
}

/* The length of the longest prefix of s[0..n) that does not end inside a
 * UTF-8 sequence. */
static size_t err_char_cut(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--;
    if (k == 0)
        return n;
    unsigned char lead = (unsigned char)s[k - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (k - 1) >= need ? n : k - 1;
}

size_t err_redact(char *dst, size_t dstlen, const char *src, size_t n, const char *secret)
{
    size_t slen = secret ? strlen(secret) : 0, out = 0, i = 0;
    if (dstlen == 0)
        return 0;
    if (slen < 4)
        slen = 0;           /* too short to mask without mangling ordinary text */
    while (i < n) {
        if (slen && n - i >= slen && memcmp(src + i, secret, slen) == 0) {
            if (out + sizeof ERR_MASK - 1 > dstlen - 1)
                break;
            memcpy(dst + out, ERR_MASK, sizeof ERR_MASK - 1);
            out += sizeof ERR_MASK - 1;
            i += slen;
            continue;
        }
        if (out + 1 > dstlen - 1) {
            out = err_char_cut(dst, out);
            break;
        }
        dst[out++] = src[i++];
    }
    dst[out] = '\0';
    return out;
}

int err_set(struct relay_err *e, int status, const char *type, const char *code,
            const char *param, const char *fmt, ...)
{
    va_list ap;
    e->status = status;
    err_copy(e->type, sizeof e->type, type);
    err_copy(e->code, sizeof e->code, code);
    err_copy(e->param, sizeof e->param, param);
    e->retry_after_s = 0;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

int err_set_redacted(struct relay_err *e, int status, const char *type, const char *code,
                     const char *param, const char *prefix, const char *text, size_t len,
                     const char *secret)
{
    err_set(e, status, type, NULL, param, "%s", prefix ? prefix : "");
    if (code)
        err_redact(e->code, sizeof e->code, code, strlen(code), secret);
    size_t at = strlen(e->message);
    if (text)
        err_redact(e->message + at, sizeof e->message - at, text, len, secret);
    return -1;
}

int err_oom(struct relay_err *e)
{
    return err_set(e, 500, NULL, NULL, NULL, "Out of memory");
}

const char *err_type(const struct relay_err *e)
{
    if (e->type[0])
        return e->type;
    switch (e->status) {
    case 401: case 400: case 404: case 405: case 409: case 413: case 415: case 422: case 501:
        return "invalid_request_error";
    case 403: return "permission_error";
    case 408: case 504: return "timeout_error";
    case 429: return "rate_limit_error";
    case 502: return "upstream_error";
    case 503: return "service_unavailable";
    default:  return e->status >= 500 ? "server_error" : "invalid_request_error";
    }
}
