/* tok_bpe: merging a piece into tokens (see tok_bpe.h). */
#include "tokenizer/tok_bpe.h"

#include <stdlib.h>

/* Up to this many bytes, the O(n^2) scan over a small array is faster than
 * the heap (and needs no allocation). */
#define SMALL_PIECE 96

int tok_ids_push(struct tok_ids *out, uint32_t id)
{
    if (out->len == out->cap) {
        size_t ncap = out->cap ? out->cap * 2 : 256;
        uint32_t *grown = realloc(out->ids, ncap * sizeof *grown);
        if (!grown)
            return -1;
        out->ids = grown;
        out->cap = ncap;
    }
    out->ids[out->len++] = id;
    return 0;
}

void tok_bpe_scratch_free(struct tok_bpe_scratch *scratch)
{
    free(scratch->next);
    free(scratch->prev);
    free(scratch->rank);
    free(scratch->heap);
    *scratch = (struct tok_bpe_scratch){ 0 };
}

/* tiktoken's _byte_pair_merge on a stack array. bound[] holds the token
 * boundaries; pair[j] is the rank of tokens j and j+1 merged. */
static size_t merge_small(const struct tok_vocab *v, const unsigned char *p, size_t n,
                          struct tok_ids *out)
{
    uint32_t bound[SMALL_PIECE + 1], pair[SMALL_PIECE];
    size_t nb = n + 1;

    for (size_t j = 0; j <= n; j++)
        bound[j] = (uint32_t)j;
    for (size_t j = 0; j + 2 < nb; j++)
        pair[j] = tok_vocab_rank(v, p + j, 2);
    for (;;) {
        uint32_t best = TOK_NO_RANK;
        size_t at = 0;
        for (size_t j = 0; j + 2 < nb; j++)
            if (pair[j] < best) {
                best = pair[j];
                at = j;
            }
        if (best == TOK_NO_RANK)
            break;
        /* Drop boundary at+1: tokens at and at+1 become one. */
        for (size_t j = at + 1; j + 1 < nb; j++)
            bound[j] = bound[j + 1];
        for (size_t j = at + 1; j + 2 < nb - 1; j++)
            pair[j] = pair[j + 1];
        nb--;
        if (at + 2 < nb)
            pair[at] = tok_vocab_rank(v, p + bound[at], bound[at + 2] - bound[at]);
        if (at > 0)
            pair[at - 1] = tok_vocab_rank(v, p + bound[at - 1], bound[at + 1] - bound[at - 1]);
    }
    if (out)
        for (size_t j = 0; j + 1 < nb; j++)
            if (tok_ids_push(out, tok_vocab_rank(v, p + bound[j], bound[j + 1] - bound[j])) != 0)
                return (size_t)-1;
    return nb - 1;
}

static int heap_push(struct tok_bpe_scratch *h, uint64_t key)
{
    if (h->heap_len == h->heap_cap) {
        size_t ncap = h->heap_cap ? h->heap_cap * 2 : 1024;
        uint64_t *grown = realloc(h->heap, ncap * sizeof *grown);
        if (!grown)
            return -1;
        h->heap = grown;
        h->heap_cap = ncap;
    }
    size_t i = h->heap_len++;
    while (i > 0 && h->heap[(i - 1) / 2] > key) {
        h->heap[i] = h->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->heap[i] = key;
    return 0;
}

static uint64_t heap_pop(struct tok_bpe_scratch *h)
{
    uint64_t top = h->heap[0], last = h->heap[--h->heap_len];
    size_t i = 0, n = h->heap_len;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && h->heap[child + 1] < h->heap[child])
            child++;
        if (h->heap[child] >= last)
            break;
        h->heap[i] = h->heap[child];
        i = child;
    }
    if (n)
        h->heap[i] = last;
    return top;
}

static int reserve_nodes(struct tok_bpe_scratch *s, size_t n)
{
    if (n <= s->nodes_cap)
        return 0;
    uint32_t *a = realloc(s->next, n * sizeof *a);
    if (!a)
        return -1;
    s->next = a;
    if (!(a = realloc(s->prev, n * sizeof *a)))
        return -1;
    s->prev = a;
    if (!(a = realloc(s->rank, n * sizeof *a)))
        return -1;
    s->rank = a;
    s->nodes_cap = n;
    return 0;
}

/* The same merges with a min-heap of (pair rank, start) keys over a doubly
 * linked list of tokens, each named by its start byte. A key is stale when
 * its token has since changed rank (or been merged away: rank NO_RANK). */
static size_t merge_large(const struct tok_vocab *v, const unsigned char *p, size_t n,
                          struct tok_ids *out, struct tok_bpe_scratch *s)
{
    size_t count = n;

    if (n >= UINT32_MAX || reserve_nodes(s, n) != 0)
        return (size_t)-1;
    uint32_t *next = s->next, *prev = s->prev, *rank = s->rank;
    s->heap_len = 0;
    for (size_t i = 0; i < n; i++) {
        next[i] = (uint32_t)(i + 1);
        prev[i] = (uint32_t)(i - 1);   /* prev[0] is never read */
        rank[i] = i + 1 < n ? tok_vocab_rank(v, p + i, 2) : TOK_NO_RANK;
        if (rank[i] != TOK_NO_RANK && heap_push(s, ((uint64_t)rank[i] << 32) | i) != 0)
            return (size_t)-1;
    }
    while (s->heap_len) {
        uint64_t key = heap_pop(s);
        uint32_t i = (uint32_t)key, r = (uint32_t)(key >> 32);
        if (rank[i] != r)
            continue;
        uint32_t j = next[i], k = next[j];
        next[i] = k;
        if (k < n)
            prev[k] = i;
        rank[j] = TOK_NO_RANK;
        count--;
        rank[i] = k < n ? tok_vocab_rank(v, p + i, next[k] - i) : TOK_NO_RANK;
        if (rank[i] != TOK_NO_RANK && heap_push(s, ((uint64_t)rank[i] << 32) | i) != 0)
            return (size_t)-1;
        if (i > 0) {
            uint32_t h = prev[i];
            rank[h] = tok_vocab_rank(v, p + h, k - h);
            if (rank[h] != TOK_NO_RANK && heap_push(s, ((uint64_t)rank[h] << 32) | h) != 0)
                return (size_t)-1;
        }
    }
    if (out)
        for (size_t i = 0; i < n; i = next[i])
            if (tok_ids_push(out, tok_vocab_rank(v, p + i, next[i] - i)) != 0)
                return (size_t)-1;
    return count;
}

size_t tok_bpe_piece(const struct tok_vocab *v, const unsigned char *p, size_t n,
                     struct tok_ids *out, struct tok_bpe_scratch *scratch)
{
    uint32_t whole = tok_vocab_rank(v, p, n);
    if (whole != TOK_NO_RANK) {
        if (out && tok_ids_push(out, whole) != 0)
            return (size_t)-1;
        return 1;
    }
    if (n <= SMALL_PIECE)
        return merge_small(v, p, n, out);
    return merge_large(v, p, n, out, scratch);
}
