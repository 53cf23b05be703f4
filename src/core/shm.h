/* shm: a fixed-size POSIX shared-memory object that every relay process of
 * the host maps, created and formatted exactly once, and robust,
 * process-shared locks inside it.
 *
 * The object starts with a struct shm_hdr. shm_attach opens or creates it
 * under flock(2) on its descriptor (which the kernel releases if the holder
 * dies), so a creator killed half-way leaves an object without its magic,
 * which the next process simply formats again. The magic is published last,
 * with release order. An object with the magic but another version or size
 * belongs to another build of the relay and is refused with a message.
 *
 * Thread rule: shm_attach and shm_detach run before worker threads start or
 * after they stop; the locks may be used from any thread of any process. */
#ifndef RELAY_CORE_SHM_H
#define RELAY_CORE_SHM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct shm_hdr {
    _Atomic uint64_t magic;     /* set last, once everything after it is ready */
    uint32_t version;
    uint32_t reserved;
    uint64_t size;
};

/* Called on a zeroed map of a new object, under the creation lock; fills the
 * caller's layout after the header. Returns 0, or -1 with a message in err. */
typedef int (*shm_format_fn)(void *map, void *ud, char *err, size_t errlen);

/* Map the object "/name" of size bytes (size includes the header), creating
 * and formatting it when it is missing or was never finished. var names the
 * variable that chose the name, for messages. Returns the map, or NULL with a
 * message in err. */
void *shm_attach(const char *name, const char *var, size_t size, uint64_t magic, uint32_t version,
                 shm_format_fn format, void *ud, char *err, size_t errlen);
/* The same layout in this process's memory only (nothing shared). */
void *shm_private(size_t size, uint64_t magic, uint32_t version, shm_format_fn format, void *ud,
                  char *err, size_t errlen);
void shm_detach(void *map, size_t size);

/* Initialise m as a robust, process-shared mutex. 0 or an errno value. */
int shm_mutex_init(pthread_mutex_t *m);
/* Lock m, waiting at most timeout_ms. A lock whose holder died is taken over
 * and marked consistent; *recovered (may be NULL) is then set to 1. Returns 0,
 * or -1 when the lock could not be had in time. */
int shm_mutex_lock(pthread_mutex_t *m, unsigned timeout_ms, int *recovered);

#endif
