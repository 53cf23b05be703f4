#include "core/netcheck.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

static const struct {
    uint32_t net, mask;
    const char *why;
} netcheck_v4_rules[] = {
    { 0x00000000, 0xff000000, "unspecified" },      /* 0.0.0.0/8 "this network" */
    { 0x0a000000, 0xff000000, "private" },          /* 10/8 */
    { 0x64400000, 0xffc00000, "CGNAT" },            /* 100.64/10 */
    { 0x7f000000, 0xff000000, "loopback" },         /* 127/8 */
    { 0xa9fe0000, 0xffff0000, "link-local" },       /* 169.254/16, cloud metadata */
    { 0xac100000, 0xfff00000, "private" },          /* 172.16/12 */
    { 0xc0000000, 0xffffff00, "reserved" },         /* 192.0.0/24 IETF protocol */
    { 0xc0000200, 0xffffff00, "documentation" },    /* 192.0.2/24 */
    { 0xc0586300, 0xffffff00, "reserved" },         /* 192.88.99/24 6to4 relay */
    { 0xc0a80000, 0xffff0000, "private" },          /* 192.168/16 */
    { 0xc6120000, 0xfffe0000, "benchmarking" },     /* 198.18/15 */
    { 0xc6336400, 0xffffff00, "documentation" },    /* 198.51.100/24 */
    { 0xcb007100, 0xffffff00, "documentation" },    /* 203.0.113/24 */
    { 0xe0000000, 0xf0000000, "multicast" },        /* 224/4 */
    { 0xf0000000, 0xf0000000, "reserved" },         /* 240/4 incl. broadcast */
};

/* The verdict for an IPv4 address in host byte order. */
static const char *netcheck_blocked_v4(uint32_t a)
{
    for (size_t i = 0; i < sizeof netcheck_v4_rules / sizeof netcheck_v4_rules[0]; i++)
        if ((a & netcheck_v4_rules[i].mask) == netcheck_v4_rules[i].net)
            return netcheck_v4_rules[i].why;
    return NULL;
}

static uint32_t v4_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int zeros(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* The verdict for 16 IPv6 bytes. */
static const char *netcheck_blocked_v6(const unsigned char a[16])
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
    if (zeros(a, 15) && a[15] == 0)
        return "unspecified";
    if (zeros(a, 15) && a[15] == 1)
        return "loopback";
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return netcheck_blocked_v4(v4_at(a + 12));
    if (zeros(a, 12))
        return "IPv4-compatible";                   /* ::/96, deprecated */
    if (a[0] == 0xff)
        return "multicast";                         /* ff00::/8 */
    if ((a[0] & 0xfe) == 0xfc)
        return "private";                           /* fc00::/7 unique local */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return "link-local";                        /* fe80::/10 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return "site-local";                        /* fec0::/10 */
    if ((a[0] & 0xe0) != 0x20)
        return "reserved";                          /* outside 2000::/3 */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return "documentation";                     /* 2001:db8::/32 */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
        return "Teredo";                            /* 2001::/32 hides an IPv4 address */
    if (a[0] == 0x20 && a[1] == 0x02)              /* 2002::/16 6to4 embeds IPv4 */
        return netcheck_blocked_v4(v4_at(a + 2));
    return NULL;
}

const char *netcheck_blocked(const struct sockaddr *sa)
{
    if (!sa)
        return "no address";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return netcheck_blocked_v4(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return netcheck_blocked_v6(in6->sin6_addr.s6_addr);
    }
    return "not an IP address";
}
