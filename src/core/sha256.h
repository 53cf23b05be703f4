/* sha256: SHA-256 (FIPS 180-4), so that rate-limit keys and cache keys name a
 * client, an API key or content by a digest and never by the value itself.
 * Self-contained: the relay does not link libcrypto.
 *
 * Thread rule: a context belongs to one thread; the functions keep no state. */
#ifndef RELAY_CORE_SHA256_H
#define RELAY_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
    uint32_t h[8];
    uint64_t total;        /* bytes hashed so far */
    uint8_t block[64];
    size_t used;           /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);

/* One-shot digest of n bytes at p. */
void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);

#endif
