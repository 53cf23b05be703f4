/* tok: exact token counts, compatible with OpenAI's tiktoken.
 *
 * For any bytes, tok_encode gives the ids of tiktoken's encode_ordinary for
 * the same encoding (special-token strings such as <|endoftext|> are plain
 * text), and tok_count their number. Invalid UTF-8 counts as U+FFFD, as it
 * does once the text is a string.
 *
 * The vocabularies are compiled in (read-only, shared by all threads; no
 * start-up cost), so every function here is thread-safe. */
#ifndef RELAY_TOKENIZER_TOK_H
#define RELAY_TOKENIZER_TOK_H

#include <stddef.h>
#include <stdint.h>

enum tok_encoding { TOK_O200K_BASE, TOK_CL100K_BASE };

/* Encoding for a model id: gpt-4, gpt-4-* (turbo, 32k, dated) and
 * gpt-3.5-* use cl100k_base; everything else, OpenAI's newer models and all
 * other vendors' (an approximation for those), o200k_base. NULL is allowed.
 * Never fails. */
enum tok_encoding tok_encoding_for_model(const char *model);

/* Parse "o200k_base"/"cl100k_base"; 0 or -1. */
int tok_encoding_from_name(const char *name, enum tok_encoding *out);

/* "o200k_base" or "cl100k_base" (static storage). */
const char *tok_encoding_name(enum tok_encoding enc);

/* Exact tiktoken encode_ordinary count of len bytes of text. Returns
 * (size_t)-1 only when out of memory (long unbroken runs need scratch space
 * of about 30 bytes per byte of the run, freed on return). */
size_t tok_count(enum tok_encoding enc, const char *text, size_t len);

/* Token ids; *ids is malloc'ed (caller frees; NULL when *n is 0). 0 or -1
 * (out of memory; then *ids is NULL). */
int tok_encode(enum tok_encoding enc, const char *text, size_t len, uint32_t **ids, size_t *n);

/* The `count-tokens` command: argv[0] is "count-tokens"; returns the process
 * exit code. Usage and output format: see tok_cli.c or `count-tokens --help`. */
int tok_cli_main(int argc, char **argv);

#endif
