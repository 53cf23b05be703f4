#include "check_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/model_alias.h"
#include "api/responses.h"
#include "core/accesslog.h"
#include "core/cfg.h"
#include "core/metrics.h"
#include "onemin/media.h"
#include "ratelimit/rl.h"

extern char **environ;

#define CC_MAX_PROBLEMS 64
#define CC_MAX_SET_ASIDE 64

enum cc_kind { CC_STR, CC_CHARS, CC_UINT, CC_SIZE, CC_U64, CC_BOOL, CC_ENV, CC_SECRET, CC_LEVEL, CC_STORE,
               CC_FAIL };

struct cc_item {
    const char *name;
    enum cc_kind kind;
    const void *p;      /* the parsed value; unused for CC_ENV and CC_SECRET */
    const char *def;    /* CC_ENV: shown when unset */
};

static struct relay_config cc_cfg;
static struct rl_config cc_rl;
static struct media_config cc_media;
static char cc_metrics_default[64];
static struct resp_store_config cc_resp;

#define C(n, k, f) { n, k, &cc_cfg.f, NULL }
#define R(n, k, f) { n, k, &cc_rl.f, NULL }
#define M(n, k, f) { n, k, &cc_media.f, NULL }
#define E(n, def) { n, CC_ENV, NULL, def }
#define P(n, k, f) { n, k, &cc_resp.f, NULL }

/* Every variable the relay reads, in the order of the man page. */
static const struct cc_item cc_items[] = {
    C("ONE_MIN_CHAT_API_URL", CC_STR, chat_api_url),
    C("ONE_MIN_API_URL", CC_STR, features_api_url),
    C("ONE_MIN_ASSET_URL", CC_STR, asset_api_url),
    C("ONE_MIN_MODELS_API_URL", CC_STR, models_api_url),
    C("ONE_MIN_ASSET_CDN_URL", CC_STR, asset_cdn_url),
    C("WEB_SEARCH_NUM_OF_SITE", CC_UINT, web_search_num_sites),
    C("WEB_SEARCH_MAX_WORD", CC_UINT, web_search_max_words),
    C("RELAY_THREADS", CC_UINT, threads),
    C("RELAY_MAX_THREADS", CC_UINT, max_threads),
    C("RELAY_CLIENT_TIMEOUT", CC_UINT, client_timeout_s),
    C("RELAY_LOG_LEVEL", CC_LEVEL, log_level),
    C("RELAY_MAX_BODY", CC_SIZE, max_body),
    C("RELAY_MAX_UPSTREAM_BODY", CC_SIZE, max_upstream_body),
    C("RELAY_CORS_ORIGIN", CC_STR, cors_origin),
    C("RELAY_MOUNT_PREFIX", CC_STR, mount_prefix),
    C("RELAY_DEFAULT_MODEL", CC_STR, default_model),
    E("RELAY_MODEL_ALIASES", "(none)"),
    C("RELAY_CONNECT_TIMEOUT_MS", CC_UINT, connect_timeout_ms),
    C("RELAY_IDLE_TIMEOUT", CC_UINT, idle_timeout_s),
    C("RELAY_KEEPALIVE_INTERVAL", CC_UINT, keepalive_s),
    C("RELAY_MAX_N", CC_UINT, max_n),
    C("RELAY_MODELS_TTL", CC_UINT, models_ttl_s),
    C("RELAY_MODELS_TIMEOUT", CC_UINT, models_timeout_s),
    C("RELAY_SHUTDOWN_GRACE", CC_UINT, shutdown_grace_s),
    E("FCGI_WEB_SERVER_ADDRS", "(any)"),
    M("RELAY_VISION_MAX_IMAGES", CC_UINT, max_images),
    M("RELAY_FETCH_MAX_BYTES", CC_SIZE, fetch_max_bytes),
    M("RELAY_FETCH_TIMEOUT", CC_UINT, fetch_timeout_s),
    M("RELAY_FETCH_MAX_REDIRECTS", CC_UINT, fetch_max_redirects),
    E("ALLOW_PRIVATE_FETCH", "0"),
    M("RELAY_AUDIO_MAX_BYTES", CC_SIZE, audio_max_bytes),
    M("RELAY_MEDIA_RESULT_MAX_BYTES", CC_SIZE, result_max_bytes),
    M("RELAY_IMAGE_TIMEOUT", CC_UINT, image_timeout_s),
    M("RELAY_IMAGE_LONG_TIMEOUT", CC_UINT, image_long_timeout_s),
    M("RELAY_AUDIO_TIMEOUT", CC_UINT, audio_timeout_s),
    M("RELAY_UPLOAD_TIMEOUT", CC_UINT, upload_timeout_s),
    M("RELAY_UPLOAD_CACHE_TTL", CC_UINT, cache_ttl_s),
    M("RELAY_UPLOAD_CACHE_DIR", CC_CHARS, cache_dir),
    M("RELAY_FILES_MAX_BYTES", CC_SIZE, files_max_bytes),
    M("RELAY_FILES_TTL", CC_UINT, files_ttl_s),
    M("RELAY_FILES_DIR", CC_CHARS, files_dir),
    P("RELAY_RESPONSES_TTL", CC_UINT, ttl_s),
    P("RELAY_RESPONSES_MAX_BYTES", CC_SIZE, max_bytes),
    P("RELAY_RESPONSES_DIR", CC_CHARS, dir),
    E("TMPDIR", "/tmp"),
    R("RATE_LIMIT_STORE", CC_STORE, store),
    R("RATE_LIMIT_RPM", CC_U64, client.requests),
    R("RATE_LIMIT_TPM", CC_U64, client.tokens),
    R("RATE_LIMIT_KEY_RPM", CC_U64, key.requests),
    R("RATE_LIMIT_KEY_TPM", CC_U64, key.tokens),
    E("RATE_LIMIT_TRUSTED_PROXIES", "(none)"),
    R("RATE_LIMIT_FAIL", CC_FAIL, fail),
    R("RATE_LIMIT_TIMEOUT_MS", CC_UINT, timeout_ms),
    R("RATE_LIMIT_RETRY_S", CC_UINT, retry_s),
    R("RATE_LIMIT_WINDOW_S", CC_UINT, window_s),
    R("RATE_LIMIT_IMAGE_TOKENS", CC_U64, image_tokens),
    R("RATE_LIMIT_AUDIO_TOKENS", CC_U64, audio_tokens),
    R("RATE_LIMIT_LOCAL_NAME", CC_CHARS, local_name),
    R("RATE_LIMIT_LOCAL_SLOTS", CC_UINT, local_slots),
    R("RATE_LIMIT_KEY_PREFIX", CC_CHARS, key_prefix),
    R("RATE_LIMIT_IPV6_PREFIX", CC_UINT, ipv6_prefix),
    E("RELAY_METRICS_SHM", cc_metrics_default),
    E("RELAY_METRICS_ALLOW", "127.0.0.0/8,::1"),
    { "RELAY_METRICS_TOKEN", CC_SECRET, NULL, NULL },
    E("RELAY_ACCESS_LOG", "off"),
};

