/* asset: uploading a file (a vision image, an audio file) to 1min.ai's asset
 * store, through the upload cache, for its asset path.
 *
 * Thread rule: runs on the request's thread (the onemin environment's). */
#ifndef RELAY_ONEMIN_ASSET_H
#define RELAY_ONEMIN_ASSET_H

#include <stddef.h>

#include "codec/sniff.h"
#include "core/err.h"
#include "onemin/onemin.h"

/* Upload bytes (of format fmt) to ONE_MIN_ASSET_URL as the multipart part
 * "asset", unless the upload cache knows them; path receives
 * fileContent.path. what names the file for error messages ("image 2").
 * Returns 0, or -1 with e filled (the upstream's error, key masked). */
int asset_upload(const struct onemin *om, const void *bytes, size_t n, const struct sniff_fmt *fmt,
                 const char *what, char *path, size_t pathlen, struct relay_err *e);

#define ASSET_UUID_MAX 64

/* An uploaded file as 1min.ai names it: the path images and audio are
 * referenced by, and the uuid documents are attached by (attachments.files,
 * docs/upstream-api.md §5). */
struct asset_ref {
    char path[MEDIA_PATH_MAX];
    char uuid[ASSET_UUID_MAX];
};

/* asset_upload for a file whose fileContent.uuid is needed too (a document);
 * a cache entry without the uuid is a miss. */
int asset_upload_ref(const struct onemin *om, const void *bytes, size_t n, const struct sniff_fmt *fmt,
                     const char *what, struct asset_ref *ref, struct relay_err *e);

#endif
