#include "ratelimit/rl_table.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/shm.h"

#define RL_TABLE_MAGIC 0x316d722d726c7462ULL    /* "1mr-rltb" */
#define RL_TABLE_VERSION 1

struct rl_bucket {
    pthread_mutex_t lock;
    struct rl_slot slot[RL_BUCKET_SLOTS];
} __attribute__((aligned(64)));

struct rl_table_hdr {
    _Atomic uint64_t magic;     /* set last, once everything below is ready */
    uint32_t version;
    uint32_t nbuckets;
    uint64_t window_ms;
    uint64_t size;
} __attribute__((aligned(64)));

struct rl_table {
    struct rl_table_hdr *hdr;
    struct rl_bucket *buckets;
    size_t map_size;
    uint32_t nbuckets;
    unsigned lock_timeout_ms;
    _Atomic int64_t last_evict_log_s;   /* evictions are logged once a minute */
    _Atomic int64_t last_dead_log_s;    /* as are recovered locks */
};

static size_t rl_table_size(uint32_t nbuckets)
{
    return sizeof(struct rl_table_hdr) + (size_t)nbuckets * sizeof(struct rl_bucket);
}

static uint32_t rl_table_buckets(unsigned nslots)
{
    return (nslots + RL_BUCKET_SLOTS - 1) / RL_BUCKET_SLOTS;
}

/* Initialise a mapped, zeroed table; magic is published last. */
static int rl_table_format(struct rl_table_hdr *hdr, uint32_t nbuckets, uint64_t window_ms,
                           char *err, size_t errlen)
{
    struct rl_bucket *b = (struct rl_bucket *)(hdr + 1);
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < nbuckets; i++) {
        memset(&b[i], 0, sizeof b[i]);
        rc = shm_mutex_init(&b[i].lock);
    }
    if (rc != 0) {
        snprintf(err, errlen, "rate limiter: cannot set up its locks: %s", strerror(rc));
        return -1;
    }
    hdr->version = RL_TABLE_VERSION;
    hdr->nbuckets = nbuckets;
    hdr->window_ms = window_ms;
    hdr->size = rl_table_size(nbuckets);
    atomic_store_explicit(&hdr->magic, RL_TABLE_MAGIC, memory_order_release);
    return 0;
}

static struct rl_table *rl_table_wrap(void *map, size_t size, uint32_t nbuckets,
                                      unsigned lock_timeout_ms, char *err, size_t errlen)
{
    struct rl_table *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "rate limiter: out of memory");
        return NULL;
    }
    t->hdr = map;
    t->buckets = (struct rl_bucket *)(t->hdr + 1);
    t->map_size = size;
    t->nbuckets = nbuckets;
    t->lock_timeout_ms = lock_timeout_ms;
    return t;
}

struct rl_table *rl_table_new_private(unsigned nslots, uint64_t window_ms,
                                      unsigned lock_timeout_ms, char *err, size_t errlen)
{
    uint32_t nb = rl_table_buckets(nslots);
    size_t size = rl_table_size(nb);
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "rate limiter: cannot allocate %zu bytes: %s", size, strerror(errno));
        return NULL;
    }
    struct rl_table *t = NULL;
    if (rl_table_format(map, nb, window_ms, err, errlen) == 0)
        t = rl_table_wrap(map, size, nb, lock_timeout_ms, err, errlen);
    if (!t)
        munmap(map, size);
    return t;
}

