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

struct tok_vocab {
    const char          *name;        /* "o200k_base" */
    uint32_t             n_tokens;    /* ranks are 0 .. n_tokens-1 */
    uint32_t             max_len;     /* longest token, bytes */
    uint32_t             slot_mask;   /* hash table size - 1 (a power of two) */
    const unsigned char *bytes;       /* all tokens' bytes, in rank order */
    const uint32_t      *offsets;     /* token r is bytes[offsets[r] .. offsets[r+1]) */
    const uint32_t      *slots;       /* open addressing, linear probing: rank + 1, 0 = empty */
    uint32_t             byte_rank[256]; /* rank of each single byte */
};

extern const struct tok_vocab tok_vocab_o200k_base;
extern const struct tok_vocab tok_vocab_cl100k_base;

/* The rank of the token whose bytes are p[0..n), or TOK_NO_RANK. */
uint32_t tok_vocab_rank(const struct tok_vocab *v, const unsigned char *p, size_t n);

/* Total bytes of v's tables (for memory reports). */
size_t tok_vocab_table_bytes(const struct tok_vocab *v);

#endif
