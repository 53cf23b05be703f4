/* jsonx: see jsonx.h. */
#include "engine/jsonx.h"

#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#define JSONX_TRIES 64

/* Parse s[0..n) as one value; *end receives where it stopped. Strict
 * parsing fails on anything after the value, so strict = 0 is used to find
 * where a value inside text ends. */
static struct json_object *jsonx_parse(const char *s, size_t n, int strict, size_t *end)
{
    *end = 0;
    if (n == 0 || n > INT32_MAX)
        return NULL;
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    if (strict)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *v = json_tokener_parse_ex(tok, s, (int)n);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(v);
        v = NULL;
    }
    *end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    return v;
}

/* Length of the strictly valid JSON value (an object or array, or any value
 * when any) that starts at s, when one does; 0 otherwise. With whole, it
 * must fill s[0..n). */
static size_t jsonx_value(const char *s, size_t n, int any, int whole)
{
    size_t end;
    struct json_object *v = jsonx_parse(s, n, 0, &end);
    int good = v && (any || json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array)) &&
        (!whole || end == n);
    json_object_put(v);
    if (!good)
        return 0;
    while (end > 0 && jsonx_is_ws(s[end - 1]))
        end--;
    size_t strict_end;
    v = jsonx_parse(s, end, 1, &strict_end);
    good = v && strict_end == end;
    json_object_put(v);
    return good ? end : 0;
}

void jsonx_trim(const char **s, size_t *n)
{
    while (*n > 0 && jsonx_is_ws(**s))
        ++*s, --*n;
    while (*n > 0 && jsonx_is_ws((*s)[*n - 1]))
        --*n;
}

struct json_object *jsonx_object(const char *s, size_t n)
{
    size_t end;
    jsonx_trim(&s, &n);
    struct json_object *v = jsonx_parse(s, n, 1, &end);
    if (v && (end != n || !json_object_is_type(v, json_type_object))) {
        json_object_put(v);
        v = NULL;
    }
    return v;
}

int jsonx_find(const char *s, size_t n, size_t *start, size_t *len)
{
    const char *t = s;
    size_t tn = n;
    jsonx_trim(&t, &tn);
    if (tn > 0 && jsonx_value(t, tn, 1, 1))
        return 0;                   /* JSON already */
    const char *fence = memmem(s, n, "```", 3);
    const char *nl = fence ? memchr(fence, '\n', n - (size_t)(fence - s)) : NULL;
    if (nl) {
        const char *end = memmem(nl, n - (size_t)(nl - s), "```", 3);
        const char *f = nl;
        size_t fn = (size_t)((end ? end : s + n) - nl);
        jsonx_trim(&f, &fn);
        if (fn > 0 && jsonx_value(f, fn, 1, 1)) {
            *start = (size_t)(f - s);
            *len = fn;
            return 1;
        }
    }
    size_t i = 0;
    for (int tries = 0; tries < JSONX_TRIES && i < n; tries++, i++) {
        while (i < n && s[i] != '{' && s[i] != '[')
            i++;
        size_t l = i < n ? jsonx_value(s + i, n - i, 0, 0) : 0;
        if (l) {
            *start = i;
            *len = l;
            return 1;
        }
    }
    return 0;
}
