/* tok_vocab: lookups in the compiled-in tables (see tok_vocab.h). */
#include "tokenizer/tok_vocab.h"

#include <string.h>

#include "tokenizer/tok_hash.h"

uint32_t tok_vocab_rank(const struct tok_vocab *v, const unsigned char *p, size_t n)
{
    if (n == 1)
        return v->byte_rank[p[0]];
    if (n == 0 || n > v->max_len)
        return TOK_NO_RANK;
    size_t i = (size_t)tok_hash_bytes(p, n) & v->slot_mask;
    for (uint32_t slot; (slot = v->slots[i]) != 0; i = (i + 1) & v->slot_mask) {
        uint32_t r = slot - 1;
        uint32_t off = v->offsets[r];
        if (v->offsets[r + 1] - off == n && memcmp(v->bytes + off, p, n) == 0)
            return r;
    }
    return TOK_NO_RANK;
}

size_t tok_vocab_table_bytes(const struct tok_vocab *v)
{
    return v->offsets[v->n_tokens] + 1                       /* bytes (and its NUL) */
         + ((size_t)v->n_tokens + 1) * sizeof *v->offsets
         + ((size_t)v->slot_mask + 1) * sizeof *v->slots
         + sizeof *v;
}
