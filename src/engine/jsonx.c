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

/* Length of the JSON value (object or array, or any value when any) that
 * starts at s, when it parses; 0 otherwise. With whole, only whitespace may
 * follow it. */
static size_t jsonx_value(const char *s, size_t n, int any, int whole)
{
    if (n == 0 || n > INT32_MAX)
        return 0;
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return 0;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *v = json_tokener_parse_ex(tok, s, (int)n);
    size_t end = json_tokener_get_parse_end(tok);
    int good = json_tokener_get_error(tok) == json_tokener_success &&
        (any || json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array));
    json_object_put(v);
    json_tokener_free(tok);
    if (!good)
        return 0;
    for (size_t i = end; whole && i < n; i++)
        if (!jsonx_ws(s[i]))
            return 0;
    return end;
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
