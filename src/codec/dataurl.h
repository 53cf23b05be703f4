/* dataurl: decoding the "data:image/<type>;base64,<payload>" URLs that
 * OpenAI clients send as image_url parts.
 *
 * Only base64 data URLs declaring an image type the upstream takes (png, jpeg,
 * webp, gif) are accepted, and the decoded bytes must be one of those formats
 * by their magic bytes. The bytes decide the format reported (many clients
 * label every picture image/jpeg), so the upload's filename and content type
 * always match what is actually sent.
 *
 * Pure; the caller owns the output buffer. Thread rule: any thread. */
#ifndef RELAY_CODEC_DATAURL_H
#define RELAY_CODEC_DATAURL_H

#include <stddef.h>

#include "core/buf.h"
#include "codec/sniff.h"

enum dataurl_rc {
    DATAURL_OK = 0,
    DATAURL_NOT_DATA,       /* does not start with "data:" */
    DATAURL_SYNTAX,         /* no comma, or not ";base64" */
    DATAURL_NOT_IMAGE,      /* declared type not an accepted image type */
    DATAURL_BAD_BASE64,
    DATAURL_TOO_BIG,        /* decoded bytes pass the limit */
    DATAURL_MISMATCH        /* the bytes are not a png, jpeg, webp or gif */
};

/* Decode s[0..n) into out (buf_init'ed; its max is the size limit). On
 * success *fmt is the image format. */
enum dataurl_rc dataurl_decode(const char *s, size_t n, struct buf *out, const struct sniff_fmt **fmt);

/* A sentence for the client describing rc ("the image is not valid base64"). */
const char *dataurl_strerror(enum dataurl_rc rc);

#endif
