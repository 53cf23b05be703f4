/* tok_vocab: one encoding's mergeable ranks, as compiled-in read-only tables.
 *
 * The tables are generated at build time by tok_gen from the committed
 * data/<encoding>.tiktoken files, so a process pays nothing to load them:
 * they are mapped from the executable and paged in on first touch. Being
 * const, they are shared by all threads without locking. */
#ifndef RELAY_TOKENIZER_TOK_VOCAB_H
#define RELAY_TOKENIZER_TOK_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#define TOK_NO_RANK UINT32_MAX
#define TOK_SLOT_RANK_BITS 18            /* ranks + 1 must fit: < 262144 tokens */
#define TOK_SLOT_RANK_MASK ((UINT32_C(1) << TOK_SLOT_RANK_BITS) - 1)
/* The tag kept in a slot: hash bits not used for the slot index. */
#define TOK_SLOT_TAG(hash) ((uint32_t)((hash) >> 50) << TOK_SLOT_RANK_BITS)

struct tok_vocab {
    const char          *name;        /* "o200k_base" */
    uint32_t             n_tokens;    /* ranks are 0 .. n_tokens-1 */
    uint32_t             max_len;     /* longest token, bytes */
    uint32_t             slot_mask;   /* hash table size - 1 (a power of two) */
    const unsigned char *bytes;       /* all tokens' bytes, in rank order */
    const uint32_t      *offsets;     /* token r is bytes[offsets[r] .. offsets[r+1]) */
    /* Open addressing, linear probing. A slot is 0 (empty) or
     * (hash tag << TOK_SLOT_RANK_BITS) | (rank + 1): the tag settles most
     * misses without touching the token's bytes. */
    const uint32_t      *slots;
    const uint32_t      *pair_rank;   /* [b0 << 8 | b1]: rank of a 2-byte token or TOK_NO_RANK */
    uint32_t             byte_rank[256]; /* rank of each single byte */
};

extern const struct tok_vocab tok_vocab_o200k_base;
extern const struct tok_vocab tok_vocab_cl100k_base;

/* The rank of the token whose bytes are p[0..n), or TOK_NO_RANK. */
uint32_t tok_vocab_rank(const struct tok_vocab *v, const unsigned char *p, size_t n);

/* Total bytes of v's tables (for memory reports). */
size_t tok_vocab_table_bytes(const struct tok_vocab *v);

#endif
