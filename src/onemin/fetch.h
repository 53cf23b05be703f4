/* fetch: downloading a client-supplied URL (a vision image_url) without
 * letting the client reach internal addresses (docs/platform.md §5.6).
 *
 * - http and https only; no proxy, no credentials from the environment;
 * - the host is resolved here and every address it resolves to is checked
 *   with netcheck (unless ALLOW_PRIVATE_FETCH allows it); the transfer is
 *   pinned to the checked addresses with CURLOPT_RESOLVE, and an open-socket
 *   callback checks the address actually connected to again (it must be one
 *   of them), so DNS rebinding cannot switch it;
 * - redirects are not followed by libcurl: each Location is resolved against
 *   the current URL and checked like the first URL, at most max_redirects;
 * - the body is capped at max_bytes, the whole exchange (redirects included)
 *   at timeout_s, and a Content-Type other than the wanted kind is refused.
 *
 * Uses its own short-lived easy handle, so nothing it pins can leak into the
 * worker's upstream handle. Thread-safe. */
#ifndef RELAY_ONEMIN_FETCH_H
#define RELAY_ONEMIN_FETCH_H

#include <stddef.h>

#include "core/buf.h"
#include "core/cidr.h"

struct fetch_opts {
    size_t max_bytes;
    unsigned timeout_s;
    unsigned connect_timeout_ms;
    unsigned max_redirects;
    int allow_private;          /* ALLOW_PRIVATE_FETCH=1: skip the address check */
    const struct cidr *allow;/* ...or exempt these ranges from it */
    size_t nallow;
    const char *type_prefix;    /* accepted Content-Type prefix ("image/"); absent or
                                 * application/octet-stream also pass */
    /* When set, the final answer's body is handed over piece by piece as it
     * arrives (at most max_bytes in all, after the status and type checks)
     * instead of collected; redirect bodies are dropped. Return non-zero to
     * stop the transfer (FETCH_ABORTED). */
    int (*on_data)(void *ud, const char *p, size_t n);
    void *ud;
};

enum fetch_rc {
    FETCH_OK = 0,
    FETCH_BAD_URL,          /* not an absolute http(s) URL */
    FETCH_REFUSED,          /* resolves to an address the relay will not connect to */
    FETCH_DNS,              /* the name does not resolve */
    FETCH_FAILED,           /* connection failed, or an HTTP error status */
    FETCH_TIMEOUT,
    FETCH_TOO_BIG,
    FETCH_BAD_TYPE,         /* a Content-Type that is not the wanted kind */
    FETCH_TOO_MANY_REDIRECTS,
    FETCH_ABORTED,          /* on_data stopped the transfer */
    FETCH_INTERNAL
};

/* Download url into out (buf_init'ed by the caller, who frees it; NULL with
 * on_data). Returns FETCH_OK or an error with a sentence for the client in
 * msg (which never contains more of the URL than its host). */
enum fetch_rc fetch_url(const char *url, const struct fetch_opts *o, struct buf *out,
                        char *msg, size_t msglen);

#endif
