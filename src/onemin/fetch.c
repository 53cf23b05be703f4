#include "onemin/fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "core/log.h"
#include "core/netcheck.h"

#define FETCH_HOST_MAX 256
#define FETCH_ADDRS_MAX 8           /* checked addresses offered to libcurl per hop */

struct fetch_xfer {
    CURL *c;
    struct buf *out;
    const struct fetch_opts *o;
    char pinned[FETCH_ADDRS_MAX][INET6_ADDRSTRLEN];  /* the addresses checked for this hop */
    size_t npinned;
    int too_big;
    int refused;                    /* the open-socket check refused the peer */
    int checked;                    /* on_data: the status and type were looked at */
    int passing;                    /* on_data: a 2xx body of the wanted type */
    int bad_type;
    int aborted;                    /* on_data stopped the transfer */
    size_t passed;                  /* on_data: bytes handed over */
};

static int fetch_type_ok(const struct fetch_opts *o, const char *ct);

/* With on_data: only a 2xx body of the wanted type is the file; the check is
 * made at its first byte, before anything is handed over. */
static size_t fetch_pass(struct fetch_xfer *x, const char *p, size_t n)
{
    if (!x->checked) {
        long status = 0;
        char *ct = NULL;
        x->checked = 1;
        curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(x->c, CURLINFO_CONTENT_TYPE, &ct);
        x->passing = status >= 200 && status < 300;
        if (x->passing && !fetch_type_ok(x->o, ct)) {
            x->bad_type = 1;
            return CURL_WRITEFUNC_ERROR;
        }
    }
    if (!x->passing)
        return n;                   /* a redirect's or an error's own body */
    if (n > x->o->max_bytes - x->passed) {
        x->too_big = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    x->passed += n;
    if (x->o->on_data(x->o->ud, p, n) != 0) {
        x->aborted = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    return n;
}

static enum fetch_rc fetch_fail(char *msg, size_t msglen, enum fetch_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum fetch_rc fetch_fail(char *msg, size_t msglen, enum fetch_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return rc;
}

static size_t fetch_on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct fetch_xfer *x = ud;
    size_t n = size * nmemb;
    if (x->o->on_data)
        return fetch_pass(x, p, n);
    if (buf_append(x->out, p, n) < 0) {
        x->too_big = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    return n;
}

static int fetch_addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
    const void *a = sa->sa_family == AF_INET
                        ? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
                        : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    return inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) ? 0 : -1;
}

/* Why the relay may not connect to sa, or NULL when it may. */
static const char *fetch_refusal(const struct fetch_opts *o, const struct sockaddr *sa)
{
    const char *why = o->allow_private ? NULL : netcheck_blocked(sa);
    if (!why)
        return NULL;
    uint8_t a[16] = { 0 };
    if (sa->sa_family == AF_INET)
        memcpy(a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    else if (sa->sa_family == AF_INET6)
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    for (size_t i = 0; i < o->nallow; i++)
        if (cidr_contains(&o->allow[i], sa->sa_family, a))
            return NULL;
    return why;
}

static int fetch_is_pinned(const struct fetch_xfer *x, const char *text)
{
    for (size_t i = 0; i < x->npinned; i++)
        if (strcmp(x->pinned[i], text) == 0)
            return 1;
    return 0;
}

/* The last line of defence: whatever libcurl is about to connect to must be
 * one of the addresses checked for this hop, and allowed. */
static curl_socket_t fetch_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct fetch_xfer *x = ud;
    char text[INET6_ADDRSTRLEN];
    if (purpose != CURLSOCKTYPE_IPCXN || (addr->family != AF_INET && addr->family != AF_INET6) ||
        fetch_addr_text(&addr->addr, text, sizeof text) < 0 || !fetch_is_pinned(x, text) ||
        fetch_refusal(x->o, &addr->addr)) {
        x->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* Split url into scheme, host (without brackets) and port; check the scheme. */
static enum fetch_rc fetch_parse(const char *url, char *host, long *port, int *is_ipv6,
                                 char *msg, size_t msglen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *h = NULL, *p = NULL;
    enum fetch_rc rc = FETCH_BAD_URL;
    if (!u)
        return fetch_fail(msg, msglen, FETCH_INTERNAL, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
        fetch_fail(msg, msglen, rc, "the image URL is not a valid absolute URL");
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        fetch_fail(msg, msglen, rc, "only http and https image URLs are fetched");
        goto out;
    }
    size_t hl = strlen(h);
    *is_ipv6 = h[0] == '[';
    if (*is_ipv6) {
        if (hl < 3 || h[hl - 1] != ']' || memchr(h, '%', hl)) {
            fetch_fail(msg, msglen, rc, "the image URL has an invalid IPv6 host");
            goto out;
        }
        memmove(h, h + 1, hl - 2);
        h[hl - 2] = '\0';
        hl -= 2;
    }
    if (hl == 0 || hl >= FETCH_HOST_MAX) {
        fetch_fail(msg, msglen, rc, "the image URL's host is empty or too long");
        goto out;
    }
    memcpy(host, h, hl + 1);
    if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        fetch_fail(msg, msglen, rc, "the image URL has no usable port");
        goto out;
    }
    *port = strtol(p, NULL, 10);
    rc = FETCH_OK;
out:
    curl_free(scheme);
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

/* Resolve host and check every address; any refused address refuses the
 * host. The first FETCH_ADDRS_MAX distinct addresses are pinned in x. */
static enum fetch_rc fetch_resolve(const char *host, const struct fetch_opts *o, struct fetch_xfer *x,
                                   char *msg, size_t msglen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, NULL, &hints, &res);
    if (gai != 0 || !res)
        return fetch_fail(msg, msglen, FETCH_DNS, "the image host %.100s does not resolve", host);
    enum fetch_rc rc = FETCH_OK;
    char text[INET6_ADDRSTRLEN];
    x->npinned = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        const char *why = fetch_refusal(o, ai->ai_addr);
        if (why) {
            rc = fetch_fail(msg, msglen, FETCH_REFUSED,
                            "the relay does not fetch images from %.100s: it resolves to a %s address",
                            host, why);
            break;
        }
        if (fetch_addr_text(ai->ai_addr, text, sizeof text) < 0) {
            rc = fetch_fail(msg, msglen, FETCH_INTERNAL, "could not format an address");
            break;
        }
        if (x->npinned < FETCH_ADDRS_MAX && !fetch_is_pinned(x, text))
            memcpy(x->pinned[x->npinned++], text, sizeof text);
    }
    if (rc == FETCH_OK && x->npinned == 0)
        rc = fetch_fail(msg, msglen, FETCH_DNS, "the image host %.100s has no IP address", host);
    freeaddrinfo(res);
    return rc;
}

/* Content-Type acceptable for o? */
static int fetch_type_ok(const struct fetch_opts *o, const char *ct)
{
    if (!ct || !*ct || !o->type_prefix)
        return 1;
    return strncasecmp(ct, o->type_prefix, strlen(o->type_prefix)) == 0 ||
           strncasecmp(ct, "application/octet-stream", 24) == 0;
}

static long fetch_ms_left(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* One hop: GET url pinned to its checked address. On a redirect, *next gets
 * the absolute target (curl_free it). */
static enum fetch_rc fetch_hop(CURL *c, const char *url, const struct fetch_opts *o, long ms_left,
                               struct buf *out, char **next, char *msg, size_t msglen)
{
    char host[FETCH_HOST_MAX], resolve[FETCH_HOST_MAX + FETCH_ADDRS_MAX * (INET6_ADDRSTRLEN + 3) + 32];
    long port = 0, status = 0;
    int is_ipv6 = 0;
    struct fetch_xfer x = { .c = c, .out = out, .o = o };
    struct curl_slist *pin = NULL;
    enum fetch_rc rc = fetch_parse(url, host, &port, &is_ipv6, msg, msglen);
    if (rc != FETCH_OK)
        return rc;
    rc = fetch_resolve(host, o, &x, msg, msglen);
    if (rc != FETCH_OK)
        return rc;
    if (!is_ipv6 && !fetch_is_pinned(&x, host)) {
        /* "host:port:addr1,[addr2],...": libcurl resolves host to these only */
        size_t len = (size_t)snprintf(resolve, sizeof resolve, "%s:%ld:", host, port);
        for (size_t i = 0; i < x.npinned && len < sizeof resolve; i++) {
            int v6 = strchr(x.pinned[i], ':') != NULL;
            len += (size_t)snprintf(resolve + len, sizeof resolve - len, "%s%s%s%s", i ? "," : "",
                                    v6 ? "[" : "", x.pinned[i], v6 ? "]" : "");
        }
        pin = curl_slist_append(NULL, resolve);
        if (!pin)
            return fetch_fail(msg, msglen, FETCH_INTERNAL, "out of memory");
    }

    if (out)
        buf_clear(out);
    curl_easy_reset(c);
    int ok = 1;
#define SET(opt, val) ok &= curl_easy_setopt(c, opt, val) == CURLE_OK
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, "1min-relay/" PACKAGE_VERSION);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout_ms ? o->connect_timeout_ms : 10000));
    SET(CURLOPT_TIMEOUT_MS, ms_left);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(out ? out->max : o->max_bytes));
    SET(CURLOPT_WRITEFUNCTION, fetch_on_body);
    SET(CURLOPT_WRITEDATA, &x);
    SET(CURLOPT_OPENSOCKETFUNCTION, fetch_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, &x);
    SET(CURLOPT_HTTPGET, 1L);
    if (pin)
        SET(CURLOPT_RESOLVE, pin);
