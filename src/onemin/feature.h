/* feature: one call of 1min.ai's features endpoint (image generation, speech
 * to text, audio translation, text to speech) and the check of its answer.
 *
 * Thread rule: runs on the request's thread (the onemin environment's). */
#ifndef RELAY_ONEMIN_FEATURE_H
#define RELAY_ONEMIN_FEATURE_H

#include "core/err.h"
#include "onemin/onemin.h"

struct json_object;

/* POST body to ONE_MIN_API_URL with timeout_s, and check the answer: a parsed
 * reply with an aiRecord that did not fail. *root is new (the caller puts
 * it); *rec is borrowed from it. Returns 0, or -1 with e filled (a refusal is
 * a 400 content_filter, any other failure the mapped upstream error; the key
 * is masked) and *root NULL. */
int feature_call(const struct onemin *om, struct json_object *body, unsigned timeout_s,
                 struct json_object **root, struct json_object **rec, struct relay_err *e);

#endif
