/* responses_store: stored responses; see responses.h.
 *
 * An entry is the JSON text {"owner":<hex SHA-256 of the key>,"response":{...},
 * "input":[...],"context":[...]}, at most max_bytes long; a larger one is
 * replaced by {"owner":...,"too_large":<bytes>} so that a later
 * previous_response_id gets a clear 400 instead of a puzzling 404.
 *
 * memcached: key "1min-relay:resp:<hex>", expiry ttl_s. Directory: one file
 * per entry named <hex>, mode 0600 in a 0700 directory owned by the relay's
 * user (refused otherwise), written to a temporary name and renamed; its
 * mtime is its age; expired files are removed when read and by a sweep every
 * RESP_SWEEP_EVERY stores. Thread-safe (no shared state but a counter). */
#include "api/responses.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libmemcached/memcached.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/sha256.h"

#define RESP_MC_PREFIX "1min-relay:resp:"
#define RESP_SWEEP_EVERY 128
#define RESP_TTL_MAX (30u * 24 * 3600)

static atomic_uint resp_store_puts;
static atomic_int resp_store_dir_warned;

int resp_store_config_load(struct resp_store_config *c, char *err, size_t errlen)
{
    unsigned long ttl;
    const char *dir;
    memset(c, 0, sizeof *c);
    if (cfg_env_uint("RELAY_RESPONSES_TTL", 3600, 0, RESP_TTL_MAX, &ttl, err, errlen) < 0 ||
        cfg_env_size("RELAY_RESPONSES_MAX_BYTES", (size_t)960 << 10, (size_t)4 << 10, (size_t)256 << 20,
                     &c->max_bytes, err, errlen) < 0 ||
        cfg_env_str("RELAY_RESPONSES_DIR", NULL, &dir, err, errlen) < 0)
        return -1;
    c->ttl_s = (unsigned)ttl;
    int n;
    if (dir) {
        if (dir[0] != '/') {
            snprintf(err, errlen, "RELAY_RESPONSES_DIR: must be an absolute path, got '%.64s'", dir);
            return -1;
        }
        n = snprintf(c->dir, sizeof c->dir, "%s", dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        n = snprintf(c->dir, sizeof c->dir, "%s/1min-relay-%lu/responses",
                     tmp && tmp[0] == '/' ? tmp : "/tmp", (unsigned long)geteuid());
    }
    if (n < 0 || (size_t)n >= sizeof c->dir - RESP_HEX_LEN - 32) {
        snprintf(err, errlen, "RELAY_RESPONSES_DIR: the path is too long");
        return -1;
    }
    return 0;
}

void resp_store_owner(const char *key, size_t len, char owner[65])
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

static int hex_ok(const char *hex)
{
    size_t i = 0;
    for (; hex[i]; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return 0;
    return i == RESP_HEX_LEN;
}

/* ---- the directory ------------------------------------------------------- */

/* Create the directory (and its parents) when missing; 0 when it is a
 * directory of ours that nobody else may read. */
static int dir_usable(const char *dir)
{
    char path[sizeof ((struct resp_store_config *)0)->dir];
    snprintf(path, sizeof path, "%s", dir);
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
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 077))
        return 0;
    if (!atomic_exchange(&resp_store_dir_warned, 1))
        LOG_WARN("response store directory %s is unusable (it must be a directory of mode 0700 owned "
                 "by this user); responses are not stored", dir);
    return -1;
}

