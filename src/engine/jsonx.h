/* jsonx: the JSON inside an answer that was asked to be JSON.
 *
 * With response_format json_object / json_schema (docs/tools.md §4) models
 * still often wrap their JSON in a Markdown code fence or a sentence. For a
 * JSON (non-stream) answer the relay then returns the JSON alone, when that
 * yields a valid JSON object or array; text that is JSON already, or that
 * holds no valid JSON, is kept as it is. Stateless, thread-safe. */
#ifndef RELAY_ENGINE_JSONX_H
#define RELAY_ENGINE_JSONX_H

#include <stddef.h>

struct json_object;

/* JSON's whitespace: space, tab, CR, LF. */
static inline int jsonx_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Narrow s[0..n) to drop the whitespace around it. */
void jsonx_trim(const char **s, size_t *n);

/* The JSON object that s[0..n) holds, whitespace around it allowed and
 * nothing else (strict JSON), or NULL. The caller puts it. */
struct json_object *jsonx_object(const char *s, size_t n);

/* Returns 1 with s[*start .. *start + *len) the JSON to answer instead of s,
 * or 0 when s is to be kept. Looks at a ```fenced``` block first, then at
 * the first '{' or '[' (of the first 64) where a complete value starts. */
int jsonx_find(const char *s, size_t n, size_t *start, size_t *len);

#endif