#undef SET
    if (!ok) {
        rc = fetch_fail(msg, msglen, FETCH_INTERNAL, "libcurl rejected an option");
        goto out;
    }
    CURLcode cc = curl_easy_perform(c);
    if (x.refused) {
        rc = fetch_fail(msg, msglen, FETCH_REFUSED,
                        "the relay does not fetch images from %.100s: its address is not allowed", host);
        goto out;
    }
    if (x.aborted) {
        rc = fetch_fail(msg, msglen, FETCH_ABORTED, "the download from %.100s was stopped", host);
        goto out;
    }
    if (x.bad_type) {
        rc = fetch_fail(msg, msglen, FETCH_BAD_TYPE, "the URL at %.100s is not the kind of file wanted", host);
        goto out;
    }
    if (x.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        rc = fetch_fail(msg, msglen, FETCH_TOO_BIG, "the image at %.100s is larger than %zu bytes",
                        host, out ? out->max : o->max_bytes);
        goto out;
    }
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        rc = fetch_fail(msg, msglen, FETCH_TIMEOUT, "downloading the image from %.100s timed out", host);
        goto out;
    }
    if (cc != CURLE_OK) {
        rc = fetch_fail(msg, msglen, FETCH_FAILED, "could not download the image from %.100s: %s",
                        host, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300 && status < 400) {
        char *loc = NULL;
        if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
            *next = strdup(loc);
            rc = *next ? FETCH_OK : fetch_fail(msg, msglen, FETCH_INTERNAL, "out of memory");
            goto out;
        }
    }
    if (status < 200 || status >= 300) {
        rc = fetch_fail(msg, msglen, FETCH_FAILED, "downloading the image from %.100s gave HTTP %ld",
                        host, status);
        goto out;
    }
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (!fetch_type_ok(o, ct)) {
        rc = fetch_fail(msg, msglen, FETCH_BAD_TYPE, "the URL at %.100s is not an image (Content-Type %.60s)",
                        host, ct);
        goto out;
    }
    rc = FETCH_OK;
