/* test_tok_api: the model map, encoding names, UTF-8 repair, and the
 * contract of tok_count/tok_encode (empty input, ids vs count). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tokenizer/tok.h"
#include "tokenizer/tok_utf8.h"

static void model_is(const char *model, enum tok_encoding want)
{
    is_str(tok_encoding_name(tok_encoding_for_model(model)), tok_encoding_name(want),
           "model %s", model ? model : "(null)");
}

static void sanitized_is(const char *in, size_t len, const char *want, const char *why)
{
    size_t out_len = 0;
    unsigned char *out = tok_utf8_sanitize((const unsigned char *)in, len, &out_len);
    ok(out && out_len == strlen(want) && memcmp(out, want, out_len) == 0, "U+FFFD: %s", why);
    free(out);
}

int main(void)
{
    enum tok_encoding e;

    model_is("gpt-4o", TOK_O200K_BASE);
    model_is("gpt-4o-mini", TOK_O200K_BASE);
    model_is("gpt-4.1-nano", TOK_O200K_BASE);
    model_is("gpt-5", TOK_O200K_BASE);
    model_is("o1-mini", TOK_O200K_BASE);
    model_is("o3", TOK_O200K_BASE);
    model_is("gpt-image-1", TOK_O200K_BASE);
    model_is("gpt-4", TOK_CL100K_BASE);
    model_is("gpt-4-turbo", TOK_CL100K_BASE);
    model_is("gpt-4-0613", TOK_CL100K_BASE);
    model_is("GPT-4-Turbo", TOK_CL100K_BASE);
    model_is("gpt-3.5-turbo", TOK_CL100K_BASE);
    model_is("openai/gpt-4", TOK_CL100K_BASE);
    model_is("claude-3-5-sonnet-20240620", TOK_O200K_BASE);
    model_is("mistral-large-latest", TOK_O200K_BASE);
    model_is("gemini-1.5-pro", TOK_O200K_BASE);
    model_is("", TOK_O200K_BASE);
    model_is(NULL, TOK_O200K_BASE);

    ok(tok_encoding_from_name("o200k_base", &e) == 0 && e == TOK_O200K_BASE, "name o200k_base");
    ok(tok_encoding_from_name("cl100k_base", &e) == 0 && e == TOK_CL100K_BASE, "name cl100k_base");
    ok(tok_encoding_from_name("p50k_base", &e) == -1, "unknown encoding name");
    ok(tok_encoding_from_name(NULL, &e) == -1, "NULL encoding name");

    ok(tok_utf8_valid_prefix((const unsigned char *)"h\xc3\xa9llo", 6) == 6, "valid UTF-8");
    ok(tok_utf8_valid_prefix((const unsigned char *)"ab\xc3", 3) == 2, "truncated at the end");
    sanitized_is("a\x80" "b", 3, "a\xef\xbf\xbd" "b", "lone continuation byte");
    sanitized_is("\xe2\x82" "x", 3, "\xef\xbf\xbd" "x", "truncated sequence is one U+FFFD");
    sanitized_is("\xe0\x80\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "overlong: one per byte");
    sanitized_is("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate: one per byte");
    sanitized_is("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "above U+10FFFF");
    sanitized_is("\xf0\x9f\x98", 3, "\xef\xbf\xbd", "truncated emoji");
    sanitized_is("\xff", 1, "\xef\xbf\xbd", "0xFF");

    is_int(tok_count(TOK_O200K_BASE, "", 0), 0, "empty text: 0 tokens");
    uint32_t *ids = (uint32_t *)1;
    size_t n = 99;
    ok(tok_encode(TOK_CL100K_BASE, "", 0, &ids, &n) == 0 && n == 0, "empty text: no ids");
    free(ids);

    /* Known ids (tiktoken): "Hello world" */
    ok(tok_encode(TOK_O200K_BASE, "Hello world", 11, &ids, &n) == 0 && n == 2
       && ids[0] == 13225 && ids[1] == 2375, "o200k ids of Hello world");
    free(ids);
    ok(tok_encode(TOK_CL100K_BASE, "Hello world", 11, &ids, &n) == 0 && n == 2
       && ids[0] == 9906 && ids[1] == 1917, "cl100k ids of Hello world");
    free(ids);

    const char *special = "<|endoftext|>";
    ok(tok_count(TOK_O200K_BASE, special, strlen(special)) > 1, "special tokens count as text");
    const char *bad = "caf\xc3 ok", *fixed = "caf\xef\xbf\xbd ok";
    is_int(tok_count(TOK_O200K_BASE, bad, strlen(bad)), tok_count(TOK_O200K_BASE, fixed, strlen(fixed)),
           "invalid UTF-8 counts as U+FFFD");
    const char *nul = "a\0b";
    ok(tok_count(TOK_O200K_BASE, nul, 3) >= 2, "NUL bytes are text, not the end");

    /* Count and encode agree on a long unbroken run (the bucket merge). */
    size_t len = 300000;
    char *run = malloc(len);
    for (size_t i = 0; i < len; i++)
        run[i] = "etaoinshrdlu"[(i * 7 + i / 5) % 12];
    ok(tok_encode(TOK_O200K_BASE, run, len, &ids, &n) == 0 && n == tok_count(TOK_O200K_BASE, run, len),
       "count equals the number of ids on a 300 kB run");
    free(ids);
    free(run);
    return tap_done();
}
