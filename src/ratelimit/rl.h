/* rl: per-client (and optionally per-API-key) request and token limits per
 * minute, exact across every thread, process and host that shares a store.
 *
 * Stores (RATE_LIMIT_STORE): "local" (default) keeps the counters in POSIX
 * shared memory for every process of this user on the host (rl_table.h);
 * "memcached://h:p[,h:p...]" keeps them in memcached for many hosts (rl_mc.h);
 * "off" disables limiting. Each subject has a packed requests+tokens counter
 * per window; admission increments first and undoes a refusal, so concurrent
 * admissions can never pass the limit. The limit is a sliding window: the
 * current window plus the previous one weighted by its remaining overlap
 * (rl_window.h).
 *
 * When the store fails (memcached down, slow or refusing) the relay fails open
 * onto a per-process fallback table with the same limits (or answers 503 with
 * RATE_LIMIT_FAIL=closed), logs at most once a minute, never waits longer than
 * RATE_LIMIT_TIMEOUT_MS, and tries the store again after RATE_LIMIT_RETRY_S.
 *
 * Thread rule: struct rl is built before the workers start and shared by them
 * (its mutable parts are atomics or under locks); each worker thread has its
 * own rl_thread. */
#ifndef RELAY_RATELIMIT_RL_H
#define RELAY_RATELIMIT_RL_H

#include <stddef.h>
#include <stdint.h>

#include "ratelimit/rl_client.h"
#include "ratelimit/rl_table.h"
#include "ratelimit/rl_window.h"

#define RL_MAX_TRUSTED 32
#define RL_NAME_MAX 200
#define RL_PREFIX_MAX 64

struct memcached_st;
struct mcconn_config;   /* core/mcconn.h */

enum rl_store_kind { RL_STORE_OFF, RL_STORE_LOCAL, RL_STORE_MEMCACHED };
enum rl_fail_mode { RL_FAIL_OPEN, RL_FAIL_CLOSED };

struct rl_config {
    enum rl_store_kind store;          /* RATE_LIMIT_STORE */
    const char *memcached_servers;     /* after "memcached://"; borrowed from the environment */
    struct rl_limits client;           /* RATE_LIMIT_RPM, RATE_LIMIT_TPM */
    struct rl_limits key;              /* RATE_LIMIT_KEY_RPM, RATE_LIMIT_KEY_TPM (0 = off) */
    struct cidr trusted[RL_MAX_TRUSTED];  /* RATE_LIMIT_TRUSTED_PROXIES */
    size_t ntrusted;
    enum rl_fail_mode fail;            /* RATE_LIMIT_FAIL */
    unsigned timeout_ms;               /* RATE_LIMIT_TIMEOUT_MS */
    unsigned retry_s;                  /* RATE_LIMIT_RETRY_S */
    unsigned window_s;                 /* RATE_LIMIT_WINDOW_S */
    uint64_t image_tokens;             /* RATE_LIMIT_IMAGE_TOKENS */
    uint64_t audio_tokens;             /* RATE_LIMIT_AUDIO_TOKENS */
    char local_name[RL_NAME_MAX + 2];  /* "/" + RATE_LIMIT_LOCAL_NAME */
    unsigned local_slots;              /* RATE_LIMIT_LOCAL_SLOTS */
    char key_prefix[RL_PREFIX_MAX + 1];/* RATE_LIMIT_KEY_PREFIX */
    unsigned ipv6_prefix;              /* RATE_LIMIT_IPV6_PREFIX */
};

/* Read RATE_LIMIT_* from the environment; a bad value -> -1 with a message
 * naming the variable. */
int rl_config_load(struct rl_config *c, char *err, size_t errlen);

/* The settings of the memcached store's connections (the servers of
 * RATE_LIMIT_STORE, RATE_LIMIT_TIMEOUT_MS, RATE_LIMIT_RETRY_S) into out:
 * 1, or 0 when the store is not memcached, or -1 with a message naming
 * RATE_LIMIT_STORE. Each worker opens its handle from them (mcconn_open). */
