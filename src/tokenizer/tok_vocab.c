/* tok_vocab: lookups in the compiled-in tables (see tok_vocab.h). */
#include "tokenizer/tok_vocab.h"

#include <string.h>

#include "tokenizer/tok_hash.h"

/* Token bytes are mostly short: compare them without a libc call. */
static inline int same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
    if (n <= 8) {
        for (size_t k = 0; k < n; k++)
            if (a[k] != b[k])
                return 0;
        return 1;
    }
    return memcmp(a, b, n) == 0;
}

uint32_t tok_vocab_rank(const struct tok_vocab *v, const unsigned char *p, size_t n)
{
    if (n == 1)
        return v->byte_rank[p[0]];
    if (n == 2)
        return v->pair_rank[(unsigned)p[0] << 8 | p[1]];
    if (n == 0 || n > v->max_len)
        return TOK_NO_RANK;
    uint64_t h = tok_hash_bytes(p, n);
    uint32_t tag = TOK_SLOT_TAG(h);
    size_t i = (size_t)h & v->slot_mask;
    for (uint32_t slot; (slot = v->slots[i]) != 0; i = (i + 1) & v->slot_mask) {
        if ((slot & ~TOK_SLOT_RANK_MASK) != tag)
            continue;
        uint32_t r = (slot & TOK_SLOT_RANK_MASK) - 1;
        uint32_t off = v->offsets[r];
        if (v->offsets[r + 1] - off == n && same_bytes(v->bytes + off, p, n))
            return r;
    }
    return TOK_NO_RANK;
}

size_t tok_vocab_table_bytes(const struct tok_vocab *v)
{
    return v->offsets[v->n_tokens] + 1                       /* bytes (and its NUL) */
         + ((size_t)v->n_tokens + 1) * sizeof *v->offsets
         + ((size_t)v->slot_mask + 1) * sizeof *v->slots
         + 65536 * sizeof *v->pair_rank
         + sizeof *v;
}
