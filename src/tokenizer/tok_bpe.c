/* tok_bpe: merging a piece into tokens (see tok_bpe.h). */
#include "tokenizer/tok_bpe.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Up to this many bytes, the O(n^2) scan over a small array is faster than
 * the buckets (and needs no allocation). */
#define SMALL_PIECE 128

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
    free(scratch->nodes);
    free(scratch->bucket);
    free(scratch->nonempty);
    free(scratch->pool);
    free(scratch->batch);
    free(scratch->sort_tmp);
    free(scratch->early);
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

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    void *grown = realloc(*p, ncap * elem);
    if (!grown)
        return -1;
    *p = grown;
    *cap = ncap;
    return 0;
}

/* The node array of a long piece: megabytes, rewritten per piece, so its
 * contents need not survive a resize. Where the kernel offers transparent
 * huge pages on request, ask for them: first touch then costs one fault per
 * 2 MiB instead of one per 4 KiB. */
static int reserve_nodes(struct tok_bpe_scratch *s, size_t n)
{
    const size_t huge = (size_t)2 << 20;
    if (n <= s->nodes_cap)
        return 0;
    size_t bytes = (n * sizeof *s->nodes + huge - 1) / huge * huge;
    void *p = NULL;
    free(s->nodes);
    s->nodes = NULL;
    s->nodes_cap = 0;
    if (posix_memalign(&p, huge, bytes) != 0)
        return -1;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE);   /* a hint: fine if refused */
#endif
    s->nodes = p;
    s->nodes_cap = bytes / sizeof *s->nodes;
    return 0;
}

static int reserve(struct tok_bpe_scratch *s, const struct tok_vocab *v, size_t n)
{
    if (reserve_nodes(s, n) != 0)
        return -1;
    if (s->n_ranks < v->n_tokens) {
        /* Large and zero: calloc maps fresh pages, touched only where used.
         * Every bucket is empty again when a piece is done. */
        free(s->bucket);
        free(s->nonempty);
        s->bucket = calloc(v->n_tokens, sizeof *s->bucket);
        s->nonempty = calloc(v->n_tokens / 64 + 1, sizeof *s->nonempty);
        s->n_ranks = s->bucket && s->nonempty ? v->n_tokens : 0;
        if (!s->n_ranks)
            return -1;
    }
    s->pool_len = 0;
    s->free_blocks = 0;
    return 0;
}

static int push(struct tok_bpe_scratch *s, uint32_t rank, uint32_t pos)
{
    uint32_t head = s->bucket[rank];
    if (head && s->pool[head - 1].used < TOK_BPE_BLOCK) {
        struct tok_bpe_block *b = &s->pool[head - 1];
        b->pos[b->used++] = pos;
        return 0;
    }
    uint32_t id = s->free_blocks;   /* reuse a drained block: warm, no page fault */
    if (id)
        s->free_blocks = s->pool[id - 1].link;
    else {
        if (grow((void **)&s->pool, &s->pool_cap, s->pool_len + 1, sizeof *s->pool) != 0)
            return -1;
        id = (uint32_t)++s->pool_len;
    }
    struct tok_bpe_block *b = &s->pool[id - 1];
    b->link = head;
    b->used = 1;
    b->pos[0] = pos;
    s->bucket[rank] = id;
    s->nonempty[rank / 64] |= UINT64_C(1) << (rank % 64);
    return 0;
}

