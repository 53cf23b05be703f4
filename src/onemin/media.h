/* media: the settings of the relay's non-chat features — image generation,
 * speech to text, audio translation, text to speech — and of vision input
 * for chat: downloads, uploads, the upload cache and their limits.
 *
 * Settings (read once by media_config_load):
 *   RELAY_VISION_MAX_IMAGES     images per chat request (default 8)
 *   RELAY_FETCH_MAX_BYTES       largest image the relay downloads or decodes (20M)
 *   RELAY_FETCH_TIMEOUT         seconds for one image download, redirects included (20)
 *   RELAY_FETCH_MAX_REDIRECTS   redirects followed, each re-checked (3)
 *   ALLOW_PRIVATE_FETCH         1: skip the address check (tests on loopback only!);
 *                               or a comma list of CIDRs exempted from it
 *                               ("127.0.0.1/32": only these; others still refused)
 *   RELAY_AUDIO_MAX_BYTES       largest audio upload (25M)
 *   RELAY_MEDIA_RESULT_MAX_BYTES largest generated image/audio downloaded (32M)
 *   RELAY_IMAGE_TIMEOUT         seconds for one image generation (300)
 *   RELAY_IMAGE_LONG_TIMEOUT    ...for Midjourney (900)
 *   RELAY_AUDIO_TIMEOUT         seconds for one audio feature call (300)
 *   RELAY_UPLOAD_TIMEOUT        seconds for one asset upload (120)
 *   RELAY_UPLOAD_CACHE_TTL      seconds an uploaded asset is reused (3600; 0: no cache)
 *   RELAY_UPLOAD_CACHE_DIR      the per-host cache directory when the rate-limit
 *                               store is not memcached ($TMPDIR/1min-relay-<uid>/uploads)
 *   RELAY_FILES_MAX_BYTES       largest file for /v1/files and documents in chat (32M)
 *   RELAY_FILES_TTL             seconds the files API remembers a file (30 days; 0: off)
 *   RELAY_FILES_DIR             its per-host directory when the rate-limit store is
 *                               not memcached ($TMPDIR/1min-relay-<uid>/files)
 *
 * Thread rule: the config is written before the workers start and read-only
 * afterwards. */
#ifndef RELAY_ONEMIN_MEDIA_H
#define RELAY_ONEMIN_MEDIA_H

#include <stddef.h>

#include "core/cidr.h"

#define MEDIA_PATH_MAX 512
#define MEDIA_ALLOW_MAX 8

struct media_config {
    unsigned max_images;
    size_t fetch_max_bytes;
    unsigned fetch_timeout_s;
    unsigned fetch_max_redirects;
    int allow_private_fetch;                 /* every address allowed */
    struct cidr fetch_allow[MEDIA_ALLOW_MAX];/* ...or just these ranges */
    size_t fetch_allow_count;
    size_t audio_max_bytes;
    size_t result_max_bytes;
    unsigned image_timeout_s;
    unsigned image_long_timeout_s;
    unsigned audio_timeout_s;
    unsigned upload_timeout_s;
    unsigned cache_ttl_s;
    char cache_dir[MEDIA_PATH_MAX];
    size_t files_max_bytes;
    unsigned files_ttl_s;
    char files_dir[MEDIA_PATH_MAX];
};

/* Read the media settings from the environment; a bad value -> -1 with a
 * message naming the variable. */
int media_config_load(struct media_config *c, char *err, size_t errlen);

#endif
