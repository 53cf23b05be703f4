/* cfg: typed configuration read once from the environment at start-up.
 *
 * Each subsystem owns its own settings struct and parses it with the cfg_env_*
 * helpers below; this file holds only the core relay settings. Every helper
 * validates its variable and, on a bad value, writes a message that names the
 * variable into err and returns -1. Nothing is parsed on the request path.
 *
 * Thread rule: a config struct is written before worker threads start and is
 * read-only afterwards. */
#ifndef RELAY_CORE_CFG_H
#define RELAY_CORE_CFG_H

#include <stddef.h>

#include "core/log.h"

#define CFG_ERR_LEN 256

/* Unsigned integer in [min, max]; the default when unset or empty. */
int cfg_env_uint(const char *name, unsigned long def, unsigned long min, unsigned long max,
                 unsigned long *out, char *err, size_t errlen);
/* Size in bytes; accepts a plain number or a K, M or G suffix (powers of 1024). */
int cfg_env_size(const char *name, size_t def, size_t min, size_t max, size_t *out,
                 char *err, size_t errlen);
/* Boolean: 1/0, true/false, yes/no, on/off. */
int cfg_env_bool(const char *name, int def, int *out, char *err, size_t errlen);
/* String; *out is borrowed from the environment or is def. Empty counts as unset. */
int cfg_env_str(const char *name, const char *def, const char **out, char *err, size_t errlen);
/* An http:// or https:// URL without whitespace; trailing slashes kept. */
int cfg_env_url(const char *name, const char *def, const char **out, char *err, size_t errlen);

/* The core relay settings. Strings are borrowed from the environment. */
struct relay_config {
    const char *chat_api_url;       /* ONE_MIN_CHAT_API_URL */
    const char *features_api_url;   /* ONE_MIN_API_URL */
    const char *asset_api_url;      /* ONE_MIN_ASSET_URL */
    const char *models_api_url;     /* ONE_MIN_MODELS_API_URL */
    const char *asset_cdn_url;      /* ONE_MIN_ASSET_CDN_URL */
    unsigned web_search_num_sites;  /* WEB_SEARCH_NUM_OF_SITE */
    unsigned web_search_max_words;  /* WEB_SEARCH_MAX_WORD */

    unsigned threads;               /* RELAY_THREADS: worker threads kept ready */
    unsigned max_threads;           /* RELAY_MAX_THREADS: the pool's ceiling (>= threads) */
    unsigned client_timeout_s;      /* RELAY_CLIENT_TIMEOUT: longest client-side stall */
    enum log_level log_level;       /* RELAY_LOG_LEVEL */
    size_t max_body;                /* RELAY_MAX_BODY */
    const char *cors_origin;        /* RELAY_CORS_ORIGIN */
    const char *mount_prefix;       /* RELAY_MOUNT_PREFIX, "" for none */
    const char *default_model;      /* RELAY_DEFAULT_MODEL */
    unsigned connect_timeout_ms;    /* RELAY_CONNECT_TIMEOUT_MS */
    unsigned idle_timeout_s;        /* RELAY_IDLE_TIMEOUT */
    unsigned keepalive_s;           /* RELAY_KEEPALIVE_INTERVAL */
    unsigned max_n;                 /* RELAY_MAX_N: most choices (n) per chat request */
    unsigned models_ttl_s;          /* RELAY_MODELS_TTL */
    unsigned models_timeout_s;      /* RELAY_MODELS_TIMEOUT */
    unsigned shutdown_grace_s;      /* RELAY_SHUTDOWN_GRACE */
    size_t max_upstream_body;       /* RELAY_MAX_UPSTREAM_BODY */
};

/* Fill c from the environment. Returns 0, or -1 with a message in err. */
int cfg_load(struct relay_config *c, char *err, size_t errlen);

#endif
