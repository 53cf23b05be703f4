/* tok_split: the pre-tokenizers, i.e. each encoding's regular expression
 * (tiktoken's pat_str, quoted in tok_split.c) hand-compiled into a scanner
 * with the same backtracking results. Text is split into pieces; the BPE
 * then works inside each piece. Stateless and thread-safe. */
#ifndef RELAY_TOKENIZER_TOK_SPLIT_H
#define RELAY_TOKENIZER_TOK_SPLIT_H

#include <stddef.h>

enum tok_pattern { TOK_PAT_O200K, TOK_PAT_CL100K };

/* End (exclusive byte index) of the piece that starts at s[i]. s[0..len) must
 * be valid UTF-8 and i < len; the result is > i. */
size_t tok_split_next(enum tok_pattern pat, const unsigned char *s, size_t len, size_t i);

#endif
