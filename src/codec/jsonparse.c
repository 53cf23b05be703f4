/* jsonparse: see jsonparse.h.
 *
 * The fast path is one recursive-descent parser run twice over the text:
 * first with build off, where it only decides whether the text is inside
 * the subset (and writes nothing), then with build on. Both runs make the
 * same decisions because the second writes only bytes it has already read
 * (a decoded string is never longer than its escaped form). */
#include "codec/jsonparse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define JP_NUMBER_MAX 64     /* longer numbers go to json-c */

enum { JP_OK = 0, JP_DECLINE = -1, JP_OOM = -2 };

struct jp {
    unsigned char *p, *end;
    int build;
    int max_depth;
    const char *skip;
};

static void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int jp_at(const struct jp *j, unsigned char c)
{
    return j->p < j->end && *j->p == c;
}

static int jp_hex4(const unsigned char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* The escape at p (after its backslash), decoded into out[0..4). Returns the
 * escape's length after the backslash, and the decoded length in *n; -1 for
 * an escape outside the subset (json-c turns lone surrogates into U+FFFD). */
static int jp_escape(const unsigned char *p, const unsigned char *end, unsigned char *out, size_t *n)
{
    uint32_t cp, lo;
    if (p >= end)
        return -1;
    *n = 1;
    switch (*p) {
    case '"': case '\\': case '/': out[0] = *p; return 1;
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    }
    if (*p != 'u' || end - p < 5 || jp_hex4(p + 1, &cp) < 0)
        return -1;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return -1;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - p < 11 || p[5] != '\\' || p[6] != 'u' || jp_hex4(p + 7, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
            return -1;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        /* json-c 0.16 tests the surrogate masks on the decoded code point
         * too and writes U+FFFD for U+1D800-U+1DFFF, U+2D800-U+2DFFF and so
         * on: those are left to it, so that its answer stays the answer */
        if ((cp & 0xF800) == 0xD800)
            return -1;
        out[0] = (unsigned char)(0xF0 | cp >> 18);
        out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        *n = 4;
        return 11;
    }
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        *n = 1;
    } else if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        *n = 2;
    } else {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        *n = 3;
    }
    return 5;
}

/* memmove for the runs between escapes, most of them a few bytes long; w is
 * before r. */
static void jp_move(unsigned char *w, const unsigned char *r, size_t n)
{
    if (n > 32) {
        memmove(w, r, n);
        return;
    }
    while (n--)
        *w++ = *r++;
}

/* The string whose opening quote is at j->p: on success j->p is past its
 * closing quote and *s, *n are its decoded bytes (in place when building;
 * only *n means anything otherwise). *nul is set when it decodes to a NUL. */
static int jp_string(struct jp *j, unsigned char **s, size_t *n, int *nul)
{
    unsigned char *p = j->p + 1, *end = j->end;
    unsigned char *w = p, *run = p;     /* write position; start of the pending unchanged run */
    *s = p;
    *nul = 0;
    for (;;) {
        /* raw bytes pass as they are: printable ASCII eight at a time, valid
         * UTF-8 and control characters other than NUL one by one */
        while (p < end) {
            if (end - p >= 8) {
                size_t k = text_word_plain(p);
                p += k;
                if (k == 8)
                    continue;
            }
            if (*p >= 0x80) {
                int l = text_utf8_seq_len(p, (size_t)(end - p));
                if (l <= 0)
                    return JP_DECLINE;
                p += l;
            } else if (*p == '"' || *p == '\\' || *p == '\0') {
                break;
            } else {
                p++;
            }
        }
        if (p >= end || *p == '\0')
            return JP_DECLINE;
        if (j->build && w != run)
            jp_move(w, run, (size_t)(p - run));
        w += p - run;
        if (*p == '"') {
            *n = (size_t)(w - *s);
            j->p = p + 1;
            return JP_OK;
        }
        unsigned char dec[4];
        size_t dn;
        int el = jp_escape(p + 1, end, dec, &dn);
        if (el < 0)
            return JP_DECLINE;
        if (dn == 1 && dec[0] == '\0')
            *nul = 1;
        if (j->build)
            memcpy(w, dec, dn);
        w += dn;
        p += 1 + el;
        run = p;
    }
}

static size_t jp_digits(struct jp *j)
{
    unsigned char *start = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return (size_t)(j->p - start);
}

