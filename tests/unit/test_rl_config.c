/* Rate-limit configuration, client identity (X-Forwarded-For trust) and the
 * SHA-256 behind the keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cfg.h"
#include "ratelimit/rl.h"
#include "core/sha256.h"
#include "tap.h"

static const char *const vars[] = {
    "RATE_LIMIT_STORE", "RATE_LIMIT_RPM", "RATE_LIMIT_TPM", "RATE_LIMIT_KEY_RPM",
    "RATE_LIMIT_KEY_TPM", "RATE_LIMIT_TRUSTED_PROXIES", "RATE_LIMIT_FAIL", "RATE_LIMIT_TIMEOUT_MS",
    "RATE_LIMIT_RETRY_S", "RATE_LIMIT_WINDOW_S", "RATE_LIMIT_IMAGE_TOKENS",
    "RATE_LIMIT_AUDIO_TOKENS", "RATE_LIMIT_LOCAL_NAME", "RATE_LIMIT_LOCAL_SLOTS",
    "RATE_LIMIT_KEY_PREFIX", "RATE_LIMIT_IPV6_PREFIX",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

/* Load with one variable set; returns the rc, err holds the message. */
static int load_with(const char *name, const char *value, struct rl_config *c, char *err)
{
    clear_env();
    setenv(name, value, 1);
    err[0] = '\0';
    return rl_config_load(c, err, CFG_ERR_LEN);
}

static void bad(const char *name, const char *value)
{
    struct rl_config c;
    char err[CFG_ERR_LEN];
    int rc = load_with(name, value, &c, err);
    ok(rc == -1 && strstr(err, name) != NULL, "%s=%s refused, naming the variable", name, value);
    if (rc != -1 || !strstr(err, name))
        printf("#   message: %s\n", err);
}

static const char *hex(const uint8_t *d, size_t n)
{
    static char out[2 * SHA256_LEN + 1];
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return out;
}

static const char *client(const struct cidr *trusted, size_t n, const char *peer, const char *xff)
{
    static char out[64];
    if (rl_client_id(peer, xff, trusted, n, 64, out, sizeof out) != 0)
        return "(error)";
    return out;
}

