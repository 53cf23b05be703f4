/* cidr: IP addresses and address ranges, for the rate limiter's trusted
 * proxies and the SSRF allow-list of fetches.
 *
 * Thread rule: pure functions; a parsed cidr is read-only once built. */
#ifndef RELAY_CORE_CIDR_H
#define RELAY_CORE_CIDR_H

#include <stddef.h>
#include <stdint.h>

struct cidr {
    int family;            /* AF_INET or AF_INET6 */
    uint8_t addr[16];      /* network order, masked to prefix */
    unsigned prefix;       /* 0..32 or 0..128 */
};

/* Parse an address with an optional "/prefix" from the n bytes at s (no
 * surrounding space). Returns 0, or -1 when it is not one. */
int cidr_parse(const char *s, size_t n, struct cidr *out);

/* Parse one address; accepts "1.2.3.4", "1.2.3.4:80", "::1", "[::1]" and
 * "[::1]:80". IPv4-mapped IPv6 comes back as AF_INET. Returns 0 or -1. */
int cidr_ip_parse(const char *s, size_t n, int *family, uint8_t addr[16]);

/* Clear every bit of addr (len bytes) past the first prefix bits. */
void cidr_mask(uint8_t addr[16], unsigned prefix, size_t len);

/* 1 when the address falls inside c. */
int cidr_contains(const struct cidr *c, int family, const uint8_t addr[16]);

#endif
