/* kvstore: see kvstore.h. */
#include "onemin/kvstore.h"

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

#define KVSTORE_SWEEP_EVERY 128
#define KVSTORE_MC_KEY_MAX (64 + KVSTORE_KEY_MAX)

static atomic_uint kvstore_writes;
static atomic_int kvstore_dir_warned;

int kvstore_dir(struct kvstore *s, const char *var, const char *env_dir, const char *sub,
                char *err, size_t errlen)
{
    int n;
    if (env_dir) {
        if (env_dir[0] != '/') {
            snprintf(err, errlen, "%s: must be an absolute path, got '%.64s'", var, env_dir);
            return -1;
        }
        n = snprintf(s->dir, sizeof s->dir, "%s", env_dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        n = snprintf(s->dir, sizeof s->dir, "%s/1min-relay-%lu/%s", tmp && tmp[0] == '/' ? tmp : "/tmp",
                     (unsigned long)geteuid(), sub);
    }
    if (n < 0 || (size_t)n >= sizeof s->dir - KVSTORE_KEY_MAX - 32) {
        snprintf(err, errlen, "%s: the path is too long", var);
        return -1;
    }
    return 0;
}

void kvstore_owner(const char *key, size_t len, char owner[65])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t d[SHA256_LEN];
    sha256(key, len, d);
    for (size_t i = 0; i < SHA256_LEN; i++) {
        owner[2 * i] = digits[d[i] >> 4];
        owner[2 * i + 1] = digits[d[i] & 15];
    }
    owner[64] = '\0';
}

static int key_ok(const char *key)
{
    size_t i = 0;
    for (; key[i]; i++)
        if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'z') || key[i] == '_' ||
              key[i] == '-'))
            return 0;
    return i > 0 && i <= KVSTORE_KEY_MAX;
}

static int mc_key(const struct kvstore *s, const char *key, char out[KVSTORE_MC_KEY_MAX])
{
    return snprintf(out, KVSTORE_MC_KEY_MAX, "%s%s", s->mc_prefix, key);
}

/* ---- the directory ------------------------------------------------------- */

/* Create the directory (and its parents) when missing; 0 when it is a
 * directory of ours that nobody else may read. */
static int dir_usable(const struct kvstore *s)
{
    char path[KVSTORE_DIR_MAX];
    snprintf(path, sizeof path, "%s", s->dir);
    for (char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        if (p)
            *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            break;
        if (!p)
            break;
        *p = '/';
    }
    struct stat st;
    if (lstat(s->dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 077))
        return 0;
    if (!atomic_exchange(&kvstore_dir_warned, 1))
        LOG_WARN("%s store directory %s is unusable (it must be a directory of mode 0700 owned "
                 "by this user); nothing is stored there", s->what, s->dir);
    return -1;
}

static void dir_sweep(const struct kvstore *s)
{
    DIR *d = opendir(s->dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_mtime + (time_t)s->ttl_s <= now)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

static void dir_wrote(const struct kvstore *s)
{
    if (atomic_fetch_add(&kvstore_writes, 1) % KVSTORE_SWEEP_EVERY == KVSTORE_SWEEP_EVERY - 1)
        dir_sweep(s);
}

static int dir_put(const struct kvstore *s, const char *key, const char *text, size_t n)
{
    char file[KVSTORE_DIR_MAX + KVSTORE_KEY_MAX + 2], tmp[sizeof file + 24], rnd[17];
    if (dir_usable(s) < 0)
        return -1;
    rand_hex(rnd, 16);
    snprintf(file, sizeof file, "%s/%s", s->dir, key);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", s->dir, rnd);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, text, n) == (ssize_t)n;
    ok &= close(fd) == 0;
    if (!ok || rename(tmp, file) < 0) {
        unlink(tmp);
        return -1;
    }
    dir_wrote(s);
    return 0;
}

static int dir_append(const struct kvstore *s, const char *key, const char *text, size_t n)
{
    char file[KVSTORE_DIR_MAX + KVSTORE_KEY_MAX + 2];
    if (dir_usable(s) < 0)
        return -1;
    snprintf(file, sizeof file, "%s/%s", s->dir, key);
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, text, n) == (ssize_t)n;
    /* an append keeps the entry alive: its age is that of the last write */
    ok &= futimens(fd, NULL) == 0;
    ok &= close(fd) == 0;
    dir_wrote(s);
    return ok ? 0 : -1;
}

