/* kvstore: the relay's small shared store of JSON texts — stored responses,
 * the files API's metadata — in memcached when the rate-limit store is
 * memcached (every host sees the same entries) or else in a per-host
 * directory.
 *
 * memcached: key "<mc_prefix><key>", expiry ttl_s. Directory: one file per
 * entry named <key>, mode 0600 in a 0700 directory owned by the relay's user
 * (created when missing; refused, with one warning, otherwise), written to a
 * temporary name and renamed; its mtime is its age; expired files are
 * removed when read and by a sweep every few hundred writes. An append
 * (kvstore_append) is one O_APPEND write, or memcached's append, so
 * concurrent appends by several processes or hosts all survive.
 *
 * Keys are 1..KVSTORE_KEY_MAX characters of [0-9a-z_-] (callers use hex
 * digests and ids); anything else is refused as absent.
 *
 * Thread-safe (no shared state but counters); mc is the calling thread's
 * memcached handle or NULL for the directory. */
#ifndef RELAY_ONEMIN_KVSTORE_H
#define RELAY_ONEMIN_KVSTORE_H

#include <stddef.h>

struct memcached_st;

#define KVSTORE_KEY_MAX 96
#define KVSTORE_DIR_MAX 512

struct kvstore {
    const char *what;           /* "response", "file": names the store in log lines */
    const char *mc_prefix;      /* "1min-relay:resp:" */
    unsigned ttl_s;             /* 0: nothing is stored */
    size_t max_bytes;           /* the largest value read back */
    char dir[KVSTORE_DIR_MAX];
};

/* Fill s->dir from env_dir (an absolute path) or, when NULL, as
 * $TMPDIR/1min-relay-<uid>/<sub>. -1 with a message naming var in err. */
int kvstore_dir(struct kvstore *s, const char *var, const char *env_dir, const char *sub,
                char *err, size_t errlen);

/* The owner tag of an API key: hex SHA-256, 64 digits + NUL (never the key). */
void kvstore_owner(const char *key, size_t len, char owner[65]);

/* Store text[0..n) under key. 0, or -1 (logged). */
int kvstore_put(const struct kvstore *s, struct memcached_st *mc, const char *key, const char *text, size_t n);

/* Append text[0..n) to key's value, creating it when missing. 0, or -1 (logged). */
int kvstore_append(const struct kvstore *s, struct memcached_st *mc, const char *key, const char *text,
                   size_t n);

/* key's value: 1 with *text (NUL-terminated, the caller frees) and *len; 0
 * when there is none (or it expired, or is larger than max_bytes); -1 when
 * the store failed (logged). */
int kvstore_get(const struct kvstore *s, struct memcached_st *mc, const char *key, char **text, size_t *len);

/* Remove key. 0 (also when it was not there), or -1 (logged). */
int kvstore_delete(const struct kvstore *s, struct memcached_st *mc, const char *key);

#endif
