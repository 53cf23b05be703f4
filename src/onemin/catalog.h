/* catalog: the model catalogue, fetched from GET ONE_MIN_MODELS_API_URL?feature=...
 * for each feature the relay serves, cached for RELAY_MODELS_TTL seconds and
 * shared by all threads.
 *
 * A published catalogue is an immutable snapshot; refreshes build a new one and
 * swap it in under a lock, so readers never see a half-built list. When a
 * refresh fails the stale snapshot keeps being served; when there has never
 * been one, a built-in list is used.
 *
 * Thread-safe. */
#ifndef RELAY_ONEMIN_CATALOG_H
#define RELAY_ONEMIN_CATALOG_H

#include <stddef.h>

#include "core/cfg.h"

enum catalog_kind {
    CATALOG_CHAT      = 1 << 0,   /* UNIFY_CHAT_WITH_AI */
    CATALOG_IMAGE     = 1 << 1,   /* IMAGE_GENERATOR */
    CATALOG_STT       = 1 << 2,   /* SPEECH_TO_TEXT */
    CATALOG_TRANSLATE = 1 << 3,   /* AUDIO_TRANSLATOR */
    CATALOG_TTS       = 1 << 4    /* TEXT_TO_SPEECH */
};

enum catalog_source { CATALOG_SRC_UPSTREAM, CATALOG_SRC_STALE, CATALOG_SRC_BUILTIN };

#define CATALOG_ID_MAX 128

struct catalog_model {
    char id[CATALOG_ID_MAX];      /* modelId */
    char owned_by[64];        /* provider, lower case */
    unsigned kinds;           /* enum catalog_kind bits */
    int vision;               /* chat model that accepts images */
    int documents;            /* chat model that reads attached documents (CHAT_WITH_PDF) */
    long context;             /* creditMetadata.CONTEXT, 0 if unknown */
    long max_output;          /* creditMetadata.MAX_OUTPUT_TOKEN, 0 if unknown */
    long long created;        /* createdAt as Unix seconds, 0 if unknown */
};

struct catalog;

/* Create an empty catalogue; nothing is fetched until first use. Borrows cfg. */
struct catalog *catalog_new(const struct relay_config *cfg);
void catalog_free(struct catalog *c);

/* Look a model up, refreshing first when the copy is older than the TTL
 * (curl is the calling worker's handle). Returns 1 and fills *out when found,
 * 0 when the model is unknown. */
int catalog_find(struct catalog *c, void *curl, const char *id, struct catalog_model *out);

/* A copy of every model, for listing. Returns the count and sets *out to a
 * malloc'ed array (caller frees), or -1 when out of memory. *src says where the
 * list came from. */
long catalog_list(struct catalog *c, void *curl, struct catalog_model **out, enum catalog_source *src);

#endif
