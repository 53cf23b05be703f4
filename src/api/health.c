/* GET /, /health, /v1/health: liveness and the list of endpoints. */
#include <json-c/json.h>

#include "config.h"
#include "http/resp.h"
#include "api/api.h"

static const char *const health_endpoints[] = {
    "GET /v1/models", "GET /v1/models/{model}", "POST /v1/chat/completions",
    "POST /v1/images/generations", "POST /v1/audio/transcriptions",
    "POST /v1/audio/translations", "POST /v1/audio/speech",
};

int health_get(struct relay_req *r, struct relay_err *e)
{
    struct json_object *o = json_object_new_object();
    struct json_object *eps = json_object_new_array();
    if (!o || !eps) {
        json_object_put(o);
        json_object_put(eps);
        return err_oom(e);
    }
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "service", json_object_new_string("1min-relay"));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    for (size_t i = 0; i < sizeof health_endpoints / sizeof health_endpoints[0]; i++)
        json_object_array_add(eps, json_object_new_string(health_endpoints[i]));
    json_object_object_add(o, "endpoints", eps);
    int rc = api_json(r, 200, o, e);
    json_object_put(o);
    return rc;
}
