/* rl_config_load: the RATE_LIMIT_* settings, checked once at start-up; and
 * rl_memcached_config, the memcached store's connection settings from them. */
#include "ratelimit/rl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/mcconn.h"

#define RL_TOKENS_MAX 4294967295UL       /* keeps the packed memcached counter far from overflow */

static int rl_fail(char *err, size_t errlen, const char *msg, const char *name, const char *v)
{
    snprintf(err, errlen, "%s: %s, got '%.64s'", name, msg, v);
    return -1;
}

static int rl_limit(const char *name, unsigned long def, unsigned long max, uint64_t *out,
                    char *err, size_t errlen)
{
    unsigned long v;
    if (cfg_env_uint(name, def, 0, max, &v, err, errlen) != 0)
        return -1;
    *out = v;
    return 0;
}

static int rl_load_store(struct rl_config *c, char *err, size_t errlen)
{
    const char *v;
    if (cfg_env_str("RATE_LIMIT_STORE", "local", &v, err, errlen) != 0)
        return -1;
    if (strcmp(v, "local") == 0)
        c->store = RL_STORE_LOCAL;
    else if (strcmp(v, "off") == 0)
        c->store = RL_STORE_OFF;
    else if (strncmp(v, "memcached://", 12) == 0 && v[12]) {
        c->store = RL_STORE_MEMCACHED;
        c->memcached_servers = v + 12;
    } else
        return rl_fail(err, errlen, "expected local, off or memcached://host:port[,host:port...]",
                       "RATE_LIMIT_STORE", v);
    return 0;
}

static int rl_load_trusted(struct rl_config *c, char *err, size_t errlen)
{
    const char *v;
    if (cfg_env_str("RATE_LIMIT_TRUSTED_PROXIES", "", &v, err, errlen) != 0)
        return -1;
    c->ntrusted = 0;
    while (*v) {
        const char *end = strchr(v, ',');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        const char *a = v, *b = v + n;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a < b) {
            if (c->ntrusted == RL_MAX_TRUSTED) {
                snprintf(err, errlen, "RATE_LIMIT_TRUSTED_PROXIES: at most %d entries", RL_MAX_TRUSTED);
                return -1;
            }
            if (cidr_parse(a, (size_t)(b - a), &c->trusted[c->ntrusted]) != 0) {
                snprintf(err, errlen, "RATE_LIMIT_TRUSTED_PROXIES: '%.*s' is not an IP address "
                         "or CIDR block (like 10.0.0.0/8 or ::1)", (int)(b - a > 64 ? 64 : b - a), a);
                return -1;
            }
            c->ntrusted++;
        }
        v += n + (end ? 1 : 0);
    }
    return 0;
}

/* Copy a name made of [A-Za-z0-9._-] (and ':' when colon_ok) into out. */
static int rl_load_name(const char *name, const char *def, int colon_ok, char *out, size_t outlen,
                        char *err, size_t errlen)
{
    const char *v;
    if (cfg_env_str(name, def, &v, err, errlen) != 0)
        return -1;
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)v[i]) && !strchr(colon_ok ? "._-:" : "._-", v[i]))
            return rl_fail(err, errlen, colon_ok ? "expected letters, digits and . _ - : only"
                                                 : "expected letters, digits and . _ - only", name, v);
    if (n + 1 > outlen) {
        snprintf(err, errlen, "%s: longer than %zu characters", name, outlen - 1);
        return -1;
    }
    memcpy(out, v, n + 1);
    return 0;
}

