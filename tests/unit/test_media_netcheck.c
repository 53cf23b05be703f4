/* Unit tests: the SSRF address classifier (src/media/netcheck.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/netcheck.h"
#include "tap.h"

/* The classifier's verdict for a numeric address, through struct sockaddr
 * exactly as getaddrinfo would give it. */
static const char *verdict(const char *ip)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    memset(&in4, 0, sizeof in4);
    memset(&in6, 0, sizeof in6);
    if (inet_pton(AF_INET, ip, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        return netcheck_blocked((struct sockaddr *)&in4);
    }
    if (inet_pton(AF_INET6, ip, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        return netcheck_blocked((struct sockaddr *)&in6);
    }
    return "unparsable test address";
}

static void refused(const char *ip, const char *why)
{
    const char *v = verdict(ip);
    is_str(v, why, "%s refused as %s", ip, why);
}

static void allowed(const char *ip)
{
    const char *v = verdict(ip);
    ok(v == NULL, "%s allowed%s%s", ip, v ? " - refused as " : "", v ? v : "");
}

int main(void)
{
    /* the cases the issue names */
    refused("127.0.0.1", "loopback");
    refused("127.255.255.254", "loopback");
    refused("10.0.0.1", "private");
    refused("::1", "loopback");
    refused("::ffff:127.0.0.1", "loopback");
    refused("169.254.169.254", "link-local");
    refused("100.64.0.1", "CGNAT");
    refused("100.127.255.255", "CGNAT");
    refused("0.0.0.0", "unspecified");
    refused("0.1.2.3", "unspecified");
    refused("::", "unspecified");
    refused("224.0.0.1", "multicast");
    refused("239.255.255.250", "multicast");
    refused("ff02::1", "multicast");
    refused("fc00::1", "private");
    refused("fd12:3456::1", "private");
    refused("fe80::1", "link-local");
    refused("febf:ffff::1", "link-local");

    /* the rest of the private and special IPv4 space */
    refused("172.16.0.1", "private");
    refused("172.31.255.255", "private");
    refused("192.168.1.1", "private");
    refused("192.0.0.8", "reserved");
    refused("192.0.2.1", "documentation");
    refused("198.18.0.1", "benchmarking");
    refused("198.19.255.255", "benchmarking");
    refused("198.51.100.7", "documentation");
    refused("203.0.113.9", "documentation");
    refused("240.0.0.1", "reserved");
    refused("255.255.255.255", "reserved");

    /* IPv4 hidden in IPv6 */
    refused("::ffff:10.1.2.3", "private");
    refused("::ffff:169.254.169.254", "link-local");
    refused("::ffff:0.0.0.0", "unspecified");
    refused("64:ff9b::127.0.0.1", "loopback");
    refused("64:ff9b::a9fe:a9fe", "link-local");
    refused("2002:7f00:1::", "loopback");          /* 6to4 of 127.0.0.1 */
    refused("2002:c0a8:101::1", "private");        /* 6to4 of 192.168.1.1 */
    refused("::127.0.0.1", "IPv4-compatible");
    refused("::8.8.8.8", "IPv4-compatible");
    refused("2001::1", "Teredo");
    refused("2001:db8::1", "documentation");
    refused("fec0::1", "site-local");
    refused("100::1", "reserved");                 /* discard prefix, outside 2000::/3 */
    refused("4000::1", "reserved");

    /* public addresses pass, right next to the refused ranges too */
    allowed("8.8.8.8");
    allowed("1.1.1.1");
    allowed("9.255.255.255");
    allowed("11.0.0.0");
    allowed("100.63.255.255");
    allowed("100.128.0.0");
    allowed("126.255.255.255");
    allowed("128.0.0.0");
    allowed("169.253.255.255");
    allowed("169.255.0.0");
    allowed("172.15.255.255");
    allowed("172.32.0.0");
    allowed("192.167.255.255");
    allowed("192.169.0.0");
    allowed("223.255.255.255");
    allowed("::ffff:8.8.8.8");
    allowed("64:ff9b::808:808");
    allowed("2002:808:808::1");
    allowed("2606:4700:4700::1111");
    allowed("2a00:1450:4001:80b::200e");

    struct sockaddr sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_family = AF_UNIX;
    ok(netcheck_blocked(&sa) != NULL, "a non-IP family is refused");
    ok(netcheck_blocked(NULL) != NULL, "no address is refused");
    return tap_done();
}
