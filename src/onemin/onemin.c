/* onemin: see onemin.h. */
#include "onemin/onemin.h"

struct client_request onemin_post(const struct onemin *om, const char *url, const char *body, size_t len,
                                  unsigned idle_timeout_s, unsigned total_timeout_s)
{
    struct client_request req = {
        .method = "POST",
        .url = url,
        .api_key = om->key,
        .body = body,
        .body_len = len,
        .connect_timeout_ms = om->cfg->connect_timeout_ms,
        .idle_timeout_s = idle_timeout_s,
        .total_timeout_s = total_timeout_s,
    };
    return req;
}

struct client_request onemin_get(const struct onemin *om, const char *url, unsigned total_timeout_s)
{
    struct client_request req = {
        .method = "GET",
        .url = url,
        .connect_timeout_ms = om->cfg->connect_timeout_ms,
        .idle_timeout_s = om->cfg->idle_timeout_s,
        .total_timeout_s = total_timeout_s,
    };
    return req;
}
