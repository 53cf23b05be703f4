#include "core/cfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *cfg_getenv(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

int cfg_env_uint(const char *name, unsigned long def, unsigned long min, unsigned long max,
                 unsigned long *out, char *err, size_t errlen)
{
    const char *v = cfg_getenv(name);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || n < min || n > max)
        return cfg_fail(err, errlen, "%s: expected a whole number from %lu to %lu, got '%.64s'",
                        name, min, max, v);
    *out = n;
    return 0;
}

int cfg_env_size(const char *name, size_t def, size_t min, size_t max, size_t *out,
                 char *err, size_t errlen)
{
    const char *v = cfg_getenv(name);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024ULL, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024ULL * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024ULL * 1024 * 1024, end++;
    if (errno || end == v || *end || v[0] == '-' || n > max / mult || n * mult < min)
        return cfg_fail(err, errlen, "%s: expected a size from %zu to %zu bytes (K, M, G allowed), got '%.64s'",
                        name, min, max, v);
    *out = (size_t)(n * mult);
    return 0;
}

int cfg_env_bool(const char *name, int def, int *out, char *err, size_t errlen)
{
    const char *v = cfg_getenv(name);
    if (!v) {
        *out = def;
        return 0;
    }
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return cfg_fail(err, errlen, "%s: expected 1/0, true/false, yes/no or on/off, got '%.64s'", name, v);
}

int cfg_env_str(const char *name, const char *def, const char **out, char *err, size_t errlen)
{
    const char *v = cfg_getenv(name);
    *out = v ? v : def;
    return 0;
}

int cfg_env_url(const char *name, const char *def, const char **out, char *err, size_t errlen)
{
    const char *v = cfg_getenv(name);
    if (!v) {
        *out = def;
        return 0;
    }
    if (strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0)
        return cfg_fail(err, errlen, "%s: expected an http:// or https:// URL, got '%.64s'", name, v);
    const char *host = strstr(v, "://") + 3;
    if (!*host || *host == '/')
        return cfg_fail(err, errlen, "%s: the URL has no host: '%.64s'", name, v);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return cfg_fail(err, errlen, "%s: the URL contains whitespace or a control character", name);
    *out = v;
    return 0;
}

int cfg_load(struct relay_config *c, char *err, size_t errlen)
{
    unsigned long u;
    const char *lvl;
    memset(c, 0, sizeof *c);

#define URL(var, name, def) \
    if (cfg_env_url(name, def, &c->var, err, errlen) < 0) return -1
#define UINT(var, name, def, lo, hi) \
    if (cfg_env_uint(name, def, lo, hi, &u, err, errlen) < 0) return -1; \
    c->var = (unsigned)u

    URL(chat_api_url, "ONE_MIN_CHAT_API_URL", "https://api.1min.ai/api/chat-with-ai");
    URL(features_api_url, "ONE_MIN_API_URL", "https://api.1min.ai/api/features");
    URL(asset_api_url, "ONE_MIN_ASSET_URL", "https://api.1min.ai/api/assets");
    URL(models_api_url, "ONE_MIN_MODELS_API_URL", "https://api.1min.ai/models");
    URL(asset_cdn_url, "ONE_MIN_ASSET_CDN_URL", "https://asset.1min.ai");
    UINT(web_search_num_sites, "WEB_SEARCH_NUM_OF_SITE", 1, 1, 50);
    UINT(web_search_max_words, "WEB_SEARCH_MAX_WORD", 500, 1, 100000);

    UINT(threads, "RELAY_THREADS", 16, 1, 1024);
    UINT(max_threads, "RELAY_MAX_THREADS", 1024, 1, 16384);
    UINT(client_timeout_s, "RELAY_CLIENT_TIMEOUT", 30, 1, 3600);
    UINT(connect_timeout_ms, "RELAY_CONNECT_TIMEOUT_MS", 10000, 100, 600000);
    UINT(idle_timeout_s, "RELAY_IDLE_TIMEOUT", 120, 1, 86400);
    UINT(keepalive_s, "RELAY_KEEPALIVE_INTERVAL", 15, 1, 3600);
    UINT(max_n, "RELAY_MAX_N", 4, 1, 128);
    UINT(models_ttl_s, "RELAY_MODELS_TTL", 300, 1, 86400);
    UINT(models_timeout_s, "RELAY_MODELS_TIMEOUT", 5, 1, 120);
    UINT(shutdown_grace_s, "RELAY_SHUTDOWN_GRACE", 30, 0, 3600);
#undef URL
#undef UINT

    if (cfg_env_size("RELAY_MAX_BODY", 25u << 20, 1024, (size_t)1 << 30, &c->max_body, err, errlen) < 0)
        return -1;
    if (cfg_env_size("RELAY_MAX_UPSTREAM_BODY", 16u << 20, 4096, (size_t)1 << 30,
                     &c->max_upstream_body, err, errlen) < 0)
        return -1;
    cfg_env_str("RELAY_CORS_ORIGIN", "*", &c->cors_origin, err, errlen);
    for (const char *p = c->cors_origin; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return cfg_fail(err, errlen, "RELAY_CORS_ORIGIN: must be '*' or one origin without spaces");
    cfg_env_str("RELAY_MOUNT_PREFIX", "", &c->mount_prefix, err, errlen);
    if (*c->mount_prefix && c->mount_prefix[0] != '/')
        return cfg_fail(err, errlen, "RELAY_MOUNT_PREFIX: must start with '/', got '%.64s'", c->mount_prefix);
    cfg_env_str("RELAY_DEFAULT_MODEL", "gpt-4o-mini", &c->default_model, err, errlen);
    cfg_env_str("RELAY_LOG_LEVEL", "info", &lvl, err, errlen);
    if (log_parse_level(lvl, &c->log_level) < 0)
        return cfg_fail(err, errlen, "RELAY_LOG_LEVEL: expected error, warn, info or debug, got '%.64s'", lvl);
    return 0;
}
