#include <json-c/json.h>

#include "config.h"
#include "http/resp.h"
#include "routes/routes.h"

static const char *const health_endpoints[] = {
    "GET /v1/models", "GET /v1/models/{model}", "POST /v1/chat/completions",
    "POST /v1/images/generations", "POST /v1/audio/transcriptions",
    "POST /v1/audio/translations", "POST /v1/audio/speech",
};

int route_health(struct relay_req *r)
{
    struct json_object *o = json_object_new_object();
    struct json_object *eps = json_object_new_array();
    if (!o || !eps) {
        json_object_put(o);
        json_object_put(eps);
        return resp_error(r, 500, NULL, NULL, NULL, "Out of memory");
    }
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "service", json_object_new_string("1min-relay"));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    for (size_t i = 0; i < sizeof health_endpoints / sizeof health_endpoints[0]; i++)
        json_object_array_add(eps, json_object_new_string(health_endpoints[i]));
    json_object_object_add(o, "endpoints", eps);
    int rc = resp_json(r, 200, o);
    json_object_put(o);
    return rc;
}
