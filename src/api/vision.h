/* vision: image input for chat. Every image_url part of the messages, in
 * conversation order, is decoded (data: URLs) or downloaded (http(s), with
 * the address check of onemin/fetch), uploaded as an asset (through the
 * upload cache) and its asset path appended for promptObject.attachments.
 *
 * Thread rule: runs on the request's thread. */
#ifndef RELAY_API_VISION_H
#define RELAY_API_VISION_H

#include "core/err.h"
#include "onemin/catalog.h"
#include "onemin/onemin.h"

struct json_object;

/* Append each image's asset path to images (a JSON array owned by the
 * caller). Returns 0, or -1 with e filled: 400 naming the model when it has
 * no vision, 400 for bad base64, a type that is not an image, a refused URL or
 * too many images, 400 for a failed download, the mapped upstream error
 * (4xx/502/504, key masked) for a failed upload. Never a silent text-only
 * request. */
int vision_attach(const struct onemin *om, struct json_object *messages, const struct catalog_model *model,
                  struct json_object *images, struct relay_err *e);

#endif
