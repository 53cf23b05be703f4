/* tok_gen: build-time generator of an encoding's compiled-in tables.
 *
 *   tok-gen NAME INPUT.tiktoken OUTPUT.c
 *
 * reads OpenAI's .tiktoken format ("base64(bytes) rank" per line) and writes
 * a C file defining `const struct tok_vocab tok_vocab_NAME` (see tok_vocab.h):
 * the token bytes in rank order, their offsets, and a prebuilt hash table, so
 * that nothing is parsed or built when the relay starts. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_hash.h"
#include "tokenizer/tok_vocab.h"

#define MAX_TOKEN_LEN 4096

struct token {
    unsigned char *bytes;   /* owned */
    size_t         len;
};

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode n base64 characters into out (room for MAX_TOKEN_LEN); returns the
 * byte count, or -1 on malformed input. */
static long b64_decode(const char *s, size_t n, unsigned char *out)
{
    unsigned acc = 0;
    int bits = 0;
    long len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= MAX_TOKEN_LEN)
                return -1;
            out[len++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return len;
}

/* Read all tokens; *out is a calloc'ed array indexed by rank (caller frees
 * it and every bytes member). Returns the token count, or 0 on error. */
static size_t read_tiktoken(const char *path, struct token **out)
{
    FILE *f = fopen(path, "r");
    struct token *toks = NULL;
    size_t cap = 0, count = 0, lineno = 0;
    char line[8192];
    unsigned char tmp[MAX_TOKEN_LEN];

    *out = NULL;
    if (!f) {
        fprintf(stderr, "tok-gen: %s: %s\n", path, strerror(errno));
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *sp = strchr(line, ' ');
        char *end;
        if (!sp)
            goto bad;
        unsigned long rank = strtoul(sp + 1, &end, 10);
        if (end == sp + 1 || (*end != '\n' && *end != '\0') || rank >= 1000000)
            goto bad;
        long n = b64_decode(line, (size_t)(sp - line), tmp);
        if (n <= 0)
            goto bad;
        if (rank >= cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            while (ncap <= rank)
                ncap *= 2;
            struct token *grown = realloc(toks, ncap * sizeof *toks);
            if (!grown)
                goto oom;
            memset(grown + cap, 0, (ncap - cap) * sizeof *toks);
            toks = grown;
            cap = ncap;
        }
        if (toks[rank].bytes)
            goto bad;
        toks[rank].bytes = malloc((size_t)n);
        if (!toks[rank].bytes)
            goto oom;
        memcpy(toks[rank].bytes, tmp, (size_t)n);
        toks[rank].len = (size_t)n;
        if (rank + 1 > count)
            count = rank + 1;
    }
    if (ferror(f) || count == 0)
        goto bad;
    for (size_t r = 0; r < count; r++)
        if (!toks[r].bytes) {
            fprintf(stderr, "tok-gen: %s: rank %zu missing (ranks must be dense)\n", path, r);
            goto fail;
        }
    fclose(f);
    *out = toks;
    return count;
bad:
    fprintf(stderr, "tok-gen: %s:%zu: malformed line\n", path, lineno);
    goto fail;
oom:
    fprintf(stderr, "tok-gen: out of memory\n");
fail:
    for (size_t r = 0; r < cap; r++)
        free(toks[r].bytes);
    free(toks);
    fclose(f);
    return 0;
}

static void write_u32_array(FILE *o, const char *name, const uint32_t *a, size_t n)
{
    fprintf(o, "static const uint32_t %s[%zu] = {\n", name, n);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%" PRIu32 ",%s", a[i], (i % 16 == 15) ? "\n" : "");
    fprintf(o, "\n};\n\n");
}

