/* jsonx: see jsonx.h. */
#include "engine/jsonx.h"

#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#define JSONX_TRIES 64

static int jsonx_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

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
    while (end > 0 && jsonx_ws(s[end - 1]))
        end--;
    size_t strict_end;
    v = jsonx_parse(s, end, 1, &strict_end);
    good = v && strict_end == end;
    json_object_put(v);
    return good ? end : 0;
}

static void jsonx_trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && jsonx_ws(s[*a]))
        ++*a;
    while (*b > *a && jsonx_ws(s[*b - 1]))
        --*b;
}

int jsonx_find(const char *s, size_t n, size_t *start, size_t *len)
{
    size_t a = 0, b = n;
    jsonx_trim(s, &a, &b);
    if (a < b && jsonx_value(s + a, b - a, 1, 1))
        return 0;                   /* JSON already */
    const char *fence = memmem(s, n, "```", 3);
    if (fence) {
        const char *nl = memchr(fence, '\n', n - (size_t)(fence - s));
        if (nl) {
            const char *end = memmem(nl, n - (size_t)(nl - s), "```", 3);
            size_t fa = (size_t)(nl - s), fb = end ? (size_t)(end - s) : n;
            jsonx_trim(s, &fa, &fb);
            if (fa < fb && jsonx_value(s + fa, fb - fa, 1, 1)) {
                *start = fa;
                *len = fb - fa;
                return 1;
            }
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
