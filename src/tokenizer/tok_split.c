/* tok_split: the two split patterns as scanners (see tok_split.h).
 *
 * cl100k_base: '(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
 *              | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+'
 * o200k_base:  '[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *              |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *              |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+'
 * (the patterns of the npm tiktoken package, Rust fancy-regex semantics:
 * alternatives in order, greedy quantifiers that backtrack). Each function
 * below returns the end of its alternative's match at a position, or NO_MATCH.
 * Every scan is bounded by the piece it returns or by a run that the next
 * call starts past, so splitting is linear in the text. */
#include "tokenizer/tok_split.h"

#include "tokenizer/tok_unicode.h"
#include "tokenizer/tok_utf8.h"

#define NO_MATCH ((size_t)-1)

/* Class bit sets, so that each pattern class is one mask test. */
#define BIT(c)   (1u << (c))
#define LETTER_M (BIT(TOK_UC_UPPER) | BIT(TOK_UC_LOWER) | BIT(TOK_UC_LETTER))
#define UPPERISH (BIT(TOK_UC_UPPER) | BIT(TOK_UC_LETTER) | BIT(TOK_UC_MARK))  /* [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] */
#define LOWERISH (BIT(TOK_UC_LOWER) | BIT(TOK_UC_LETTER) | BIT(TOK_UC_MARK))  /* [\p{Ll}\p{Lm}\p{Lo}\p{M}] */
#define PUNCT_M  (BIT(TOK_UC_OTHER) | BIT(TOK_UC_MARK))                       /* [^\s\p{L}\p{N}] */

struct cursor {
    const unsigned char *s;
    size_t len;
};

/* Class bit of the code point at i (i < len) and the index after it. */
static inline unsigned class_at(const struct cursor *c, size_t i, size_t *next)
{
    if (c->s[i] < 0x80) {
        *next = i + 1;
        return BIT(tok_uclass_of(c->s[i]));
    }
    return BIT(tok_uclass_of(tok_utf8_decode(c->s, i, next)));
}

/* [^\r\n\p{L}\p{N}]: anything but a letter, a number, CR or LF. */
static inline int is_prefix(const struct cursor *c, size_t i, unsigned cls)
{
    return (cls & (LETTER_M | BIT(TOK_UC_NUMBER))) == 0 && c->s[i] != '\r' && c->s[i] != '\n';
}

/* End of the run of code points whose class is in mask, from i. */
static size_t run_end(const struct cursor *c, size_t i, unsigned mask)
{
    size_t next;
    while (i < c->len && (class_at(c, i, &next) & mask))
        i = next;
    return i;
}

static inline int lower_ascii(unsigned ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (int)(ch | 0x20) : (int)ch;
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d) at i: the end, or NO_MATCH. Case folding is
 * Unicode simple folding, under which s also matches U+017F (long s). */
static size_t contraction(const struct cursor *c, size_t i)
{
    const unsigned char *s = c->s;
    if (i + 1 >= c->len || s[i] != '\'')
        return NO_MATCH;
    int a = lower_ascii(s[i + 1]);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return i + 2;
    if (s[i + 1] == 0xc5 && i + 2 < c->len && s[i + 2] == 0xbf)
        return i + 3;
    if (i + 2 < c->len) {
        int b = lower_ascii(s[i + 2]);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            return i + 3;
    }
    return NO_MATCH;
}

/* \p{N}{1,3} */
static size_t numbers(const struct cursor *c, size_t i)
{
    size_t next;
    int n = 0;
    while (n < 3 && i < c->len && (class_at(c, i, &next) & BIT(TOK_UC_NUMBER))) {
        i = next;
        n++;
    }
    return n ? i : NO_MATCH;
}

/* ' ?[^\s\p{L}\p{N}]+' followed by a run of the bytes in tail ("\r\n" or "\r\n/"). */
static size_t punctuation(const struct cursor *c, size_t i, int slash_too)
{
    size_t next, j = i;
    if (c->s[j] == ' ' && j + 1 < c->len && (class_at(c, j + 1, &next) & PUNCT_M))
        j++;
    if (!(class_at(c, j, &next) & PUNCT_M))
        return NO_MATCH;
    j = run_end(c, next, PUNCT_M);
    while (j < c->len && (c->s[j] == '\r' || c->s[j] == '\n' || (slash_too && c->s[j] == '/')))
        j++;
    return j;
}

