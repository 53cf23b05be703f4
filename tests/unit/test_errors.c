/* test_errors: every upstream error body shape (docs/upstream-api.md) becomes
 * a clean message and code; statuses map to the client's; Retry-After is
 * passed on; the client's key is masked before anything is cut. */
#include <stdlib.h>

#include "tap.h"
#include <json-c/json.h>

#include "onemin/uperr.h"

/* Valid UTF-8 (no overlongs, surrogates or values past U+10FFFF), no control
 * characters, no leading/trailing/double spaces, at most max bytes. */
static int is_clean(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n > max || (n > 0 && (s[0] == ' ' || s[n - 1] == ' ')) || strstr(s, "  "))
        return 0;
    for (size_t i = 0; i < n;) {
        unsigned char b = p[i];
        unsigned cp;
        size_t len;
        if (b < 0x80) { cp = b; len = 1; }
        else if (b >= 0xC2 && b <= 0xDF) { cp = b & 0x1F; len = 2; }
        else if (b >= 0xE0 && b <= 0xEF) { cp = b & 0x0F; len = 3; }
        else if (b >= 0xF0 && b <= 0xF4) { cp = b & 0x07; len = 4; }
        else return 0;
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return 0;
        i += len;
    }
    return 1;
}

static void extract(const char *body, size_t len, char *msg, char *code)
{
    uperr_extract(body, len, msg, UPERR_MSG_MAX, code, 64, NULL);
}

static void expect(const char *body, const char *want_msg, const char *want_code, const char *name)
{
    char msg[UPERR_MSG_MAX], code[64];
    extract(body, strlen(body), msg, code);
    is_str(msg, want_msg, "%s: message", name);
    is_str(code, want_code, "%s: code", name);
}

static void test_shapes(void)
{
    expect("{\"success\": false, \"error\": {\"code\": \"PROMPT_OBJECT_VALIDATION_FAILED\", "
           "\"message\": \"Invalid prompt object\", \"details\": [{\"field\": \"prompt\", "
           "\"message\": \"prompt must be a string\"}]}}",
           "Invalid prompt object (prompt must be a string)", "PROMPT_OBJECT_VALIDATION_FAILED",
           "unified chat error with details");
    expect("{\"errorCode\": \"UNSUPPORTED_MODEL\", \"message\": \"Model xxx is not supported\"}",
           "Model xxx is not supported", "UNSUPPORTED_MODEL", "feature API errorCode");
    expect("{\"errorCode\": \"MISSING_REQUIRED_FIELDS\", \"message\": \"Missing fields: quality\", "
           "\"details\": \"[{\\\"field\\\":\\\"quality\\\",\\\"message\\\":\\\"Field 'quality' is required\\\"}]\"}",
           "Missing fields: quality (Field 'quality' is required)", "MISSING_REQUIRED_FIELDS",
           "details as a JSON-encoded string");
    expect("{\"errorCode\": \"INVALID\", \"message\": \"The service is a bit busy, try again\", "
           "\"details\": \"[{\\\"message\\\":\\\"size must be 1024x1024\\\"}]\"}",
           "The service is a bit busy, try again (size must be 1024x1024)", "INVALID",
           "canned message, the real cause in details");
    expect("{\"error\": \"Model xyz is not supported\"}", "Model xyz is not supported", "",
           "stream error event payload");
    expect("{\"message\": \"file type isn't supported\"}", "file type isn't supported", "", "plain message");
    expect("{\"detail\": \"Not authenticated\"}", "Not authenticated", "", "detail");
    expect("{\"error\": {\"message\": \"\", \"code\": 406}, \"message\": \"  \", \"detail\": \"from detail\"}",
           "from detail", "406", "empty messages skipped; integer code");
    expect("{\"error\": {\"code\": \"X\"}, \"errorCode\": \"Y\", \"message\": \"m\"}", "m", "X",
           "error.code before errorCode");
    expect("{\"error\": {\"code\": null}, \"errorCode\": \"Y\", \"message\": \"m\"}", "m", "Y",
           "a null error.code falls back to errorCode");
    expect("{\"errorCode\": \"BAD CODE<script>\\n\", \"message\": \"m\"}", "m", "BADCODEscript",
           "code reduced to identifier characters");
    expect("\"Internal error\"", "Internal error", "", "a JSON string body");
    expect("[1,2,3]", "[1,2,3]", "", "a JSON array body is shown as text");
    expect("{\"status\": 500}", "{\"status\": 500}", "", "JSON without a message is shown as text");
    expect("{\"error\": {\"message\": \"Bad\", \"details\": {\"message\": \"Bad\", \"items\": "
           "[{\"message\": \"one\"}, {\"message\": \"two\"}, {\"message\": \"one\"}]}}, "
           "\"details\": \"not json at all\"}",
           "Bad (one; two; not json at all)", "",
           "nested details, duplicates and the main message dropped, plain-text details string");
    expect("{\"details\": [{\"message\": \"only a detail\"}]}", "only a detail", "",
           "details without a main message");
}

