/* tok_hash: the hash of a token's bytes, shared by the build-time table
 * generator (tok_gen.c) and the run-time lookup (tok_vocab.c). Both run on
 * the build host, so the word loads may use the host's byte order.
 * Thread rule: pure, any thread. */
#ifndef RELAY_TOKENIZER_TOK_HASH_H
#define RELAY_TOKENIZER_TOK_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t tok_hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

/* A fast multiplicative hash of n bytes (tokens are short: 1..128 bytes). */
static inline uint64_t tok_hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) * (n + 1);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
        h = (h << 29) | (h >> 35);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
    }
    return tok_hash_mix(h);
}

#endif
