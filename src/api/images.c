/* POST /v1/images/generations: OpenAI's image fields -> the model family's
 * upstream fields (imgfam), IMAGE_GENERATOR, and URLs or base64 back; and the
 * answer shared with variations and edits (api/images.h). */
#include "api/images.h"

#include <json-c/json.h>
#include <string.h>
#include <time.h>

#include "api/admit.h"
#include "api/api.h"
#include "codec/b64.h"
#include "codec/sniff.h"
#include "core/metrics.h"
#include "onemin/airec.h"
#include "onemin/feature.h"
#include "onemin/imgfam.h"
#include "onemin/result.h"
#include "ratelimit/rl.h"

#define IMAGES_BODY_MAX ((size_t)1 << 20)
#define IMAGES_URL_MAX 4096

int images_format(struct json_object *root, const struct imgfam *fam, struct relay_err *e)
{
    struct json_object *v;
    if (!json_object_object_get_ex(root, "response_format", &v) || !v)
        return fam->b64_default ? 3 : 1;
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
    if (strcmp(s, "url") == 0)
        return 1;
    if (strcmp(s, "b64_json") == 0)
        return 2;
    return err_set(e, 400, NULL, NULL, "response_format", "'response_format' must be \"url\" or \"b64_json\"");
}

/* One data[] entry for result i. -1 after the error. */
static int images_entry(const struct onemin *om, struct json_object *rec, size_t i, int format,
                        struct json_object *data, struct relay_err *e)
{
    struct buf a, b, img;
    struct json_object *entry = json_object_new_object();
    int rc = -1;
    buf_init(&a, IMAGES_URL_MAX);
    buf_init(&b, IMAGES_URL_MAX);
    buf_init(&img, 0);
    result_links(om, rec, i, &a, &b);
    /* A stable CDN link is the url; the signed temporaryUrl only when it is
     * the only link there is (onemin/resurl.h). */
    const char *url = b.len ? buf_str(&b) : buf_str(&a);
    if (!entry || !*url) {
        err_set(e, 502, "upstream_error", "bad_gateway", NULL,
                   "1min.ai returned no usable link for image %zu", i + 1);
        goto out;
    }
    if (format & 1)
        json_object_object_add(entry, "url", json_object_new_string(url));
    if (format & 2) {
        size_t max = om->media->result_max_bytes;
        if (result_download(om, buf_str(&a), max, &img) < 0 && (!b.len || result_download(om, buf_str(&b), max, &img) < 0)) {
            err_set(e, 502, "upstream_error", "download_failed", NULL,
                       "Could not download generated image %zu from 1min.ai for b64_json", i + 1);
            goto out;
        }
        if (!sniff_magic(img.data, img.len, SNIFF_IMAGE)) {
            err_set(e, 502, "upstream_error", "bad_gateway", NULL,
                       "The download of generated image %zu is not an image", i + 1);
            goto out;
        }
        struct buf enc;
        buf_init(&enc, b64_encoded_len(img.len) + 1);
        if (b64_encode(&enc, img.data, img.len) < 0) {
            buf_free(&enc);
            err_oom(e);
            goto out;
        }
        json_object_object_add(entry, "b64_json", json_object_new_string_len(buf_str(&enc), (int)enc.len));
        buf_free(&enc);
    }
    json_object_array_add(data, entry);
    entry = NULL;
    rc = 0;
out:
    json_object_put(entry);
    buf_free(&a);
    buf_free(&b);
    buf_free(&img);
    return rc;
}

int images_answer(struct relay_req *r, const struct onemin *om, const struct imgfam *fam,
                  struct json_object *body, unsigned n_wanted, int format, struct relay_err *e)
{
    const struct media_config *mc = r->app->media;
    struct json_object *reply = NULL, *rec, *out = NULL;
    int rc = -1;
    unsigned timeout = fam->long_running ? mc->image_long_timeout_s : mc->image_timeout_s;
    if (api_check_client(r, e) < 0 || feature_call(om, body, timeout, &reply, &rec, e) < 0)
        goto out;
    size_t count = airec_result_count(rec);
    if (count == 0 && airec_temporary_url(rec))
        count = 1;
    if (count > n_wanted)
        count = n_wanted;
    if (count == 0) {
        err_set(e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai returned no images");
        goto out;
    }
    out = json_object_new_object();
    struct json_object *data = json_object_new_array();
    if (!out || !data) {
        json_object_put(data);
        err_oom(e);
        goto out;
    }
    json_object_object_add(out, "created", json_object_new_int64((int64_t)time(NULL)));
    json_object_object_add(out, "data", data);
    for (size_t i = 0; i < count; i++)
        if (images_entry(om, rec, i, format, data, e) < 0)
            goto out;
    rc = api_json(r, 200, out, e);
    metrics_media("image");
out:
    json_object_put(out);
    json_object_put(reply);
    return rc;
}

int images_prepare(struct relay_req *r, const char *key, size_t key_len, struct json_object *root,
                   enum imgfam_task task, struct images_job *job, struct relay_err *e)
{
    struct json_object *v;
    struct catalog_model model;
    struct imgfam_error ferr;
    struct rl_ticket ticket;
    memset(job, 0, sizeof *job);
    const char *name = "dall-e-2";   /* OpenAI's default, for every image route */
    if (json_object_object_get_ex(root, "model", &v) && v) {
        if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
            return err_set(e, 400, NULL, NULL, "model", "'model' must be a non-empty string");
        name = json_object_get_string(v);
    }
    const char *id = imgfam_resolve_alias(name);
    if (api_model(r, id, CATALOG_IMAGE, "an image model (see GET /v1/models)", &model, e) < 0)
        return -1;
    job->fam = imgfam_for(id);
    if ((job->format = images_format(root, job->fam, e)) < 0)
        return -1;
    job->body = imgfam_build(job->fam, task, id, root, &job->n_wanted, &ferr);
    if (!job->body)
        return ferr.param[0] ? err_set(e, 400, NULL, NULL, ferr.param, "%s", ferr.message) : err_oom(e);
    /* every image the upstream makes costs, also those not returned (Midjourney's four) */
    unsigned made = job->fam->upstream_n ? job->fam->upstream_n : job->n_wanted;
    if (admit_request(r, key, key_len, rl_image_cost(r->app->rl) * made, &ticket, e) < 0) {
        json_object_put(job->body);
        job->body = NULL;
        return -1;
    }
    return 0;
}

int images_generations(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1];
    size_t key_len;
    struct json_object *root = NULL;
    struct images_job job = { 0 };
    struct onemin om;
    int rc = -1;

    if (api_key(r, key, &key_len, e) < 0 || api_json_body(r, IMAGES_BODY_MAX, &root, e) < 0 ||
        images_prepare(r, key, key_len, root, IMGFAM_GENERATE, &job, e) < 0)
        goto out;
    api_onemin(r, key, key_len, &om);
    rc = images_answer(r, &om, job.fam, job.body, job.n_wanted, job.format, e);
out:
    json_object_put(job.body);
    json_object_put(root);
    return rc;
}