/* A number in RFC 8259's grammar, made into the object json-c makes of it
 * (the same conversions: json_parse_int64 or json_parse_uint64 for integers,
 * strtod keeping the text for the others). */
static int jp_number(struct jp *j, struct json_object **out)
{
    unsigned char *start = j->p;
    int is_double = 0;
    if (jp_at(j, '-'))
        j->p++;
    if (jp_at(j, '0'))
        j->p++;
    else if (jp_digits(j) == 0)
        return JP_DECLINE;
    if (jp_at(j, '.')) {
        j->p++;
        if (jp_digits(j) == 0)
            return JP_DECLINE;
        is_double = 1;
    }
    if (jp_at(j, 'e') || jp_at(j, 'E')) {
        j->p++;
        if (jp_at(j, '+') || jp_at(j, '-'))
            j->p++;
        if (jp_digits(j) == 0)
            return JP_DECLINE;
        is_double = 1;
    }
    size_t len = (size_t)(j->p - start);
    if (len >= JP_NUMBER_MAX)
        return JP_DECLINE;
    char text[JP_NUMBER_MAX], *end;
    memcpy(text, start, len);
    text[len] = '\0';
    int64_t i64;
    uint64_t u64;
    double d;
    if (!is_double && text[0] == '-') {
        if (json_parse_int64(text, &i64) != 0)
            return JP_DECLINE;
        *out = j->build ? json_object_new_int64(i64) : NULL;
    } else if (!is_double) {
        if (json_parse_uint64(text, &u64) != 0)
            return JP_DECLINE;
        *out = !j->build ? NULL : u64 <= INT64_MAX ? json_object_new_int64((int64_t)u64) : json_object_new_uint64(u64);
    } else {
        d = strtod(text, &end);
        if (end != text + len)
            return JP_DECLINE;
        *out = j->build ? json_object_new_double_s(d, text) : NULL;
    }
    return j->build && !*out ? JP_OOM : JP_OK;
}

static int jp_literal(struct jp *j, const char *word, struct json_object **out, struct json_object *value)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
        json_object_put(value);
        return JP_DECLINE;
    }
    j->p += n;
    *out = value;
    return j->build && !value && strcmp(word, "null") != 0 ? JP_OOM : JP_OK;
}

static int jp_value(struct jp *j, int depth, struct json_object **out);

/* Past a container's opening bracket: 1 when it closes at once (consumed). */
static int jp_open(struct jp *j, unsigned char close)
{
    j->p++;
    jp_ws(j);
    if (!jp_at(j, close))
        return 0;
    j->p++;
    return 1;
}

/* After a member or an element: 1 at ',' (another follows), 0 at close (the
 * container ends), -1 at anything else. */
static int jp_next(struct jp *j, unsigned char close)
{
    jp_ws(j);
    if (jp_at(j, ',')) {
        j->p++;
        jp_ws(j);
        return 1;
    }
    if (!jp_at(j, close))
        return -1;
    j->p++;
    return 0;
}

static int jp_array(struct jp *j, int depth, struct json_object **out)
{
    struct json_object *arr = NULL, *v;
    int rc;
    if (j->build && !(arr = json_object_new_array()))
        return JP_OOM;
    if (jp_open(j, ']')) {
        *out = arr;
        return JP_OK;
    }
    for (;;) {
        v = NULL;
        if ((rc = jp_value(j, depth + 1, &v)) < 0)
            goto fail;
        if (j->build && json_object_array_add(arr, v) != 0) {
            json_object_put(v);
            rc = JP_OOM;
            goto fail;
        }
        if ((rc = jp_next(j, ']')) <= 0)
            break;
    }
    if (rc < 0) {
        rc = JP_DECLINE;
        goto fail;
    }
    if (j->build)
        json_object_array_shrink(arr, 0);     /* as the tokener does */
    *out = arr;
    return JP_OK;
fail:
    json_object_put(arr);
    return rc;
}

