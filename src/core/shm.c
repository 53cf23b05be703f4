#include "core/shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int shm_format(void *map, size_t size, uint64_t magic, uint32_t version,
                      shm_format_fn format, void *ud, char *err, size_t errlen)
{
    struct shm_hdr *h = map;
    memset(map, 0, size);
    if (format && format(map, ud, err, errlen) != 0)
        return -1;
    h->version = version;
    h->size = size;
    atomic_store_explicit(&h->magic, magic, memory_order_release);
    return 0;
}

void *shm_private(size_t size, uint64_t magic, uint32_t version, shm_format_fn format, void *ud,
                  char *err, size_t errlen)
{
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate %zu bytes: %s", size, strerror(errno));
        return NULL;
    }
    if (shm_format(map, size, magic, version, format, ud, err, errlen) != 0) {
        munmap(map, size);
        return NULL;
    }
    return map;
}

void *shm_attach(const char *name, const char *var, size_t size, uint64_t magic, uint32_t version,
                 shm_format_fn format, void *ud, char *err, size_t errlen)
{
    void *map = MAP_FAILED, *ret = NULL;
    int locked = 0;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open shared memory %s: %s", var, name, strerror(errno));
        goto out;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "%s: cannot lock %s: %s", var, name, strerror(errno));
            goto out;
        }
    }
    locked = 1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat %s: %s", var, name, strerror(errno));
        goto out;
    }
    if ((size_t)st.st_size != size) {
        struct shm_hdr h;
        /* a finished object of another size must not be cut under its users */
        if (st.st_size >= (off_t)sizeof h && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
            h.magic == magic) {
            snprintf(err, errlen, "%s: shared memory %s was made by another version of the relay "
                     "(%llu bytes, not %zu); remove /dev/shm%s or choose another name",
                     var, name, (unsigned long long)st.st_size, size, name);
            goto out;
        }
        if (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)size) != 0) {
            snprintf(err, errlen, "%s: cannot size %s: %s", var, name, strerror(errno));
            goto out;
        }
    }
    map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map %s: %s", var, name, strerror(errno));
        goto out;
    }
    struct shm_hdr *hdr = map;
    if (atomic_load_explicit(&hdr->magic, memory_order_acquire) != magic) {
        if (shm_format(map, size, magic, version, format, ud, err, errlen) != 0)
            goto out;
    } else if (hdr->version != version || hdr->size != size) {
        snprintf(err, errlen, "%s: shared memory %s was made by another version of the relay; "
                 "remove /dev/shm%s or choose another name", var, name, name);
        goto out;
    }
    ret = map;
out:
    if (!ret && map != MAP_FAILED)
        munmap(map, size);
    if (locked)
        flock(fd, LOCK_UN);
    if (fd >= 0)
        close(fd);
    return ret;
}

void shm_detach(void *map, size_t size)
{
    if (map)
        munmap(map, size);
}

int shm_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    int rc = pthread_mutexattr_init(&a);
    if (rc != 0)
        return rc;
    rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return rc;
}

int shm_mutex_lock(pthread_mutex_t *m, unsigned timeout_ms, int *recovered)
{
    int rc = pthread_mutex_trylock(m);
    if (rc == EBUSY) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        until.tv_sec += timeout_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        rc = pthread_mutex_timedlock(m, &until);
    }
    if (rc == EOWNERDEAD) {
        if (recovered)
            *recovered = 1;
        rc = pthread_mutex_consistent(m);
    }
    return rc == 0 ? 0 : -1;
}
