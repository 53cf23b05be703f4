/* test_tok_bpe: the merge of one piece against a naive reference (the
 * tiktoken loop) on small synthetic vocabularies, including ranks that
 * decrease along a merge chain (abc ranked before ab), which sends the long
 * piece path through its early heap. Pieces up to 3000 bytes cover both the
 * small-array and the bucket paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tokenizer/tok_bpe.h"
#include "tokenizer/tok_hash.h"

#define MAX_TOK 64

struct synth {
    struct tok_vocab v;
    unsigned char bytes[MAX_TOK * 16];
    uint32_t offsets[MAX_TOK + 1];
    uint32_t slots[256];
    uint32_t pair_rank[65536];
};

/* Build a vocabulary: the 256 bytes' ranks come after the listed tokens
 * when bytes_last, so listed tokens may rank before their parts. */
static void synth_build(struct synth *s, const char *const *toks, size_t n_listed)
{
    size_t n = 0, off = 0;
    memset(s, 0, sizeof *s);
    const char *all[MAX_TOK];
    for (size_t i = 0; i < n_listed; i++)
        all[n++] = toks[i];
    static const char letters[] = "abc";
    static char singles[3][2];
    for (size_t i = 0; i < 3; i++) {
        singles[i][0] = letters[i];
        all[n++] = singles[i];
    }
    for (size_t k = 0; k < 65536; k++)
        s->pair_rank[k] = TOK_NO_RANK;
    for (size_t b = 0; b < 256; b++)
        s->v.byte_rank[b] = TOK_NO_RANK;
    for (size_t r = 0; r < n; r++) {
        size_t len = strlen(all[r]);
        s->offsets[r] = (uint32_t)off;
        memcpy(s->bytes + off, all[r], len);
        off += len;
        if (len == 1)
            s->v.byte_rank[(unsigned char)all[r][0]] = (uint32_t)r;
        if (len == 2)
            s->pair_rank[(unsigned char)all[r][0] << 8 | (unsigned char)all[r][1]] = (uint32_t)r;
        if (len > s->v.max_len)
            s->v.max_len = (uint32_t)len;
        uint64_t h = tok_hash_bytes((const unsigned char *)all[r], len);
        size_t i = (size_t)h & 255;
        while (s->slots[i])
            i = (i + 1) & 255;
        s->slots[i] = TOK_SLOT_TAG(h) | (uint32_t)(r + 1);
    }
    s->offsets[n] = (uint32_t)off;
    s->v.name = "synthetic";
    s->v.n_tokens = (uint32_t)n;
    s->v.slot_mask = 255;
    s->v.bytes = s->bytes;
    s->v.offsets = s->offsets;
    s->v.slots = s->slots;
    s->v.pair_rank = s->pair_rank;
}

/* tiktoken's loop, written plainly: merge the lowest-ranked adjacent pair
 * (leftmost on ties) until none is a token. Returns ranks in out. */
static size_t reference(const struct tok_vocab *v, const unsigned char *p, size_t n, uint32_t *out)
{
    size_t *start = malloc((n + 1) * sizeof *start), parts = n;
    for (size_t i = 0; i <= n; i++)
        start[i] = i;
    for (;;) {
        uint32_t best = TOK_NO_RANK;
        size_t at = 0;
        for (size_t j = 0; j + 1 < parts; j++) {
            uint32_t r = tok_vocab_rank(v, p + start[j], start[j + 2] - start[j]);
            if (r < best) {
                best = r;
                at = j;
            }
        }
        if (best == TOK_NO_RANK)
            break;
        memmove(start + at + 1, start + at + 2, (parts - at - 1) * sizeof *start);
        parts--;
    }
    for (size_t j = 0; j < parts; j++)
        out[j] = tok_vocab_rank(v, p + start[j], start[j + 1] - start[j]);
    free(start);
    return parts;
}

int main(void)
{
    static const char *const vocabs[][8] = {
        { "abc", "ab", "bc", "abcabc", NULL },                 /* abc before its parts */
        { "bc", "abc", "ab", "ca", "cab", "abcab", NULL },
        { "aa", "aaaa", "aaa", "aaaaaaaa", "ab", "ba", NULL },
        { "cc", "ccc", "bcc", "abcc", "ab", NULL },
    };
    static struct synth s;
    static uint32_t got[4096], want[4096];
    static unsigned char text[3000];
    uint32_t seed = 12345;
    struct tok_bpe_scratch scratch = { 0 };

    for (size_t vi = 0; vi < sizeof vocabs / sizeof *vocabs; vi++) {
        size_t listed = 0;
        while (vocabs[vi][listed])
            listed++;
        synth_build(&s, vocabs[vi], listed);
        int agree = 1, cases = 0;
        for (int t = 0; t < 60; t++) {
            size_t n = t < 20 ? 1 + (size_t)t * 6 : 100 + (size_t)t * 45;
            int periodic = t % 3 == 0;
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                text[i] = periodic ? (unsigned char)"abc"[i % 3] : (unsigned char)"abc"[(seed >> 16) % 3];
            }
            struct tok_ids out = { 0 };
            size_t count = tok_bpe_piece(&s.v, text, n, &out, &scratch);
            size_t ref = reference(&s.v, text, n, want);
            memcpy(got, out.ids, out.len * sizeof *got);
            int same = count == ref && out.len == ref && memcmp(got, want, ref * sizeof *got) == 0;
            if (!same && agree)
                printf("# vocab %zu, length %zu: got %zu tokens, want %zu\n", vi, n, count, ref);
            agree &= same;
            free(out.ids);
            cases++;
        }
        ok(agree, "vocabulary %zu: %d pieces merge as the reference does", vi, cases);
    }
    tok_bpe_scratch_free(&scratch);
    return tap_done();
}
