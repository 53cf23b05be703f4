/* airecord: reading the aiRecord envelope; see airecord.h. Every lookup
 * checks the JSON type first, since the shapes vary (docs/upstream-api.md §10). */
#include "onemin/airec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/buf.h"

/* obj[key] when obj is an object and the value has type t, else NULL. */
static struct json_object *airec_field(struct json_object *obj, const char *key, enum json_type t)
{
    struct json_object *v;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
        return NULL;
    return v;
}

/* A non-empty string field, or NULL. */
static const char *airec_string(struct json_object *obj, const char *key)
{
    struct json_object *v = airec_field(obj, key, json_type_string);
    return v && json_object_get_string_len(v) > 0 ? json_object_get_string(v) : NULL;
}

struct json_object *airec_get(struct json_object *root)
{
    return airec_field(root, "aiRecord", json_type_object);
}

struct json_object *airec_result(struct json_object *rec)
{
    struct json_object *detail = airec_field(rec, "aiRecordDetail", json_type_object), *v;
    if (!detail || !json_object_object_get_ex(detail, "resultObject", &v))
        return NULL;
    return v;   /* NULL for a JSON null */
}

size_t airec_result_count(struct json_object *rec)
{
    struct json_object *result = airec_result(rec);
    if (json_object_is_type(result, json_type_array))
        return json_object_array_length(result);
    return json_object_is_type(result, json_type_string) ? 1 : 0;
}

const char *airec_result_string(struct json_object *rec, size_t i)
{
    struct json_object *result = airec_result(rec);
    if (json_object_is_type(result, json_type_string))
        return i == 0 ? json_object_get_string(result) : NULL;
    if (!json_object_is_type(result, json_type_array) || i >= json_object_array_length(result))
        return NULL;
    struct json_object *v = json_object_array_get_idx(result, i);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

enum airec_failure airec_failed(struct json_object *rec, struct buf *msg)
{
    struct json_object *result = airec_result(rec);
    buf_clear(msg);
    if (json_object_is_type(result, json_type_object)) {
        /* a refusal in place of the result list: {"code": ..., "message": ...} */
        const char *text = airec_string(result, "message");
        const char *code = airec_string(result, "code");
        if (text && code)
            buf_printf(msg, "request refused: %s (%s)", text, code);
        else if (text || code)
            buf_printf(msg, "request refused: %s", text ? text : code);
        else
            buf_puts(msg, "an error object in place of the result");
        return AIREC_REFUSED;
    }
    const char *status = airec_string(rec, "status");
    if (status && strcasecmp(status, "FAILED") == 0) {
        const char *text = airec_result_string(rec, 0);
        if (text && *text)
            buf_printf(msg, "status FAILED: %s", text);
        else
            buf_puts(msg, "status FAILED");
        return AIREC_FAILED;
    }
    return AIREC_OK;
}

const char *airec_temporary_url(struct json_object *rec)
{
    return airec_string(rec, "temporaryUrl");
}