static void test_details_limits(void)
{
    /* 7 levels of nesting: the message at depth 7 is past the search depth */
    expect("{\"message\": \"top\", \"details\": [[[[[{\"message\": \"depth6\"}]]]]]}",
           "top (depth6)", "", "a detail 6 levels deep is found");
    expect("{\"message\": \"top\", \"details\": [[[[[[{\"message\": \"depth7\"}]]]]]]}",
           "top", "", "a detail 7 levels deep is not");
    expect("{\"message\": \"m\", \"details\": [{\"message\": \"1\"}, {\"message\": \"2\"}, {\"message\": \"3\"}, "
           "{\"message\": \"4\"}, {\"message\": \"5\"}, {\"message\": \"6\"}]}",
           "m (1; 2; 3; 4; 5)", "", "at most 5 details");

    char body[4096], msg[UPERR_MSG_MAX], code[64];
    int n = snprintf(body, sizeof(body), "{\"message\": \"");
    for (int i = 0; i < 300; i++)
        n += snprintf(body + n, sizeof(body) - (size_t)n, "m");
    n += snprintf(body + n, sizeof(body) - (size_t)n, "\", \"details\": [{\"message\": \"");
    for (int i = 0; i < 300; i++)
        n += snprintf(body + n, sizeof(body) - (size_t)n, "d");
    snprintf(body + n, sizeof(body) - (size_t)n, "\"}]}");
    extract(body, strlen(body), msg, code);
    is_int(strlen(msg), 500, "message with details capped at 500 bytes");
    ok(strncmp(msg, "mmm", 3) == 0 && strstr(msg, " (ddd") != NULL, "...keeping the start of both");
}

