/* Unit tests for core/: bounded buffers, text helpers, configuration, the
 * memcached server list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/mcconn.h"
#include "core/rand.h"
#include "core/text.h"
#include "tap.h"

static void test_quote_pieces(void);

static void test_buf(void)
{
    struct buf b;
    buf_init(&b, 10);
    is_str(buf_str(&b), "", "empty buf reads as empty string");
    ok(buf_puts(&b, "hello") == 0, "append within limit");
    ok(buf_printf(&b, "%d", 12345) == 0, "printf up to exactly the limit");
    is_int(b.len, 10, "length is 10");
    ok(buf_append(&b, "x", 1) < 0, "append past the limit fails");
    is_str(buf_str(&b), "hello12345", "failed append leaves contents unchanged");
    buf_consume(&b, 5);
    is_str(buf_str(&b), "12345", "consume drops the front");
    char *s = buf_steal(&b);
    is_str(s, "12345", "steal hands over the string");
    is_int(b.len, 0, "steal empties the buffer");
    free(s);
    buf_free(&b);
}

static void test_text(void)
{
    const char ok_text[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";   /* a é € 😀 */
    is_int(text_utf8_valid_prefix(ok_text, strlen(ok_text)), strlen(ok_text), "valid UTF-8 fully accepted");
    is_int(text_utf8_complete_prefix(ok_text, strlen(ok_text) - 1), strlen(ok_text) - 4,
           "incomplete 4-byte tail held back");
    is_int(text_utf8_valid_prefix("ab\xC0\xAF", 4), 2, "overlong encoding rejected");
    is_int(text_utf8_valid_prefix("\xED\xA0\x80", 3), 0, "surrogate rejected");

    uint32_t cp = 0;
    ok(text_utf8_decode((const unsigned char *)"\xC3\xA9", 2, &cp) == 2 && cp == 0xE9, "decode a 2-byte character");
    ok(text_utf8_decode((const unsigned char *)"\xF0\x9F\x98\x80", 4, &cp) == 4 && cp == 0x1F600, "decode a 4-byte character");
    is_int(text_utf8_decode((const unsigned char *)"\xF0\x9F", 2, &cp), -2, "incomplete sequence reported as -2");
    is_int(text_utf8_decode((const unsigned char *)"\xC0\x80", 2, &cp), 0, "overlong NUL invalid");
    is_int(text_utf8_decode((const unsigned char *)"\xF4\x90\x80\x80", 4, &cp), 0, "past U+10FFFF invalid");

    char bad[] = "x\x01y\xFFz\n";
    text_sanitize(bad);
    is_str(bad, "x?y?z\n", "sanitize replaces controls and invalid bytes");

    struct buf b;
    buf_init(&b, 256);
    ok(text_json_quote(&b, "q\"\\\n\t\x01\xFF\xC3\xA9", 9) == 0, "quote succeeds");
    is_str(buf_str(&b), "\"q\\\"\\\\\\n\\t\\u0001\xEF\xBF\xBD\xC3\xA9\"", "JSON quoting escapes and repairs");
    buf_free(&b);
    test_quote_pieces();

    char id[25];
    rand_hex(id, 24);
    is_int(strlen(id), 24, "rand_hex writes the requested digits");
    ok(strspn(id, "0123456789abcdef") == 24, "rand_hex writes hex");
}

/* text_json_quote_some, in pieces of every size and counting only, against
 * text_json_quote on random strings rich in what needs escaping; and quoting
 * into a buffer whose maximum is just enough, or one byte short. */
static void test_quote_pieces(void)
{
    static const unsigned char pool[] = { 'a', ' ', '"', '\\', '\n', '\t', 0x01, 0x7f, 0xc3, 0xa9, 0xe2, 0x82,
                                          0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xed, 0xa0, 0xc0, 'z' };
    unsigned char s[200];
    char out[1300];
    size_t bad = 0, bad_len = 0, bad_max = 0;
    srand(11);
    for (int it = 0; it < 3000; it++) {
        size_t n = (size_t)rand() % sizeof s, piece = 1 + (size_t)rand() % 12, at = 0, w = 0;
        for (size_t i = 0; i < n; i++)
            s[i] = pool[(size_t)rand() % sizeof pool];
        struct buf whole, tight;
        buf_init(&whole, 1 << 16);
        text_json_quote(&whole, (const char *)s, n);
        bad_len += text_json_quote_some(NULL, SIZE_MAX, (const char *)s, n, &at) + 2 != whole.len || at != n;
        at = 0;
        while (at < n) {
            size_t k = text_json_quote_some(out + w, piece, (const char *)s, n, &at);
            if (k == 0)
                piece = 6;          /* the longest escape: room for one always makes progress */
            w += k;
        }
        bad += w + 2 != whole.len || memcmp(out, whole.data + 1, w) != 0;
        buf_init(&tight, whole.len);
        int fits = text_json_quote(&tight, (const char *)s, n) == 0 && tight.len == whole.len;
        buf_free(&tight);
        buf_init(&tight, whole.len - 1);
        bad_max += !fits || text_json_quote(&tight, (const char *)s, n) == 0;
        buf_free(&tight);
        buf_free(&whole);
    }
    is_int(bad, 0, "quoting in pieces of 1 to 12 bytes gives the whole quote");
    is_int(bad_len, 0, "counting without writing gives the quote's length");
    is_int(bad_max, 0, "a maximum of exactly the quote's length fits, one byte less does not");
}

