/* files: the OpenAI files API over 1min.ai's asset store, and the lookup of a
 * file_id by the chat dialects' document parts.
 *
 * A file is uploaded to 1min.ai (through the upload cache); its metadata —
 * the OpenAI file object, the asset's path and uuid, its format — is kept in
 * the relay's store (onemin/kvstore: memcached when the rate-limit store is
 * memcached, else RELAY_FILES_DIR) under its id for RELAY_FILES_TTL seconds,
 * tagged with the SHA-256 of the uploader's key: another key sees a 404.
 * Each key also has an index entry, appended to, for the list: its ids in
 * the order they were stored (created_at's order), deleted ones included, so
 * the list pages by position (OpenAI's purpose, order, limit and after).
 *
 * Thread rule: runs on the request's worker thread. */
#ifndef RELAY_API_FILES_H
#define RELAY_API_FILES_H

#include <stddef.h>

#include "core/err.h"
#include "http/req.h"
#include "onemin/asset.h"

#define FILES_ID_MAX 48
#define FILES_FORMAT_MAX 8

/* A stored file as the chat dialects use it. */
struct files_entry {
    char id[FILES_ID_MAX];
    char format[FILES_FORMAT_MAX];  /* "pdf", "png", ... (codec/doctype, codec/sniff names) */
    char filename[256];
    struct asset_ref asset;
};

/* Look id up for the key's owner: 1 with *out, 0 when there is no such file
 * of this key (a 404 for the caller to word), -1 with e (the store failed:
 * 503). */
int files_lookup(struct relay_req *r, const char *key, size_t key_len, const char *id,
                 struct files_entry *out, struct relay_err *e);

#endif