struct cc_state {
    char problems[CC_MAX_PROBLEMS][CFG_ERR_LEN];
    int nproblems;
    char *aside_name[CC_MAX_SET_ASIDE];   /* variables set aside, restored at the end */
    char *aside_value[CC_MAX_SET_ASIDE];
    int naside;
};

static void cc_problem(struct cc_state *st, const char *msg)
{
    if (st->nproblems < CC_MAX_PROBLEMS)
        snprintf(st->problems[st->nproblems++], CFG_ERR_LEN, "%s", msg);
}

/* The variable a loader's message names ("NAME: ..."), when it is set. */
static int cc_set_aside(struct cc_state *st, const char *msg)
{
    size_t n = strspn(msg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    if (n == 0 || msg[n] != ':' || st->naside == CC_MAX_SET_ASIDE)
        return -1;
    char *name = strndup(msg, n);
    const char *v = name ? getenv(name) : NULL;
    if (!v) {
        free(name);
        return -1;
    }
    st->aside_name[st->naside] = name;
    st->aside_value[st->naside++] = strdup(v);
    unsetenv(name);
    return 0;
}

static void cc_restore(struct cc_state *st)
{
    for (int i = 0; i < st->naside; i++)
        if (st->aside_value[i])
            setenv(st->aside_name[i], st->aside_value[i], 1);
}

static void cc_free(struct cc_state *st)
{
    for (int i = 0; i < st->naside; i++) {
        free(st->aside_name[i]);
        free(st->aside_value[i]);
    }
    st->naside = 0;
}

static int cc_is_aside(const struct cc_state *st, const char *name)
{
    for (int i = 0; i < st->naside; i++)
        if (strcmp(st->aside_name[i], name) == 0)
            return 1;
    return 0;
}

/* A value from the environment, printable: at most 250 bytes, controls as '?'. */
static void cc_print_raw(FILE *out, const char *v)
{
    for (int i = 0; v[i] && i < 250; i++)
        fputc((unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i], out);
}

/* Run one loader until it succeeds, setting aside each variable it names. */
static int cc_load(struct cc_state *st, int (*load)(void *ctx, char *err, size_t errlen), void *ctx)
{
    for (int tries = 0; tries < CC_MAX_SET_ASIDE; tries++) {
        char err[CFG_ERR_LEN] = "";
        if (load(ctx, err, sizeof err) == 0)
            return 0;
        cc_problem(st, err[0] ? err : "unknown error");
        if (cc_set_aside(st, err) != 0)
            return -1;
    }
    return -1;
}

static int cc_core(void *ctx, char *err, size_t errlen) { return cfg_load(ctx, err, errlen); }
static int cc_media_load(void *ctx, char *err, size_t errlen) { return media_config_load(ctx, err, errlen); }
static int cc_rl_load(void *ctx, char *err, size_t errlen) { return rl_config_load(ctx, err, errlen); }
static int cc_resp_load(void *ctx, char *err, size_t errlen) { return resp_store_config_load(ctx, err, errlen); }
static int cc_aliases(void *ctx, char *err, size_t errlen) { return model_alias_configure(err, errlen); }
static int cc_metrics_route(void *ctx, char *err, size_t errlen) { return route_metrics_configure(err, errlen); }

static int cc_access(void *ctx, char *err, size_t errlen)
{
    int rc = accesslog_configure(err, errlen);
    accesslog_close();
    return rc;
}

static int cc_metrics_store(void *ctx, char *err, size_t errlen)
{
    int rc = metrics_configure(err, errlen);
    metrics_close();
    return rc;
}

static int cc_rl_store(void *ctx, char *err, size_t errlen)
{
    struct rl *rl = rl_create(&cc_rl, cc_cfg.threads ? cc_cfg.threads : 1, err, errlen);
    int rc = !rl && err[0] ? -1 : 0;
    rl_destroy(rl);
    return rc;
}

static int cc_known(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof cc_items / sizeof cc_items[0]; i++)
        if (strlen(cc_items[i].name) == n && strncmp(cc_items[i].name, name, n) == 0)
            return 1;
    return 0;
}