static void test_raw_bodies(void)
{
    char msg[UPERR_MSG_MAX], code[64];
    const char *cf = "<!DOCTYPE html>\n<html><head>\n<title>Attention Required! | Cloudflare</title>\n"
                     "<style>body{}</style></head><body><h1>Sorry, you have been blocked</h1></body></html>";
    extract(cf, strlen(cf), msg, code);
    is_str(msg, "Attention Required! | Cloudflare", "Cloudflare HTML page: its title");
    is_str(code, "", "Cloudflare HTML page: no code");

    const char *html = "<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>";
    extract(html, strlen(html), msg, code);
    is_str(msg, "<html><body> <h1>502 Bad Gateway</h1> </body></html>", "HTML without a title: the text, cleaned");

    extract("", 0, msg, code);
    is_str(msg, "", "empty body: empty message");
    is_str(code, "", "empty body: empty code");
    extract(NULL, 5, msg, code);
    is_str(msg, "", "NULL body");

    const char ctl[] = "upstream connect error\r\n\treset\x01\x7f end";
    extract(ctl, sizeof(ctl) - 1, msg, code);
    is_str(msg, "upstream connect error reset end", "control characters become single spaces");

    const char bad[] = "bad \xC3 utf8 \xED\xA0\x80 surrogate \xC0\xAF overlong \xF4\x90\x80\x80 \xC2\x85 c1 \xE2\x80\xA8 ok \xC3\xA9";
    extract(bad, sizeof(bad) - 1, msg, code);
    ok(is_clean(msg, 500), "invalid UTF-8 is replaced: '%s'", msg);
    ok(strstr(msg, "\xEF\xBF\xBD utf8") != NULL && strstr(msg, " ok \xC3\xA9") != NULL,
       "...with U+FFFD, keeping the valid characters");

    const char nul[] = "{\"message\": \"a\\u0000b\\u0007c\"}";
    extract(nul, sizeof(nul) - 1, msg, code);
    is_str(msg, "a b c", "escaped NUL and BEL inside JSON strings are removed");

    /* a huge body, ASCII and multibyte */
    size_t big = 1 << 20;
    char *body = malloc(big);
    memset(body, 'x', big);
    extract(body, big, msg, code);
    is_int(strlen(msg), 500, "1 MiB of text: the first 500 bytes");
    body[0] = 'z';      /* one byte first, so a character straddles the 500-byte mark */
    for (size_t i = 1; i + 1 < big; i += 2) {
        body[i] = '\xC3';
        body[i + 1] = '\xA9';
    }
    extract(body, big, msg, code);
    ok(is_clean(msg, 500), "1 MiB of multibyte text: clean and at most 500 bytes");
    is_int(strlen(msg), 499, "...cut at a character boundary (z and 249 two-byte characters)");

    /* a large JSON document is parsed, not cut */
    size_t jn = 200000;
    char *json = malloc(jn + 64);
    size_t at = (size_t)sprintf(json, "{\"pad\": \"");
    memset(json + at, 'p', jn);
    at += jn;
    sprintf(json + at, "\", \"message\": \"found at the end\"}");
    extract(json, strlen(json), msg, code);
    is_str(msg, "found at the end", "a 200 KB JSON body is parsed whole");
    free(json);
    free(body);

    /* a small caller buffer */
    char small[8];
    uperr_extract("{\"message\": \"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"}", 26, small, sizeof(small), code, 4, NULL);
    is_str(small, "\xC3\xA9\xC3\xA9\xC3\xA9", "a small message buffer is cut between characters");
    uperr_extract("{\"errorCode\": \"ABCDEFG\"}", 24, small, sizeof(small), code, 4, NULL);
    is_str(code, "ABC", "a small code buffer is cut");
}

static struct relay_err map_key(enum client_rc rc, long status, const char *body, const char *retry_after,
                               const char *key)
{
    struct client_reply rep;
    struct relay_err e;
    memset(&rep, 0, sizeof(rep));
    buf_init(&rep.body, 1 << 20);
    rep.status = status;
    if (body)
        buf_puts(&rep.body, body);
    snprintf(rep.retry_after, sizeof(rep.retry_after), "%s", retry_after ? retry_after : "");
    is_int(uperr_from_reply(&e, rc, &rep, NULL, key), -1, "uperr_from_reply returns -1");
    buf_free(&rep.body);
    return e;
}

static struct relay_err map(enum client_rc rc, long status, const char *body, const char *retry_after)
{
    return map_key(rc, status, body, retry_after, NULL);
}

static void expect_map(enum client_rc rc, long status, const char *body, int want_status, const char *want_type,
                       const char *want_code, const char *want_msg, const char *name)
{
    struct relay_err e = map(rc, status, body, NULL);
    is_int(e.status, want_status, "%s: status", name);
    is_str(e.type, want_type, "%s: type", name);
    is_str(e.code, want_code, "%s: code", name);
    is_str(e.message, want_msg, "%s: message", name);
}

