/* Vision input for chat: every image_url part of the messages, in
 * conversation order, becomes an uploaded asset path for
 * promptObject.attachments.images. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/vision.h"
#include "codec/dataurl.h"
#include "codec/sniff.h"
#include "core/log.h"
#include "onemin/asset.h"
#include "onemin/fetch.h"

/* The URL of an image part ({"type":"image_url","image_url":{"url":...}} or
 * the shorthand "image_url":"..."), NULL when part is not an image part, ""
 * when it is one without a usable URL. */
static const char *vision_part_url(struct json_object *part)
{
    struct json_object *t, *iu, *u;
    if (!json_object_is_type(part, json_type_object) || !json_object_object_get_ex(part, "type", &t) ||
        !json_object_is_type(t, json_type_string) || strcmp(json_object_get_string(t), "image_url") != 0)
        return NULL;
    if (!json_object_object_get_ex(part, "image_url", &iu) || !iu)
        return "";
    if (json_object_is_type(iu, json_type_string))
        return json_object_get_string(iu);
    if (json_object_is_type(iu, json_type_object) && json_object_object_get_ex(iu, "url", &u) &&
        json_object_is_type(u, json_type_string))
        return json_object_get_string(u);
    return "";
}

/* Calls fn for every image part in order; stops at a non-zero return. */
static int vision_walk(struct json_object *messages,
                       int (*fn)(void *ud, size_t msg, size_t part, const char *url), void *ud)
{
    size_t nm = json_object_is_type(messages, json_type_array) ? json_object_array_length(messages) : 0;
    for (size_t i = 0; i < nm; i++) {
        struct json_object *m = json_object_array_get_idx(messages, i), *content;
        if (!json_object_is_type(m, json_type_object) || !json_object_object_get_ex(m, "content", &content) ||
            !json_object_is_type(content, json_type_array))
            continue;
        for (size_t j = 0; j < json_object_array_length(content); j++) {
            const char *url = vision_part_url(json_object_array_get_idx(content, j));
            int rc = url ? fn(ud, i, j, url) : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int vision_count(void *ud, size_t msg, size_t part, const char *url)
{
    (*(size_t *)ud)++;
    return 0;
}

struct vision_ctx {
    const struct onemin *om;
    struct relay_err *e;
    struct json_object *images;
    size_t index;               /* 1-based number of the current image */
};

/* The bytes of one image, decoded or downloaded. -1 after the error. */
static int vision_bytes(struct vision_ctx *v, const char *url, const char *param, struct buf *img,
                        const struct sniff_fmt **fmt)
{
    const struct media_config *mc = v->om->media;
    struct relay_err *e = v->e;
    char msg[256];
    if (strncasecmp(url, "data:", 5) == 0) {
        enum dataurl_rc drc = dataurl_decode(url, strlen(url), img, fmt);
        if (drc != DATAURL_OK)
            return err_set(e, 400, NULL, "invalid_image", param, "Image %zu: %s", v->index,
                              dataurl_strerror(drc)), -1;
        return 0;
    }
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return err_set(e, 400, NULL, "invalid_image_url", param,
                          "Image %zu: image_url must be an http(s) URL or a data:image/...;base64 URL",
                          v->index), -1;
    struct fetch_opts o = {
        .max_bytes = mc->fetch_max_bytes,
        .timeout_s = mc->fetch_timeout_s,
        .connect_timeout_ms = v->om->cfg->connect_timeout_ms,
        .max_redirects = mc->fetch_max_redirects,
        .allow_private = mc->allow_private_fetch,
        .allow = mc->fetch_allow,
        .nallow = mc->fetch_allow_count,
        .type_prefix = "image/",
    };
    enum fetch_rc frc = fetch_url(url, &o, img, msg, sizeof msg);
    if (frc == FETCH_INTERNAL)
        return err_set(e, 500, NULL, NULL, NULL, "Image %zu: %s", v->index, msg), -1;
    if (frc != FETCH_OK) {
        LOG_INFO("vision image %zu refused or not downloaded: %s", v->index, msg);
        return err_set(e, 400, NULL, frc == FETCH_REFUSED ? "image_url_refused" : "image_download_failed",
                          param, "Image %zu: %s", v->index, msg), -1;
    }
    *fmt = sniff_magic(img->data, img->len, SNIFF_IMAGE);
    if (!*fmt)
        return err_set(e, 400, NULL, "invalid_image", param,
                          "Image %zu: the downloaded file is not a png, jpeg, webp or gif image", v->index), -1;
    return 0;
}

static int vision_one(void *ud, size_t msg, size_t part, const char *url)
{
    struct vision_ctx *v = ud;
    struct relay_err *e = v->e;
    char param[96], what[32], path[MEDIA_PATH_MAX];
    const struct sniff_fmt *fmt = NULL;
    struct buf img;
    int rc = -1;
    v->index++;
    snprintf(param, sizeof param, "messages[%zu].content[%zu].image_url", msg, part);
    snprintf(what, sizeof what, "image %zu", v->index);
    buf_init(&img, v->om->media->fetch_max_bytes);
    if (!*url) {
        err_set(e, 400, NULL, "invalid_image_url", param, "Image %zu has no image_url.url", v->index);
        goto out;
    }
    if (vision_bytes(v, url, param, &img, &fmt) < 0)
        goto out;
    if (asset_upload(v->om, img.data, img.len, fmt, what, path, sizeof path, e) < 0)
        goto out;
    if (json_object_array_add(v->images, json_object_new_string(path)) < 0) {
        err_oom(e);
        goto out;
    }
    rc = 0;
out:
    buf_free(&img);
    return rc;
}

int vision_attach(const struct onemin *om, struct json_object *messages, const struct catalog_model *model,
                  struct json_object *images, struct relay_err *e)
{
    size_t count = 0;
    vision_walk(messages, vision_count, &count);
    if (count == 0)
        return 0;
    if (!model->vision)
        return err_set(e, 400, NULL, "model_not_vision", "messages",
                       "The model `%s` does not accept images; use a vision model such as gpt-4o", model->id);
    if (count > om->media->max_images)
        return err_set(e, 400, NULL, "too_many_images", "messages",
                       "The request has %zu images; at most %u are allowed", count, om->media->max_images);
    struct vision_ctx v = { .om = om, .e = e, .images = images };
    return vision_walk(messages, vision_one, &v) ? -1 : 0;
}
