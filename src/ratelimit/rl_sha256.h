/* rl_sha256: SHA-256 (FIPS 180-4), so that rate-limit keys name a client or an
 * API key by a digest and never by the key itself. Self-contained: the relay
 * does not link libcrypto.
 *
 * Thread rule: a context belongs to one thread; the functions keep no state. */
#ifndef RELAY_RATELIMIT_RL_SHA256_H
#define RELAY_RATELIMIT_RL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RL_SHA256_LEN 32

struct rl_sha256 {
    uint32_t h[8];
    uint64_t total;        /* bytes hashed so far */
    uint8_t block[64];
    size_t used;           /* bytes waiting in block */
};

void rl_sha256_init(struct rl_sha256 *c);
void rl_sha256_update(struct rl_sha256 *c, const void *p, size_t n);
void rl_sha256_final(struct rl_sha256 *c, uint8_t out[RL_SHA256_LEN]);

/* One-shot digest of n bytes at p. */
void rl_sha256(const void *p, size_t n, uint8_t out[RL_SHA256_LEN]);

#endif
