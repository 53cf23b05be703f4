/* result: see result.h. */
#include "onemin/result.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/record.h"
#include "onemin/airec.h"
#include "onemin/fetch.h"
#include "onemin/resurl.h"

void result_links(const struct onemin *om, struct json_object *rec, size_t i, struct buf *a, struct buf *b)
{
    buf_clear(a);
    buf_clear(b);
    const char *tmp = i == 0 ? airec_temporary_url(rec) : NULL;
    const char *path = airec_result_string(rec, i);
    if (tmp && resurl_is_absolute(tmp))
        buf_puts(a, tmp);
    if (path)
        resurl_join(a->len ? b : a, om->cfg->asset_cdn_url, path);
}

/* The origin of an http(s) URL, "scheme://host:port" with the scheme's
 * default port when none is written; 0 or -1. */
static int result_origin(const char *url, char *out, size_t outlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) &&
        (size_t)snprintf(out, outlen, "%s://%s:%s", scheme, host, port) < outlen)
        rc = 0;
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

int result_on_cdn(const struct onemin *om, const char *url)
{
    char a[512], b[512];
    return result_origin(url, a, sizeof a) == 0 && result_origin(om->cfg->asset_cdn_url, b, sizeof b) == 0 &&
           strcasecmp(a, b) == 0;
}

/* A link off the CDN: through fetch's address check, into out or (with
 * on_data) handed over as it arrives. */
static int result_fetch(const struct onemin *om, const char *url, size_t max, struct buf *out,
                        int (*on_data)(void *, const char *, size_t), void *ud)
{
    const struct media_config *mc = om->media;
    char msg[256];
    struct fetch_opts o = {
        .max_bytes = max,
        .timeout_s = mc->upload_timeout_s,
        .connect_timeout_ms = om->cfg->connect_timeout_ms,
        .max_redirects = mc->fetch_max_redirects,
        .allow_private = mc->allow_private_fetch,
        .allow = mc->fetch_allow,
        .nallow = mc->fetch_allow_count,
        .on_data = on_data,
        .ud = ud,
    };
    if (out) {
        buf_free(out);
        buf_init(out, max);
    }
    record_upstream_start();
    enum fetch_rc frc = fetch_url(url, &o, out, msg, sizeof msg);
    record_upstream_end(frc == FETCH_OK ? 200 : 0, frc == FETCH_TIMEOUT);
    if (frc != FETCH_OK) {
        if (frc != FETCH_ABORTED)
            LOG_INFO("downloading a result failed: %s", msg);
        return -1;
    }
    return 0;
}

/* A link on the CDN: with the worker's handle, into rep's body or (with
 * on_data) handed over as it arrives. */
static int result_get(const struct onemin *om, const char *url, struct client_reply *rep,
                      int (*on_data)(void *, const char *, size_t), void *ud)
{
    struct client_request req = onemin_get(om, url, on_data ? 0 : om->media->upload_timeout_s);
    req.on_data = on_data;
    req.ud = ud;
    enum client_rc urc = client_perform(om->curl, &req, rep);
    int ok = urc == CLIENT_OK && rep->status >= 200 && rep->status < 300;
    if (!ok && urc != CLIENT_ERR_ABORTED)
        LOG_INFO("downloading a result failed: %s, HTTP %ld", client_rc_text(urc), rep->status);
    return ok ? 0 : -1;
}

int result_stream(const struct onemin *om, const char *url, int (*on_data)(void *ud, const char *p, size_t n),
                  void *ud)
{
    struct client_reply rep;
    if (!*url)
        return -1;
    if (!result_on_cdn(om, url))
        return result_fetch(om, url, om->media->result_max_bytes, NULL, on_data, ud);
    client_reply_init(&rep, 64u << 10);        /* an error's body only: a 2xx body streams */
    int rc = result_get(om, url, &rep, on_data, ud);
    client_reply_free(&rep);
    return rc;
}

int result_download(const struct onemin *om, const char *url, size_t max, struct buf *out)
{
    struct client_reply rep;
    if (!*url)
        return -1;
    if (!result_on_cdn(om, url))
        return result_fetch(om, url, max, out, NULL, NULL);
    client_reply_init(&rep, max);
    int rc = result_get(om, url, &rep, NULL, NULL);
    if (rc == 0) {
        /* hand the body over without copying it */
        buf_free(out);
        *out = rep.body;
        buf_init(&rep.body, 0);
    }
    client_reply_free(&rep);
    return rc;
}
