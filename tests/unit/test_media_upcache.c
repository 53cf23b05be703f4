/* Unit tests: the per-host upload cache in files (src/media/upcache.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "onemin/media.h"
#include "onemin/upcache.h"
#include "tap.h"

int main(void)
{
    char base[] = "/tmp/test-upcache-XXXXXX";
    if (!mkdtemp(base)) {
        ok(0, "mkdtemp");
        return tap_done();
    }
    struct media_config c;
    memset(&c, 0, sizeof c);
    c.cache_ttl_s = 60;
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/a/b/uploads", base);

    char k1[UPCACHE_KEY_LEN + 1], k2[UPCACHE_KEY_LEN + 1], k3[UPCACHE_KEY_LEN + 1], k4[UPCACHE_KEY_LEN + 1];
    char k5[UPCACHE_KEY_LEN + 1];
    const char *up = "https://api.1min.ai/api/assets";
    upcache_key("key-one", 7, "bytes", 5, up, k1);
    upcache_key("key-two", 7, "bytes", 5, up, k2);
    upcache_key("key-one", 7, "other", 5, up, k3);
    upcache_key("key-one", 7, "bytes", 5, up, k4);
    upcache_key("key-one", 7, "bytes", 5, "http://127.0.0.1:9/api/assets", k5);
    ok(strlen(k1) == 64 && strspn(k1, "0123456789abcdef") == 64, "the key is 64 hex digits");
    ok(strcmp(k1, k2) != 0, "another API key gives another key");
    ok(strcmp(k1, k3) != 0, "other bytes give another key");
    is_str(k1, k4, "the same key and bytes give the same key");
    ok(strcmp(k1, k5) != 0, "another asset endpoint gives another key");
    ok(strstr(k1, "key-one") == NULL, "the API key is not in the cache key");

    char path[MEDIA_PATH_MAX];
    is_int(upcache_get(&c, NULL, k1, path, sizeof path), 0, "miss before anything is stored");
    upcache_put(&c, NULL, k1, "images/2026_01_01_photo.png");
    struct stat st;
    ok(stat(c.cache_dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
       "the cache directory is created with mode 0700 (parents included)");
    is_int(upcache_get(&c, NULL, k1, path, sizeof path), 1, "hit after a put");
    is_str(path, "images/2026_01_01_photo.png", "the stored path comes back");
    is_int(upcache_get(&c, NULL, k2, path, sizeof path), 0, "another account's key misses");
    is_int(upcache_get(&c, NULL, k1, path, 10), 0, "a path longer than the caller's buffer is a miss");

    /* expiry: age the entry past the TTL */
    char file[MEDIA_PATH_MAX + 80];
    snprintf(file, sizeof file, "%s/%s", c.cache_dir, k1);
    struct timeval old[2] = { { time(NULL) - 120, 0 }, { time(NULL) - 120, 0 } };
    ok(utimes(file, old) == 0, "entry aged by two minutes");
    is_int(upcache_get(&c, NULL, k1, path, sizeof path), 0, "an expired entry misses");
    ok(access(file, F_OK) != 0, "and is removed");

    upcache_put(&c, NULL, k3, "bad path\nwith newline");
    is_int(upcache_get(&c, NULL, k3, path, sizeof path), 0, "a path with spaces or newlines is never stored");

    struct media_config off = c;
    off.cache_ttl_s = 0;
    upcache_put(&off, NULL, k3, "images/x.png");
    is_int(upcache_get(&c, NULL, k3, path, sizeof path), 0, "TTL 0: nothing is stored");
    is_int(upcache_get(&off, NULL, k1, path, sizeof path), 0, "TTL 0: nothing is read");

    /* a directory open to others is not used */
    ok(chmod(c.cache_dir, 0777) == 0, "cache directory opened to everyone");
    upcache_put(&c, NULL, k3, "images/y.png");
    snprintf(file, sizeof file, "%s/%s", c.cache_dir, k3);
    ok(access(file, F_OK) != 0, "nothing is written into a directory others can write");
    chmod(c.cache_dir, 0700);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ok(system(cmd) == 0, "clean up");
    return tap_done();
}
