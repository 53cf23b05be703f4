#include "onemin/catalog.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "onemin/client.h"

#define CATALOG_MAX_MODELS 4096
#define CATALOG_MAX_BODY (4u << 20)
#define CATALOG_RETRY_AFTER_FAILURE_S 10

/* One immutable list. Readers hold a reference while they use it. */
struct catalog_snapshot {
    unsigned refs;            /* guarded by catalog.lock */
    size_t n;
    struct catalog_model *models; /* sorted by id */
};

struct catalog {
    const struct relay_config *cfg;
    pthread_mutex_t lock;
    pthread_cond_t refreshed;
    struct catalog_snapshot *snap;  /* NULL until the first load (upstream or built-in) */
    enum catalog_source source;
    time_t fetched_at;          /* monotonic time of the last successful fetch */
    time_t next_attempt;        /* no refresh before this time */
    int refreshing;             /* one thread fetches at a time */
};

static const struct { const char *feature; unsigned kind; } catalog_features[] = {
    { "UNIFY_CHAT_WITH_AI", CATALOG_CHAT },
    { "IMAGE_GENERATOR", CATALOG_IMAGE },
    { "SPEECH_TO_TEXT", CATALOG_STT },
    { "AUDIO_TRANSLATOR", CATALOG_TRANSLATE },
    { "TEXT_TO_SPEECH", CATALOG_TTS },
};

/* Used only when the upstream catalogue has never answered. */
static const struct { const char *id, *owner; unsigned kinds; int vision; } catalog_builtin[] = {
    { "gpt-4o", "openai", CATALOG_CHAT, 1 },
    { "gpt-4o-mini", "openai", CATALOG_CHAT, 1 },
    { "gpt-4.1", "openai", CATALOG_CHAT, 1 },
    { "gpt-4.1-mini", "openai", CATALOG_CHAT, 1 },
    { "gpt-4-turbo", "openai", CATALOG_CHAT, 1 },
    { "gpt-3.5-turbo", "openai", CATALOG_CHAT, 0 },
    { "o3-mini", "openai", CATALOG_CHAT, 0 },
    { "claude-3-5-sonnet-20240620", "anthropic", CATALOG_CHAT, 1 },
    { "claude-3-5-haiku-20241022", "anthropic", CATALOG_CHAT, 0 },
    { "mistral-large-latest", "mistral", CATALOG_CHAT, 0 },
    { "mistral-small-latest", "mistral", CATALOG_CHAT, 0 },
    { "pixtral-12b", "mistral", CATALOG_CHAT, 1 },
    { "gemini-1.5-pro", "google", CATALOG_CHAT, 1 },
    { "gemini-1.5-flash", "google", CATALOG_CHAT, 1 },
    { "deepseek-chat", "deepseek", CATALOG_CHAT, 0 },
    { "deepseek-reasoner", "deepseek", CATALOG_CHAT, 0 },
    { "grok-2", "xai", CATALOG_CHAT, 0 },
    { "dall-e-2", "openai", CATALOG_IMAGE, 0 },
    { "dall-e-3", "openai", CATALOG_IMAGE, 0 },
    { "gpt-image-1", "openai", CATALOG_IMAGE, 0 },
    { "gpt-image-1-mini", "openai", CATALOG_IMAGE, 0 },
    { "black-forest-labs/flux-dev", "black-forest-labs", CATALOG_IMAGE, 0 },
    { "black-forest-labs/flux-pro", "black-forest-labs", CATALOG_IMAGE, 0 },
    { "black-forest-labs/flux-1.1-pro", "black-forest-labs", CATALOG_IMAGE, 0 },
    { "midjourney", "midjourney", CATALOG_IMAGE, 0 },
    { "midjourney_6_1", "midjourney", CATALOG_IMAGE, 0 },
    { "stable-diffusion-xl-1024-v1-0", "stability", CATALOG_IMAGE, 0 },
    { "stable-diffusion-v1-6", "stability", CATALOG_IMAGE, 0 },
    { "6b645e3a-d64f-4341-a6d8-7a3690fbf042", "leonardo", CATALOG_IMAGE, 0 },
    { "whisper-1", "openai", CATALOG_STT | CATALOG_TRANSLATE, 0 },
    { "tts-1", "openai", CATALOG_TTS, 0 },
    { "tts-1-hd", "openai", CATALOG_TTS, 0 },
};

