/* upcache: remembers which asset path the upstream gave for some bytes, so a
 * multi-turn vision chat (or a repeated transcription) does not upload the
 * same file again on every request.
 *
 * The key is SHA-256(SHA-256(API key) || SHA-256(bytes) || asset URL): an
 * asset belongs to the account and the upstream it was uploaded to, and the
 * key is never stored. Entries live
 * RELAY_UPLOAD_CACHE_TTL seconds.
 *
 * Where: in memcached ("1min-relay:asset:<hex>") when the rate-limit store is
 * memcached (so every host shares it); otherwise per host, one small file per
 * entry in RELAY_UPLOAD_CACHE_DIR, a directory of mode 0700 owned by the
 * relay's user (created if missing; refused, with a warning, if it is anyone
 * else's or open to others). Files are written to a temporary name and
 * renamed, so processes sharing the directory never read half an entry; the
 * file's mtime is its age, and expired files are removed when read and by an
 * occasional sweep.
 *
 * A cache failure is never an error for the client: it only costs an upload.
 * Thread-safe (no shared state besides an atomic counter). */
#ifndef RELAY_ONEMIN_UPCACHE_H
#define RELAY_ONEMIN_UPCACHE_H

#include <stddef.h>

#include "onemin/media.h"

struct memcached_st;

#define UPCACHE_KEY_LEN 64

/* The cache key for bytes uploaded with api_key to asset_url, as 64 hex
 * digits + NUL. */
void upcache_key(const char *api_key, size_t key_len, const void *bytes, size_t n,
                 const char *asset_url, char out[UPCACHE_KEY_LEN + 1]);

/* Look key up. Returns 1 and fills path (a NUL-terminated asset path) on a
 * hit, 0 on a miss or any failure. mc is the thread's memcached handle or NULL. */
int upcache_get(const struct media_config *c, struct memcached_st *mc, const char *key,
                char *path, size_t pathlen);

/* Remember key -> path (best effort). */
void upcache_put(const struct media_config *c, struct memcached_st *mc, const char *key,
                 const char *path);

#endif
