/* model_alias: client model names -> 1min.ai ids (rules in model_alias.h). */
#include "api/model_alias.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cfg.h"

#define MODEL_ALIAS_DATE_LEN 8

static int model_alias_is_date(const char *s, size_t n)
{
    if (n != MODEL_ALIAS_DATE_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Copy s[0..n) trimmed of spaces into out[CATALOG_ID_MAX]; -1 if empty or too long. */
static int model_alias_name(const char *s, size_t n, char *out)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= CATALOG_ID_MAX)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

int model_alias_parse(struct model_aliases *a, const char *spec, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    const char *p = spec ? spec : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (len == 0 || strspn(p, " \t") == len) {
            p += len + (end ? 1 : 0);
            continue;
        }
        if (a->n == MODEL_ALIAS_MAX) {
            snprintf(err, errlen, "RELAY_MODEL_ALIASES: more than %d aliases", MODEL_ALIAS_MAX);
            return -1;
        }
        struct model_alias *m = &a->map[a->n];
        if (!eq || model_alias_name(p, (size_t)(eq - p), m->from) < 0 ||
            model_alias_name(eq + 1, len - (size_t)(eq - p) - 1, m->to) < 0) {
            snprintf(err, errlen, "RELAY_MODEL_ALIASES: '%.*s' is not client-name=1min-model-id", (int)(len > 80 ? 80 : len), p);
            return -1;
        }
        a->n++;
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* Written by model_alias_configure before worker threads start. */
static struct model_aliases model_alias_process;

int model_alias_configure(char *err, size_t errlen)
{
    const char *spec;
    if (cfg_env_str("RELAY_MODEL_ALIASES", "", &spec, err, errlen) < 0)
        return -1;
    return model_alias_parse(&model_alias_process, spec, err, errlen);
}

const struct model_aliases *model_alias_table(void)
{
    return &model_alias_process;
}

/* The family stem of a model name: provider prefix, "-latest" and a trailing
 * date dropped, dots as dashes, lower case ("claude-sonnet-4.5-20250929" ->
 * "claude-sonnet-4-5"). */
static void model_alias_stem(const char *name, char *out)
{
    const char *slash = strrchr(name, '/');
    size_t n = 0;
    for (const char *p = slash ? slash + 1 : name; *p && n < CATALOG_ID_MAX - 1; p++)
        out[n++] = *p == '.' ? '-' : (char)tolower((unsigned char)*p);
    out[n] = '\0';
    if (n > 7 && strcmp(out + n - 7, "-latest") == 0)
        out[n -= 7] = '\0';
    if (n > MODEL_ALIAS_DATE_LEN + 1 && out[n - MODEL_ALIAS_DATE_LEN - 1] == '-' &&
        model_alias_is_date(out + n - MODEL_ALIAS_DATE_LEN, MODEL_ALIAS_DATE_LEN))
        out[n - MODEL_ALIAS_DATE_LEN - 1] = '\0';
}

/* How new a model is: the date in its id (YYYYMMDD), else its createdAt's. */
static long model_alias_age(const struct catalog_model *m)
{
    size_t n = strlen(m->id);
    if (n > MODEL_ALIAS_DATE_LEN && model_alias_is_date(m->id + n - MODEL_ALIAS_DATE_LEN, MODEL_ALIAS_DATE_LEN))
        return strtol(m->id + n - MODEL_ALIAS_DATE_LEN, NULL, 10);
    if (m->created > 0) {
        time_t t = (time_t)m->created;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    }
    return 0;
}

static int model_alias_newer(const struct catalog_model *a, const struct catalog_model *b)
{
    long aa = model_alias_age(a), ab = model_alias_age(b);
    if (aa != ab)
        return aa > ab;
    if (a->created != b->created)
        return a->created > b->created;
    return strcmp(a->id, b->id) > 0;
}

/* The tier word of a Claude stem ("opus", "sonnet", "haiku"), or NULL. */
static const char *model_alias_tier(const char *stem)
{
    static const char *const tiers[] = { "opus", "sonnet", "haiku" };
    for (size_t i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
        size_t n = strlen(tiers[i]);
        for (const char *p = strstr(stem, tiers[i]); p; p = strstr(p + 1, tiers[i]))
            if (p > stem && p[-1] == '-' && (p[n] == '-' || p[n] == '\0'))
                return tiers[i];
    }
    return NULL;
}

long model_alias_resolve(const struct model_aliases *a, const char *name, const struct catalog_model *models,
                         size_t n, int *rule)
{
    char stem[CATALOG_ID_MAX], other[CATALOG_ID_MAX];
    int dummy;
    long best = -1;
    if (!rule)
        rule = &dummy;
    *rule = 0;
    for (size_t i = 0; a && i < a->n; i++) {
        if (strcmp(a->map[i].from, name) != 0)
            continue;
        *rule = 1;
        name = a->map[i].to;
        for (size_t k = 0; k < n; k++)
            if (strcmp(models[k].id, name) == 0)
                return (long)k;
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        if (strcmp(models[k].id, name) == 0) {
            *rule = 2;
            return (long)k;
        }
    model_alias_stem(name, stem);
    if (strncmp(stem, "claude-", 7) != 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!(models[k].kinds & CATALOG_CHAT))
            continue;
        model_alias_stem(models[k].id, other);
        if (strcmp(other, stem) == 0 && (best < 0 || model_alias_newer(&models[k], &models[best])))
            best = (long)k;
    }
    if (best >= 0) {
        *rule = 3;
        return best;
    }
    const char *tier = model_alias_tier(stem);
    if (!tier)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!(models[k].kinds & CATALOG_CHAT))
            continue;
        model_alias_stem(models[k].id, other);
        if (strncmp(other, "claude-", 7) == 0 && model_alias_tier(other) == tier &&
            (best < 0 || model_alias_newer(&models[k], &models[best])))
            best = (long)k;
    }
    if (best >= 0)
        *rule = 4;
    return best;
}
