#include "core/mcconn.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmemcached/memcached.h>

/* 1..max characters, each a letter or digit (with hex: a hex digit) or one
 * of extra: a host name or IPv4 address ("." "-"), an IPv6 address (":" "."). */
static int mcconn_chars_ok(const char *h, size_t n, size_t max, int hex, const char *extra)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!(hex ? isxdigit(c) : isalnum(c)) && !(c && strchr(extra, c)))
            return 0;
    }
    return 1;
}

int mcconn_config(const char *servers, unsigned timeout_ms, unsigned retry_s,
                  struct mcconn_config *out, char *err, size_t errlen)
{
    const char *p = servers;
    memset(out, 0, sizeof *out);
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *host = p, *port;
        size_t hlen;
        if (n > 0 && p[0] == '[') {
            const char *close = memchr(p, ']', n);
            if (!close || !mcconn_chars_ok(p + 1, (size_t)(close - p - 1), 45, 1, ":.") ||
                (close + 1 < p + n && close[1] != ':'))
                goto bad;
            host = p + 1;
            hlen = (size_t)(close - host);
            port = close + 1 < p + n ? close + 2 : NULL;
        } else {
            const char *colon = memchr(p, ':', n);
            hlen = colon ? (size_t)(colon - p) : n;
            port = colon ? colon + 1 : NULL;
            if (!mcconn_chars_ok(host, hlen, 253, 0, ".-"))
                goto bad;
        }
        unsigned long pn = 11211;
        if (port) {
            size_t plen = (size_t)(p + n - port);
            char num[8];
            if (plen == 0 || plen > 5)
                goto bad;
            memcpy(num, port, plen);
            num[plen] = '\0';
            char *e;
            pn = strtoul(num, &e, 10);
            if (*e || !isdigit((unsigned char)num[0]) || pn == 0 || pn > 65535)
                goto bad;
        }
        if (out->nservers == MCCONN_MAX_SERVERS)
            goto bad;
        struct mcconn_server *sv = &out->server[out->nservers++];
        memcpy(sv->host, host, hlen);
        sv->host[hlen] = '\0';
        sv->port = (unsigned)pn;
        if (!end)
            break;
        p = end + 1;
    }
    snprintf(out->options, sizeof out->options,
             "--DISTRIBUTION=consistent --CONNECT-TIMEOUT=%u --POLL-TIMEOUT=%u "
             "--RETRY-TIMEOUT=%u --TCP-NODELAY --VERIFY-KEY", timeout_ms, timeout_ms, retry_s);
    char check[256];
    if (libmemcached_check_configuration(out->options, strlen(out->options), check,
                                         sizeof check) != MEMCACHED_SUCCESS) {
        snprintf(err, errlen, "libmemcached rejects its options: %s", check);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "expected memcached://host:port[,host:port...] "
             "(at most %d servers; IPv6 as [addr]:port), got 'memcached://%.160s'",
             MCCONN_MAX_SERVERS, servers);
    return -1;
}

struct memcached_st *mcconn_open(const struct mcconn_config *config, char *err, size_t errlen)
{
    memcached_st *mc = memcached(config->options, strlen(config->options));
    if (!mc) {
        snprintf(err, errlen, "cannot create a memcached handle");
        return NULL;
    }
    for (unsigned i = 0; i < config->nservers; i++) {
        memcached_return_t rc = memcached_server_add(mc, config->server[i].host,
                                                     (in_port_t)config->server[i].port);
        if (rc != MEMCACHED_SUCCESS) {
            snprintf(err, errlen, "memcached server %s:%u: %s", config->server[i].host,
                     config->server[i].port, memcached_strerror(mc, rc));
            memcached_free(mc);
            return NULL;
        }
    }
    /* two failures in a row (a broken connection and its retry, or two
     * timeouts) take a server out for the retry timeout; with several servers
     * its keys move to the others meanwhile */
    memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 2);
    if (config->nservers > 1)
        memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
    return mc;
}

void mcconn_close(struct memcached_st *mc)
{
    if (mc)
        memcached_free(mc);
}