static time_t catalog_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static int catalog_cmp(const void *a, const void *b)
{
    return strcmp(((const struct catalog_model *)a)->id, ((const struct catalog_model *)b)->id);
}

static void catalog_snapshot_free(struct catalog_snapshot *s)
{
    if (s) {
        free(s->models);
        free(s);
    }
}

/* Drop a reference; caller holds c->lock. */
static void catalog_release_locked(struct catalog_snapshot *s)
{
    if (s && --s->refs == 0)
        catalog_snapshot_free(s);
}

/* A growing list of models while a snapshot is built. */
struct catalog_builder {
    struct catalog_model *v;
    size_t n, cap;
};

static struct catalog_model *catalog_builder_find(struct catalog_builder *b, const char *id)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->v[i].id, id) == 0)
            return &b->v[i];
    return NULL;
}

static struct catalog_model *catalog_builder_add(struct catalog_builder *b, const char *id)
{
    struct catalog_model *m = catalog_builder_find(b, id);
    if (m)
        return m;
    if (b->n == b->cap) {
        if (b->cap >= CATALOG_MAX_MODELS)
            return NULL;
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct catalog_model *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return NULL;
        b->v = v;
        b->cap = cap;
    }
    m = &b->v[b->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->id, sizeof m->id, "%s", id);
    return m;
}

static struct catalog_snapshot *catalog_builder_finish(struct catalog_builder *b)
{
    struct catalog_snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        free(b->v);
        return NULL;
    }
    qsort(b->v, b->n, sizeof *b->v, catalog_cmp);
    s->refs = 1;
    s->n = b->n;
    s->models = b->v;
    return s;
}

static const char *catalog_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int catalog_array_has(struct json_object *arr, const char *want)
{
    if (!arr || !json_object_is_type(arr, json_type_array))
        return 0;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(arr, i);
        if (json_object_is_type(v, json_type_string) && strcasecmp(json_object_get_string(v), want) == 0)
            return 1;
    }
    return 0;
}

static long catalog_long(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return 0;
    if (json_object_is_type(v, json_type_int))
        return (long)json_object_get_int64(v);
    if (json_object_is_type(v, json_type_double))
        return (long)json_object_get_double(v);
    return 0;
}

/* "2026-01-01T10:00:00.000Z" -> Unix seconds, or 0. */
static long long catalog_parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return 0;
    return (long long)timegm(&tm);
}

static int catalog_group_has_active(struct json_object *models, const char *group)
{
    size_t n = json_object_array_length(models);
    for (size_t i = 0; i < n; i++) {
        struct json_object *m = json_object_array_get_idx(models, i);
        const char *st = catalog_str(m, "status"), *g = catalog_str(m, "group");
        if ((!st || strcasecmp(st, "DISABLED") != 0) && g && group && strcmp(g, group) == 0)
            return 1;
    }
    return 0;
}

