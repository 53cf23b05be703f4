/* vision: see vision.h. */
#include "onemin/vision.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec/dataurl.h"
#include "codec/sniff.h"
#include "core/log.h"
#include "onemin/asset.h"
#include "onemin/fetch.h"

/* The bytes of an image given by URL, decoded or downloaded. */
static int vision_bytes(const struct onemin *om, const struct vision_image *v, struct buf *img,
                        const struct sniff_fmt **fmt, struct relay_err *e)
{
    const struct media_config *mc = om->media;
    const char *url = v->url;
    char msg[256];
    if (!*url)
        return err_set(e, 400, NULL, "invalid_image_url", v->param, "Image %zu has no image_url.url", v->index);
    if (strncasecmp(url, "data:", 5) == 0) {
        enum dataurl_rc drc = dataurl_decode(url, strlen(url), img, fmt);
        if (drc != DATAURL_OK)
            return err_set(e, 400, NULL, "invalid_image", v->param, "Image %zu: %s", v->index,
                           dataurl_strerror(drc));
        return 0;
    }
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return err_set(e, 400, NULL, "invalid_image_url", v->param,
                       "Image %zu: image_url must be an http(s) URL or a data:image/...;base64 URL", v->index);
    struct fetch_opts o = {
        .max_bytes = mc->fetch_max_bytes,
        .timeout_s = mc->fetch_timeout_s,
        .connect_timeout_ms = om->cfg->connect_timeout_ms,
        .max_redirects = mc->fetch_max_redirects,
        .allow_private = mc->allow_private_fetch,
        .allow = mc->fetch_allow,
        .nallow = mc->fetch_allow_count,
        .type_prefix = "image/",
    };
    enum fetch_rc frc = fetch_url(url, &o, img, msg, sizeof msg);
    if (frc == FETCH_INTERNAL)
        return err_set(e, 500, NULL, NULL, NULL, "Image %zu: %s", v->index, msg);
    if (frc != FETCH_OK) {
        LOG_INFO("vision image %zu refused or not downloaded: %s", v->index, msg);
        return err_set(e, 400, NULL, frc == FETCH_REFUSED ? "image_url_refused" : "image_download_failed",
                       v->param, "Image %zu: %s", v->index, msg);
    }
    return 0;
}

int vision_upload(const struct onemin *om, const struct vision_image *v, char *path, size_t pathlen,
                  struct relay_err *e)
{
    const struct sniff_fmt *fmt = NULL;
    const void *bytes = v->data;
    size_t len = v->len;
    char what[32];
    struct buf img;
    int rc = -1;
    snprintf(what, sizeof what, "image %zu", v->index);
    buf_init(&img, om->media->fetch_max_bytes);
    if (v->url) {
        if (vision_bytes(om, v, &img, &fmt, e) < 0)
            goto out;
        bytes = img.data;
        len = img.len;
    }
    if (!fmt)
        fmt = sniff_magic(bytes, len, SNIFF_IMAGE);
    if (!fmt) {
        err_set(e, 400, NULL, "invalid_image", v->param,
                v->url ? "Image %zu: the downloaded file is not a png, jpeg, webp or gif image"
                       : "Image %zu: the data is not a png, jpeg, webp or gif image", v->index);
        goto out;
    }
    rc = asset_upload(om, bytes, len, fmt, what, path, pathlen, e);
out:
    buf_free(&img);
    return rc;
}