/* Lowest non-empty rank >= from, or TOK_NO_RANK. */
static uint32_t first_rank(const struct tok_bpe_scratch *s, uint32_t from)
{
    size_t words = s->n_ranks / 64 + 1, w = from / 64;
    uint64_t bits = s->nonempty[w] & (~UINT64_C(0) << (from % 64));
    for (;;) {
        if (bits)
            return (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
        if (++w >= words)
            return TOK_NO_RANK;
        bits = s->nonempty[w];
    }
}

/* Sort s->batch[0..k): a natural merge sort. A bucket fills in a few
 * ascending runs (one per drain that fed it), so this is nearly linear. */
static int sort_positions(struct tok_bpe_scratch *s, size_t k)
{
    if (grow((void **)&s->sort_tmp, &s->sort_tmp_cap, k, sizeof *s->sort_tmp) != 0)
        return -1;
    uint32_t *src = s->batch, *dst = s->sort_tmp;
    for (;;) {
        size_t runs = 0;
        for (size_t a = 0; a < k; runs++) {
            size_t m = a + 1, b;
            while (m < k && src[m - 1] <= src[m])
                m++;
            for (b = m < k ? m + 1 : m; b < k && src[b - 1] <= src[b];)
                b++;
            size_t i = a, j = m, o = a;
            while (i < m && j < b)
                dst[o++] = src[i] <= src[j] ? src[i++] : src[j++];
            while (i < m)
                dst[o++] = src[i++];
            while (j < b)
                dst[o++] = src[j++];
            a = b;
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
        if (runs <= 1)
            break;
    }
    if (src != s->batch)
        memcpy(s->batch, src, k * sizeof *src);
    return 0;
}

/* Empty bucket r into s->batch, in increasing position order, and free its
 * blocks; returns the count, or (size_t)-1 when out of
 * memory. */
static size_t take_bucket(struct tok_bpe_scratch *s, uint32_t r)
{
    size_t k = 0;
    int sorted = 1;
    for (uint32_t e = s->bucket[r], following; e; e = following) {
        struct tok_bpe_block *b = &s->pool[e - 1];
        if (grow((void **)&s->batch, &s->batch_cap, k + b->used, sizeof *s->batch) != 0)
            return (size_t)-1;
        for (uint32_t j = b->used; j-- > 0;)   /* newest first */
            s->batch[k++] = b->pos[j];
        following = b->link;
        b->link = s->free_blocks;
        s->free_blocks = e;
    }
    s->bucket[r] = 0;
    s->nonempty[r / 64] &= ~(UINT64_C(1) << (r % 64));
    for (size_t a = 0, b = k; a + 1 < b; a++, b--) {
        uint32_t t = s->batch[a];
        s->batch[a] = s->batch[b - 1];
        s->batch[b - 1] = t;
    }
    for (size_t j = 1; j < k && sorted; j++)
        sorted = s->batch[j - 1] <= s->batch[j];
    if (!sorted && sort_positions(s, k) != 0)
        return (size_t)-1;
    return k;
}

static int early_push(struct tok_bpe_scratch *s, uint64_t key)
{
    if (grow((void **)&s->early, &s->early_cap, s->early_len + 1, sizeof *s->early) != 0)
        return -1;
    size_t i = s->early_len++;
    while (i > 0 && s->early[(i - 1) / 2] > key) {
        s->early[i] = s->early[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->early[i] = key;
    return 0;
}

static uint64_t early_pop(struct tok_bpe_scratch *s)
{
    uint64_t top = s->early[0], last = s->early[--s->early_len];
    size_t i = 0, n = s->early_len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s->early[c + 1] < s->early[c])
            c++;
        if (s->early[c] >= last)
            break;
        s->early[i] = s->early[c];
        i = c;
    }
    if (n)
        s->early[i] = last;
    return top;
}

/* One long piece being merged: its tokens are the linked s->nodes. */
struct chain {
    const struct tok_vocab *v;
    const unsigned char *p;
    uint32_t n;
    struct tok_bpe_scratch *s;
};

/* Queue the pair at pos: in its rank's bucket when that rank is still to
 * come (above draining), else in the early heap. */
static int enqueue(struct chain *c, uint32_t rank, uint32_t pos, uint32_t draining)
{
    if (rank == TOK_NO_RANK)
        return 0;
    if (draining == TOK_NO_RANK || rank > draining)
        return push(c->s, rank, pos);
    return early_push(c->s, (uint64_t)rank << 32 | pos);
}

/* Merge the token at i with the next one; re-rank the pairs around it. */
static int merge_at(struct chain *c, uint32_t i, uint32_t draining)
{
    struct tok_bpe_node *node = c->s->nodes;
    uint32_t j = node[i].next, k = node[j].next;

    node[i].next = k;
    if (k < c->n)
        node[k].prev = i;
    node[j].rank = TOK_NO_RANK;
    if (i > 0) {   /* the left pair first: positions then reach a bucket in order */
        uint32_t h = node[i].prev;
        node[h].rank = tok_vocab_rank(c->v, c->p + h, k - h);
        if (enqueue(c, node[h].rank, h, draining) != 0)
            return -1;
    }
    node[i].rank = k < c->n ? tok_vocab_rank(c->v, c->p + i, node[k].next - i) : TOK_NO_RANK;
    return enqueue(c, node[i].rank, i, draining);
}

/* The same merges as merge_small, for long pieces. Pairs wait in per-rank
 * buckets, drained in increasing rank; a bucket is sorted by position, which
 * is the leftmost-first rule, and makes the memory access nearly sequential.
 * Merging pairs of rank r cannot create another pair of rank r (the new spans
 * are longer than that token), but it can, rarely, create a lower one: such
 * pairs go to the small early heap, taken in (rank, position) order before
 * the rest of the bucket. An entry is stale when its pair's rank changed. */
static size_t merge_large(const struct tok_vocab *v, const unsigned char *p, size_t n,
                          struct tok_ids *out, struct tok_bpe_scratch *s)
{
    if (n >= UINT32_MAX || reserve(s, v, n) != 0)
        return (size_t)-1;
    struct chain c = { v, p, (uint32_t)n, s };
    struct tok_bpe_node *node = s->nodes;
    size_t count = n;

    s->early_len = 0;
    for (size_t i = n; i-- > 0;) {   /* backwards: buckets are LIFO */
        node[i].next = (uint32_t)(i + 1);
        node[i].prev = (uint32_t)(i - 1);   /* node[0].prev is never read */
        node[i].rank = i + 1 < n ? tok_vocab_rank(v, p + i, 2) : TOK_NO_RANK;
        if (enqueue(&c, node[i].rank, (uint32_t)i, TOK_NO_RANK) != 0)
            return (size_t)-1;
    }
    for (uint32_t r = first_rank(s, 0); r != TOK_NO_RANK; r = first_rank(s, r)) {
        size_t k = take_bucket(s, r), b = 0;
        if (k == (size_t)-1)
            return (size_t)-1;
        for (;;) {
            uint64_t key;
            if (s->early_len && (b == k || s->early[0] < ((uint64_t)r << 32 | s->batch[b])))
                key = early_pop(s);
            else if (b < k)
                key = (uint64_t)r << 32 | s->batch[b++];
            else
                break;
            uint32_t i = (uint32_t)key;
            if (node[i].rank != (uint32_t)(key >> 32))
                continue;
            if (merge_at(&c, i, r) != 0)
                return (size_t)-1;
            count--;
        }
    }
    if (out)
        for (size_t i = 0; i < n; i = node[i].next)
            if (tok_ids_push(out, tok_vocab_rank(v, p + i, node[i].next - i)) != 0)
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