static void test_status_map(void)
{
    expect_map(CLIENT_OK, 400, "{\"errorCode\":\"UNSUPPORTED_MODEL\",\"message\":\"Model x is not supported\"}",
               400, "invalid_request_error", "UNSUPPORTED_MODEL", "1min.ai rejected the request: Model x is not supported",
               "400 kept with message and code");
    expect_map(CLIENT_OK, 401, "{\"success\":false,\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"Invalid API key\"}}",
               401, "invalid_request_error", "UNAUTHORIZED", "1min.ai rejected the API key: Invalid API key",
               "401 with the upstream code");
    expect_map(CLIENT_OK, 401, "", 401, "invalid_request_error", "invalid_api_key",
               "1min.ai rejected the API key (no error message).", "401 without a body");
    expect_map(CLIENT_OK, 403, "<html><head><title>Just a moment...</title></head></html>", 403, "permission_error", "",
               "1min.ai denied access: Just a moment...", "403 Cloudflare page");
    expect_map(CLIENT_OK, 404, "{\"message\":\"Not found\"}", 404, "invalid_request_error", "",
               "1min.ai answered Not Found: Not found", "404 kept");
    expect_map(CLIENT_OK, 422, "{\"error\":{\"code\":\"PROMPT_OBJECT_VALIDATION_FAILED\",\"message\":\"Invalid prompt object\"}}",
               422, "invalid_request_error", "PROMPT_OBJECT_VALIDATION_FAILED",
               "1min.ai could not process the request: Invalid prompt object", "422 kept");
    expect_map(CLIENT_OK, 429, "{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"Too many requests\"}}",
               429, "requests", "RATE_LIMITED", "1min.ai's rate limit was reached: Too many requests",
               "429 with the upstream code");
    expect_map(CLIENT_OK, 429, "slow down", 429, "requests", "rate_limit_exceeded",
               "1min.ai's rate limit was reached: slow down", "429 without a code");
    expect_map(CLIENT_OK, 406, "{\"message\":\"Unknown error (code: 406)\"}", 400, "invalid_request_error", "",
               "1min.ai answered HTTP 406: Unknown error (code: 406)", "other 4xx become 400");
    expect_map(CLIENT_OK, 413, "", 400, "invalid_request_error", "",
               "1min.ai answered HTTP 413 (no error message).", "413 from upstream becomes 400");
    expect_map(CLIENT_OK, 500, "{\"errorCode\":\"INTERNAL\",\"message\":\"boom\"}", 502, "upstream_error", "bad_gateway",
               "1min.ai failed with HTTP 500: boom", "500 becomes 502");
    expect_map(CLIENT_OK, 503, "<html><body>Service Unavailable</body></html>", 502, "upstream_error", "bad_gateway",
               "1min.ai failed with HTTP 503: <html><body>Service Unavailable</body></html>", "503 HTML becomes 502");
    expect_map(CLIENT_OK, 200, "not json", 502, "upstream_error", "bad_gateway",
               "1min.ai gave an unexpected answer (HTTP 200): not json", "a 200 given to the error path: 502");
    expect_map(CLIENT_ERR_CONNECT, 0, NULL, 502, "upstream_error", "bad_gateway",
               "Could not reach 1min.ai (the connection failed).", "connect failure: 502");
    expect_map(CLIENT_ERR_TOO_BIG, 200, NULL, 502, "upstream_error", "bad_gateway",
               "1min.ai's answer was larger than the relay accepts.", "too big: 502");
    expect_map(CLIENT_ERR_TIMEOUT, 0, NULL, 504, "timeout_error", "", "1min.ai did not answer in time.", "timeout: 504");
    expect_map(CLIENT_ERR_INTERNAL, 0, NULL, 500, "server_error", "", "The relay failed while calling 1min.ai.",
               "internal: 500");

    struct relay_err e;
    uperr_from_reply(&e, CLIENT_ERR_CONNECT, NULL, NULL, NULL);
    is_int(e.status, 502, "a NULL reply is accepted for transport errors");
    uperr_from_reply(&e, CLIENT_OK, NULL, NULL, NULL);
    is_int(e.status, 502, "...and for CLIENT_OK (no answer: 502)");

    /* every message is clean and fits */
    char body[2048];
    memset(body, '\x01', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    memcpy(body, "\xFF\xFE", 2);
    e = map(CLIENT_OK, 400, body, NULL);
    ok(is_clean(e.message, UPERR_MSG_MAX - 1), "binary garbage body: clean message '%s'", e.message);
    memset(body, 'a', sizeof(body) - 1);
    e = map(CLIENT_OK, 502, body, NULL);
    ok(is_clean(e.message, UPERR_MSG_MAX - 1) && strlen(e.message) == UPERR_MSG_MAX - 1,
       "long body: message fills the buffer and stays clean");
}

static void test_retry_after(void)
{
    is_int(map(CLIENT_OK, 429, "{}", "20").retry_after_s, 20, "Retry-After passed on with its value");
    is_int(map(CLIENT_OK, 429, "{}", " 7 ").retry_after_s, 7, "surrounding spaces trimmed");
    is_int(map(CLIENT_OK, 429, "{}", "Wed, 21 Oct 2026 07:28:00 GMT").retry_after_s, 0,
           "an HTTP-date Retry-After is not passed on (digits only)");
    is_int(map(CLIENT_OK, 429, "{}", "5\r\nX-Evil: 1").retry_after_s, 0, "a value with CR/LF is not passed on");
    is_int(map(CLIENT_OK, 429, "{}", "12345678901").retry_after_s, 0, "an absurdly long number is not passed on");
    is_int(map(CLIENT_OK, 429, "{}", "").retry_after_s, 0, "no Retry-After, no header");
    is_int(map(CLIENT_OK, 503, "{}", "30").retry_after_s, 30, "Retry-After also passed on with a 5xx");
}

static void test_redact(void)
{
    const char *key = "sk-secret-1min-key";
    struct relay_err e = map_key(CLIENT_OK, 401, "{\"error\":{\"code\":\"sk-secret-1min-key\","
                                 "\"message\":\"Key sk-secret-1min-key is invalid (sk-secret-1min-key)\"}}", NULL, key);
    is_str(e.message, "1min.ai rejected the API key: Key *** is invalid (***)", "key masked in the message");
    is_str(e.code, "invalid_api_key", "a code that is the key is dropped (masked, then filtered)");
    ok(strstr(e.message, key) == NULL, "the key does not appear");
    e = map_key(CLIENT_OK, 401, "{\"message\":\"Key sk-secret-1min-key\"}", NULL, "abc");
    is_str(e.message, "1min.ai rejected the API key: Key sk-secret-1min-key", "short secrets change nothing");

    /* a key right where the message is cut: no piece of it survives */
    for (size_t pad = UPERR_MSG_MAX - 60; pad < UPERR_MSG_MAX + 10; pad++) {
        char body[2048];
        size_t at = (size_t)snprintf(body, sizeof(body), "{\"message\":\"");
        memset(body + at, 'x', pad);
        snprintf(body + at + pad, sizeof(body) - at - pad, "%s tail\"}", key);
        e = map_key(CLIENT_OK, 400, body, NULL, key);
        ok(strstr(e.message, "sk-secr") == NULL && strstr(e.message, "-1min-") == NULL,
           "key at offset %zu of the message: no piece of it is left", pad);
    }
    /* the masking also holds for a key whose characters JSON escapes */
    const char *odd = "k\"ey/with\\odd";
    e = map_key(CLIENT_OK, 400, "{\"message\":\"see k\\\"ey\\/with\\\\odd here\"}", NULL, odd);
    is_str(e.message, "1min.ai rejected the request: see *** here", "a JSON-escaped key is masked after parsing");
}

static void test_record(void)
{
    const char *key = "sk-secret-1min-key";
    struct relay_err e;
    struct json_object *rec = json_tokener_parse("{\"status\":\"FAILED\",\"aiRecordDetail\":{\"resultObject\":"
                                                 "[\"bad key sk-secret-1min-key\"]}}");
    is_int(uperr_record(&e, rec, key), -1, "a FAILED record is an error");
    is_int(e.status, 502, "...a 502");
    is_str(e.code, "upstream_failed", "...upstream_failed");
    is_str(e.message, "1min.ai failed: status FAILED: bad key ***", "...with the key masked");
    json_object_put(rec);
    rec = json_tokener_parse("{\"aiRecordDetail\":{\"resultObject\":{\"code\":\"sk-secret-1min-key\","
                             "\"message\":\"no sk-secret-1min-key\"}}}");
    is_int(uperr_record(&e, rec, key), -1, "a refusal is an error");
    is_int(e.status, 400, "...a 400");
    is_str(e.code, "content_filter", "...content_filter");
    is_str(e.message, "1min.ai refused the request: request refused: no *** (***)", "...key masked");
    json_object_put(rec);
    rec = json_tokener_parse("{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":[\"ok\"]}}");
    is_int(uperr_record(&e, rec, key), 0, "a good record is no error");
    json_object_put(rec);
    const char *ev = "{\"error\":{\"code\":\"E1\",\"message\":\"key sk-secret-1min-key broke\"}}";
    uperr_event(&e, ev, strlen(ev), key);
    is_int(e.status, 502, "an event: error is a 502");
    is_str(e.message, "key *** broke", "...key masked");
}

int main(void)
{
    test_shapes();
    test_details_limits();
    test_raw_bodies();
    test_status_map();
    test_retry_after();
    test_redact();
    test_record();
    return tap_done();
}
