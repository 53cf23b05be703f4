/* resurl: turning the storage paths in a media aiRecord into URLs a
 * client can load (docs/upstream-api.md §7).
 *
 * Rule: an element that already starts with http:// or https:// (any case)
 * is kept; otherwise the CDN base (ONE_MIN_ASSET_CDN_URL) and the path are
 * joined with exactly one '/'. The signed aiRecord.temporaryUrl is used only
 * where it is the only working link: for the first result when the record
 * has no usable path for it. (It expires and covers the first result only,
 * while CDN links are stable and exist for every result; downloads for
 * b64_json and speech try temporaryUrl first and the CDN second.)
 *
 * Pure. Thread rule: any thread. */
#ifndef RELAY_ONEMIN_RESURL_H
#define RELAY_ONEMIN_RESURL_H

#include "core/buf.h"

/* Append the URL for path to out. Returns 0, or -1 when path is empty or out
 * is full. */
int resurl_join(struct buf *out, const char *cdn_base, const char *path);

/* Non-zero when s starts with http:// or https:// (any case). */
int resurl_is_absolute(const char *s);

#endif
