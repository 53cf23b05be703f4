/* vision: one image of a chat request made into an asset path for
 * promptObject.attachments.images — decoded (a data: URL, or bytes the
 * client sent base64-encoded), or downloaded (an http(s) URL, through
 * fetch's address check), checked to be a png, jpeg, webp or gif image by its
 * bytes, and uploaded (through the upload cache).
 *
 * Thread rule: runs on the request's thread (the onemin environment's). */
#ifndef RELAY_ONEMIN_VISION_H
#define RELAY_ONEMIN_VISION_H

#include <stddef.h>

#include "core/err.h"
#include "onemin/onemin.h"

struct vision_image {
    size_t index;           /* 1-based number of the image in the conversation, for messages */
    const char *param;      /* where it came from, for 400s */
    const char *url;        /* an http(s) or data: URL ("": none given), or NULL for bytes */
    const void *data;       /* the bytes, when url is NULL */
    size_t len;
};

/* The asset path of img in path. Returns 0, or -1 with e filled: 400 for a
 * missing or unusable URL, bad base64, a refused address, a failed download
 * or bytes that are not an image; the mapped upstream error (key masked) for
 * a failed upload. */
int vision_upload(const struct onemin *om, const struct vision_image *img, char *path, size_t pathlen,
                  struct relay_err *e);

#endif
