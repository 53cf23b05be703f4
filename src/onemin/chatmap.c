/* chatmap: finish reasons and usage from 1min.ai's aiRecord; see chatmap.h. */
#include "onemin/chatmap.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <json-c/json.h>

/* Longer upstream words are not in the table anyway. */
#define FINISH_WORD_MAX 32

const char *chatmap_finish_reason(const char *upstream)
{
    static const struct { const char *word, *reason; } map[] = {
        { "length", "length" },            { "max_tokens", "length" },
        { "max_output_tokens", "length" }, { "truncated", "length" },
        { "content_filter", "content_filter" }, { "safety", "content_filter" },
        { "recitation", "content_filter" },     { "prohibited_content", "content_filter" },
        { "tool_calls", "tool_calls" },    { "tool_use", "tool_calls" },
        { "function_call", "tool_calls" },
    };
    if (!upstream)
        return "stop";
    while (isspace((unsigned char)*upstream))
        upstream++;
    size_t n = strlen(upstream);
    while (n > 0 && isspace((unsigned char)upstream[n - 1]))
        n--;
    if (n == 0 || n > FINISH_WORD_MAX)
        return "stop";
    char word[FINISH_WORD_MAX + 1];
    for (size_t i = 0; i < n; i++)
        word[i] = (char)tolower((unsigned char)upstream[i]);
    word[n] = '\0';
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(word, map[i].word) == 0)
            return map[i].reason;
    return "stop";
}

static struct json_object *chatmap_metadata(struct json_object *rec)
{
    struct json_object *meta;
    if (!rec || !json_object_object_get_ex(rec, "metadata", &meta) ||
        !json_object_is_type(meta, json_type_object))
        return NULL;
    return meta;
}

/* A token count: a JSON integer, or a whole finite double, not negative. */
static int chatmap_count(struct json_object *meta, const char *key, long long *out)
{
    struct json_object *v;
    if (!json_object_object_get_ex(meta, key, &v))
        return 0;
    if (json_object_is_type(v, json_type_int)) {
        int64_t n = json_object_get_int64(v);
        if (n < 0)
            return 0;
        *out = n;
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < 0 || d > 9e15 || d != floor(d))
            return 0;
        *out = (long long)d;
        return 1;
    }
    return 0;
}

int chatmap_usage(struct json_object *rec, long long *prompt, long long *completion, long long *total)
{
    struct json_object *meta = chatmap_metadata(rec);
    if (!meta)
        return 0;
    long long in = 0, out = 0, sum;
    int have_in = chatmap_count(meta, "inputToken", &in);
    int have_out = chatmap_count(meta, "outputToken", &out);
    if ((!have_in && !have_out) || (in == 0 && out == 0))
        return 0;
    if (!chatmap_count(meta, "totalToken", &sum))
        sum = in + out;
    *prompt = in;
    *completion = out;
    *total = sum;
    return 1;
}

const char *chatmap_upstream_finish(struct json_object *rec)
{
    struct json_object *meta = chatmap_metadata(rec), *v;
    if (!meta || !json_object_object_get_ex(meta, "finishReason", &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}