out:
    curl_easy_setopt(c, CURLOPT_RESOLVE, NULL);
    curl_slist_free_all(pin);
    return rc;
}

enum fetch_rc fetch_url(const char *url, const struct fetch_opts *o, struct buf *out,
                        char *msg, size_t msglen)
{
    CURL *c = curl_easy_init();
    char *owned = NULL;
    enum fetch_rc rc;
    struct timespec deadline;
    if (!c)
        return fetch_fail(msg, msglen, FETCH_INTERNAL, "out of memory");
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += o->timeout_s;

    const char *cur = url;
    for (unsigned hop = 0;; hop++) {
        long left = fetch_ms_left(&deadline);
        if (left <= 0) {
            rc = fetch_fail(msg, msglen, FETCH_TIMEOUT, "downloading the image timed out");
            break;
        }
        char *next = NULL;
        rc = fetch_hop(c, cur, o, left, out, &next, msg, msglen);
        if (rc != FETCH_OK || !next)
            break;
        free(owned);
        owned = next;
        cur = owned;
        if (hop + 1 > o->max_redirects) {
            rc = fetch_fail(msg, msglen, FETCH_TOO_MANY_REDIRECTS,
                            "the image URL redirects more than %u times", o->max_redirects);
            break;
        }
    }
    free(owned);
    curl_easy_cleanup(c);
    if (rc != FETCH_OK && out)
        buf_clear(out);
    return rc;
}
