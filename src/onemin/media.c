#include "onemin/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "onemin/kvstore.h"

/* ALLOW_PRIVATE_FETCH: a boolean, or a comma list of CIDRs. */
static int media_allow_load(struct media_config *c, char *err, size_t errlen)
{
    const char *v = getenv("ALLOW_PRIVATE_FETCH");
    if (!v || !*v || strpbrk(v, "./:") == NULL)
        return cfg_env_bool("ALLOW_PRIVATE_FETCH", 0, &c->allow_private_fetch, err, errlen);
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        const char *s = p;
        size_t len = n;
        while (len && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (c->fetch_allow_count == MEDIA_ALLOW_MAX ||
            cidr_parse(s, len, &c->fetch_allow[c->fetch_allow_count]) < 0) {
            snprintf(err, errlen, "ALLOW_PRIVATE_FETCH: expected 1/0 or up to %d comma-separated "
                     "addresses/CIDRs, got '%.64s'", MEDIA_ALLOW_MAX, v);
            return -1;
        }
        c->fetch_allow_count++;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* RELAY_FILES_DIR: the files API's per-host store (onemin/kvstore's rules). */
static int media_files_dir(struct media_config *c, char *err, size_t errlen)
{
    const char *dir;
    struct kvstore kv;
    if (cfg_env_str("RELAY_FILES_DIR", NULL, &dir, err, errlen) < 0 ||
        kvstore_dir(&kv, "RELAY_FILES_DIR", dir, "files", err, errlen) < 0)
        return -1;
    snprintf(c->files_dir, sizeof c->files_dir, "%s", kv.dir);
    return 0;
}

int media_config_load(struct media_config *c, char *err, size_t errlen)
{
    unsigned long u;
    const char *dir;
    memset(c, 0, sizeof *c);

#define UINT(var, name, def, lo, hi) \
    if (cfg_env_uint(name, def, lo, hi, &u, err, errlen) < 0) return -1; \
    c->var = (unsigned)u
#define SIZE(var, name, def, lo, hi) \
    if (cfg_env_size(name, def, lo, hi, &c->var, err, errlen) < 0) return -1

    UINT(max_images, "RELAY_VISION_MAX_IMAGES", 8, 1, 64);
    SIZE(fetch_max_bytes, "RELAY_FETCH_MAX_BYTES", (size_t)20 << 20, 1024, (size_t)1 << 30);
    UINT(fetch_timeout_s, "RELAY_FETCH_TIMEOUT", 20, 1, 600);
    UINT(fetch_max_redirects, "RELAY_FETCH_MAX_REDIRECTS", 3, 0, 10);
    SIZE(audio_max_bytes, "RELAY_AUDIO_MAX_BYTES", (size_t)25 << 20, 1024, (size_t)1 << 30);
    SIZE(result_max_bytes, "RELAY_MEDIA_RESULT_MAX_BYTES", (size_t)32 << 20, 1024, (size_t)1 << 30);
    UINT(image_timeout_s, "RELAY_IMAGE_TIMEOUT", 300, 1, 86400);
    UINT(image_long_timeout_s, "RELAY_IMAGE_LONG_TIMEOUT", 900, 1, 86400);
    UINT(audio_timeout_s, "RELAY_AUDIO_TIMEOUT", 300, 1, 86400);
    UINT(upload_timeout_s, "RELAY_UPLOAD_TIMEOUT", 120, 1, 86400);
    UINT(cache_ttl_s, "RELAY_UPLOAD_CACHE_TTL", 3600, 0, 30 * 86400);
    SIZE(files_max_bytes, "RELAY_FILES_MAX_BYTES", (size_t)32 << 20, 1024, (size_t)1 << 30);
    UINT(files_ttl_s, "RELAY_FILES_TTL", 30 * 86400, 0, 30 * 86400);
#undef UINT
#undef SIZE
    if (media_allow_load(c, err, errlen) < 0)
        return -1;

    if (media_files_dir(c, err, errlen) < 0)
        return -1;
    cfg_env_str("RELAY_UPLOAD_CACHE_DIR", NULL, &dir, err, errlen);
    int n;
    if (dir) {
        if (dir[0] != '/') {
            snprintf(err, errlen, "RELAY_UPLOAD_CACHE_DIR: must be an absolute path, got '%.64s'", dir);
            return -1;
        }
        n = snprintf(c->cache_dir, sizeof c->cache_dir, "%s", dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        if (!tmp || tmp[0] != '/')
            tmp = "/tmp";
        n = snprintf(c->cache_dir, sizeof c->cache_dir, "%s/1min-relay-%lu/uploads", tmp,
                     (unsigned long)geteuid());
    }
    if (n < 0 || (size_t)n >= sizeof c->cache_dir - 80) {
        snprintf(err, errlen, "RELAY_UPLOAD_CACHE_DIR: the path is too long");
        return -1;
    }
    return 0;
}