static int jp_object(struct jp *j, int depth, struct json_object **out)
{
    struct json_object *obj = NULL, *v;
    int rc, nul;
    if (j->build && !(obj = json_object_new_object()))
        return JP_OOM;
    if (jp_open(j, '}')) {
        *out = obj;
        return JP_OK;
    }
    for (;;) {
        unsigned char *key;
        size_t klen;
        rc = JP_DECLINE;
        /* json-c keeps a key only up to a NUL in it: those go to json-c */
        if (!jp_at(j, '"') || jp_string(j, &key, &klen, &nul) < 0 || nul)
            goto fail;
        jp_ws(j);
        if (!jp_at(j, ':'))
            goto fail;
        j->p++;
        jp_ws(j);
        v = NULL;
        int build = j->build;
        if (build) {
            key[klen] = '\0';                 /* at or before the closing quote, already read */
            if (j->skip && strcmp((char *)key, j->skip) == 0)
                j->build = 0;                 /* checked, not built */
        }
        rc = jp_value(j, depth + 1, &v);
        int skipped = build && !j->build;
        j->build = build;
        if (rc < 0)
            goto fail;
        if (build && !skipped) {
            if (json_object_object_add(obj, (char *)key, v) != 0) {
                json_object_put(v);
                rc = JP_OOM;
                goto fail;
            }
        }
        if ((rc = jp_next(j, '}')) <= 0)
            break;
    }
    if (rc < 0) {
        rc = JP_DECLINE;
        goto fail;
    }
    *out = obj;
    return JP_OK;
fail:
    json_object_put(obj);
    return rc;
}

static int jp_value(struct jp *j, int depth, struct json_object **out)
{
    if (j->p >= j->end)
        return JP_DECLINE;
    switch (*j->p) {
    case '{':
    case '[':
        /* json-c allows values down to depth max_depth - 1; the last levels
         * are left to it, so the edge is its own */
        if (depth >= j->max_depth - 2)
            return JP_DECLINE;
        return *j->p == '{' ? jp_object(j, depth, out) : jp_array(j, depth, out);
    case '"': {
        unsigned char *s;
        size_t n;
        int nul;
        if (jp_string(j, &s, &n, &nul) < 0)
            return JP_DECLINE;
        if (!j->build)
            return JP_OK;
        *out = json_object_new_string_len((const char *)s, (int)n);
        return *out ? JP_OK : JP_OOM;
    }
    case 't':
        return jp_literal(j, "true", out, j->build ? json_object_new_boolean(1) : NULL);
    case 'f':
        return jp_literal(j, "false", out, j->build ? json_object_new_boolean(0) : NULL);
    case 'n':
        return jp_literal(j, "null", out, NULL);
    default:
        return jp_number(j, out);
    }
}

/* The fast path over text: JP_OK with *root, or JP_DECLINE, or JP_OOM. */
static int jp_run(unsigned char *text, size_t len, const struct jsonparse_opts *o, int build,
                  struct json_object **root)
{
    struct jp j = { .p = text, .end = text + len, .build = build, .max_depth = o->max_depth, .skip = o->skip };
    jp_ws(&j);
    if (!jp_at(&j, '{'))
        return JP_DECLINE;
    int rc = jp_value(&j, 0, root);
    if (rc < 0)
        return rc;
    jp_ws(&j);
    if (j.p != j.end) {
        json_object_put(*root);
        *root = NULL;
        return JP_DECLINE;
    }
    return JP_OK;
}

/* json-c's tokener with the caller's flags. */
static int jp_tokener(const char *text, size_t len, const struct jsonparse_opts *o, struct json_object **root,
                      enum json_tokener_error *err)
{
    *root = NULL;
    if (len > INT_MAX) {
        *err = json_tokener_error_size;
        return -1;
    }
    json_tokener *tok = json_tokener_new_ex(o->max_depth);
    if (!tok)
        return -2;
    json_tokener_set_flags(tok, o->flags);
    *root = json_tokener_parse_ex(tok, len ? text : "", (int)len);
    *err = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (*root && *err == json_tokener_continue)
        *err = json_tokener_success;
    if (!*root && *err == json_tokener_continue)
        *err = json_tokener_error_parse_eof;
    if (*err == json_tokener_success)
        return 0;
    json_object_put(*root);
    *root = NULL;
    return -1;
}

int jsonparse_text(char *text, size_t len, const struct jsonparse_opts *o, struct json_object **root,
                   enum json_tokener_error *err)
{
    unsigned char *u = (unsigned char *)text;
    *root = NULL;
    *err = json_tokener_success;
    if (len > INT_MAX || jp_run(u, len, o, 0, root) != JP_OK)
        return jp_tokener(text, len, o, root, err);
    switch (jp_run(u, len, o, 1, root)) {
    case JP_OK:
        return 0;
    case JP_OOM:
        return -2;
    default:      /* cannot happen: the checking run accepted the same bytes */
        *err = json_tokener_error_parse_unexpected;
        return -1;
    }
}
