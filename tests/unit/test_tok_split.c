/* test_tok_split: the pre-tokenizer on the cases where the patterns are
 * subtle: contractions by case and encoding, white space before a newline
 * and at the end of the text, digit runs, and letter classes. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "tokenizer/tok_split.h"

/* The pieces of text joined with '|', into out. */
static const char *pieces(enum tok_pattern pat, const char *text, char *out, size_t cap)
{
    size_t len = strlen(text), o = 0;
    for (size_t i = 0; i < len;) {
        size_t end = tok_split_next(pat, (const unsigned char *)text, len, i);
        if (end <= i || end > len || o + (end - i) + 2 > cap)
            return "(bad split)";
        if (i)
            out[o++] = '|';
        memcpy(out + o, text + i, end - i);
        o += end - i;
        i = end;
    }
    out[o] = '\0';
    return out;
}

static const struct {
    const char *text, *o200k, *cl100k, *why;
} cases[] = {
    { "it's", "it's", "it|'s", "o200k keeps the contraction on the word" },
    { "IT'S", "IT'S", "IT|'S", "contractions are case-insensitive ('S)" },
    { "It'S wE'rE", "It'S| w|E'rE", "It|'S| wE|'rE", "mixed case contractions" },
    { "'s'S", "'s'S", "'s|'S", "o200k: prefix, word, then a contraction" },
    { "don't'll", "don't|'ll", "don|'t|'ll", "only one contraction joins the word" },
    { "cat'\xc5\xbf", "cat'\xc5\xbf", "cat|'\xc5\xbf", "U+017F long s folds to s" },
    { "it\xe2\x80\x99s", "it|\xe2\x80\x99s", "it|\xe2\x80\x99s", "a curly apostrophe is punctuation" },
    { "hello \nworld", "hello| \n|world", "hello| \n|world", "space before a newline stays with it" },
    { "a  \n\n  b", "a|  \n\n| | b", "a|  \n\n| | b", "white space up to the last newline" },
    { "a  b", "a| | b", "a| | b", "all but the last space, which joins the word" },
    { "end  ", "end|  ", "end|  ", "trailing white space is one piece" },
    { "end\n ", "end|\n| ", "end|\n| ", "newline then a trailing space" },
    { "x \t", "x| \t", "x| \t", "trailing space and tab" },
    { "1234567", "123|456|7", "123|456|7", "digit runs split every 3" },
    { " 12", " |12", " |12", "a space does not join digits" },
    { "abc123def", "abc|123|def", "abc|123|def", "letters and digits split" },
    { "HELLOworld", "HELLOworld", "HELLOworld", "upper then lower is one o200k word" },
    { "HTTPServer", "HTTPServer", "HTTPServer", "o200k: upper run then Upper-lower" },
    { "helloWORLD", "hello|WORLD", "helloWORLD", "o200k splits lower then upper" },
    { "foo//bar//\n", "foo|//|bar|//\n", "foo|//|bar|//\n", "punctuation takes trailing newlines" },
    { "a/b/", "a|/b|/", "a|/b|/", "a slash prefixes a word" },
    { "x.\n/", "x|.\n/", "x|.\n|/", "o200k punctuation also takes trailing slashes" },
    { "a\xc2\xa0" "b", "a|\xc2\xa0" "b", "a|\xc2\xa0" "b", "NBSP is white space that prefixes a word" },
    { "\r\nx", "\r\n|x", "\r\n|x", "CR LF before a word" },
    { "\xc7\x85" "emal", "\xc7\x85" "emal", "\xc7\x85" "emal", "titlecase letter (Lt) starts a word" },
    { "e\xcc\x81\xcc\x81", "e\xcc\x81\xcc\x81", "e|\xcc\x81\xcc\x81", "combining marks join o200k words only" },
};

int main(void)
{
    char buf[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        is_str(pieces(TOK_PAT_O200K, cases[i].text, buf, sizeof buf), cases[i].o200k,
               "o200k: %s", cases[i].why);
        is_str(pieces(TOK_PAT_CL100K, cases[i].text, buf, sizeof buf), cases[i].cl100k,
               "cl100k: %s", cases[i].why);
    }
    return tap_done();
}