static int generate(const char *name, const struct token *toks, size_t n, FILE *o)
{
    size_t total = 0, max_len = 0, slots_n = 1;
    uint32_t *offsets = NULL, *slots = NULL, *pair_rank = NULL, byte_rank[256];
    int rc = -1;

    for (size_t r = 0; r < n; r++) {
        total += toks[r].len;
        if (toks[r].len > max_len)
            max_len = toks[r].len;
    }
    while (slots_n < 2 * n)
        slots_n <<= 1;
    offsets = malloc((n + 1) * sizeof *offsets);
    slots = calloc(slots_n, sizeof *slots);
    pair_rank = malloc(65536 * sizeof *pair_rank);
    if (!offsets || !slots || !pair_rank || total >= UINT32_MAX || n >= TOK_SLOT_RANK_MASK
        || slots_n > (UINT64_C(1) << 50)) {
        fprintf(stderr, "tok-gen: out of memory or vocabulary too large\n");
        goto out;
    }
    for (int b = 0; b < 256; b++)
        byte_rank[b] = UINT32_MAX;
    for (size_t k = 0; k < 65536; k++)
        pair_rank[k] = UINT32_MAX;

    size_t off = 0;
    for (size_t r = 0; r < n; r++) {
        offsets[r] = (uint32_t)off;
        off += toks[r].len;
        if (toks[r].len == 1)
            byte_rank[toks[r].bytes[0]] = (uint32_t)r;
        if (toks[r].len == 2)
            pair_rank[(unsigned)toks[r].bytes[0] << 8 | toks[r].bytes[1]] = (uint32_t)r;
        uint64_t h = tok_hash_bytes(toks[r].bytes, toks[r].len);
        size_t i = (size_t)h & (slots_n - 1);
        while (slots[i]) {
            const struct token *t = &toks[(slots[i] & TOK_SLOT_RANK_MASK) - 1];
            if (t->len == toks[r].len && memcmp(t->bytes, toks[r].bytes, t->len) == 0) {
                fprintf(stderr, "tok-gen: duplicate token at rank %zu\n", r);
                goto out;
            }
            i = (i + 1) & (slots_n - 1);
        }
        slots[i] = TOK_SLOT_TAG(h) | (uint32_t)(r + 1);
    }
    offsets[n] = (uint32_t)off;
    for (int b = 0; b < 256; b++)
        if (byte_rank[b] == UINT32_MAX) {
            fprintf(stderr, "tok-gen: byte 0x%02x has no token\n", b);
            goto out;
        }

    fprintf(o, "/* Generated by tok-gen from data/%s.tiktoken. Do not edit. */\n"
               "#include \"tokenizer/tok_vocab.h\"\n\n", name);
    /* The bytes as one string literal: compiles far faster than an initializer
     * list. Octal escapes are always 3 digits, so a following digit is safe. */
    fprintf(o, "static const unsigned char bytes[%zu] =\n\"", total + 1);
    size_t col = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t k = 0; k < toks[r].len; k++) {
            unsigned c = toks[r].bytes[k];
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
                fputc((int)c, o);
                col++;
            } else {
                fprintf(o, "\\%03o", c);
                col += 4;
            }
            if (col >= 100) {
                fputs("\"\n\"", o);
                col = 0;
            }
        }
    fputs("\";\n\n", o);
    write_u32_array(o, "offsets", offsets, n + 1);
    write_u32_array(o, "slots", slots, slots_n);
    write_u32_array(o, "pair_rank", pair_rank, 65536);
    fprintf(o, "const struct tok_vocab tok_vocab_%s = {\n"
               "    .name = \"%s\", .n_tokens = %zu, .max_len = %zu, .slot_mask = %zu,\n"
               "    .bytes = bytes, .offsets = offsets, .slots = slots, .pair_rank = pair_rank,\n"
               "    .byte_rank = {\n", name, name, n, max_len, slots_n - 1);
    for (int b = 0; b < 256; b++)
        fprintf(o, "%" PRIu32 ",%s", byte_rank[b], (b % 16 == 15) ? "\n" : "");
    fprintf(o, "    },\n};\n");
    rc = ferror(o) ? -1 : 0;
out:
    free(offsets);
    free(slots);
    free(pair_rank);
    return rc;
}

int main(int argc, char **argv)
{
    struct token *toks = NULL;
    FILE *o = NULL;
    size_t n;
    int rc = 1;

    if (argc != 4) {
        fprintf(stderr, "usage: tok-gen NAME INPUT.tiktoken OUTPUT.c\n");
        return 2;
    }
    n = read_tiktoken(argv[2], &toks);
    if (n == 0)
        return 1;
    o = fopen(argv[3], "w");
    if (!o) {
        fprintf(stderr, "tok-gen: %s: %s\n", argv[3], strerror(errno));
        goto out;
    }
    if (generate(argv[1], toks, n, o) == 0)
        rc = 0;
    if (fclose(o) != 0)
        rc = 1;
    if (rc != 0) {
        fprintf(stderr, "tok-gen: writing %s failed\n", argv[3]);
        remove(argv[3]);
    }
out:
    for (size_t r = 0; r < n; r++)
        free(toks[r].bytes);
    free(toks);
    return rc;
}
