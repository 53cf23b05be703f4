/* sha256: FIPS 180-4 SHA-256, for content-addressing uploads (the upload
 * cache keys assets by the hash of their bytes and of the API key).
 *
 * Pure, no allocation. A context belongs to one thread. */
#ifndef RELAY_MEDIA_SHA256_H
#define RELAY_MEDIA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
    uint32_t h[8];
    uint64_t total;            /* bytes hashed so far */
    unsigned char block[64];
    size_t fill;               /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);

/* One call: the digest of p[0..n) as 64 lower-case hex digits plus NUL. */
void sha256_hex(const void *p, size_t n, char out[SHA256_HEX_LEN + 1]);

#endif
