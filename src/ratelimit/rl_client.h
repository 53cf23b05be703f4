/* rl_client: who the client is, for rate limiting.
 *
 * The client is the peer address (REMOTE_ADDR). X-Forwarded-For is believed
 * only as far as it was written by trusted proxies: walking the list from the
 * right, every address that is a trusted proxy is skipped, and the first one
 * that is not is the client. Addresses are normalised (IPv4-mapped IPv6 becomes
 * IPv4) and IPv6 clients are grouped by a prefix (a /64 by default), since one
 * IPv6 host usually owns a whole /64.
 *
 * Thread rule: pure functions; a parsed rl_cidr list is read-only once built. */
#ifndef RELAY_RATELIMIT_RL_CLIENT_H
#define RELAY_RATELIMIT_RL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct rl_cidr {
    int family;            /* AF_INET or AF_INET6 */
    uint8_t addr[16];      /* network order, masked to prefix */
    unsigned prefix;       /* 0..32 or 0..128 */
};

/* Parse an address with an optional "/prefix" from the n bytes at s (no
 * surrounding space). Returns 0, or -1 when it is not one. */
int rl_cidr_parse(const char *s, size_t n, struct rl_cidr *out);

/* Parse one address; accepts "1.2.3.4", "1.2.3.4:80", "::1", "[::1]" and
 * "[::1]:80". IPv4-mapped IPv6 comes back as AF_INET. Returns 0 or -1. */
int rl_ip_parse(const char *s, size_t n, int *family, uint8_t addr[16]);

/* 1 when the address falls inside c. */
int rl_cidr_contains(const struct rl_cidr *c, int family, const uint8_t addr[16]);

/* The client identity for remote_addr and the X-Forwarded-For value xff (may
 * be NULL), written to out as text such as "1.2.3.4" or "2001:db8::/64".
 * A peer that is not an address gives "unknown". Returns 0, or -1 when out is
 * too small (at least 64 bytes always suffice). */
int rl_client_id(const char *remote_addr, const char *xff, const struct rl_cidr *trusted,
                 size_t ntrusted, unsigned v6_prefix, char *out, size_t outlen);

#endif
