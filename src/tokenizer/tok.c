/* tok: the public API (see tok.h): UTF-8 repair, splitting, merging. */
#include "tokenizer/tok.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tokenizer/tok_bpe.h"
#include "tokenizer/tok_hash.h"
#include "tokenizer/tok_split.h"
#include "tokenizer/tok_utf8.h"
#include "tokenizer/tok_vocab.h"

static const struct tok_vocab *vocab_of(enum tok_encoding enc)
{
    return enc == TOK_CL100K_BASE ? &tok_vocab_cl100k_base : &tok_vocab_o200k_base;
}

const char *tok_encoding_name(enum tok_encoding enc)
{
    return vocab_of(enc)->name;
}

int tok_encoding_from_name(const char *name, enum tok_encoding *out)
{
    if (!name)
        return -1;
    if (strcmp(name, "o200k_base") == 0)
        *out = TOK_O200K_BASE;
    else if (strcmp(name, "cl100k_base") == 0)
        *out = TOK_CL100K_BASE;
    else
        return -1;
    return 0;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

enum tok_encoding tok_encoding_for_model(const char *model)
{
    if (!model)
        return TOK_O200K_BASE;
    /* "openai/gpt-4" and the like: judge the last path segment. */
    const char *slash = strrchr(model, '/');
    if (slash)
        model = slash + 1;
    if (strcasecmp(model, "gpt-4") == 0 || has_prefix(model, "gpt-4-")
        || has_prefix(model, "gpt-3.5") || has_prefix(model, "gpt-35")
        || has_prefix(model, "text-embedding-ada-002") || has_prefix(model, "text-embedding-3-")
        || strcasecmp(model, "davinci-002") == 0 || strcasecmp(model, "babbage-002") == 0)
        return TOK_CL100K_BASE;
    return TOK_O200K_BASE;
}

/* Pieces repeat a lot in real text, so a call over a longer text remembers
 * recent pieces: the earlier occurrence (bytes compared in full on a hit),
 * its token count and, when there are few, its ids. Direct-mapped. */
#define CACHE_MIN_TEXT 4096      /* shorter texts: not worth the allocation */
#define CACHE_MAX_SLOTS 4096
#define CACHE_IDS 4

struct piece_memo {
    const unsigned char *at;     /* NULL: empty slot */
    uint32_t len, count;
    uint32_t ids[CACHE_IDS];     /* valid when count <= CACHE_IDS */
};

static size_t memo_slots_for(size_t len)
{
    size_t slots = 256;
    while (slots < CACHE_MAX_SLOTS && slots * 64 < len)
        slots *= 2;
    return slots;
}

/* Split and merge s[0..len) (valid UTF-8); ids are appended to out unless
 * it is NULL. Returns the count or (size_t)-1. */
static size_t run(enum tok_encoding enc, const unsigned char *s, size_t len, struct tok_ids *out)
{
    const struct tok_vocab *v = vocab_of(enc);
    enum tok_pattern pat = enc == TOK_CL100K_BASE ? TOK_PAT_CL100K : TOK_PAT_O200K;
    struct tok_bpe_scratch scratch = { 0 };
    size_t count = 0, mask = 0;
    struct piece_memo *memo = NULL;

    if (len >= CACHE_MIN_TEXT) {
        size_t slots = memo_slots_for(len);
        memo = calloc(slots, sizeof *memo);   /* without it, just slower */
        mask = slots - 1;
    }
    for (size_t i = 0; i < len;) {
        size_t end = tok_split_next(pat, s, len, i), n;
        size_t plen = end - i;
        struct piece_memo *m = NULL;
        if (memo && plen <= 64) {
            m = &memo[tok_hash_bytes(s + i, plen) & mask];
            if (m->at && m->len == plen && memcmp(m->at, s + i, plen) == 0
                && (!out || m->count <= CACHE_IDS)) {
                for (uint32_t k = 0; out && k < m->count; k++)
                    if (tok_ids_push(out, m->ids[k]) != 0)
                        goto oom;
                count += m->count;
                i = end;
                continue;
            }
        }
        size_t before = out ? out->len : 0;
        n = tok_bpe_piece(v, s + i, plen, out, &scratch);
        if (n == (size_t)-1)
            goto oom;
        if (m) {
            m->at = s + i;
            m->len = (uint32_t)plen;
            m->count = (uint32_t)n;
            if (out && n <= CACHE_IDS)   /* more ids than that: the count only */
                memcpy(m->ids, out->ids + before, n * sizeof *m->ids);
        }
        count += n;
        i = end;
    }
    goto done;
oom:
    count = (size_t)-1;
done:
    free(memo);
    tok_bpe_scratch_free(&scratch);
    return count;
}

/* run() on text made valid UTF-8 first when it is not. */
static size_t run_bytes(enum tok_encoding enc, const char *text, size_t len, struct tok_ids *out)
{
    const unsigned char *s = (const unsigned char *)text;
    if (tok_utf8_valid_prefix(s, len) == len)
        return run(enc, s, len, out);
    size_t fixed_len;
    unsigned char *fixed = tok_utf8_sanitize(s, len, &fixed_len);
    if (!fixed)
        return (size_t)-1;
    size_t count = run(enc, fixed, fixed_len, out);
    free(fixed);
    return count;
}

size_t tok_count(enum tok_encoding enc, const char *text, size_t len)
{
    return run_bytes(enc, text, len, NULL);
}

int tok_encode(enum tok_encoding enc, const char *text, size_t len, uint32_t **ids, size_t *n)
{
    struct tok_ids out = { 0 };
    if (run_bytes(enc, text, len, &out) == (size_t)-1) {
        free(out.ids);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    *ids = out.ids;
    *n = out.len;
    return 0;
}