struct rl_table *rl_table_open_shared(const char *name, unsigned nslots, uint64_t window_ms,
                                      unsigned lock_timeout_ms, char *err, size_t errlen)
{
    uint32_t nb = rl_table_buckets(nslots);
    size_t size = rl_table_size(nb);
    struct rl_table *t = NULL;
    void *map = MAP_FAILED;
    int locked = 0;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "RATE_LIMIT_LOCAL_NAME: cannot open shared memory %s: %s", name,
                 strerror(errno));
        goto out;
    }
    /* flock is released by the kernel if we die here, so a creator killed
     * half-way leaves an unmarked table that the next process formats again */
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "rate limiter: cannot lock %s: %s", name, strerror(errno));
            goto out;
        }
    }
    locked = 1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "rate limiter: cannot stat %s: %s", name, strerror(errno));
        goto out;
    }
    if ((size_t)st.st_size != size) {
        if (st.st_size >= (off_t)sizeof(struct rl_table_hdr)) {
            /* a formatted table of another size must not be cut under its users */
            struct rl_table_hdr h;
            if (pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && h.magic == RL_TABLE_MAGIC) {
                snprintf(err, errlen, "RATE_LIMIT_LOCAL_SLOTS: shared memory %s holds %u slots, "
                         "not %u; use the same value everywhere, or another RATE_LIMIT_LOCAL_NAME",
                         name, h.nbuckets * RL_BUCKET_SLOTS, nb * RL_BUCKET_SLOTS);
                goto out;
            }
        }
        if (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)size) != 0) {
            snprintf(err, errlen, "rate limiter: cannot size %s: %s", name, strerror(errno));
            goto out;
        }
    }
    map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "rate limiter: cannot map %s: %s", name, strerror(errno));
        goto out;
    }
    struct rl_table_hdr *hdr = map;
    if (atomic_load_explicit(&hdr->magic, memory_order_acquire) != RL_TABLE_MAGIC) {
        if (rl_table_format(hdr, nb, window_ms, err, errlen) != 0)
            goto out;
    } else if (hdr->version != RL_TABLE_VERSION || hdr->nbuckets != nb || hdr->size != size) {
        snprintf(err, errlen, "RATE_LIMIT_LOCAL_NAME: shared memory %s was made by another "
                 "version of the relay; remove /dev/shm%s or choose another name", name, name);
        goto out;
    } else if (hdr->window_ms != window_ms) {
        snprintf(err, errlen, "RATE_LIMIT_WINDOW_S: shared memory %s counts %llu s windows, "
                 "not %llu s; use the same value everywhere, or another RATE_LIMIT_LOCAL_NAME",
                 name, (unsigned long long)hdr->window_ms / 1000,
                 (unsigned long long)window_ms / 1000);
        goto out;
    }
    t = rl_table_wrap(map, size, nb, lock_timeout_ms, err, errlen);
out:
    if (!t && map != MAP_FAILED)
        munmap(map, size);
    if (locked)
        flock(fd, LOCK_UN);
    if (fd >= 0)
        close(fd);
    return t;
}

void rl_table_close(struct rl_table *t)
{
    if (!t)
        return;
    munmap(t->hdr, t->map_size);
    free(t);
}

/* 1 at most once a minute per stamp, so repeated events log one line. */
static int rl_table_log_due(_Atomic int64_t *stamp)
{
    int64_t now = (int64_t)time(NULL), last = atomic_load(stamp);
    return now - last >= 60 && atomic_compare_exchange_strong(stamp, &last, now);
}

static int rl_bucket_lock(struct rl_table *t, struct rl_bucket *b)
{
    int recovered = 0;
    int rc = shm_mutex_lock(&b->lock, t->lock_timeout_ms, &recovered);
    /* the holder died; a slot it was changing may be off by its one request */
    if (recovered && rl_table_log_due(&t->last_dead_log_s))
        LOG_WARN("rate limiter: recovered a lock held by a process that died");
    return rc;
}

static void rl_slot_roll(struct rl_slot *s, int64_t window)
{
    if (s->window >= window)        /* current (or the clock went back: keep counting) */
        return;
    if (s->window == window - 1) {
        s->prev_req = s->cur_req;
        s->prev_tok = s->cur_tok;
    } else {
        s->prev_req = s->prev_tok = 0;
    }
    s->cur_req = s->cur_tok = 0;
    s->window = window;
}

static int rl_slot_empty(const struct rl_slot *s)
{
    static const uint8_t zero[RL_ID_LEN];
    return memcmp(s->id, zero, RL_ID_LEN) == 0;
}

/* Ordering of slots to give away: empty first, then expired (no count in this
 * window or the previous one), then the oldest window, then the lightest user.
 * 1 when a is the better victim. */
