#include "onemin/upcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmemcached/memcached.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/sha256.h"

#define UPCACHE_MC_PREFIX "1min-relay:asset:"
#define UPCACHE_SWEEP_EVERY 256

static atomic_uint upcache_puts;
static atomic_int upcache_dir_warned;

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void upcache_key(const char *api_key, size_t key_len, const void *bytes, size_t n,
                 const char *asset_url, char out[UPCACHE_KEY_LEN + 1])
{
    uint8_t part[SHA256_LEN], d[SHA256_LEN];
    struct sha256 c;
    sha256_init(&c);
    sha256(api_key, key_len, part);
    sha256_update(&c, part, sizeof part);
    sha256(bytes, n, part);
    sha256_update(&c, part, sizeof part);
    sha256_update(&c, asset_url, strlen(asset_url));
    sha256_final(&c, d);
    hex(d, sizeof d, out);
}

/* A stored path must look like one: printable, no spaces, not empty. */
static int upcache_path_ok(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
            return 0;
    return 1;
}

/* mkdir -p for the cache directory, then check that it is ours and private.
 * Returns 0 when it may be used. */
static int upcache_dir_ready(const char *dir)
{
    char tmp[MEDIA_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
            goto bad;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
        goto bad;
    struct stat st;
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
        goto bad;
    return 0;
bad:
    if (!atomic_exchange(&upcache_dir_warned, 1))
        LOG_WARN("upload cache directory %s is unusable (it must be a directory of mode 0700 owned "
                 "by this user); uploads are not cached", dir);
    return -1;
}

static int upcache_file_get(const struct media_config *c, const char *key, char *path, size_t pathlen)
{
    char file[MEDIA_PATH_MAX + UPCACHE_KEY_LEN + 2];
    snprintf(file, sizeof file, "%s/%s", c->cache_dir, key);
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    int hit = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
        goto out;
    if (st.st_mtime + (time_t)c->cache_ttl_s <= time(NULL)) {
        unlink(file);
        goto out;
    }
    /* read one byte more than fits, so a longer entry is a miss, not a cut path */
    char tmp[MEDIA_PATH_MAX + 1];
    size_t want = pathlen < sizeof tmp ? pathlen : sizeof tmp;
    ssize_t n = read(fd, tmp, want);
    if (n > 0 && (size_t)n < pathlen && upcache_path_ok(tmp, (size_t)n)) {
        memcpy(path, tmp, (size_t)n);
        path[n] = '\0';
        hit = 1;
    }
out:
    close(fd);
    return hit;
}

/* Remove expired entries and stray temporary files. */
static void upcache_sweep(const struct media_config *c)
{
    DIR *d = opendir(c->cache_dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_mtime + (time_t)c->cache_ttl_s <= now)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static void upcache_file_put(const struct media_config *c, const char *key, const char *path)
{
    if (upcache_dir_ready(c->cache_dir) < 0)
        return;
    char file[MEDIA_PATH_MAX + UPCACHE_KEY_LEN + 2], tmp[sizeof file + 32], rnd[17];
    rand_hex(rnd, 16);
    snprintf(file, sizeof file, "%s/%s", c->cache_dir, key);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", c->cache_dir, rnd);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    size_t n = strlen(path);
    int ok = write(fd, path, n) == (ssize_t)n;
    ok &= close(fd) == 0;
    if (!ok || rename(tmp, file) < 0)
        unlink(tmp);
    if (atomic_fetch_add(&upcache_puts, 1) % UPCACHE_SWEEP_EVERY == UPCACHE_SWEEP_EVERY - 1)
        upcache_sweep(c);
}

int upcache_get(const struct media_config *c, struct memcached_st *mc, const char *key,
                char *path, size_t pathlen)
{
    if (c->cache_ttl_s == 0 || pathlen < 2)
        return 0;
    if (!mc)
        return upcache_file_get(c, key, path, pathlen);
    char mkey[sizeof UPCACHE_MC_PREFIX + UPCACHE_KEY_LEN];
    int klen = snprintf(mkey, sizeof mkey, UPCACHE_MC_PREFIX "%s", key);
    size_t vlen = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v = memcached_get(mc, mkey, (size_t)klen, &vlen, &flags, &rc);
    int hit = 0;
    if (v && rc == MEMCACHED_SUCCESS && vlen < pathlen && upcache_path_ok(v, vlen)) {
        memcpy(path, v, vlen);
        path[vlen] = '\0';
        hit = 1;
    } else if (rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS) {
        LOG_DEBUG("upload cache: memcached get failed: %s", memcached_strerror(mc, rc));
    }
    free(v);
    return hit;
}

void upcache_put(const struct media_config *c, struct memcached_st *mc, const char *key,
                 const char *path)
{
    if (c->cache_ttl_s == 0 || !upcache_path_ok(path, strlen(path)))
        return;
    if (!mc) {
        upcache_file_put(c, key, path);
        return;
    }
    char mkey[sizeof UPCACHE_MC_PREFIX + UPCACHE_KEY_LEN];
    int klen = snprintf(mkey, sizeof mkey, UPCACHE_MC_PREFIX "%s", key);
    memcached_return_t rc = memcached_set(mc, mkey, (size_t)klen, path, strlen(path),
                                          (time_t)c->cache_ttl_s, 0);
    if (rc != MEMCACHED_SUCCESS)
        LOG_DEBUG("upload cache: memcached set failed: %s", memcached_strerror(mc, rc));
}
