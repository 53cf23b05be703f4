/* images: the steps POST /v1/images/generations, /variations and /edits
 * share — the response_format choice and the OpenAI answer built from an
 * image feature's record (URLs and/or base64 of every result).
 *
 * Thread rule: runs on the request's worker thread. */
#ifndef RELAY_API_IMAGES_H
#define RELAY_API_IMAGES_H

#include <stddef.h>

#include "core/err.h"
#include "http/req.h"
#include "onemin/imgfam.h"
#include "onemin/onemin.h"

struct json_object;

/* response_format of the client's fields: 1 url only, 2 b64_json only, 3
 * both (a GPT image model asked without a response_format: OpenAI answers
 * b64_json there, and clients written for it read data[0].b64_json). -1
 * after the 400. */
int images_format(struct json_object *root, const struct imgfam *fam, struct relay_err *e);

/* What an image route sends: the family, the upstream body, how many
 * results to return and in which format. */
struct images_job {
    const struct imgfam *fam;
    struct json_object *body;       /* owned: the caller puts it */
    unsigned n_wanted;
    int format;
};

/* The shared first steps of the image routes on the client's fields (root):
 * the model (default dall-e-2) checked against the image catalogue, its
 * family, response_format, the upstream body for task (imgfam_build), and
 * admission at the configured image cost per image made. 0 with job
 * filled, or -1 with e. */
int images_prepare(struct relay_req *r, const char *key, size_t key_len, struct json_object *root,
                   enum imgfam_task task, struct images_job *job, struct relay_err *e);

/* Send body (built by imgfam_build, images uploaded) to 1min.ai with fam's
 * timeout and answer {created, data[]} with up to n_wanted results in format.
 * 0 once answered, or -1 with e filled. */
int images_answer(struct relay_req *r, const struct onemin *om, const struct imgfam *fam,
                  struct json_object *body, unsigned n_wanted, int format, struct relay_err *e);

#endif
