/* onemin: the environment of one client request's calls to 1min.ai — which
 * URLs and limits, the worker's curl handle, the upload cache's store and the
 * client's key — and the one place a request to 1min.ai is set up.
 *
 * The api layer fills a struct onemin per request (api_onemin); every module
 * of onemin/ takes it instead of reaching up into the HTTP request.
 *
 * Ownership: everything is borrowed for the request. Thread rule: used on the
 * request's worker thread only (the curl handle is that thread's). */
#ifndef RELAY_ONEMIN_ONEMIN_H
#define RELAY_ONEMIN_ONEMIN_H

#include <stddef.h>

#include "core/cfg.h"
#include "onemin/client.h"
#include "onemin/media.h"

struct memcached_st;

#define ONEMIN_KEY_MAX 1024

struct onemin {
    const struct relay_config *cfg;
    const struct media_config *media;
    void *curl;                     /* the worker's CURL handle */
    struct memcached_st *mc;        /* upload cache store when it is memcached, else NULL */
    const char *key;                /* the client's key, NUL-terminated; never logged */
    size_t key_len;
};

/* A POST of a JSON body to url with the client's key and the configured
 * connect timeout; idle and total timeouts as given (0: none). Streaming
 * hooks may be set on the returned request afterwards. */
struct client_request onemin_post(const struct onemin *om, const char *url, const char *body, size_t len,
                                  unsigned idle_timeout_s, unsigned total_timeout_s);

/* A GET of a result link on the asset CDN (no key: links are public), with
 * the configured connect and idle timeouts and total_timeout_s (0: none). */
struct client_request onemin_get(const struct onemin *om, const char *url, unsigned total_timeout_s);

#endif
