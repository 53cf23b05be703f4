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

/* The upload cache holds "path" or, once the uuid is known, "path|uuid". */
static int asset_cached(const struct onemin *om, const char *ckey, int need_uuid, char *path, size_t pathlen,
                        char *uuid, size_t uuidlen)
{
    char v[MEDIA_PATH_MAX + ASSET_UUID_MAX + 2];
    if (!upcache_get(om->media, om->mc, ckey, v, sizeof v))
        return 0;
    char *bar = strchr(v, '|');
    if (bar)
        *bar++ = '\0';
    if ((need_uuid && (!bar || strlen(bar) >= uuidlen)) || strlen(v) >= pathlen)
        return 0;
    memcpy(path, v, strlen(v) + 1);
    if (need_uuid)
        memcpy(uuid, bar, strlen(bar) + 1);
    return 1;
}

/* A string member of obj that fits a buffer of cap bytes, or NULL. */
static const char *asset_str(struct json_object *obj, const char *name, size_t cap)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) <= 0 || (size_t)json_object_get_string_len(v) >= cap ||
        strchr(json_object_get_string(v), '|'))
        return NULL;
    return json_object_get_string(v);
}

static int asset_send(const struct onemin *om, const void *bytes, size_t n, const struct sniff_fmt *fmt,
                      const char *what, char *path, size_t pathlen, char *uuid, size_t uuidlen,
                      struct relay_err *e)
{
    const struct media_config *mc = om->media;
    char ckey[UPCACHE_KEY_LEN + 1], fname[64], step[96], v[MEDIA_PATH_MAX + ASSET_UUID_MAX + 2];
    struct client_reply rep;
    struct json_object *root = NULL, *fc;
    const char *p, *u = NULL;
    int rc = -1;

    upcache_key(om->key, om->key_len, bytes, n, om->cfg->asset_api_url, ckey);
    if (asset_cached(om, ckey, uuid != NULL, path, pathlen, uuid, uuidlen)) {
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
    if (!root || !json_object_object_get_ex(root, "fileContent", &fc) || !(p = asset_str(fc, "path", pathlen))) {
        err_set(e, 502, "upstream_error", "upload_failed", NULL, "%s: the answer has no fileContent.path", step);
        goto out;
    }
    u = asset_str(fc, "uuid", ASSET_UUID_MAX);
    if (uuid && (!u || strlen(u) >= uuidlen)) {
        err_set(e, 502, "upstream_error", "upload_failed", NULL, "%s: the answer has no fileContent.uuid", step);
        goto out;
    }
    memcpy(path, p, strlen(p) + 1);
    if (uuid)
        memcpy(uuid, u, strlen(u) + 1);
    snprintf(v, sizeof v, u ? "%s|%s" : "%s", p, u);
    upcache_put(mc, om->mc, ckey, v);
    metrics_media("upload");
    rc = 0;
out:
    json_object_put(root);
    curl_mime_free(mime);
    client_reply_free(&rep);
    return rc;
}

int asset_upload(const struct onemin *om, const void *bytes, size_t n, const struct sniff_fmt *fmt,
                 const char *what, char *path, size_t pathlen, struct relay_err *e)
{
    return asset_send(om, bytes, n, fmt, what, path, pathlen, NULL, 0, e);
}

int asset_upload_ref(const struct onemin *om, const void *bytes, size_t n, const struct sniff_fmt *fmt,
                     const char *what, struct asset_ref *ref, struct relay_err *e)
{
    return asset_send(om, bytes, n, fmt, what, ref->path, sizeof ref->path, ref->uuid, sizeof ref->uuid, e);
}
