/* GET /metrics: the host's numbers (core/metrics) in Prometheus text format,
 * for the addresses in RELAY_METRICS_ALLOW and/or the holders of
 * RELAY_METRICS_TOKEN.
 *
 * Access: with only RELAY_METRICS_ALLOW (default 127.0.0.0/8 and ::1), the
 * peer address (REMOTE_ADDR) must be in the list; with only
 * RELAY_METRICS_TOKEN, "Authorization: Bearer TOKEN" from any address; with
 * both, both. RELAY_METRICS_ALLOW=none turns the route off (404). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/metrics.h"
#include "http/resp.h"
#include "api/api.h"
#include "core/cidr.h"

#define METRICS_ALLOW_MAX 32
#define METRICS_PAGE_MAX (1u << 20)

/* Written by route_metrics_configure before worker threads start, read-only
 * afterwards. */
static struct {
    int off;
    int allow_set;                  /* RELAY_METRICS_ALLOW was given */
    struct cidr allow[METRICS_ALLOW_MAX];
    size_t nallow;
    const char *token;              /* borrowed from the environment; NULL: none */
} metrics_access;

int route_metrics_configure(char *err, size_t errlen)
{
    const char *v, *tok;
    memset(&metrics_access, 0, sizeof metrics_access);
    cfg_env_str("RELAY_METRICS_TOKEN", NULL, &tok, err, errlen);
    cfg_env_str("RELAY_METRICS_ALLOW", NULL, &v, err, errlen);
    metrics_access.token = tok;
    metrics_access.allow_set = v != NULL;
    if (tok && strlen(tok) < 16) {
        snprintf(err, errlen, "RELAY_METRICS_TOKEN: use at least 16 characters");
        return -1;
    }
    if (v && strcmp(v, "none") == 0) {
        metrics_access.off = 1;
        return 0;
    }
    for (const char *p = v ? v : "127.0.0.0/8,::1"; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t,");
        if (!n)
            break;
        if (metrics_access.nallow == METRICS_ALLOW_MAX ||
            cidr_parse(p, n, &metrics_access.allow[metrics_access.nallow++]) != 0) {
            snprintf(err, errlen, "RELAY_METRICS_ALLOW: expected none or up to %d comma-separated "
                     "addresses/CIDRs, got '%.64s'", METRICS_ALLOW_MAX, v);
            return -1;
        }
        p += n;
    }
    return 0;
}

static int metrics_peer_allowed(struct relay_req *r)
{
    int family;
    uint8_t addr[16];
    if (cidr_ip_parse(r->client_ip, strlen(r->client_ip), &family, addr) != 0)
        return 0;
    for (size_t i = 0; i < metrics_access.nallow; i++)
        if (cidr_contains(&metrics_access.allow[i], family, addr))
            return 1;
    return 0;
}

/* Compare in time independent of where the strings differ. */
static int metrics_token_ok(struct relay_req *r)
{
    const char *auth = req_header(r, "Authorization");
    const char *want = metrics_access.token;
    if (!auth || strncmp(auth, "Bearer ", 7) != 0)
        return 0;
    auth += 7;
    size_t n = strlen(want), m = strlen(auth);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(want[i] ^ (i < m ? auth[i] : 0));
    return diff == 0;
}

int route_metrics(struct relay_req *r, struct relay_err *e)
{
    /* the bearer here is the metrics token, not a client's key: not even its
     * hash goes to the access log */
    r->rec.key_hash[0] = '\0';
    if (metrics_access.off)
        return err_set(e, 404, NULL, NULL, NULL, "Invalid URL (%s %s)", r->method, r->path);
    int need_addr = !metrics_access.token || metrics_access.allow_set;
    if (need_addr && !metrics_peer_allowed(r))
        return err_set(e, 403, NULL, NULL, NULL, "/metrics is not open to this address (see RELAY_METRICS_ALLOW)");
    if (metrics_access.token && !metrics_token_ok(r)) {
        resp_add_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
        return err_set(e, 401, NULL, NULL, NULL, "/metrics needs Authorization: Bearer with RELAY_METRICS_TOKEN");
    }
    struct buf page;
    buf_init(&page, METRICS_PAGE_MAX);
    int rc = 0;
    if (metrics_render(&page) < 0)
        rc = err_set(e, 500, NULL, NULL, NULL, "The metrics page is too large");
    else
        resp_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", page.data ? page.data : "", page.len);
    buf_free(&page);
    return rc;
}
