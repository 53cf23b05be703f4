#include "media/mup.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/resp.h"
#include "media/resulturl.h"
#include "media/upcache.h"
#include "ratelimit/rl.h"
#include "routes/routes.h"
#include "translate/airecord.h"
#include "upstream/errors.h"

#define MUP_JSON_DEPTH 32
#define MUP_UPLOAD_REPLY_MAX (64u << 10)

int mup_key(struct relay_req *r, char *key, size_t *key_len)
{
    const char *k = route_require_key(r, key_len);
    if (!k)
        return -1;
    if (*key_len > MUP_KEY_MAX)
        return resp_error(r, 401, NULL, "invalid_api_key", NULL, "The API key is too long"), -1;
    memcpy(key, k, *key_len);
    key[*key_len] = '\0';
    return 0;
}

int mup_json_body(struct relay_req *r, size_t max, struct json_object **root)
{
    struct buf body;
    int rc = -1;
    *root = NULL;
    buf_init(&body, max);
    if (req_read_body(r, max, &body) < 0)
        goto out;
    struct json_tokener *tok = json_tokener_new_ex(MUP_JSON_DEPTH);
    if (!tok) {
        resp_error(r, 500, NULL, NULL, NULL, "Out of memory");
        goto out;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    *root = json_tokener_parse_ex(tok, buf_str(&body), (int)body.len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!*root || jerr != json_tokener_success) {
        json_object_put(*root);
        *root = NULL;
        resp_error(r, 400, NULL, NULL, NULL, "The request body is not valid JSON: %s",
                   json_tokener_error_desc(jerr));
        goto out;
    }
    if (!json_object_is_type(*root, json_type_object)) {
        json_object_put(*root);
        *root = NULL;
        resp_error(r, 400, NULL, NULL, NULL, "The request body must be a JSON object");
        goto out;
    }
    rc = 0;
out:
    buf_free(&body);
    return rc;
}

int mup_model(struct relay_req *r, const char *id, unsigned kind, const char *what,
              struct cat_model *out)
{
    if (!catalog_find(r->app->catalog, r->w->curl, id, out))
        return resp_error(r, 400, NULL, "model_not_found", "model",
                          "The model `%.128s` does not exist on 1min.ai; use %s", id, what), -1;
    if (!(out->kinds & kind))
        return resp_error(r, 400, NULL, "model_not_supported", "model",
                          "The model `%.128s` is not %s", id, what), -1;
    return 0;
}

/* Send e with a prefix naming the step that failed. */
static int mup_send_upstream_error(struct relay_req *r, enum up_rc rc, const struct up_reply *rep,
                                   const char *step)
{
    struct up_error e;
    char msg[UPERR_MSG_MAX];
    uperr_from_reply(rc, rep, &e);
    memcpy(msg, e.message, sizeof msg);
    size_t n = strlen(step);
    if (n + 2 < sizeof e.message) {
        memcpy(e.message, step, n);
        memcpy(e.message + n, ": ", 2);
        size_t room = sizeof e.message - n - 3;
        size_t m = strnlen(msg, room);
        memcpy(e.message + n + 2, msg, m);
        e.message[n + 2 + m] = '\0';
    }
    uperr_send(r, &e, rep);
    return -1;
}

int mup_upload(struct relay_req *r, const char *key, size_t key_len, const void *bytes, size_t n,
               const struct sniff_fmt *fmt, const char *what, char *path, size_t pathlen)
{
    const struct media_config *mc = r->app->media;
    struct memcached_st *mcd = rl_thread_memcached(r->w->rl);
    char ckey[UPCACHE_KEY_LEN + 1], fname[64], step[96];
    struct up_reply rep;
    struct json_object *root = NULL, *fc, *p;
    int rc = -1;

    upcache_key(key, key_len, bytes, n, r->cfg->asset_api_url, ckey);
    if (upcache_get(mc, mcd, ckey, path, pathlen)) {
        LOG_DEBUG("upload cache hit for %s (%zu bytes)", what, n);
        return 0;
    }

    snprintf(step, sizeof step, "Uploading %s to 1min.ai failed", what);
    snprintf(fname, sizeof fname, "relay-%.16s.%s", ckey, fmt->ext);
    up_reply_init(&rep, MUP_UPLOAD_REPLY_MAX);
    curl_mime *mime = curl_mime_init(r->w->curl);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    if (!part || curl_mime_name(part, "asset") != CURLE_OK ||
        curl_mime_filename(part, fname) != CURLE_OK || curl_mime_type(part, fmt->mime) != CURLE_OK ||
        curl_mime_data(part, bytes, n) != CURLE_OK) {
        resp_error(r, 500, NULL, NULL, NULL, "Out of memory");
        goto out;
    }
    struct up_request req = {
        .method = "POST",
        .url = r->cfg->asset_api_url,
        .api_key = key,
        .mime = mime,
        .connect_timeout_ms = r->cfg->connect_timeout_ms,
        .idle_timeout_s = mc->upload_timeout_s,
        .total_timeout_s = mc->upload_timeout_s,
    };
    enum up_rc urc = up_perform(r->w->curl, &req, &rep);
    if (urc != UP_OK || rep.status < 200 || rep.status >= 300) {
        mup_send_upstream_error(r, urc, &rep, step);
        goto out;
    }
    root = json_tokener_parse(buf_str(&rep.body));
    if (!root || !json_object_object_get_ex(root, "fileContent", &fc) ||
        !json_object_object_get_ex(fc, "path", &p) || !json_object_is_type(p, json_type_string) ||
        json_object_get_string_len(p) <= 0 || (size_t)json_object_get_string_len(p) >= pathlen) {
        resp_error(r, 502, "upstream_error", "upload_failed", NULL,
                   "%s: the answer has no fileContent.path", step);
        goto out;
    }
    memcpy(path, json_object_get_string(p), (size_t)json_object_get_string_len(p) + 1);
    upcache_put(mc, mcd, ckey, path);
    rc = 0;
out:
    json_object_put(root);
    curl_mime_free(mime);
    up_reply_free(&rep);
    return rc;
}

int mup_feature(struct relay_req *r, const char *key, struct json_object *body, unsigned timeout_s,
                struct json_object **root, struct json_object **rec)
{
    struct up_reply rep;
    char msg[512];
    size_t len;
    int rc = -1;
    *root = NULL;
    *rec = NULL;
    const char *text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!text)
        return resp_error(r, 500, NULL, NULL, NULL, "Out of memory"), -1;
    up_reply_init(&rep, r->cfg->max_upstream_body);
    struct up_request req = {
        .method = "POST",
        .url = r->cfg->features_api_url,
        .api_key = key,
        .body = text,
        .body_len = len,
        .connect_timeout_ms = r->cfg->connect_timeout_ms,
        .idle_timeout_s = timeout_s,
        .total_timeout_s = timeout_s,
    };
    enum up_rc urc = up_perform(r->w->curl, &req, &rep);
    if (urc != UP_OK || rep.status < 200 || rep.status >= 300) {
        struct up_error e;
        uperr_from_reply(urc, &rep, &e);
        uperr_send(r, &e, &rep);
        goto out;
    }
    *root = json_tokener_parse(buf_str(&rep.body));
    *rec = *root ? airec_get(*root) : NULL;
    if (!*rec) {
        resp_error(r, 502, "upstream_error", "bad_gateway", NULL,
                   "1min.ai answered with something that is not a feature record");
        goto out;
    }
    enum airec_failure failure = airec_failed(*rec, msg, sizeof msg);
    if (failure == AIREC_REFUSED) {
        /* a moderation refusal: retrying will not help, so not a 5xx */
        resp_error(r, 400, NULL, "content_filter", NULL, "1min.ai refused the request: %s", msg);
        goto out;
    }
    if (failure) {
        resp_error(r, 502, "upstream_error", "upstream_failed", NULL, "1min.ai failed: %s", msg);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        json_object_put(*root);
        *root = NULL;
        *rec = NULL;
    }
    up_reply_free(&rep);
    return rc;
}