static void dir_sweep(const struct resp_store_config *c)
{
    DIR *d = opendir(c->dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_mtime + (time_t)c->ttl_s <= now)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

static int dir_put(const struct resp_store_config *c, const char *hex, const char *text, size_t n)
{
    char file[sizeof c->dir + RESP_HEX_LEN + 2], tmp[sizeof file + 24], rnd[17];
    if (dir_usable(c->dir) < 0)
        return -1;
    rand_hex(rnd, 16);
    snprintf(file, sizeof file, "%s/%s", c->dir, hex);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", c->dir, rnd);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, text, n) == (ssize_t)n;
    ok &= close(fd) == 0;
    if (!ok || rename(tmp, file) < 0) {
        unlink(tmp);
        return -1;
    }
    if (atomic_fetch_add(&resp_store_puts, 1) % RESP_SWEEP_EVERY == RESP_SWEEP_EVERY - 1)
        dir_sweep(c);
    return 0;
}

/* The entry's text, or NULL (none, expired, unreadable). Caller frees. */
static char *dir_get(const struct resp_store_config *c, const char *hex, size_t *len)
{
    char file[sizeof c->dir + RESP_HEX_LEN + 2];
    snprintf(file, sizeof file, "%s/%s", c->dir, hex);
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *text = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (size_t)st.st_size > c->max_bytes + 1024)
        goto out;
    if (st.st_mtime + (time_t)c->ttl_s <= time(NULL)) {
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

int resp_store_put(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                   struct json_object *entry)
{
    if (c->ttl_s == 0 || !hex_ok(hex))
        return -1;
    size_t n = 0;
    const char *text = json_object_to_json_string_length(
        entry, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!text)
        return -1;
    char marker[160];
    if (n > c->max_bytes) {
        struct json_object *owner = NULL;
        json_object_object_get_ex(entry, "owner", &owner);
        LOG_WARN("response resp_%s not stored: %zu bytes, above RELAY_RESPONSES_MAX_BYTES (%zu)",
                 hex, n, c->max_bytes);
        int k = snprintf(marker, sizeof marker, "{\"owner\":\"%s\",\"too_large\":%zu}",
                         owner ? json_object_get_string(owner) : "", n);
        text = marker;
        n = (size_t)k;
    }
    if (!mc) {
        if (dir_put(c, hex, text, n) < 0) {
            LOG_WARN("response resp_%s not stored: writing to %s failed", hex, c->dir);
            return -1;
        }
        return 0;
    }
    char key[sizeof RESP_MC_PREFIX + RESP_HEX_LEN];
    int klen = snprintf(key, sizeof key, RESP_MC_PREFIX "%s", hex);
    memcached_return_t rc = memcached_set(mc, key, (size_t)klen, text, n, (time_t)c->ttl_s, 0);
    if (rc != MEMCACHED_SUCCESS) {
        LOG_WARN("response resp_%s not stored: memcached: %s", hex, memcached_strerror(mc, rc));
        return -1;
    }
    return 0;
}

/* The raw entry text: 1 (caller frees *text), 0 none, -1 with e. */
static int store_fetch(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                       char **text, size_t *len, struct relay_err *e)
{
    *text = NULL;
    if (c->ttl_s == 0 || !hex_ok(hex))
        return 0;
    if (!mc)
        return (*text = dir_get(c, hex, len)) != NULL;
    char key[sizeof RESP_MC_PREFIX + RESP_HEX_LEN];
    int klen = snprintf(key, sizeof key, RESP_MC_PREFIX "%s", hex);
    uint32_t flags = 0;
    memcached_return_t rc;
    *text = memcached_get(mc, key, (size_t)klen, len, &flags, &rc);
    if (rc == MEMCACHED_SUCCESS && *text)
        return 1;
    free(*text);
    *text = NULL;
    if (rc == MEMCACHED_NOTFOUND)
        return 0;
    LOG_WARN("response store: memcached get failed: %s", memcached_strerror(mc, rc));
    return err_set(e, 503, "service_unavailable", NULL, NULL,
                   "The response store is unavailable; try again.");
}

/* Parse text and check the owner: 1 with *entry, 0 (not ours, or not JSON). */
static int entry_of(char *text, size_t len, const char *owner, struct json_object **entry)
{
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL, *v;
    json_tokener_free(tok);
    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "owner", &v) || !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), owner) != 0) {
        json_object_put(o);
        return 0;
    }
    *entry = o;
    return 1;
}

int resp_store_get(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                   const char *owner, const char *param, struct json_object **entry,
                   struct relay_err *e)
{
    char *text;
    size_t len = 0;
    *entry = NULL;
    int rc = store_fetch(c, mc, hex, &text, &len, e);
    if (rc <= 0)
        return rc;
    rc = entry_of(text, len, owner, entry);
    free(text);
    struct json_object *v;
    if (rc == 1 && json_object_object_get_ex(*entry, "too_large", &v)) {
        long long n = json_object_get_int64(v);
        json_object_put(*entry);
        *entry = NULL;
        return err_set(e, 400, "invalid_request_error", "response_too_large", param,
                       "Response resp_%s was not stored: its conversation (%lld bytes) is above the "
                       "relay's RELAY_RESPONSES_MAX_BYTES limit (%zu). Send the history as input "
                       "instead.", hex, n, c->max_bytes);
    }
    return rc;
}

int resp_store_delete(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                      const char *owner, struct relay_err *e)
{
    char *text;
    size_t len = 0;
    int rc = store_fetch(c, mc, hex, &text, &len, e);
    if (rc <= 0)
        return rc;
    struct json_object *entry = NULL;
    rc = entry_of(text, len, owner, &entry);
    free(text);
    json_object_put(entry);
    if (rc == 0)
        return 0;
    if (!mc) {
        char file[sizeof c->dir + RESP_HEX_LEN + 2];
        snprintf(file, sizeof file, "%s/%s", c->dir, hex);
        return unlink(file) == 0 || errno == ENOENT ? 1
               : err_set(e, 500, NULL, NULL, NULL, "The stored response could not be removed.");
    }
    char key[sizeof RESP_MC_PREFIX + RESP_HEX_LEN];
    int klen = snprintf(key, sizeof key, RESP_MC_PREFIX "%s", hex);
    memcached_return_t mrc = memcached_delete(mc, key, (size_t)klen, 0);
    if (mrc == MEMCACHED_SUCCESS || mrc == MEMCACHED_NOTFOUND)
        return 1;
    LOG_WARN("response store: memcached delete failed: %s", memcached_strerror(mc, mrc));
    return err_set(e, 503, "service_unavailable", NULL, NULL,
                   "The response store is unavailable; try again.");
}
