/* GET /, /health, /v1/health: liveness and the list of endpoints. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http/resp.h"
#include "api/api.h"
#include "api/router.h"

/* "METHOD /path" of one route into the array ud ("{id}" after a prefix);
 * a failed allocation only shortens the list. */
static void health_add(void *ud, const char *method, const char *path)
{
    char line[128];
    size_t n = strlen(path);
    snprintf(line, sizeof line, "%s %s%s", method, path, n && path[n - 1] == '/' ? "{id}" : "");
    struct json_object *s = json_object_new_string(line);
    if (s && json_object_array_add(ud, s) != 0)
        json_object_put(s);
}

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
    route_each(health_add, eps);         /* the router's table: never out of date */
    json_object_object_add(o, "endpoints", eps);
    int rc = api_json(r, 200, o, e);
    json_object_put(o);
    return rc;
}
