/* tok_cli: the `1min-relay count-tokens` command.
 *
 *   count-tokens [--model M | --encoding E] [--ids] [FILE...]
 *
 * Counts the tokens of each FILE ("-" or no FILE: standard input) under the
 * encoding given, or the model's encoding (default o200k_base). Output:
 *   one input:     the count ("42"), or with --ids the ids on one line;
 *   several files: one "COUNT FILE" line per file and a "COUNT total" line,
 *                  like wc; with --ids one "FILE: ID ID ..." line per file.
 * Exit status: 0; 1 when a file could not be read (the others are still
 * counted); 2 for a usage error (unknown option or encoding). */
#include "tokenizer/tok.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT ((size_t)1 << 30)   /* 1 GiB per file */

static const char usage[] =
    "usage: 1min-relay count-tokens [--model M | --encoding E] [--ids] [FILE...]\n"
    "  --model M     use the encoding of model M (gpt-4, gpt-3.5-turbo: cl100k_base;\n"
    "                others: o200k_base, an approximation for non-OpenAI models)\n"
    "  --encoding E  o200k_base (default) or cl100k_base\n"
    "  --ids         print the token ids instead of the count\n"
    "  FILE          files to count; none or \"-\" reads standard input\n";

/* Read all of f into a malloc'ed buffer (caller frees); NULL on error with
 * errno set (EFBIG past MAX_INPUT). */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *data = malloc(cap);
    if (!data)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_INPUT) {
                free(data);
                errno = EFBIG;
                return NULL;
            }
            char *grown = realloc(data, cap * 2);
            if (!grown) {
                free(data);
                return NULL;
            }
            data = grown;
            cap *= 2;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                int saved = errno ? errno : EIO;
                free(data);
                errno = saved;
                return NULL;
            }
            break;
        }
    }
    *len = n;
    return data;
}

/* Count (or list) one input; label is NULL when it is the only input.
 * Adds the count to *total. Returns 0, or 1 after printing an error. */
static int count_one(const char *path, const char *label, enum tok_encoding enc, int want_ids,
                     size_t *total)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    size_t len = 0;
    char *data;

    if (!f) {
        fprintf(stderr, "count-tokens: %s: %s\n", path, strerror(errno));
        return 1;
    }
    errno = 0;
    data = slurp(f, &len);
    int saved = errno;
    if (!is_stdin)
        fclose(f);
    if (!data) {
        fprintf(stderr, "count-tokens: %s: %s\n", is_stdin ? "standard input" : path,
                saved == EFBIG ? "larger than 1 GiB" : strerror(saved ? saved : ENOMEM));
        return 1;
    }
    if (want_ids) {
        uint32_t *ids;
        size_t n;
        if (tok_encode(enc, data, len, &ids, &n) != 0) {
            free(data);
            fprintf(stderr, "count-tokens: %s: out of memory\n", path);
            return 1;
        }
        if (label)
            printf("%s:", label);
        for (size_t i = 0; i < n; i++)
            printf(i || label ? " %" PRIu32 : "%" PRIu32, ids[i]);
        putchar('\n');
        *total += n;
        free(ids);
    } else {
        size_t n = tok_count(enc, data, len);
        if (n == (size_t)-1) {
            free(data);
            fprintf(stderr, "count-tokens: %s: out of memory\n", path);
            return 1;
        }
        if (label)
            printf("%zu %s\n", n, label);
        else
            printf("%zu\n", n);
        *total += n;
    }
    free(data);
    return 0;
}

int tok_cli_main(int argc, char **argv)
{
    enum tok_encoding enc = TOK_O200K_BASE;
    const char *model = NULL, *encoding = NULL;
    int want_ids = 0, rc = 0, i;
    size_t total = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--ids") == 0) {
            want_ids = 1;
            continue;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strncmp(a, "--model", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
            target = &model;
        } else if (strncmp(a, "--encoding", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
            target = &encoding;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "count-tokens: unknown option '%s'\n%s", a, usage);
            return 2;
        } else {
            break;
        }
        const char *eq = strchr(a, '=');
        if (eq)
            *target = eq + 1;
        else if (i + 1 < argc)
            *target = argv[++i];
        else {
            fprintf(stderr, "count-tokens: %s needs a value\n%s", a, usage);
            return 2;
        }
    }
    if (model && encoding) {
        fprintf(stderr, "count-tokens: give --model or --encoding, not both\n");
        return 2;
    }
    if (encoding && tok_encoding_from_name(encoding, &enc) != 0) {
        fprintf(stderr, "count-tokens: unknown encoding '%s' (known: o200k_base, cl100k_base)\n",
                encoding);
        return 2;
    }
    if (model)
        enc = tok_encoding_for_model(model);

    int nfiles = argc - i;
    if (nfiles == 0)
        rc = count_one("-", NULL, enc, want_ids, &total);
    for (int k = i; k < argc; k++)
        rc |= count_one(argv[k], nfiles > 1 ? argv[k] : NULL, enc, want_ids, &total);
    if (nfiles > 1 && !want_ids)
        printf("%zu total\n", total);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "count-tokens: write error: %s\n", strerror(errno));
        return 1;
    }
    return rc;
}