static int rl_slot_less_needed(const struct rl_slot *a, const struct rl_slot *b, int64_t window)
{
    int ra = rl_slot_empty(a) ? 0 : a->window < window - 1 ? 1 : 2;
    int rb = rl_slot_empty(b) ? 0 : b->window < window - 1 ? 1 : 2;
    if (ra != rb || ra < 2)
        return ra < rb;
    if (a->window != b->window)
        return a->window < b->window;
    return a->cur_req + a->prev_req < b->cur_req + b->prev_req;
}

/* The slot of id in b, or the one to give it. Bucket locked. */
static struct rl_slot *rl_bucket_find(struct rl_table *t, struct rl_bucket *b,
                                      const uint8_t id[RL_ID_LEN], int64_t window)
{
    struct rl_slot *victim = &b->slot[0];
    for (int i = 0; i < RL_BUCKET_SLOTS; i++) {
        struct rl_slot *s = &b->slot[i];
        if (memcmp(s->id, id, RL_ID_LEN) == 0)
            return s;
        if (rl_slot_less_needed(s, victim, window))
            victim = s;
    }
    if (!rl_slot_empty(victim) && victim->window >= window - 1 &&
        rl_table_log_due(&t->last_evict_log_s))
        LOG_WARN("rate limiter: table full, a live client's counts were dropped; "
                 "raise RATE_LIMIT_LOCAL_SLOTS");
    memset(victim, 0, sizeof *victim);
    memcpy(victim->id, id, RL_ID_LEN);
    victim->window = window;
    return victim;
}

int rl_table_acquire(struct rl_table *t, const uint8_t id[RL_ID_LEN], int64_t window,
                     struct rl_hold *h)
{
    uint64_t hv;
    memcpy(&hv, id, sizeof hv);
    struct rl_bucket *b = &t->buckets[hv % t->nbuckets];
    if (rl_bucket_lock(t, b) != 0)
        return -1;
    h->table = t;
    h->bucket = b;
    h->slot = rl_bucket_find(t, b, id, window);
    rl_slot_roll(h->slot, window);
    return 0;
}

void rl_table_release(struct rl_hold *h)
{
    struct rl_bucket *b = h->bucket;
    pthread_mutex_unlock(&b->lock);
}

int rl_table_admit(struct rl_table *t, const uint8_t id[RL_ID_LEN], const struct rl_limits *lim,
                   uint64_t req_cost, uint64_t tok_cost, const struct rl_time *now,
                   struct rl_verdict *v)
{
    struct rl_hold h;
    if (rl_table_acquire(t, id, now->window, &h) != 0)
        return -1;
    struct rl_slot *s = h.slot;
    struct rl_dim req = { lim->requests, s->cur_req, s->prev_req };
    struct rl_dim tok = { lim->tokens, s->cur_tok, s->prev_tok };
    rl_judge(&req, &tok, req_cost, tok_cost, now, v);
    if (v->admitted) {
        s->cur_req += req_cost;
        s->cur_tok += tok_cost;
    }
    rl_table_release(&h);
    return 0;
}

static uint64_t rl_sub_floor0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

int rl_table_undo(struct rl_table *t, const uint8_t id[RL_ID_LEN], int64_t window,
                  uint64_t req_cost, uint64_t tok_cost)
{
    struct rl_hold h;
    if (rl_table_acquire(t, id, window, &h) != 0)
        return -1;
    struct rl_slot *s = h.slot;
    if (s->window == window) {
        s->cur_req = rl_sub_floor0(s->cur_req, req_cost);
        s->cur_tok = rl_sub_floor0(s->cur_tok, tok_cost);
    } else if (s->window == window + 1) {
        s->prev_req = rl_sub_floor0(s->prev_req, req_cost);
        s->prev_tok = rl_sub_floor0(s->prev_tok, tok_cost);
    }
    rl_table_release(&h);
    return 0;
}

int rl_table_charge(struct rl_table *t, const uint8_t id[RL_ID_LEN], const struct rl_time *now,
                    uint64_t tokens)
{
    struct rl_hold h;
    if (rl_table_acquire(t, id, now->window, &h) != 0)
        return -1;
    h.slot->cur_tok += tokens;
    rl_table_release(&h);
    return 0;
}