static void test_cfg(void)
{
    char err[CFG_ERR_LEN];
    struct relay_config c;
    ok(cfg_load(&c, err, sizeof err) == 0, "defaults load");
    is_str(c.chat_api_url, "https://api.1min.ai/api/chat-with-ai", "default chat URL");
    is_int(c.web_search_num_sites, 1, "default WEB_SEARCH_NUM_OF_SITE");
    is_int(c.web_search_max_words, 500, "default WEB_SEARCH_MAX_WORD");
    is_int(c.max_body, 25u << 20, "default body limit 25 MiB");
    is_str(c.cors_origin, "*", "default CORS origin");

    setenv("RELAY_THREADS", "abc", 1);
    ok(cfg_load(&c, err, sizeof err) < 0 && strstr(err, "RELAY_THREADS"), "bad number names the variable");
    setenv("RELAY_THREADS", "0", 1);
    ok(cfg_load(&c, err, sizeof err) < 0, "zero threads rejected");
    unsetenv("RELAY_THREADS");

    setenv("ONE_MIN_CHAT_API_URL", "ftp://x", 1);
    ok(cfg_load(&c, err, sizeof err) < 0 && strstr(err, "ONE_MIN_CHAT_API_URL"), "non-http URL rejected");
    unsetenv("ONE_MIN_CHAT_API_URL");

    setenv("RELAY_MAX_BODY", "2M", 1);
    ok(cfg_load(&c, err, sizeof err) == 0 && c.max_body == 2u << 20, "size suffix M");
    setenv("RELAY_MAX_BODY", "-5", 1);
    ok(cfg_load(&c, err, sizeof err) < 0 && strstr(err, "RELAY_MAX_BODY"), "negative size rejected");
    unsetenv("RELAY_MAX_BODY");

    setenv("RELAY_LOG_LEVEL", "loud", 1);
    ok(cfg_load(&c, err, sizeof err) < 0 && strstr(err, "RELAY_LOG_LEVEL"), "unknown log level rejected");
    unsetenv("RELAY_LOG_LEVEL");

    setenv("RELAY_MOUNT_PREFIX", "api", 1);
    ok(cfg_load(&c, err, sizeof err) < 0 && strstr(err, "RELAY_MOUNT_PREFIX"), "prefix must start with /");
    unsetenv("RELAY_MOUNT_PREFIX");

    int flag;
    setenv("X_BOOL", "maybe", 1);
    ok(cfg_env_bool("X_BOOL", 0, &flag, err, sizeof err) < 0, "bad boolean rejected");
    setenv("X_BOOL", "Yes", 1);
    ok(cfg_env_bool("X_BOOL", 0, &flag, err, sizeof err) == 0 && flag == 1, "boolean yes");
    unsetenv("X_BOOL");
}

static void test_mcconn(void)
{
    static struct mcconn_config c;
    char err[CFG_ERR_LEN], many[40 * 12] = "";
    ok(mcconn_config("mc.example,[::1]:11212,10.0.0.1:1", 250, 3, &c, err, sizeof err) == 0 &&
       c.nservers == 3, "three servers");
    ok(strcmp(c.server[0].host, "mc.example") == 0 && c.server[0].port == 11211, "port defaults to 11211");
    ok(strcmp(c.server[1].host, "::1") == 0 && c.server[1].port == 11212, "IPv6 without its brackets");
    ok(strstr(c.options, "--CONNECT-TIMEOUT=250 --POLL-TIMEOUT=250 --RETRY-TIMEOUT=3") != NULL,
       "timeout and retry in the options: %s", c.options);
    struct memcached_st *mc = mcconn_open(&c, err, sizeof err);
    ok(mc != NULL, "handle opened without connecting");
    mcconn_close(mc);
    mcconn_close(NULL);
    ok(mcconn_config("[::1", 100, 2, &c, err, sizeof err) < 0 &&
       strstr(err, "expected memcached://host:port") && strstr(err, "'memcached://[::1'"),
       "unclosed bracket refused: %s", err);
    for (int i = 0; i < MCCONN_MAX_SERVERS + 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sh%d:1", i ? "," : "", i);
    ok(mcconn_config(many, 100, 2, &c, err, sizeof err) < 0, "at most %d servers", MCCONN_MAX_SERVERS);
}

int main(void)
{
    test_buf();
    test_text();
    test_cfg();
    test_mcconn();
    return tap_done();
}
