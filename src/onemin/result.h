/* result: the files a media record produced (generated images, speech) —
 * which links to try, and downloading them.
 *
 * A result link comes from 1min.ai's answer, so it is not trusted more than a
 * client's image URL: a link on the configured asset CDN (the scheme, host
 * and port of ONE_MIN_ASSET_CDN_URL, the scheme's default port when none is
 * written) is downloaded with the worker's handle; any other (a temporaryUrl
 * on another host, or another port of the CDN's host) goes through fetch,
 * with the same address check as client image URLs (ALLOW_PRIVATE_FETCH
 * applies).
 *
 * Thread rule: runs on the request's thread (the onemin environment's). */
#ifndef RELAY_ONEMIN_RESULT_H
#define RELAY_ONEMIN_RESULT_H

#include <stddef.h>

#include "core/buf.h"
#include "onemin/onemin.h"

struct json_object;

/* The links to try for result i of rec, best first: temporaryUrl (i == 0
 * only), then the CDN URL of the path (resurl rules). Writes up to two URLs
 * into a and b (either may come back empty). */
void result_links(const struct onemin *om, struct json_object *rec, size_t i, struct buf *a, struct buf *b);

/* 1 when url is an http(s) URL of the configured asset CDN's origin. */
int result_on_cdn(const struct onemin *om, const char *url);

/* GET url (no API key) into out (replacing its contents and its maximum),
 * allowing at most max bytes. Returns 0 on a 2xx answer, -1 otherwise
 * (logged; the caller tries the next link or reports). */
int result_download(const struct onemin *om, const char *url, size_t max, struct buf *out);

/* GET url as result_download does, handing the body to on_data piece by piece
 * as it arrives (at most the configured result size when off the CDN), so the
 * client can have the first bytes before the last exist. Returns 0 when the
 * whole body arrived, -1 otherwise (logged unless on_data stopped it; bytes
 * may have been handed over). */
int result_stream(const struct onemin *om, const char *url, int (*on_data)(void *ud, const char *p, size_t n),
                  void *ud);

#endif
