#include "ratelimit/rl_client.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void rl_mask(uint8_t addr[16], unsigned prefix, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned bits = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        addr[i] &= (uint8_t)(0xff00u >> bits);
    }
}

int rl_ip_parse(const char *s, size_t n, int *family, uint8_t addr[16])
{
    char tmp[INET6_ADDRSTRLEN + 1];
    const char *end = s + n;
    if (n > 0 && s[0] == '[') {                   /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', n);
        if (!close || (close + 1 != end && close[1] != ':'))
            return -1;
        s++;
        end = close;
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1)))
            end = colon;                          /* v4:port (a v6 address has several colons) */
    }
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, tmp, addr) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, addr) != 1)
        return -1;
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (memcmp(addr, mapped, 12) == 0) {
        memmove(addr, addr + 12, 4);
        memset(addr + 4, 0, 12);
        *family = AF_INET;
        return 0;
    }
    *family = AF_INET6;
    return 0;
}

int rl_cidr_parse(const char *s, size_t n, struct rl_cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || s[0] == '[' || memchr(s, ']', n))
        return -1;
    if (rl_ip_parse(s, alen, &out->family, out->addr) != 0)
        return -1;
    unsigned max = out->family == AF_INET ? 32 : 128;
    out->prefix = max;
    if (slash) {
        size_t plen = n - alen - 1;
        char num[4];
        if (plen == 0 || plen >= sizeof num)
            return -1;
        memcpy(num, slash + 1, plen);
        num[plen] = '\0';
        char *e;
        unsigned long p = strtoul(num, &e, 10);
        if (*e || num[0] < '0' || num[0] > '9' || p > max)
            return -1;
        out->prefix = (unsigned)p;
    }
    rl_mask(out->addr, out->prefix, out->family == AF_INET ? 4 : 16);
    return 0;
}

int rl_cidr_contains(const struct rl_cidr *c, int family, const uint8_t addr[16])
{
    if (c->family != family)
        return 0;
    uint8_t a[16];
    memcpy(a, addr, 16);
    rl_mask(a, c->prefix, family == AF_INET ? 4 : 16);
    return memcmp(a, c->addr, family == AF_INET ? 4 : 16) == 0;
}

static int rl_trusted(const struct rl_cidr *trusted, size_t ntrusted, int family,
                      const uint8_t addr[16])
{
    for (size_t i = 0; i < ntrusted; i++)
        if (rl_cidr_contains(&trusted[i], family, addr))
            return 1;
    return 0;
}

/* The client in xff: the rightmost entry that is not a trusted proxy, or the
 * leftmost when all are trusted. Returns 1 with the address set, 0 when the
 * list is empty, -1 when an entry reached is not an address. */
static int rl_xff_client(const char *xff, const struct rl_cidr *trusted, size_t ntrusted,
                         int *family, uint8_t addr[16])
{
    const char *end = xff + strlen(xff);
    int found = 0;
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        end = start > xff ? start - 1 : xff;
        if (a == b)
            continue;
        if (rl_ip_parse(a, (size_t)(b - a), family, addr) != 0)
            return -1;
        found = 1;
        if (!rl_trusted(trusted, ntrusted, *family, addr))
            return 1;
    }
    return found;
}

int rl_client_id(const char *remote_addr, const char *xff, const struct rl_cidr *trusted,
                 size_t ntrusted, unsigned v6_prefix, char *out, size_t outlen)
{
    int family;
    uint8_t addr[16];
    if (!remote_addr || rl_ip_parse(remote_addr, strlen(remote_addr), &family, addr) != 0) {
        int n = snprintf(out, outlen, "unknown");
        return n < 0 || (size_t)n >= outlen ? -1 : 0;
    }
    if (xff && rl_trusted(trusted, ntrusted, family, addr)) {
        int xf;
        uint8_t xa[16];
        if (rl_xff_client(xff, trusted, ntrusted, &xf, xa) == 1) {
            /* a malformed entry (-1) leaves the trusted peer as the client */
            family = xf;
            memcpy(addr, xa, 16);
        }
    }
    char text[INET6_ADDRSTRLEN];
    int n;
    if (family == AF_INET6 && v6_prefix < 128) {
        rl_mask(addr, v6_prefix, 16);
        inet_ntop(AF_INET6, addr, text, sizeof text);
        n = snprintf(out, outlen, "%s/%u", text, v6_prefix);
    } else {
        inet_ntop(family, addr, text, sizeof text);
        n = snprintf(out, outlen, "%s", text);
    }
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
