/* router: maps method + path to a handler, answers CORS preflights, and gives
 * 404 / 405 / 501 in OpenAI's error shape for everything else. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/record.h"
#include "http/resp.h"
#include "http/server.h"
#include "media/media.h"
#include "routes/routes.h"

typedef int (*route_fn)(struct relay_req *r);

struct route {
    const char *path;     /* exact path, or a prefix when it ends with '/' */
    const char *method;   /* the one method served */
    route_fn fn;
};

/* Health answers on "/" and on aliases reachable when only /v1/ is mounted. */
static const struct route routes[] = {
    { "/", "GET", route_health },
    { "/health", "GET", route_health },
    { "/v1/health", "GET", route_health },
    { "/v1/models", "GET", route_models_list },
    { "/v1/models/", "GET", route_models_get },
    { "/v1/chat/completions", "POST", route_chat_completions },
    { "/v1/images/generations", "POST", media_images_generations },
    { "/v1/audio/transcriptions", "POST", media_audio_transcriptions },
    { "/v1/audio/translations", "POST", media_audio_translations },
    { "/v1/audio/speech", "POST", media_audio_speech },
    { "/metrics", "GET", route_metrics },
};

/* OpenAI routes this relay does not offer: 501, not 404, so clients can tell. */
static const char *const not_implemented[] = {
    "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/moderations",
    "/v1/images/edits", "/v1/images/variations", "/v1/files", "/v1/batches",
    "/v1/fine_tuning/", "/v1/assistants", "/v1/threads", "/v1/messages",
};

static int route_matches(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n > 1 && pattern[n - 1] == '/')
        return strncmp(path, pattern, n) == 0 && path[n] != '\0';
    return strcmp(path, pattern) == 0;
}

static int route_preflight(struct relay_req *r)
{
    const char *want = req_header(r, "Access-Control-Request-Headers");
    resp_add_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    resp_add_header(r, "Access-Control-Allow-Headers",
                    want && *want ? want : "Authorization, Content-Type, x-api-key");
    resp_add_header(r, "Access-Control-Max-Age", "86400");
    resp_add_header(r, "Vary", "Access-Control-Request-Headers");
    return resp_begin(r, 204, NULL, -1);
}

void srv_dispatch(struct relay_req *r)
{
    /* "/v1/models/" with a trailing slash is the list, not an empty id. */
    size_t len = strlen(r->path);
    if (len > 1 && r->path[len - 1] == '/' && strcmp(r->path, "/v1/models/") == 0)
        r->path[len - 1] = '\0';

    if (strcmp(r->method, "OPTIONS") == 0) {
        route_preflight(r);
        return;
    }
    const struct route *hit = NULL;
    int path_known = 0;
    /* HEAD is GET without the body (load balancers probe health with it). */
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!route_matches(routes[i].path, r->path))
            continue;
        path_known = 1;
        if (strcmp(routes[i].method, method) == 0) {
            hit = &routes[i];
            break;
        }
    }
    if (hit) {
        record_route(hit->path, strncmp(hit->path, "/v1/", 4) == 0 ? "openai" : "none");
        hit->fn(r);
        return;
    }
    if (path_known) {
        char allow[64];
        for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
            if (route_matches(routes[i].path, r->path))
                snprintf(allow, sizeof allow, strcmp(routes[i].method, "GET") ? "%s, OPTIONS" : "%s, HEAD, OPTIONS",
                         routes[i].method);
        resp_add_header(r, "Allow", allow);
        resp_error(r, 405, NULL, NULL, NULL, "Method %s is not allowed on %s (allowed: %s)",
                   r->method, r->path, allow);
        return;
    }
    for (size_t i = 0; i < sizeof not_implemented / sizeof not_implemented[0]; i++) {
        const char *p = not_implemented[i];
        size_t n = strlen(p);
        if (strncmp(r->path, p, n) == 0 && (p[n - 1] == '/' || r->path[n] == '\0' || r->path[n] == '/')) {
            resp_error(r, 501, NULL, "api_not_implemented", NULL,
                       "%s is not implemented by 1min-relay", p);
            return;
        }
    }
    resp_error(r, 404, NULL, NULL, NULL, "Invalid URL (%s %s)", r->method, r->path);
}
