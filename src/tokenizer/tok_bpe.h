/* tok_bpe: byte-pair merging of one piece by rank, as tiktoken does it:
 * repeatedly merge the adjacent pair whose concatenation has the lowest rank
 * (the leftmost on ties) until no pair is a token. Short pieces use
 * tiktoken's own array scan; long ones a linked list with the pairs queued
 * in per-rank buckets, so that a megabyte with no break costs about
 * O(n log n) with mostly sequential memory access, not O(n^2).
 *
 * Thread rule: a struct tok_bpe_scratch belongs to one thread. */
#ifndef RELAY_TOKENIZER_TOK_BPE_H
#define RELAY_TOKENIZER_TOK_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer/tok_vocab.h"

/* Growable arrays reused across the pieces of one text; zero-initialise,
 * release with tok_bpe_scratch_free. */
/* Bucket storage: a list of cache-line-sized blocks of pair positions. */
#define TOK_BPE_BLOCK 14
struct tok_bpe_block {
    uint32_t link;                  /* 1 + index of the next (older) block, 0 = end */
    uint32_t used;
    uint32_t pos[TOK_BPE_BLOCK];    /* start of the left token of each pair */
};

/* A token of a long piece, named by its start byte. */
struct tok_bpe_node {
    uint32_t next;   /* start of the next token (the piece length at the end) */
    uint32_t prev;   /* start of the previous token */
    uint32_t rank;   /* rank of this token merged with the next, or TOK_NO_RANK */
};

struct tok_bpe_scratch {
    struct tok_bpe_node *nodes;     /* per byte position of the piece */
    size_t    nodes_cap;
    uint32_t *bucket;               /* per rank: 1 + index of its newest block, 0 = empty */
    uint64_t *nonempty;             /* bitmap of the non-empty buckets */
    size_t    n_ranks;              /* what bucket and nonempty were sized for */
    struct tok_bpe_block *pool;     /* blocks of all buckets */
    size_t    pool_len, pool_cap;
    uint32_t  free_blocks;          /* 1 + index of the first drained block, 0 = none */
    uint32_t *batch, *sort_tmp;     /* positions of the bucket being drained */
    size_t    batch_cap, sort_tmp_cap;
    uint64_t *early;                /* min-heap of rank << 32 | pos: pairs that */
    size_t    early_len, early_cap; /* rank at or below the bucket being drained */
};

/* A growable id array (owned by the caller: free(ids)). */
struct tok_ids {
    uint32_t *ids;
    size_t    len, cap;
};

/* Encode p[0..n) (n > 0). Appends the ranks to out unless out is NULL.
 * Returns the number of tokens, or (size_t)-1 when out of memory. */
size_t tok_bpe_piece(const struct tok_vocab *v, const unsigned char *p, size_t n,
                     struct tok_ids *out, struct tok_bpe_scratch *scratch);

void tok_bpe_scratch_free(struct tok_bpe_scratch *scratch);

/* Append one id; 0, or -1 when out of memory. */
int tok_ids_push(struct tok_ids *out, uint32_t id);

#endif
