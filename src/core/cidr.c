#include "core/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void cidr_mask(uint8_t addr[16], unsigned prefix, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned bits = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        addr[i] &= (uint8_t)(0xff00u >> bits);
    }
}

int cidr_ip_parse(const char *s, size_t n, int *family, uint8_t addr[16])
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

int cidr_parse(const char *s, size_t n, struct cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || s[0] == '[' || memchr(s, ']', n))
        return -1;
    if (cidr_ip_parse(s, alen, &out->family, out->addr) != 0)
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
    cidr_mask(out->addr, out->prefix, out->family == AF_INET ? 4 : 16);
    return 0;
}

int cidr_contains(const struct cidr *c, int family, const uint8_t addr[16])
{
    if (c->family != family)
        return 0;
    uint8_t a[16];
    memcpy(a, addr, 16);
    cidr_mask(a, c->prefix, family == AF_INET ? 4 : 16);
    return memcmp(a, c->addr, family == AF_INET ? 4 : 16) == 0;
}