/* \s*[\r\n]+|\s+(?!\S)|\s+ at i, whose code point is white space. */
static size_t whitespace(const struct cursor *c, size_t i)
{
    size_t j = i, last_start = i, after_newline = NO_MATCH, next;
    int count = 0;
    while (j < c->len && (class_at(c, j, &next) & BIT(TOK_UC_SPACE))) {
        if (c->s[j] == '\r' || c->s[j] == '\n')
            after_newline = next;
        last_start = j;
        j = next;
        count++;
    }
    if (after_newline != NO_MATCH)   /* \s*[\r\n]+: up to the last line break of the run */
        return after_newline;
    if (j == c->len || count == 1)   /* \s+(?!\S) at the end of text, or the lone \s+ */
        return j;
    return last_start;               /* \s+(?!\S): leave the last one to precede the \S */
}

static size_t next_cl100k(const struct cursor *c, size_t i)
{
    size_t next, end;
    unsigned cls = class_at(c, i, &next);

    if ((end = contraction(c, i)) != NO_MATCH)
        return end;
    if (cls & LETTER_M)                                   /* \p{L}+ */
        return run_end(c, next, LETTER_M);
    if (next < c->len && is_prefix(c, i, cls)) {          /* [^\r\n\p{L}\p{N}]\p{L}+ */
        size_t after;
        if (class_at(c, next, &after) & LETTER_M)
            return run_end(c, after, LETTER_M);
    }
    if ((end = numbers(c, i)) != NO_MATCH)
        return end;
    if ((end = punctuation(c, i, 0)) != NO_MATCH)
        return end;
    return whitespace(c, i);
}

/* [UPPERISH]*[LOWERISH]+ from p (then the optional contraction). The greedy
 * star backs off to the last code point that can start the plus. */
static size_t o200k_words1(const struct cursor *c, size_t p)
{
    size_t j = p, next, last_both_end = NO_MATCH, end;
    unsigned cls = 0;
    while (j < c->len && ((cls = class_at(c, j, &next)) & UPPERISH)) {
        if (cls & LOWERISH)
            last_both_end = next;
        j = next;
    }
    if (j < c->len && (cls & BIT(TOK_UC_LOWER)))
        end = run_end(c, next, LOWERISH);
    else if (last_both_end != NO_MATCH)
        end = last_both_end;
    else
        return NO_MATCH;
    size_t ctr = contraction(c, end);
    return ctr != NO_MATCH ? ctr : end;
}

/* [UPPERISH]+[LOWERISH]* from p (then the optional contraction). */
static size_t o200k_words2(const struct cursor *c, size_t p)
{
    size_t end = run_end(c, p, UPPERISH);
    if (end == p)
        return NO_MATCH;
    end = run_end(c, end, LOWERISH);
    size_t ctr = contraction(c, end);
    return ctr != NO_MATCH ? ctr : end;
}

static size_t next_o200k(const struct cursor *c, size_t i)
{
    size_t next, end;
    unsigned cls = class_at(c, i, &next);
    int prefixed = next < c->len && is_prefix(c, i, cls);

    if (prefixed && (end = o200k_words1(c, next)) != NO_MATCH)
        return end;
    if ((cls & UPPERISH) || (cls & LOWERISH)) {
        if ((end = o200k_words1(c, i)) != NO_MATCH)
            return end;
    }
    if (prefixed && (end = o200k_words2(c, next)) != NO_MATCH)
        return end;
    if ((end = o200k_words2(c, i)) != NO_MATCH)
        return end;
    if ((end = numbers(c, i)) != NO_MATCH)
        return end;
    if ((end = punctuation(c, i, 1)) != NO_MATCH)
        return end;
    return whitespace(c, i);
}

size_t tok_split_next(enum tok_pattern pat, const unsigned char *s, size_t len, size_t i)
{
    struct cursor c = { s, len };
    return pat == TOK_PAT_CL100K ? next_cl100k(&c, i) : next_o200k(&c, i);
}
