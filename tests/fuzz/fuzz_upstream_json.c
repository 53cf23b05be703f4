/* libFuzzer target: everything that reads untrusted JSON from 1min.ai or a
 * client without a socket: uperr_extract / uperr_from_reply / uperr_record (any bytes),
 * chatmsgs_parse + render_prompt (a messages array, or an object holding one), and the aiRecord
 * and usage readers. Extracted error text must always be clean: valid UTF-8,
 * no control characters, within its bound.
 * Run: fuzz_upstream_json -dict=tests/fuzz/upstream_json.dict NEW_CORPUS_DIR tests/fuzz/corpus/upstream_json */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "onemin/airec.h"
#include "onemin/chatmap.h"
#include "api/chatmsgs.h"
#include "engine/render.h"
#include "onemin/uperr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n > max)
        abort();
    for (size_t i = 0; i < n;) {
        unsigned char b = p[i];
        unsigned cp;
        size_t len = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
                   : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > n)
            abort();
        cp = len == 1 ? b : b & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                abort();
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            abort();
        i += len;
    }
}

static void fuzz_errors(const char *body, size_t size)
{
    static const long statuses[] = { 400, 401, 403, 404, 406, 422, 429, 500, 503, 200 };
    char msg[UPERR_MSG_MAX], code[64];
    uperr_extract(body, size, msg, sizeof(msg), code, sizeof(code), NULL);
    check_clean(msg, 500);
    check_clean(code, sizeof(code) - 1);

    struct client_reply rep;
    struct relay_err e;
    memset(&rep, 0, sizeof(rep));
    buf_init(&rep.body, 1 << 20);
    if (buf_append(&rep.body, body, size) == 0) {
        rep.status = statuses[size % (sizeof(statuses) / sizeof(statuses[0]))];
        uperr_from_reply(&e, CLIENT_OK, &rep, NULL, "fuzz-secret-key");
        check_clean(e.message, UPERR_MSG_MAX - 1);
        if (e.status < 400 || e.status > 599 || !e.type[0] || strstr(e.message, "fuzz-secret-key") ||
            strstr(e.code, "fuzz-secret-key"))
            abort();
    }
    buf_free(&rep.body);
}

static void fuzz_json(const char *body, size_t size)
{
    struct json_tokener *tok = json_tokener_new_ex(32);
    if (!tok)
        return;
    struct json_object *root = json_tokener_parse_ex(tok, body, (int)size);
    json_tokener_free(tok);
    if (!root)
        return;

    struct json_object *messages = root;
    if (json_object_is_type(root, json_type_object))
        json_object_object_get_ex(root, "messages", &messages);
    struct buf out;
    struct chatmsgs msgs;
    struct relay_err err;
    buf_init(&out, 1 << 16);
    if (chatmsgs_parse(messages, &msgs, &err) < 0) {
        if (!err.message[0] || (err.status == 400 && !err.param[0]))
            abort();
    } else {
        struct eng_request req = { .turns = msgs.turns, .nturns = msgs.nturns, .n = 1 };
        (void)render_prompt(&req, &out);
    }
    chatmsgs_free(&msgs);
    buf_free(&out);

    struct json_object *rec = airec_get(root);
    struct buf msg;
    struct relay_err e;
    long long p, c, t;
    buf_init(&msg, 1 << 16);
    (void)airec_failed(rec, &msg);
    buf_free(&msg);
    if (rec && uperr_record(&e, rec, "fuzz-secret-key") < 0 && strstr(e.message, "fuzz-secret-key"))
        abort();
    size_t n = airec_result_count(rec);
    for (size_t i = 0; i <= n; i++)
        (void)airec_result_string(rec, i);
    (void)airec_temporary_url(rec);
    if (chatmap_usage(rec, &p, &c, &t) && (p < 0 || c < 0 || (p == 0 && c == 0)))
        abort();
    (void)chatmap_finish_reason(chatmap_upstream_finish(rec));
    json_object_put(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    fuzz_errors((const char *)data, size);
    fuzz_json((const char *)data, size);
    return 0;
}
