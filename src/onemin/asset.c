/* asset: see asset.h. */
#include "onemin/asset.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "onemin/uperr.h"
#include "onemin/upcache.h"

#define ASSET_REPLY_MAX (64u << 10)

int asset_upload(const struct onemin *om, const void *bytes, size_t n, const struct sniff_fmt *fmt,
                 const char *what, char *path, size_t pathlen, struct relay_err *e)
{
    const struct media_config *mc = om->media;
    char ckey[UPCACHE_KEY_LEN + 1], fname[64], step[96];
    struct client_reply rep;
    struct json_object *root = NULL, *fc, *p;
    int rc = -1;

    upcache_key(om->key, om->key_len, bytes, n, om->cfg->asset_api_url, ckey);
    if (upcache_get(mc, om->mc, ckey, path, pathlen)) {
        LOG_DEBUG("upload cache hit for %s (%zu bytes)", what, n);
        return 0;
    }

    snprintf(step, sizeof step, "Uploading %s to 1min.ai failed", what);
    snprintf(fname, sizeof fname, "relay-%.16s.%s", ckey, fmt->ext);
    client_reply_init(&rep, ASSET_REPLY_MAX);
    curl_mime *mime = curl_mime_init(om->curl);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    if (!part || curl_mime_name(part, "asset") != CURLE_OK ||
        curl_mime_filename(part, fname) != CURLE_OK || curl_mime_type(part, fmt->mime) != CURLE_OK ||
        curl_mime_data(part, bytes, n) != CURLE_OK) {
        err_oom(e);
        goto out;
    }
    struct client_request req = onemin_post(om, om->cfg->asset_api_url, NULL, 0, mc->upload_timeout_s,
                                            mc->upload_timeout_s);
    req.mime = mime;
    enum client_rc urc = client_perform(om->curl, &req, &rep);
    if (urc != CLIENT_OK || rep.status < 200 || rep.status >= 300) {
        uperr_from_reply(e, urc, &rep, step, om->key);
        goto out;
    }
    root = json_tokener_parse(buf_str(&rep.body));
    if (!root || !json_object_object_get_ex(root, "fileContent", &fc) ||
        !json_object_object_get_ex(fc, "path", &p) || !json_object_is_type(p, json_type_string) ||
        json_object_get_string_len(p) <= 0 || (size_t)json_object_get_string_len(p) >= pathlen) {
        err_set(e, 502, "upstream_error", "upload_failed", NULL, "%s: the answer has no fileContent.path", step);
        goto out;
    }
    memcpy(path, json_object_get_string(p), (size_t)json_object_get_string_len(p) + 1);
    upcache_put(mc, om->mc, ckey, path);
    metrics_media("upload");
    rc = 0;
out:
    json_object_put(root);
    curl_mime_free(mime);
    client_reply_free(&rep);
    return rc;
}