/* The entry's text, or NULL (none, expired, too large, unreadable). */
static char *dir_get(const struct kvstore *s, const char *key, size_t *len)
{
    char file[KVSTORE_DIR_MAX + KVSTORE_KEY_MAX + 2];
    snprintf(file, sizeof file, "%s/%s", s->dir, key);
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *text = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (size_t)st.st_size > s->max_bytes)
        goto out;
    if (st.st_mtime + (time_t)s->ttl_s <= time(NULL)) {
        unlink(file);
        goto out;
    }
    size_t want = (size_t)st.st_size, got = 0;
    if (!(text = malloc(want + 1)))
        goto out;
    while (got < want) {
        ssize_t k = read(fd, text + got, want - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    text[got] = '\0';
    *len = got;
out:
    close(fd);
    return text;
}

/* ---- the interface ------------------------------------------------------ */

int kvstore_put(const struct kvstore *s, struct memcached_st *mc, const char *key, const char *text, size_t n)
{
    if (s->ttl_s == 0 || !key_ok(key))
        return -1;
    if (!mc) {
        if (dir_put(s, key, text, n) == 0)
            return 0;
        LOG_WARN("%s %s not stored: writing to %s failed", s->what, key, s->dir);
        return -1;
    }
    char k[KVSTORE_MC_KEY_MAX];
    int klen = mc_key(s, key, k);
    memcached_return_t rc = memcached_set(mc, k, (size_t)klen, text, n, (time_t)s->ttl_s, 0);
    if (rc == MEMCACHED_SUCCESS)
        return 0;
    LOG_WARN("%s %s not stored: memcached: %s", s->what, key, memcached_strerror(mc, rc));
    return -1;
}

int kvstore_append(const struct kvstore *s, struct memcached_st *mc, const char *key, const char *text,
                   size_t n)
{
    if (s->ttl_s == 0 || !key_ok(key))
        return -1;
    if (!mc) {
        if (dir_append(s, key, text, n) == 0)
            return 0;
        LOG_WARN("%s %s not stored: appending to %s failed", s->what, key, s->dir);
        return -1;
    }
    char k[KVSTORE_MC_KEY_MAX];
    int klen = mc_key(s, key, k);
    memcached_return_t rc = memcached_append(mc, k, (size_t)klen, text, n, (time_t)s->ttl_s, 0);
    /* none yet: create it (add, so a racing creator's value is not replaced) */
    if (rc == MEMCACHED_NOTSTORED) {
        rc = memcached_add(mc, k, (size_t)klen, text, n, (time_t)s->ttl_s, 0);
        if (rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS)
            rc = memcached_append(mc, k, (size_t)klen, text, n, (time_t)s->ttl_s, 0);
    }
    if (rc == MEMCACHED_SUCCESS)
        return 0;
    LOG_WARN("%s %s not stored: memcached: %s", s->what, key, memcached_strerror(mc, rc));
    return -1;
}

int kvstore_get(const struct kvstore *s, struct memcached_st *mc, const char *key, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (s->ttl_s == 0 || !key_ok(key))
        return 0;
    if (!mc)
        return (*text = dir_get(s, key, len)) != NULL;
    char k[KVSTORE_MC_KEY_MAX];
    int klen = mc_key(s, key, k);
    uint32_t flags = 0;
    memcached_return_t rc;
    *text = memcached_get(mc, k, (size_t)klen, len, &flags, &rc);
    if (rc == MEMCACHED_SUCCESS && *text && *len <= s->max_bytes)
        return 1;
    free(*text);
    *text = NULL;
    *len = 0;
    if (rc == MEMCACHED_NOTFOUND || rc == MEMCACHED_SUCCESS)
        return 0;
    LOG_WARN("%s store: memcached get failed: %s", s->what, memcached_strerror(mc, rc));
    return -1;
}

int kvstore_delete(const struct kvstore *s, struct memcached_st *mc, const char *key)
{
    if (!key_ok(key))
        return 0;
    if (!mc) {
        char file[KVSTORE_DIR_MAX + KVSTORE_KEY_MAX + 2];
        snprintf(file, sizeof file, "%s/%s", s->dir, key);
        if (unlink(file) == 0 || errno == ENOENT)
            return 0;
        LOG_WARN("%s %s could not be removed from %s", s->what, key, s->dir);
        return -1;
    }
    char k[KVSTORE_MC_KEY_MAX];
    int klen = mc_key(s, key, k);
    memcached_return_t rc = memcached_delete(mc, k, (size_t)klen, 0);
    if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND)
        return 0;
    LOG_WARN("%s store: memcached delete failed: %s", s->what, memcached_strerror(mc, rc));
    return -1;
}
