/* router: see router.h. */
#include "api/router.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/anthropic.h"
#include "api/api.h"
#include "api/render_error.h"
#include "api/responses.h"
#include "core/record.h"
#include "http/resp.h"

struct route {
    const char *path;     /* exact path, or a prefix when it ends with '/' */
    const char *method;   /* the one method served */
    api_handler fn;
    enum api_dialect dialect;   /* the shape of its errors */
};

/* Health answers on "/" and on aliases reachable when only /v1/ is mounted. */
static const struct route routes[] = {
    { "/", "GET", health_get, API_OPENAI },
    { "/health", "GET", health_get, API_OPENAI },
    { "/v1/health", "GET", health_get, API_OPENAI },
    { "/v1/models", "GET", models_list, API_OPENAI },
    { "/v1/models/", "GET", models_get, API_OPENAI },
    { "/v1/chat/completions", "POST", chat_completions, API_OPENAI },
    { "/v1/responses", "POST", responses_create, API_RESPONSES },
    { "/v1/responses/", "GET", responses_get, API_RESPONSES },
    { "/v1/responses/", "DELETE", responses_delete, API_RESPONSES },
    { "/v1/images/generations", "POST", images_generations, API_OPENAI },
    { "/v1/images/variations", "POST", images_variations, API_OPENAI },
    { "/v1/images/edits", "POST", images_edits, API_OPENAI },
    { "/v1/files", "POST", files_create, API_OPENAI },
    { "/v1/files", "GET", files_list, API_OPENAI },
    { "/v1/files/", "GET", files_get, API_OPENAI },
    { "/v1/files/", "DELETE", files_delete, API_OPENAI },
    { "/v1/audio/transcriptions", "POST", audio_transcriptions, API_OPENAI },
    { "/v1/audio/translations", "POST", audio_translations, API_OPENAI },
    { "/v1/audio/speech", "POST", speech_create, API_OPENAI },
    { "/metrics", "GET", route_metrics, API_OPENAI },
    { "/v1/messages", "POST", anth_messages, API_ANTHROPIC },
    { "/v1/messages/count_tokens", "POST", anth_count_tokens, API_ANTHROPIC },
};

/* OpenAI routes this relay does not offer: 501, not 404, so clients can tell. */
static const char *const not_implemented[] = {
    "/v1/completions", "/v1/embeddings", "/v1/moderations",
    "/v1/batches",
    "/v1/fine_tuning/", "/v1/assistants", "/v1/threads",
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
    resp_add_header(r, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    resp_add_header(r, "Access-Control-Allow-Headers",
                    want && *want ? want : "Authorization, Content-Type, x-api-key");
    resp_add_header(r, "Access-Control-Max-Age", "86400");
    resp_add_header(r, "Vary", "Access-Control-Request-Headers");
    return resp_begin(r, 204, NULL, -1);
}

void route_each(void (*fn)(void *ud, const char *method, const char *path), void *ud)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        fn(ud, routes[i].method, routes[i].path);
}

/* The route of r's method and path, or NULL. */
static const struct route *route_find(struct relay_req *r, int *path_known)
{
    /* HEAD is GET without the body (load balancers probe health with it). */
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    *path_known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!route_matches(routes[i].path, r->path))
            continue;
        *path_known = 1;
        if (strcmp(routes[i].method, method) == 0)
            return &routes[i];
    }
    return NULL;
}

/* The route's answer to r, or -1 with e filled. */
static int route_serve(struct relay_req *r, struct relay_err *e, enum api_dialect *dialect)
{
    /* "/v1/models/" with a trailing slash is the list, not an empty id. */
    size_t len = strlen(r->path);
    if (len > 1 && r->path[len - 1] == '/' && strcmp(r->path, "/v1/models/") == 0)
        r->path[len - 1] = '\0';

    route_adopt_request_id(r);
    if (strcmp(r->method, "OPTIONS") == 0)
        return route_preflight(r) < 0 && !r->committed ? err_oom(e) : 0;
    int path_known;
    const struct route *hit = route_find(r, &path_known);
    if (hit) {
        record_route(hit->path, strncmp(hit->path, "/v1/", 4) ? "none" : hit->dialect == API_ANTHROPIC ? "anthropic"
                                : hit->dialect == API_RESPONSES ? "responses" : "openai");
        *dialect = hit->dialect;
        /* the model list answers Anthropic clients in their shape (api/anthropic.h) */
        if (*dialect == API_OPENAI && strncmp(hit->path, "/v1/models", 10) == 0 && req_header(r, "anthropic-version"))
            *dialect = API_ANTHROPIC;
        return hit->fn(r, e);
    }
    if (path_known) {
        char allow[64] = "";
        size_t n = 0;
        for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
            if (route_matches(routes[i].path, r->path))
                *dialect = routes[i].dialect, n += (size_t)snprintf(allow + n, sizeof allow - n, strcmp(routes[i].method, "GET") ? "%s, " : "%s, HEAD, ",
                                      routes[i].method);
        snprintf(allow + n, sizeof allow - n, "OPTIONS");
        resp_add_header(r, "Allow", allow);
        return err_set(e, 405, NULL, NULL, NULL, "Method %s is not allowed on %s (allowed: %s)",
                       r->method, r->path, allow);
    }
    for (size_t i = 0; i < sizeof not_implemented / sizeof not_implemented[0]; i++) {
        const char *p = not_implemented[i];
        size_t n = strlen(p);
        if (strncmp(r->path, p, n) == 0 && (p[n - 1] == '/' || r->path[n] == '\0' || r->path[n] == '/')) {
            return err_set(e, 501, NULL, "api_not_implemented", NULL,
                           "%s is not implemented by 1min-relay", p);
        }
    }
    return err_set(e, 404, NULL, NULL, NULL, "Invalid URL (%s %s)", r->method, r->path);
}

void api_dispatch(struct relay_req *r)
{
    struct relay_err e = { 0 };
    enum api_dialect dialect = API_OPENAI;
    render_error_hook(NULL, NULL);
    if (route_serve(r, &e, &dialect) < 0) {
        if (!e.status)
            err_set(&e, 500, NULL, NULL, NULL, "The relay failed without saying why");
        render_error(r, dialect, &e);
    }
    render_error_hook(NULL, NULL);
}

void api_busy(struct relay_req *r)
{
    struct relay_err e = { 0 };
    enum api_dialect dialect = API_OPENAI;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (route_matches(routes[i].path, r->path)) {
            dialect = routes[i].dialect;
            break;
        }
    err_set(&e, dialect == API_ANTHROPIC ? 529 : 503, NULL, "overloaded", NULL,
            "The relay is serving as many requests as it may (RELAY_MAX_THREADS); retry shortly");
    e.retry_after_s = 2;
    render_error(r, dialect, &e);
}
