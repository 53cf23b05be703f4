/* document: one document of a chat request made into the asset uuid that
 * promptObject.attachments.files takes (docs/upstream-api.md §5): its format
 * found from the bytes, MIME type and file name (codec/doctype), then
 * uploaded through the upload cache.
 *
 * Thread rule: runs on the request's thread (the onemin environment's). */
#ifndef RELAY_ONEMIN_DOCUMENT_H
#define RELAY_ONEMIN_DOCUMENT_H

#include <stddef.h>

#include "core/err.h"
#include "onemin/asset.h"
#include "onemin/onemin.h"

/* Upload data[0..len) (media_type and filename may be NULL); ref gets its
 * path and uuid. param names the part for a 400 (not a document format
 * 1min.ai reads); a failed upload is the mapped upstream error (key masked). */
int document_upload(const struct onemin *om, const void *data, size_t len, const char *media_type,
                    const char *filename, const char *param, struct asset_ref *ref, struct relay_err *e);

#endif