int mup_download(struct relay_req *r, const char *url, size_t max, struct buf *out)
{
    struct up_reply rep;
    up_reply_init(&rep, max);
    struct up_request req = {
        .method = "GET",
        .url = url,
        .connect_timeout_ms = r->cfg->connect_timeout_ms,
        .idle_timeout_s = r->cfg->idle_timeout_s,
        .total_timeout_s = r->app->media->upload_timeout_s,
    };
    enum up_rc urc = up_perform(r->w->curl, &req, &rep);
    int ok = urc == UP_OK && rep.status >= 200 && rep.status < 300;
    if (ok) {
        /* hand the body over without copying it */
        buf_free(out);
        *out = rep.body;
        buf_init(&rep.body, 0);
    } else {
        LOG_INFO("downloading a result failed: %s, HTTP %ld", up_rc_text(urc), rep.status);
    }
    up_reply_free(&rep);
    return ok ? 0 : -1;
}

void mup_result_links(struct relay_req *r, struct json_object *rec, size_t i, struct buf *a, struct buf *b)
{
    buf_clear(a);
    buf_clear(b);
    const char *tmp = i == 0 ? airec_temporary_url(rec) : NULL;
    const char *path = airec_result_string(rec, i);
    if (tmp && resurl_is_absolute(tmp))
        buf_puts(a, tmp);
    if (path)
        resurl_join(a->len ? b : a, r->cfg->asset_cdn_url, path);
}
