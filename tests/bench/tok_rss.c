/* tok-rss: memory the tokenizer adds to a process, for the tok benchmark.
 * Prints "BEFORE USED ALL TABLES": resident kB before any counting, after
 * counting a short text with both encodings (what a request touches), after
 * touching every page of both encodings' tables (the worst case), and the
 * tables' total size in bytes. The tables are read-only pages of the
 * executable, shared by all processes that run it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tokenizer/tok.h"
#include "tokenizer/tok_vocab.h"

static long rss_kb(void)
{
    long pages = -1, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static unsigned touch(const void *p, size_t n)
{
    const volatile unsigned char *b = p;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i += 512)
        sum += b[i];
    return sum;
}

static unsigned touch_vocab(const struct tok_vocab *v)
{
    return touch(v->bytes, v->offsets[v->n_tokens])
         + touch(v->offsets, (v->n_tokens + 1) * sizeof *v->offsets)
         + touch(v->slots, ((size_t)v->slot_mask + 1) * sizeof *v->slots)
         + touch(v->pair_rank, 65536 * sizeof *v->pair_rank);
}

int main(void)
{
    const char *text = "Count me, please: it's a short request with a few words in it.";
    long before = rss_kb();
    size_t n = tok_count(TOK_O200K_BASE, text, strlen(text)) + tok_count(TOK_CL100K_BASE, text, strlen(text));
    long used = rss_kb();
    unsigned sum = touch_vocab(&tok_vocab_o200k_base) + touch_vocab(&tok_vocab_cl100k_base);
    long all = rss_kb();
    printf("%ld %ld %ld %zu\n", before, used, all,
           tok_vocab_table_bytes(&tok_vocab_o200k_base) + tok_vocab_table_bytes(&tok_vocab_cl100k_base));
    return n && sum != 1 ? 0 : 0;
}
