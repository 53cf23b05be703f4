/* GET /v1/models and GET /v1/models/{id}: the catalogue in OpenAI's shape. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "http/resp.h"
#include "api/anthropic.h"
#include "api/api.h"
#include "onemin/catalog.h"

static struct json_object *models_entry(const struct catalog_model *m)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "id", json_object_new_string(m->id));
    json_object_object_add(o, "object", json_object_new_string("model"));
    json_object_object_add(o, "created", json_object_new_int64(m->created));
    json_object_object_add(o, "owned_by", json_object_new_string(m->owned_by));
    return o;
}

static const char *models_source_name(enum catalog_source s)
{
    return s == CATALOG_SRC_UPSTREAM ? "upstream" : s == CATALOG_SRC_STALE ? "stale" : "builtin";
}

int models_list(struct relay_req *r, struct relay_err *e)
{
    if (req_header(r, "anthropic-version"))
        return anth_models_list(r, e);
    struct catalog_model *all = NULL;
    enum catalog_source src = CATALOG_SRC_BUILTIN;
    long n = catalog_list(r->app->catalog, r->w->curl, &all, &src);
    struct json_object *o = NULL, *data = NULL;
    int rc;
    if (n < 0) {
        rc = err_oom(e);
        goto out;
    }
    o = json_object_new_object();
    data = json_object_new_array_ext((int)n);
    if (!o || !data) {
        rc = err_oom(e);
        goto out;
    }
    for (long i = 0; i < n; i++)
        json_object_array_add(data, models_entry(&all[i]));
    json_object_object_add(o, "object", json_object_new_string("list"));
    json_object_object_add(o, "data", data);
    data = NULL;
    resp_add_header(r, "x-models-source", models_source_name(src));
    rc = api_json(r, 200, o, e);
out:
    json_object_put(data);
    json_object_put(o);
    free(all);
    return rc;
}

static int models_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX escapes of src into dst (ids may arrive as black-forest-labs%2Fflux-dev). */
static void models_unescape(char *dst, size_t dstlen, const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src[i] && j + 1 < dstlen; i++) {
        int hi = src[i] == '%' ? models_hexval(src[i + 1]) : -1;
        int lo = hi >= 0 ? models_hexval(src[i + 2]) : -1;
        if (lo >= 0) {
            dst[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            dst[j++] = src[i];
        }
    }
    dst[j] = '\0';
}

int models_get(struct relay_req *r, struct relay_err *e)
{
    char id[CATALOG_ID_MAX * 3];
    struct catalog_model m;
    models_unescape(id, sizeof id, r->path + strlen("/v1/models/"));
    if (req_header(r, "anthropic-version"))
        return anth_models_get(r, id, e);
    if (!catalog_find(r->app->catalog, r->w->curl, id, &m))
        return err_set(e, 404, NULL, "model_not_found", "model",
                          "The model `%.200s` does not exist or you do not have access to it.", id);
    struct json_object *o = models_entry(&m);
    if (!o)
        return err_oom(e);
    int rc = api_json(r, 200, o, e);
    json_object_put(o);
    return rc;
}
