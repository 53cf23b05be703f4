/* rl_client: who the client is, for rate limiting.
 *
 * The client is the peer address (REMOTE_ADDR). X-Forwarded-For is believed
 * only as far as it was written by trusted proxies: walking the list from the
 * right, every address that is a trusted proxy is skipped, and the first one
 * that is not is the client. Addresses are normalised (IPv4-mapped IPv6 becomes
 * IPv4) and IPv6 clients are grouped by a prefix (a /64 by default), since one
 * IPv6 host usually owns a whole /64.
 *
 * Thread rule: pure functions; a parsed cidr list is read-only once built. */
#ifndef RELAY_RATELIMIT_RL_CLIENT_H
#define RELAY_RATELIMIT_RL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/cidr.h"

/* The client identity for remote_addr and the X-Forwarded-For value xff (may
 * be NULL), written to out as text such as "1.2.3.4" or "2001:db8::/64".
 * A peer that is not an address gives "unknown". Returns 0, or -1 when out is
 * too small (at least 64 bytes always suffice). */
int rl_client_id(const char *remote_addr, const char *xff, const struct cidr *trusted,
                 size_t ntrusted, unsigned v6_prefix, char *out, size_t outlen);

#endif