int rl_config_load(struct rl_config *c, char *err, size_t errlen)
{
    unsigned long u;
    memset(c, 0, sizeof *c);
    if (rl_load_store(c, err, errlen) != 0 ||
        rl_limit("RATE_LIMIT_RPM", 60, 1000000, &c->client.requests, err, errlen) != 0 ||
        rl_limit("RATE_LIMIT_TPM", 10000, RL_TOKENS_MAX, &c->client.tokens, err, errlen) != 0 ||
        rl_limit("RATE_LIMIT_KEY_RPM", 0, 1000000, &c->key.requests, err, errlen) != 0 ||
        rl_limit("RATE_LIMIT_KEY_TPM", 0, RL_TOKENS_MAX, &c->key.tokens, err, errlen) != 0 ||
        rl_limit("RATE_LIMIT_IMAGE_TOKENS", 1000, RL_TOKENS_MAX, &c->image_tokens, err, errlen) != 0 ||
        rl_limit("RATE_LIMIT_AUDIO_TOKENS", 500, RL_TOKENS_MAX, &c->audio_tokens, err, errlen) != 0 ||
        rl_load_trusted(c, err, errlen) != 0)
        return -1;

    const char *v;
    if (cfg_env_str("RATE_LIMIT_FAIL", "open", &v, err, errlen) != 0)
        return -1;
    if (strcmp(v, "open") == 0)
        c->fail = RL_FAIL_OPEN;
    else if (strcmp(v, "closed") == 0)
        c->fail = RL_FAIL_CLOSED;
    else
        return rl_fail(err, errlen, "expected open or closed", "RATE_LIMIT_FAIL", v);

    if (cfg_env_uint("RATE_LIMIT_TIMEOUT_MS", 100, 1, 10000, &u, err, errlen) != 0)
        return -1;
    c->timeout_ms = (unsigned)u;
    if (cfg_env_uint("RATE_LIMIT_RETRY_S", 2, 1, 300, &u, err, errlen) != 0)
        return -1;
    c->retry_s = (unsigned)u;
    if (cfg_env_uint("RATE_LIMIT_WINDOW_S", 60, 1, 3600, &u, err, errlen) != 0)
        return -1;
    c->window_s = (unsigned)u;
    if (cfg_env_uint("RATE_LIMIT_LOCAL_SLOTS", 65536, 64, 16777216, &u, err, errlen) != 0)
        return -1;
    c->local_slots = (unsigned)u;
    if (cfg_env_uint("RATE_LIMIT_IPV6_PREFIX", 64, 32, 128, &u, err, errlen) != 0)
        return -1;
    c->ipv6_prefix = (unsigned)u;

    char def_name[64];
    snprintf(def_name, sizeof def_name, "1min-relay-rl-%lu", (unsigned long)getuid());
    c->local_name[0] = '/';
    if (rl_load_name("RATE_LIMIT_LOCAL_NAME", def_name, 0, c->local_name + 1,
                     sizeof c->local_name - 1, err, errlen) != 0 ||
        rl_load_name("RATE_LIMIT_KEY_PREFIX", "1mr", 1, c->key_prefix, sizeof c->key_prefix,
                     err, errlen) != 0)
        return -1;

    const struct { const char *name; uint64_t cost; } fixed[] = {
        { "RATE_LIMIT_IMAGE_TOKENS", c->image_tokens }, { "RATE_LIMIT_AUDIO_TOKENS", c->audio_tokens } };
    for (size_t i = 0; i < 2; i++) {
        uint64_t cap = c->client.tokens;
        if (c->key.tokens && (!cap || c->key.tokens < cap))
            cap = c->key.tokens;
        if (cap && fixed[i].cost > cap) {
            snprintf(err, errlen, "%s: %llu tokens is more than the token limit per window (%llu), "
                     "so every such request would be refused", fixed[i].name,
                     (unsigned long long)fixed[i].cost, (unsigned long long)cap);
            return -1;
        }
    }
    struct mcconn_config mcfg;
    return rl_memcached_config(c, &mcfg, err, errlen) < 0 ? -1 : 0;
}

int rl_memcached_config(const struct rl_config *c, struct mcconn_config *out, char *err,
                        size_t errlen)
{
    char why[CFG_ERR_LEN];
    if (c->store != RL_STORE_MEMCACHED)
        return 0;
    if (mcconn_config(c->memcached_servers, c->timeout_ms, c->retry_s, out, why, sizeof why) != 0) {
        snprintf(err, errlen, "RATE_LIMIT_STORE: %s", why);
        return -1;
    }
    return 1;
}
