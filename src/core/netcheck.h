/* netcheck: which addresses a client-supplied URL may make the relay
 * connect to (the SSRF rules of docs/platform.md §5.6).
 *
 * Refused: unspecified, loopback, private (RFC 1918, IPv6 ULA), link-local,
 * CGNAT (100.64/10), multicast, broadcast and reserved IPv4 ranges, the
 * documentation and benchmarking ranges, and every IPv6 form that embeds an
 * IPv4 address (mapped, compatible, NAT64, 6to4) when the embedded address
 * is refused. Of IPv6, only global unicast (2000::/3) is allowed at all.
 *
 * Pure. Thread rule: any thread. */
#ifndef RELAY_CORE_NETCHECK_H
#define RELAY_CORE_NETCHECK_H

#include <sys/socket.h>

/* Why the address may not be fetched ("loopback", "private", ...), or NULL
 * when it is an allowed public address. Families other than AF_INET and
 * AF_INET6 are refused. The returned string is static. */
const char *netcheck_blocked(const struct sockaddr *sa);

#endif
