/* 1min-relay: an OpenAI-compatible FastCGI/CGI front for 1min.ai.
 *
 * main() parses the command line, loads the configuration from the
 * environment (exiting with a message that names a bad variable), builds the
 * process-wide state, and hands over to the server: a FastCGI worker pool on
 * fd 0 or on --listen, or one CGI request. */
#include <fastcgi.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check_config.h"
#include "config.h"
#include "core/accesslog.h"
#include "core/cfg.h"
#include "core/log.h"
#include "core/mcconn.h"
#include "core/metrics.h"
#include "app.h"
#include "http/server.h"
#include "onemin/media.h"
#include "ratelimit/rl.h"
#include "api/api.h"
#include "api/model_alias.h"
#include "api/responses.h"
#include "api/router.h"
#include "tokenizer/tok.h"
#include "onemin/catalog.h"
#include "onemin/client.h"

enum { EXIT_USAGE = 2 };

/* A worker thread's own state (struct worker, app.h): its curl handle, its
 * memcached handle and the limiter's per-thread state. */
static struct worker *relay_thread_open(const struct relay_app *app)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->curl = client_handle_new();
    if (!w->curl) {
        free(w);
        return NULL;
    }
    /* NULL on failure is tolerated: the limiter then uses its fallback and
     * the stores their directories. */
    if (app->mc) {
        char err[CFG_ERR_LEN];
        w->mc = mcconn_open(app->mc, err, sizeof err);
        if (!w->mc)
            LOG_ERROR("rate limiter: %s; this thread limits with the per-process fallback", err);
    }
    w->rl = rl_thread_new(app->rl, w->mc);
    return w;
}

static void relay_thread_close(struct worker *w)
{
    rl_thread_free(w->rl);
    mcconn_close(w->mc);
    client_handle_free(w->curl);
    free(w);
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: 1min-relay [--listen ADDR] [--threads N]\n"
            "       1min-relay --check-config\n"
            "       1min-relay count-tokens [--model M | --encoding E] [--ids] [FILE...]\n"
            "\n"
            "An OpenAI-compatible API in front of 1min.ai, run by a web server as a\n"
            "FastCGI responder (socket on fd 0, or --listen) or as a plain CGI program.\n"
            "\n"
            "  -l, --listen ADDR  listen on unix:/path, host:port or [v6addr]:port\n"
            "                     instead of the socket inherited on fd 0\n"
            "  -t, --threads N    worker threads (overrides RELAY_THREADS)\n"
            "      --check-config read the environment as a start would, print the\n"
            "                     effective configuration and every problem; exit 0 or 1\n"
            "  -h, --help         show this help and exit\n"
            "  -V, --version      show the version and exit\n"
            "\n"
            "Configuration comes from the environment (see 1min-relay(1) and README.md).\n"
            "Exit codes: 0 stopped cleanly, 1 configuration or start-up error, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "threads", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "check-config", no_argument, NULL, 'C' },
        { NULL, 0, NULL, 0 },
    };
    const char *listen_addr = NULL;
    long threads = 0;
    int c, code = 1, listen_fd = -1, check = 0;
    char err[CFG_ERR_LEN] = "";
    struct relay_config cfg;
    struct rl_config rl_cfg;
    struct mcconn_config mc_cfg;
    struct media_config media_cfg;
    struct relay_app app = { .cfg = &cfg };
    const struct srv_app srv = {
        .cfg = &cfg,
        .app = &app,
        .thread_open = relay_thread_open,
        .thread_close = relay_thread_close,
        .dispatch = api_dispatch,
        .busy = api_busy,
    };

    if (argc > 1 && strcmp(argv[1], "count-tokens") == 0)
        return tok_cli_main(argc - 1, argv + 1);

    while ((c = getopt_long(argc, argv, "l:t:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen_addr = optarg;
            break;
        case 't': {
            char *end;
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 1024) {
                fprintf(stderr, "1min-relay: --threads: expected 1 to 1024, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("1min-relay %s\n", PACKAGE_VERSION);
            return 0;
        case 'C':
            check = 1;
            break;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "1min-relay: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }

    if (check)
        return check_config_run(stdout);
    srv_block_signals();
    if (cfg_load(&cfg, err, sizeof err) < 0) {
        fprintf(stderr, "1min-relay: configuration error: %s\n", err);
        return 1;
    }
    if (threads)
        cfg.threads = (unsigned)threads;
    log_set_level(cfg.log_level);
    if (media_config_load(&media_cfg, err, sizeof err) < 0) {
        fprintf(stderr, "1min-relay: configuration error: %s\n", err);
        return 1;
    }
    app.media = &media_cfg;
    if (rl_config_load(&rl_cfg, err, sizeof err) < 0 || route_metrics_configure(err, sizeof err) < 0 ||
        responses_init(err, sizeof err) < 0 ||
        accesslog_configure(err, sizeof err) < 0 || metrics_configure(err, sizeof err) < 0 ||
        model_alias_configure(err, sizeof err) < 0) {
        fprintf(stderr, "1min-relay: configuration error: %s\n", err);
        return 1;
    }
    route_reqid_configure(rl_cfg.trusted, rl_cfg.ntrusted);

    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
        fprintf(stderr, "1min-relay: libcurl failed to initialise\n");
        return 1;
    }
    app.catalog = catalog_new(&cfg);
    if (!app.catalog) {
        fprintf(stderr, "1min-relay: out of memory\n");
        goto out;
    }
    app.rl = rl_create(&rl_cfg, cfg.threads, err, sizeof err);
    if (!app.rl && err[0]) {
        fprintf(stderr, "1min-relay: rate limiter: %s\n", err);
        goto out;
    }
    switch (rl_memcached_config(&rl_cfg, &mc_cfg, err, sizeof err)) {
    case 1:
        app.mc = &mc_cfg;
        break;
    case -1:
        fprintf(stderr, "1min-relay: rate limiter: %s\n", err);
        goto out;
    }

    if (listen_addr) {
        listen_fd = srv_listen(listen_addr, err, sizeof err);
        if (listen_fd < 0) {
            fprintf(stderr, "1min-relay: %s\n", err);
            goto out;
        }
    }
    if (FCGX_Init() != 0) {
        fprintf(stderr, "1min-relay: libfcgi failed to initialise\n");
        goto out;
    }
    if (listen_fd >= 0) {
        LOG_INFO("listening on %s", listen_addr);
        code = srv_run_fastcgi(listen_fd, 1, &srv);
    } else if (FCGX_IsCGI()) {
        if (!getenv("GATEWAY_INTERFACE") && !getenv("REQUEST_METHOD")) {
            fprintf(stderr, "1min-relay: not started by a web server (no socket on fd 0 and no CGI "
                            "environment); use --listen ADDR, or see --help\n");
            code = EXIT_USAGE;
            goto out;
        }
        code = srv_run_cgi(&srv);
    } else {
        code = srv_run_fastcgi(FCGI_LISTENSOCK_FILENO, 0, &srv);
    }
out:
    if (listen_fd >= 0)
        close(listen_fd);
    rl_destroy(app.rl);
    catalog_free(app.catalog);
    curl_global_cleanup();
    metrics_close();
    accesslog_close();
    return code;
}