/* Merge one feature's answer ({"models":[...]}) into b. Returns 0 or -1. */
static int catalog_merge(struct catalog_builder *b, struct json_object *root, unsigned kind)
{
    struct json_object *models;
    if (!json_object_object_get_ex(root, "models", &models) || !json_object_is_type(models, json_type_array))
        return -1;
    size_t n = json_object_array_length(models);
    for (size_t i = 0; i < n; i++) {
        struct json_object *m = json_object_array_get_idx(models, i);
        const char *id = catalog_str(m, "modelId");
        if (!id || !*id || strlen(id) >= CATALOG_ID_MAX)
            continue;
        const char *st = catalog_str(m, "status");
        /* Disabled models are dropped unless that would empty their group. */
        if (st && strcasecmp(st, "DISABLED") == 0 && catalog_group_has_active(models, catalog_str(m, "group")))
            continue;
        struct catalog_model *cm = catalog_builder_add(b, id);
        if (!cm)
            return -1;
        cm->kinds |= kind;
        if (!cm->owned_by[0]) {
            const char *owner = catalog_str(m, "provider");
            if (!owner)
                owner = catalog_str(m, "group");
            snprintf(cm->owned_by, sizeof cm->owned_by, "%s", owner ? owner : "1min.ai");
            for (char *p = cm->owned_by; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        }
        struct json_object *modality = NULL, *input = NULL, *features = NULL, *credit = NULL;
        if (json_object_object_get_ex(m, "modality", &modality) && modality)
            json_object_object_get_ex(modality, "INPUT", &input);
        json_object_object_get_ex(m, "features", &features);
        if (kind == CATALOG_CHAT && (catalog_array_has(input, "image") || catalog_array_has(features, "CHAT_WITH_IMAGE")))
            cm->vision = 1;
        /* documents: the catalogue lists the PDF chat feature, or a file input (docs/upstream-api.md §6) */
        if (kind == CATALOG_CHAT && (catalog_array_has(features, "CHAT_WITH_PDF") ||
                                     catalog_array_has(input, "file") || catalog_array_has(input, "document")))
            cm->documents = 1;
        if (json_object_object_get_ex(m, "creditMetadata", &credit) && credit &&
            json_object_is_type(credit, json_type_object)) {
            if (!cm->context)
                cm->context = catalog_long(credit, "CONTEXT");
            if (!cm->max_output)
                cm->max_output = catalog_long(credit, "MAX_OUTPUT_TOKEN");
        }
        if (!cm->created)
            cm->created = catalog_parse_time(catalog_str(m, "createdAt"));
    }
    return 0;
}

/* Fetch every feature's list. Returns a new snapshot, or NULL on any failure. */
static struct catalog_snapshot *catalog_fetch(struct catalog *c, void *curl)
{
    struct catalog_builder b = { NULL, 0, 0 };
    struct client_reply rep;
    char url[2048];
    int ok = 1;
    client_reply_init(&rep, CATALOG_MAX_BODY);
    for (size_t f = 0; ok && f < sizeof catalog_features / sizeof catalog_features[0]; f++) {
        snprintf(url, sizeof url, "%s%sfeature=%s", c->cfg->models_api_url,
                 strchr(c->cfg->models_api_url, '?') ? "&" : "?", catalog_features[f].feature);
        struct client_request req = {
            .method = "GET", .url = url,
            .connect_timeout_ms = c->cfg->connect_timeout_ms,
            .total_timeout_s = c->cfg->models_timeout_s,
        };
        enum client_rc rc = client_perform(curl, &req, &rep);
        if (rc != CLIENT_OK || rep.status != 200) {
            LOG_WARN("model catalogue %s: %s (status %ld)", catalog_features[f].feature,
                     rc == CLIENT_OK ? "bad status" : client_rc_text(rc), rep.status);
            ok = 0;
            break;
        }
        struct json_object *root = json_tokener_parse(buf_str(&rep.body));
        if (!root || catalog_merge(&b, root, catalog_features[f].kind) < 0) {
            LOG_WARN("model catalogue %s: unreadable answer", catalog_features[f].feature);
            ok = 0;
        }
        json_object_put(root);
    }
    client_reply_free(&rep);
    if (!ok || b.n == 0) {
        free(b.v);
        return NULL;
    }
    return catalog_builder_finish(&b);
}

static struct catalog_snapshot *catalog_builtin_snapshot(void)
{
    struct catalog_builder b = { NULL, 0, 0 };
    for (size_t i = 0; i < sizeof catalog_builtin / sizeof catalog_builtin[0]; i++) {
        struct catalog_model *m = catalog_builder_add(&b, catalog_builtin[i].id);
        if (!m) {
            free(b.v);
            return NULL;
        }
        snprintf(m->owned_by, sizeof m->owned_by, "%s", catalog_builtin[i].owner);
        m->kinds = catalog_builtin[i].kinds;
        m->vision = catalog_builtin[i].vision;
    }
    return catalog_builder_finish(&b);
}

struct catalog *catalog_new(const struct relay_config *cfg)
{
    struct catalog *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = cfg;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->refreshed, NULL);
    return c;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    if (c->snap)
        catalog_release_locked(c->snap);
    pthread_cond_destroy(&c->refreshed);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* A referenced snapshot, refreshed first when stale. Never NULL unless out of
 * memory. Release with catalog_put. */
static struct catalog_snapshot *catalog_get(struct catalog *c, void *curl, enum catalog_source *src)
{
    struct catalog_snapshot *s;
    pthread_mutex_lock(&c->lock);
    time_t now = catalog_now();
    int stale = !c->snap || c->source != CATALOG_SRC_UPSTREAM ||
                now - c->fetched_at >= (time_t)c->cfg->models_ttl_s;
    if (stale && !c->refreshing && now >= c->next_attempt) {
        c->refreshing = 1;
        pthread_mutex_unlock(&c->lock);
        struct catalog_snapshot *fresh = catalog_fetch(c, curl);
        pthread_mutex_lock(&c->lock);
        c->refreshing = 0;
        now = catalog_now();
        if (fresh) {
            if (c->snap)
                catalog_release_locked(c->snap);
            c->snap = fresh;
            c->source = CATALOG_SRC_UPSTREAM;
            c->fetched_at = now;
        } else {
            c->next_attempt = now + CATALOG_RETRY_AFTER_FAILURE_S;
            if (c->snap && c->source != CATALOG_SRC_BUILTIN) {
                c->source = CATALOG_SRC_STALE;
            } else if (!c->snap) {
                c->snap = catalog_builtin_snapshot();
                c->source = CATALOG_SRC_BUILTIN;
            }
        }
        pthread_cond_broadcast(&c->refreshed);
    }
    while (!c->snap && c->refreshing)
        pthread_cond_wait(&c->refreshed, &c->lock);
    s = c->snap;
    if (s)
        s->refs++;
    if (src)
        *src = c->source;
    pthread_mutex_unlock(&c->lock);
    return s;
}

static void catalog_put(struct catalog *c, struct catalog_snapshot *s)
{
    pthread_mutex_lock(&c->lock);
    catalog_release_locked(s);
    pthread_mutex_unlock(&c->lock);
}

int catalog_find(struct catalog *c, void *curl, const char *id, struct catalog_model *out)
{
    struct catalog_snapshot *s = catalog_get(c, curl, NULL);
    int found = 0;
    if (!s)
        return 0;
    struct catalog_model key;
    snprintf(key.id, sizeof key.id, "%s", id);
    const struct catalog_model *m = strlen(id) < CATALOG_ID_MAX ?
        bsearch(&key, s->models, s->n, sizeof *s->models, catalog_cmp) : NULL;
    if (m) {
        *out = *m;
        found = 1;
    }
    catalog_put(c, s);
    return found;
}

long catalog_list(struct catalog *c, void *curl, struct catalog_model **out, enum catalog_source *src)
{
    struct catalog_snapshot *s = catalog_get(c, curl, src);
    if (!s)
        return -1;
    long n = (long)s->n;
    *out = malloc((s->n ? s->n : 1) * sizeof **out);
    if (*out)
        memcpy(*out, s->models, s->n * sizeof **out);
    else
        n = -1;
    catalog_put(c, s);
    return n;
}
