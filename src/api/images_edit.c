/* POST /v1/images/variations and /v1/images/edits: the client's multipart
 * form -> the same family table as generation (imgfam) -> the image (and an
 * edit's mask) uploaded to 1min.ai's asset store -> IMAGE_VARIATOR,
 * IMAGE_EDITOR, or IMAGE_INPAINTER when a mask is given (docs/upstream-api.md
 * §4.5) -> URLs or base64 back, as for generation. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/form.h"
#include "api/images.h"
#include "codec/sniff.h"
#include "onemin/asset.h"

#define IMAGES_FORM_OVERHEAD ((size_t)1 << 20)   /* the text fields and part headers */
#define IMAGES_FIELD_MAX 32768                   /* the longest prompt of any family */

/* The one file part called name (or name[], as SDKs send lists), checked as
 * an image of at most max bytes; NULL with *p NULL when absent. -1 after a
 * 400/413 naming it. */
static int images_file(const struct multipart_form *f, const char *name, size_t max,
                       const struct multipart_part **p, const struct sniff_fmt **fmt, struct relay_err *e)
{
    char list[MULTIPART_NAME_MAX];
    size_t seen = 0;
    snprintf(list, sizeof list, "%s[]", name);
    *p = NULL;
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->parts[i].name, name) && strcmp(f->parts[i].name, list))
            continue;
        seen++;
        *p = &f->parts[i];
    }
    if (!*p)
        return 0;
    if (seen > 1)
        return err_set(e, 400, NULL, NULL, name, "Only one '%s' is accepted: 1min.ai edits one image per request", name);
    if ((*p)->len > max)
        return err_set(e, 413, NULL, "request_too_large", name, "'%s' is larger than %zu bytes", name, max);
    *fmt = sniff_magic((*p)->data, (*p)->len, SNIFF_IMAGE);
    if (!*fmt)
        return err_set(e, 400, NULL, "invalid_image", name, "'%s' must be a png, jpeg, webp or gif image", name);
    return 0;
}

/* The form's text fields as the JSON object imgfam_build reads: strings,
 * and n as an integer when it is one (else the string, which imgfam refuses
 * with its own message). -1 after the error. */
static int images_fields(const struct multipart_form *f, struct json_object *root, struct relay_err *e)
{
    char *v = malloc(IMAGES_FIELD_MAX);
    int rc = -1;
    if (!v)
        return err_oom(e);
    for (size_t i = 0; i < f->count; i++) {
        const struct multipart_part *p = &f->parts[i];
        if (p->has_filename)
            continue;
        if (form_field(f, p->name, v, IMAGES_FIELD_MAX, e) < 0)
            goto out;
        struct json_object *val = NULL;
        char *end;
        long long n = strtoll(v, &end, 10);
        if (strcmp(p->name, "n") == 0 && *v && !*end)
            val = json_object_new_int64(n);
        else
            val = json_object_new_string(v);
        if (!val || json_object_object_add(root, p->name, val)) {
            json_object_put(val);
            err_oom(e);
            goto out;
        }
    }
    rc = 0;
out:
    free(v);
    return rc;
}

static int images_from_image(struct relay_req *r, int edit, struct relay_err *e)
{
    const struct media_config *mc = r->app->media;
    char key[ONEMIN_KEY_MAX + 1], path[MEDIA_PATH_MAX], mask_path[MEDIA_PATH_MAX];
    size_t key_len;
    struct buf body;
    struct multipart_form *form = NULL;
    struct json_object *root = NULL, *po;
    const struct multipart_part *image, *mask = NULL;
    const struct sniff_fmt *ifmt = NULL, *mfmt = NULL;
    struct images_job job = { 0 };
    struct onemin om;
    int rc = -1;

    buf_init(&body, 0);
    if (api_key(r, key, &key_len, e) < 0 ||
        form_read(r, 2 * mc->fetch_max_bytes + IMAGES_FORM_OVERHEAD, "an 'image' part", &body, &form, e) < 0 ||
        images_file(form, "image", mc->fetch_max_bytes, &image, &ifmt, e) < 0 ||
        (edit && images_file(form, "mask", mc->fetch_max_bytes, &mask, &mfmt, e) < 0))
        goto out;
    if (!image) {
        err_set(e, 400, NULL, NULL, "image", "'image' is required: an image file part");
        goto out;
    }
    root = json_object_new_object();
    if (!root) {
        err_oom(e);
        goto out;
    }
    if (images_fields(form, root, e) < 0)
        goto out;
    enum imgfam_task task = !edit ? IMGFAM_VARY : mask ? IMGFAM_INPAINT : IMGFAM_EDIT;
    if (images_prepare(r, key, key_len, root, task, &job, e) < 0)
        goto out;
    api_onemin(r, key, key_len, &om);
    if (asset_upload(&om, image->data, image->len, ifmt, "the image", path, sizeof path, e) < 0 ||
        (mask && asset_upload(&om, mask->data, mask->len, mfmt, "the mask", mask_path, sizeof mask_path, e) < 0))
        goto out;
    json_object_object_get_ex(job.body, "promptObject", &po);
    if (json_object_object_add(po, "imageUrl", json_object_new_string(path)) ||
        (mask && json_object_object_add(po, "maskUrl", json_object_new_string(mask_path)))) {
        err_oom(e);
        goto out;
    }
    free(form);                 /* the bytes are upstream now; free them before the long wait */
    form = NULL;
    buf_free(&body);
    rc = images_answer(r, &om, job.fam, job.body, job.n_wanted, job.format, e);
out:
    json_object_put(job.body);
    json_object_put(root);
    free(form);
    buf_free(&body);
    return rc;
}

int images_variations(struct relay_req *r, struct relay_err *e)
{
    return images_from_image(r, 0, e);
}

int images_edits(struct relay_req *r, struct relay_err *e)
{
    return images_from_image(r, 1, e);
}
