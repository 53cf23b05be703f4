/* api: the steps the handlers share; see api.h. */
#include "api/api.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jsonparse.h"
#include "core/record.h"
#include "http/io.h"
#include "http/resp.h"

#define API_JSON_DEPTH 64
#define API_PATH_MAX 256

int api_key(struct relay_req *r, char *key, size_t *key_len, struct relay_err *e)
{
    const char *k = req_api_key(r, key_len);
    if (!k)
        return err_set(e, 401, "invalid_request_error", "invalid_api_key", NULL,
                       "You didn't provide an API key. Send your 1min.ai key as "
                       "'Authorization: Bearer KEY' or 'x-api-key: KEY'.");
    if (*key_len > ONEMIN_KEY_MAX)
        return err_set(e, 401, NULL, "invalid_api_key", NULL, "The API key is too long");
    memcpy(key, k, *key_len);
    key[*key_len] = '\0';
    return 0;
}

/* -1 with a 400 when a string in v holds a NUL; path names v. */
static int api_check_nul(struct json_object *v, char *path, size_t at, struct relay_err *e)
{
    if (json_object_is_type(v, json_type_string)) {
        size_t n = (size_t)json_object_get_string_len(v);
        if (memchr(json_object_get_string(v), '\0', n))
            return err_set(e, 400, NULL, "invalid_value", path,
                           "Invalid value for '%s': the string contains a NUL character (\\u0000).", path);
        return 0;
    }
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            snprintf(path + at, API_PATH_MAX - at, "[%zu]", i);
            size_t len = strlen(path);
            if (api_check_nul(json_object_array_get_idx(v, i), path, len, e) < 0)
                return -1;
        }
    } else if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, name, child) {
            snprintf(path + at, API_PATH_MAX - at, "%s%s", at ? "." : "", name);
            size_t len = strlen(path);
            if (api_check_nul(child, path, len, e) < 0)
                return -1;
        }
    }
    path[at] = '\0';
    return 0;
}

int api_json_text(char *text, size_t len, struct json_object **root, struct relay_err *e)
{
    char path[API_PATH_MAX] = "";
    enum json_tokener_error jerr;
    if (!len)
        return err_set(e, 400, NULL, NULL, NULL, "We could not parse the JSON body of your request: the body is empty");
    static const struct jsonparse_opts opts = { API_JSON_DEPTH, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8,
                                                NULL };
    int rc = jsonparse_text(text, len, &opts, root, &jerr);
    if (rc == -2)
        return err_oom(e);
    if (rc < 0)
        return err_set(e, 400, NULL, NULL, NULL, "We could not parse the JSON body of your request: %s",
                       json_tokener_error_desc(jerr));
    if (!json_object_is_type(*root, json_type_object)) {
        err_set(e, 400, NULL, NULL, NULL, "The request body must be a JSON object");
        goto fail;
    }
    if (api_check_nul(*root, path, 0, e) < 0)
        goto fail;
    return 0;
fail:
    json_object_put(*root);
    *root = NULL;
    return -1;
}

int api_json_body(struct relay_req *r, size_t max, struct json_object **root, struct relay_err *e)
{
    struct buf body;
    int rc = -1;
    *root = NULL;
    buf_init(&body, max);
    if (req_read_body(r, max, &body, e) == 0)
        rc = api_json_text(body.data, body.len, root, e);
    buf_free(&body);
    return rc;
}

int api_model(struct relay_req *r, const char *id, unsigned kind, const char *what,
              struct catalog_model *out, struct relay_err *e)
{
    record_model(id, 0);
    if (!catalog_find(r->app->catalog, r->w->curl, id, out))
        return err_set(e, 400, NULL, "model_not_found", "model",
                       "The model `%.128s` does not exist on 1min.ai; use %s", id, what);
    record_model(id, 1);
    if (!(out->kinds & kind))
        return err_set(e, 400, NULL, "model_not_supported", "model", "The model `%.128s` is not %s", id, what);
    return 0;
}

void api_onemin(struct relay_req *r, const char *key, size_t key_len, struct onemin *om)
{
    om->cfg = r->cfg;
    om->media = r->app->media;
    om->curl = r->w->curl;
    om->mc = r->w->mc;
    om->key = key;
    om->key_len = key_len;
}

int api_check_client(struct relay_req *r, struct relay_err *e)
{
    if (req_client_gone(r))
        return err_set(e, 499, NULL, NULL, NULL, "The client left before the call to 1min.ai");
    return 0;
}

static int api_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int api_query(struct relay_req *r, const char *name, char *out, size_t outlen, struct relay_err *e)
{
    const char *qs = io_param(r->io, "QUERY_STRING"), *v = NULL;
    size_t name_len = strlen(name), vn = 0;
    while (qs && *qs) {
        size_t n = strcspn(qs, "&");
        if (n > name_len && qs[name_len] == '=' && strncmp(qs, name, name_len) == 0) {
            v = qs + name_len + 1;
            vn = n - name_len - 1;
        } else if (n == name_len && strncmp(qs, name, n) == 0) {
            v = qs + n;
            vn = 0;
        }
        qs += n + (qs[n] == '&');
    }
    if (!v)
        return 0;
    size_t len = 0;
    for (size_t i = 0; i < vn; i++, len++) {
        int c = (unsigned char)v[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < vn ? api_hex(v[i + 1]) : -1, lo = hi >= 0 ? api_hex(v[i + 2]) : -1;
            if (lo < 0 || (hi | lo) == 0)
                return err_set(e, 400, NULL, "invalid_value", name,
                               "Invalid '%s': a bad %%-escape or a NUL in the query string.", name);
            c = hi << 4 | lo;
            i += 2;
        }
        if (len + 1 >= outlen)
            return err_set(e, 400, NULL, NULL, name, "Invalid '%s': the value is too long.", name);
        out[len] = (char)c;
    }
    out[len] = '\0';
    return 1;
}

int api_list_query(struct relay_req *r, size_t def, size_t max, struct api_list *q, struct relay_err *e)
{
    char v[16];
    int rc;
    q->desc = 1;
    q->limit = def;
    q->after[0] = '\0';
    if ((rc = api_query(r, "order", v, sizeof v, e)) != 0) {
        if (rc < 0 || (strcmp(v, "desc") != 0 && strcmp(v, "asc") != 0))
            return err_set(e, 400, NULL, NULL, "order", "Invalid 'order': expected 'asc' or 'desc'.");
        q->desc = v[0] == 'd';
    }
    if ((rc = api_query(r, "limit", v, sizeof v, e)) != 0) {
        char *end;
        unsigned long l = rc > 0 && v[0] >= '0' && v[0] <= '9' ? strtoul(v, &end, 10) : 0;
        if (l < 1 || l > max || *end)
            return err_set(e, 400, NULL, NULL, "limit",
                           "Invalid 'limit': expected an integer from 1 to %zu.", max);
        q->limit = (size_t)l;
    }
    return api_query(r, "after", q->after, sizeof q->after, e) < 0 ? -1 : 0;
}

int api_json(struct relay_req *r, int status, struct json_object *obj, struct relay_err *e)
{
    size_t len;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!s)
        return err_set(e, 500, NULL, NULL, NULL, "Out of memory while writing the response");
    resp_send(r, status, "application/json", s, len);
    return 0;
}
