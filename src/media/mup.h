/* mup: the steps the media handlers share — request parsing, model checks,
 * asset uploads (with the upload cache), /api/features calls, and
 * downloading results. Each step either succeeds or sends the client's error
 * response itself and returns -1, so a handler is a straight line of steps.
 *
 * Private to src/media. Thread rule: everything runs on the request's thread. */
#ifndef RELAY_MEDIA_MUP_H
#define RELAY_MEDIA_MUP_H

#include <stddef.h>

#include "core/buf.h"
#include "http/req.h"
#include "media/media.h"
#include "media/sniff.h"
#include "upstream/catalog.h"
#include "upstream/client.h"

struct json_object;

#define MUP_KEY_MAX 1024

/* The client's API key copied into key (MUP_KEY_MAX + 1 bytes), or -1 after
 * the 401. */
int mup_key(struct relay_req *r, char *key, size_t *key_len);

/* Read and parse a JSON object body of at most max bytes. *root is new (the
 * caller puts it). -1 after a 400/413. */
int mup_json_body(struct relay_req *r, size_t max, struct json_object **root);

/* Look up model id for a feature kind (CAT_IMAGE, ...). -1 after a 400 with
 * param "model" when the model is unknown or of another kind; what names the
 * feature for the message ("an image model"). */
int mup_model(struct relay_req *r, const char *id, unsigned kind, const char *what,
              struct cat_model *out);

/* Upload bytes (of format fmt) to ONE_MIN_ASSET_URL as the multipart part
 * "asset", unless the upload cache knows them; path receives fileContent.path.
 * what names the file for error messages ("image 2"). -1 after the error. */
int mup_upload(struct relay_req *r, const char *key, size_t key_len, const void *bytes, size_t n,
               const struct sniff_fmt *fmt, const char *what, char *path, size_t pathlen);

/* POST body to ONE_MIN_API_URL with timeout_s, and check the answer: a
 * parsed reply with an aiRecord that did not fail (a moderation refusal is a
 * 400 content_filter, any other failure a 502, like chat). *root is new (the caller
 * puts it); *rec is borrowed from it. -1 after the error. */
int mup_feature(struct relay_req *r, const char *key, struct json_object *body, unsigned timeout_s,
                struct json_object **root, struct json_object **rec);

/* GET url (a result link: temporaryUrl or the CDN; no API key) into out
 * (replacing its contents and its maximum), allowing at most max bytes. Returns 0 on a 2xx answer, -1 otherwise (no
 * response sent: the caller tries the next link or reports). */
int mup_download(struct relay_req *r, const char *url, size_t max, struct buf *out);

/* The links to try for result i of rec, best first: temporaryUrl (i == 0
 * only), then the CDN URL of the path (resulturl rules). Writes up to two
 * URLs into a and b (either may come back empty). */
void mup_result_links(struct relay_req *r, struct json_object *rec, size_t i, struct buf *a, struct buf *b);

#endif