static void cc_unknown_vars(struct cc_state *st)
{
    static const char *const prefixes[] = { "RELAY_", "ONE_MIN_", "RATE_LIMIT_", "WEB_SEARCH_" };
    for (char **e = environ; *e; e++) {
        size_t n = strcspn(*e, "=");
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
            if (strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0 && !cc_known(*e, n)) {
                char msg[CFG_ERR_LEN];
                snprintf(msg, sizeof msg, "%.*s: not a variable the relay reads (a typo?); it is "
                         "ignored", (int)(n > 64 ? 64 : n), *e);
                cc_problem(st, msg);
                break;
            }
        }
    }
}

static void cc_print(FILE *out, const struct cc_state *st, const struct cc_item *it)
{
    const char *env = getenv(it->name);
    int set = env && *env;
    fprintf(out, "%s=", it->name);
    if (set && cc_is_aside(st, it->name)) {
        if (it->kind == CC_SECRET)
            fputs("***", out);
        else
            cc_print_raw(out, env);
        fputs("   (INVALID: see the problems below)\n", out);
        return;
    }
    switch (it->kind) {
    case CC_STR: {
        const char *v = *(const char *const *)it->p;
        cc_print_raw(out, v ? v : "(not loaded)");
        break;
    }
    case CC_CHARS: cc_print_raw(out, (const char *)it->p); break;
    case CC_UINT: fprintf(out, "%u", *(const unsigned *)it->p); break;
    case CC_SIZE: fprintf(out, "%zu", *(const size_t *)it->p); break;
    case CC_U64: fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)it->p); break;
    case CC_BOOL: fprintf(out, "%d", *(const int *)it->p); break;
    case CC_ENV: cc_print_raw(out, set ? env : it->def); break;
    case CC_SECRET: fprintf(out, "%s", set ? "***" : "(none)"); break;
    case CC_LEVEL: {
        static const char *const lv[] = { "error", "warn", "info", "debug" };
        fprintf(out, "%s", lv[*(const enum log_level *)it->p]);
        break;
    }
    case CC_STORE: {
        enum rl_store_kind k = *(const enum rl_store_kind *)it->p;
        cc_print_raw(out, k == RL_STORE_OFF ? "off" : k == RL_STORE_LOCAL ? "local" : env);
        break;
    }
    case CC_FAIL:
        fprintf(out, "%s", *(const enum rl_fail_mode *)it->p == RL_FAIL_OPEN ? "open" : "closed");
        break;
    }
    fprintf(out, "%s\n", set ? "" : "   (default)");
}

int check_config_run(FILE *out)
{
    static struct cc_state st;
    metrics_default_name(cc_metrics_default, sizeof cc_metrics_default);
    cc_load(&st, cc_core, &cc_cfg);
    cc_load(&st, cc_media_load, &cc_media);
    cc_load(&st, cc_resp_load, &cc_resp);
    int rl_ok = cc_load(&st, cc_rl_load, &cc_rl) == 0;
    cc_load(&st, cc_metrics_route, NULL);
    cc_load(&st, cc_aliases, NULL);
    cc_load(&st, cc_access, NULL);
    cc_load(&st, cc_metrics_store, NULL);
    cc_unknown_vars(&st);
    cc_restore(&st);
    if (rl_ok && st.nproblems == 0)
        cc_load(&st, cc_rl_store, NULL);

    fprintf(out, "# 1min-relay %s: effective configuration (secrets masked)\n", PACKAGE_VERSION);
    for (size_t i = 0; i < sizeof cc_items / sizeof cc_items[0]; i++)
        cc_print(out, &st, &cc_items[i]);
    cc_free(&st);
    if (st.nproblems == 0) {
        fprintf(out, "# no problems found\n");
        return 0;
    }
    fprintf(out, "# %d problem%s found:\n", st.nproblems, st.nproblems == 1 ? "" : "s");
    for (int i = 0; i < st.nproblems; i++) {
        fputs("problem: ", out);
        cc_print_raw(out, st.problems[i]);
        fputc('\n', out);
    }
    return 1;
}
