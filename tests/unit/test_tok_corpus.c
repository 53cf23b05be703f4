/* test_tok_corpus: every text of the committed corpus (tests/data/tok,
 * made by tests/tok/gen-corpus.cjs from npm tiktoken) must get tiktoken's
 * count under both encodings, and its ids where the corpus lists them. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tokenizer/tok.h"

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode base64 s into a malloc'ed buffer; NULL on bad input. */
static char *b64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *out = malloc(n / 4 * 3 + 3);
    unsigned acc = 0;
    int bits = 0;
    *len = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[(*len)++] = (char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return out;
}

static const struct { const char *key; enum tok_encoding enc; } encodings[] = {
    { "o200k_base", TOK_O200K_BASE },
    { "cl100k_base", TOK_CL100K_BASE },
};

static void check_ids(const char *name, const char *key, enum tok_encoding enc,
                      const char *text, size_t len, json_object *want)
{
    uint32_t *ids = NULL;
    size_t n = 0;
    int same = tok_encode(enc, text, len, &ids, &n) == 0
               && n == json_object_array_length(want);
    for (size_t i = 0; same && i < n; i++)
        same = ids[i] == (uint32_t)json_object_get_int64(json_object_array_get_idx(want, i));
    ok(same, "%s: %s ids", name, key);
    free(ids);
}

int main(void)
{
    const char *top = getenv("TOP_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/tok/corpus.jsonl", top ? top : ".");
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int texts = 0, with_ids = 0;

    ok(f != NULL, "corpus %s opens", path);
    while (f && getline(&line, &cap, f) > 0) {
        json_object *row = json_tokener_parse(line), *v;
        if (!row) {
            ok(0, "line %d parses", texts + 1);
            break;
        }
        const char *name = json_object_get_string(json_object_object_get(row, "name"));
        size_t len;
        char *text = b64_decode(json_object_get_string(json_object_object_get(row, "b64")), &len);
        if (!text)
            ok(0, "%s: text decodes", name);
        for (size_t e = 0; text && e < sizeof encodings / sizeof *encodings; e++) {
            long long want = json_object_object_get_ex(row, encodings[e].key, &v)
                             ? json_object_get_int64(v) : -1;
            is_int(tok_count(encodings[e].enc, text, len), want, "%s: %s count", name, encodings[e].key);
            json_object *ids;
            if (json_object_object_get_ex(row, "ids", &ids)
                && json_object_object_get_ex(ids, encodings[e].key, &v)) {
                check_ids(name, encodings[e].key, encodings[e].enc, text, len, v);
                with_ids++;
            }
        }
        texts++;
        free(text);
        json_object_put(row);
    }
    ok(texts >= 600, "the corpus has several hundred texts (%d)", texts);
    ok(with_ids >= 300, "ids are checked for a sample (%d)", with_ids);
    free(line);
    if (f)
        fclose(f);
    return tap_done();
}