int rl_memcached_config(const struct rl_config *c, struct mcconn_config *out, char *err,
                        size_t errlen);

/* Create the process-wide limiter for `threads` worker threads. Returns NULL
 * with err[0] == '\0' when RATE_LIMIT_STORE=off, NULL with a message in err on
 * failure. c is copied. Release with rl_destroy. */
struct rl *rl_create(const struct rl_config *c, unsigned threads, char *err, size_t errlen);
void rl_destroy(struct rl *rl);

/* Per worker thread state (counters, the memcached store over mc); NULL rl
 * gives NULL, as does running out of memory. mc is the thread's handle
 * (mcconn_open), borrowed: it must stay open until rl_thread_free. With a
 * memcached store and mc NULL (the handle could not be opened) the thread
 * limits on the fallback. Free it on the thread that used it, before
 * rl_destroy. */
struct rl_thread *rl_thread_new(struct rl *rl, struct memcached_st *mc);
void rl_thread_free(struct rl_thread *t);

/* What admission remembers for the later charge: digests, no pointers. */
struct rl_ticket {
    int active;                        /* 0: nothing to charge */
    int has_key;
    uint8_t client[RL_ID_LEN];
    uint8_t key[RL_ID_LEN];
};

/* The configured fixed token cost of an image request and an audio request
 * (0 for a NULL rl). */
uint64_t rl_image_cost(const struct rl *rl);
uint64_t rl_audio_cost(const struct rl *rl);

/* ---- The decision: rl_check judges, the api layer (api/admit) turns the
 * result into headers and errors. */

enum rl_outcome {
    RL_ADMITTED,
    RL_REFUSED,          /* over a limit: 429, retry after retry_ms */
    RL_TOO_LARGE,        /* the tokens alone exceed a whole window's limit: 429, not retryable */
    RL_UNAVAILABLE,      /* the store failed and RATE_LIMIT_FAIL=closed: 503 */
};

struct rl_result {
    enum rl_outcome outcome;
    int degraded;        /* the store failed; the fallback (if any) decided */
    int by_key;          /* refused on the API key's limits, not the client's */
    int on_tokens;       /* refused on tokens, not requests */
    uint64_t retry_ms;   /* RL_REFUSED / RL_UNAVAILABLE: ms until a retry can succeed */
    uint64_t tokens;     /* the cost asked for */
    struct rl_state req, tok;  /* for the headers: the tighter of client and key */
};

/* The window length in seconds (RATE_LIMIT_WINDOW_S). */
unsigned rl_window_seconds(const struct rl *rl);

/* The client identity of a request from peer remote_addr with X-Forwarded-For
 * xff (may be NULL), as rl_client_id with this limiter's settings. */
int rl_client_of(const struct rl *rl, const char *remote_addr, const char *xff, char *out,
                 size_t outlen);

/* Judge and count one request of client (an identity from rl_client_of) and
 * api_key (NULL or not used unless per-key limits are set). t may be NULL only
 * when memcached is not the store. ticket is always initialised. */
void rl_check(struct rl *rl, struct rl_thread *t, const char *client, const char *api_key,
              size_t key_len, uint64_t tokens, struct rl_result *res, struct rl_ticket *ticket);

/* Charge tokens to an admitted ticket. */
void rl_charge_ticket(struct rl *rl, struct rl_thread *t, const struct rl_ticket *ticket,
                      uint64_t tokens);

/* Store round trips made by one thread (memcached only), for the benchmark. */
struct rl_stats {
    uint64_t admissions, charges;
    uint64_t admit_round_trips, charge_round_trips;
    uint64_t store_failures;           /* operations that failed and fell back */
};
void rl_thread_stats(const struct rl_thread *t, struct rl_stats *out);

#endif