int main(void)
{
    struct rl_config c;
    char err[CFG_ERR_LEN];

    /* defaults */
    clear_env();
    ok(rl_config_load(&c, err, sizeof err) == 0, "defaults load");
    ok(c.store == RL_STORE_LOCAL, "store defaults to local");
    is_int(c.client.requests, 60, "RPM 60");
    is_int(c.client.tokens, 10000, "TPM 10000");
    is_int(c.key.requests, 0, "key RPM off");
    is_int(c.key.tokens, 0, "key TPM off");
    ok(c.fail == RL_FAIL_OPEN, "fail open");
    is_int(c.timeout_ms, 100, "timeout 100 ms");
    is_int(c.window_s, 60, "window 60 s");
    is_int(c.image_tokens, 1000, "image cost 1000");
    is_int(c.audio_tokens, 500, "audio cost 500");
    ok(strncmp(c.local_name, "/1min-relay-rl-", 15) == 0, "shm name from the uid: %s", c.local_name);

    /* stores */
    ok(load_with("RATE_LIMIT_STORE", "off", &c, err) == 0 && c.store == RL_STORE_OFF, "off");
    ok(rl_create(&c, 4, err, sizeof err) == NULL && err[0] == '\0', "rl_create gives NULL, no error, for off");
    ok(load_with("RATE_LIMIT_STORE", "memcached://127.0.0.1:11211,localhost:11212", &c, err) == 0 &&
       c.store == RL_STORE_MEMCACHED, "two memcached servers");
    ok(load_with("RATE_LIMIT_STORE", "memcached://mc.example", &c, err) == 0, "port defaults to 11211");
    ok(load_with("RATE_LIMIT_STORE", "memcached://[::1]:11211", &c, err) == 0, "IPv6 server");
    bad("RATE_LIMIT_STORE", "redis://x");
    bad("RATE_LIMIT_STORE", "memcached://");
    bad("RATE_LIMIT_STORE", "memcached://host:0");
    bad("RATE_LIMIT_STORE", "memcached://host:99999");
    bad("RATE_LIMIT_STORE", "memcached://ho st:1");
    bad("RATE_LIMIT_STORE", "memcached://a:1,,b:2");
    bad("RATE_LIMIT_STORE", "Local");

    /* numbers */
    bad("RATE_LIMIT_RPM", "-1");
    bad("RATE_LIMIT_RPM", "sixty");
    bad("RATE_LIMIT_RPM", "1000001");
    bad("RATE_LIMIT_TPM", "4294967296");
    bad("RATE_LIMIT_KEY_TPM", "1e3");
    bad("RATE_LIMIT_TIMEOUT_MS", "0");
    bad("RATE_LIMIT_WINDOW_S", "0");
    bad("RATE_LIMIT_FAIL", "maybe");
    bad("RATE_LIMIT_LOCAL_NAME", "a/b");
    bad("RATE_LIMIT_KEY_PREFIX", "has space");
    bad("RATE_LIMIT_IPV6_PREFIX", "129");
    ok(load_with("RATE_LIMIT_FAIL", "closed", &c, err) == 0 && c.fail == RL_FAIL_CLOSED, "closed");
    ok(load_with("RATE_LIMIT_RPM", "0", &c, err) == 0 && c.client.requests == 0, "RPM 0 = no request limit");

    /* fixed costs must fit the token limit */
    clear_env();
    setenv("RATE_LIMIT_TPM", "800", 1);
    ok(rl_config_load(&c, err, sizeof err) == -1 && strstr(err, "RATE_LIMIT_IMAGE_TOKENS"),
       "an image cost above TPM is refused: %s", err);
    setenv("RATE_LIMIT_IMAGE_TOKENS", "800", 1);
    ok(rl_config_load(&c, err, sizeof err) == 0, "an image cost equal to TPM is fine");

    /* trusted proxies */
    ok(load_with("RATE_LIMIT_TRUSTED_PROXIES", " 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8", &c, err) == 0 &&
       c.ntrusted == 4, "four trusted entries");
    bad("RATE_LIMIT_TRUSTED_PROXIES", "10.0.0.0/33");
    bad("RATE_LIMIT_TRUSTED_PROXIES", "10.0.0/8");
    bad("RATE_LIMIT_TRUSTED_PROXIES", "proxy.example");
    bad("RATE_LIMIT_TRUSTED_PROXIES", "[::1]");

    /* the client: XFF only from trusted peers, rightmost untrusted entry */
    size_t n = c.ntrusted;
    const struct cidr *tr = c.trusted;
    is_str(client(tr, n, "203.0.113.9", NULL), "203.0.113.9", "peer without XFF");
    is_str(client(tr, n, "203.0.113.9", "1.2.3.4"), "203.0.113.9", "XFF from an untrusted peer ignored");
    is_str(client(tr, n, "127.0.0.1", "1.2.3.4"), "1.2.3.4", "XFF from a trusted peer");
    is_str(client(tr, n, "127.0.0.1", "6.6.6.6, 1.2.3.4"), "1.2.3.4", "spoofed left entry ignored");
    is_str(client(tr, n, "127.0.0.1", "6.6.6.6, 1.2.3.4, 10.1.2.3"), "1.2.3.4", "trusted hops skipped");
    is_str(client(tr, n, "127.0.0.1", "10.9.9.9, 10.1.2.3"), "10.9.9.9", "all trusted: the leftmost");
    is_str(client(tr, n, "127.0.0.1", "garbage, 1.2.3.4"), "1.2.3.4", "garbage left of the client is never reached");
    is_str(client(tr, n, "127.0.0.1", "1.2.3.4, garbage"), "127.0.0.1", "garbage appended: the trusted peer");
    is_str(client(tr, n, "127.0.0.1", ""), "127.0.0.1", "empty XFF");
    is_str(client(tr, n, "127.0.0.1", "1.2.3.4:5678"), "1.2.3.4", "v4 with port");
    is_str(client(tr, n, "::1", "[2001:db8::1]:443"), "2001:db8::/64", "bracketed v6 with port, grouped by /64");
    is_str(client(tr, n, "::ffff:203.0.113.9", NULL), "203.0.113.9", "IPv4-mapped IPv6 is IPv4");
    is_str(client(tr, n, "2001:db8:1:2:3:4:5:6", NULL), "2001:db8:1:2::/64", "v6 peer grouped by /64");
    is_str(client(tr, n, NULL, NULL), "unknown", "no REMOTE_ADDR");
    is_str(client(tr, n, "not-an-ip", "1.2.3.4"), "unknown", "a bad REMOTE_ADDR");

    /* SHA-256 (FIPS 180-2 test vectors) */
    uint8_t d[SHA256_LEN];
    sha256("abc", 3, d);
    is_str(hex(d, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 abc");
    sha256("", 0, d);
    is_str(hex(d, 32), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 empty");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256(two, strlen(two), d);
    is_str(hex(d, 32), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 two blocks");
    struct sha256 s;
    sha256_init(&s);
    char a[1000];
    memset(a, 'a', sizeof a);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, a, sizeof a);
    sha256_final(&s, d);
    is_str(hex(d, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 a million a's, streamed");
    clear_env();
    return tap_done();
}
