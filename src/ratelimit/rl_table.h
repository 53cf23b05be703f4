/* rl_table: a fixed-size table of per-subject window counters, either in a
 * POSIX shared-memory object (the "local" store: one exact limit for every
 * process and thread of this user on the host, CGI included) or in private
 * memory (the per-process fallback while memcached is unreachable).
 *
 * Layout: buckets of RL_BUCKET_SLOTS slots, each bucket under its own robust,
 * process-shared mutex. A process killed while holding one leaves it to the
 * next locker (EOWNERDEAD), which marks it consistent and carries on. A subject
 * lives in the bucket its id hashes to; a new subject takes an empty or expired
 * slot, else evicts the least used one (logged at most once a minute).
 *
 * The shared object is created and initialised under flock(2) on its
 * descriptor, which the kernel releases if the creator dies, so a half-built
 * table is simply built again by the next process.
 *
 * Thread rule: every function may be called from any thread; an rl_hold
 * belongs to the thread that acquired it. */
#ifndef RELAY_RATELIMIT_RL_TABLE_H
#define RELAY_RATELIMIT_RL_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "ratelimit/rl_window.h"

#define RL_ID_LEN 16
#define RL_BUCKET_SLOTS 8

struct rl_table;

struct rl_slot {
    uint8_t id[RL_ID_LEN];   /* all zero: empty */
    int64_t window;          /* window index of the cur_* counts */
    uint64_t cur_req, cur_tok;
    uint64_t prev_req, prev_tok;
};

/* A locked slot. */
struct rl_hold {
    struct rl_table *table;
    void *bucket;
    struct rl_slot *slot;
};

/* Open the shared table "/name" (created when missing), or fail with a message
 * when it exists with another geometry. nslots is rounded up to whole buckets.
 * lock_timeout_ms bounds every wait for a bucket. Release with rl_table_close
 * (the object itself stays for the other processes; shm_unlink removes it). */
struct rl_table *rl_table_open_shared(const char *name, unsigned nslots, uint64_t window_ms,
                                      unsigned lock_timeout_ms, char *err, size_t errlen);
/* A table in this process's memory only. */
struct rl_table *rl_table_new_private(unsigned nslots, uint64_t window_ms,
                                      unsigned lock_timeout_ms, char *err, size_t errlen);
void rl_table_close(struct rl_table *t);

/* Lock id's bucket and return its slot, rolled forward to window (a fresh slot
 * when the id is new). Returns 0, or -1 when the lock could not be had within
 * the timeout. Release with rl_table_release as soon as possible. */
int rl_table_acquire(struct rl_table *t, const uint8_t id[RL_ID_LEN], int64_t window,
                     struct rl_hold *h);
void rl_table_release(struct rl_hold *h);

/* Judge and, when admitted, count a request of id under the lock. 0 or -1. */
int rl_table_admit(struct rl_table *t, const uint8_t id[RL_ID_LEN], const struct rl_limits *lim,
                   uint64_t req_cost, uint64_t tok_cost, const struct rl_time *now,
                   struct rl_verdict *v);
/* Take back an admission made in window (no-op once that window is gone). */
int rl_table_undo(struct rl_table *t, const uint8_t id[RL_ID_LEN], int64_t window,
                  uint64_t req_cost, uint64_t tok_cost);
/* Add tokens used in the window of now. */
int rl_table_charge(struct rl_table *t, const uint8_t id[RL_ID_LEN], const struct rl_time *now,
                    uint64_t tokens);

#endif
