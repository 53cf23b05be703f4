#include "ratelimit/rl_client.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int rl_trusted(const struct cidr *trusted, size_t ntrusted, int family,
                      const uint8_t addr[16])
{
    for (size_t i = 0; i < ntrusted; i++)
        if (cidr_contains(&trusted[i], family, addr))
            return 1;
    return 0;
}

/* The client in xff: the rightmost entry that is not a trusted proxy, or the
 * leftmost when all are trusted. Returns 1 with the address set, 0 when the
 * list is empty, -1 when an entry reached is not an address. */
static int rl_xff_client(const char *xff, const struct cidr *trusted, size_t ntrusted,
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
        if (cidr_ip_parse(a, (size_t)(b - a), family, addr) != 0)
            return -1;
        found = 1;
        if (!rl_trusted(trusted, ntrusted, *family, addr))
            return 1;
    }
    return found;
}

int rl_client_id(const char *remote_addr, const char *xff, const struct cidr *trusted,
                 size_t ntrusted, unsigned v6_prefix, char *out, size_t outlen)
{
    int family;
    uint8_t addr[16];
    if (!remote_addr || cidr_ip_parse(remote_addr, strlen(remote_addr), &family, addr) != 0) {
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
        cidr_mask(addr, v6_prefix, 16);
        inet_ntop(AF_INET6, addr, text, sizeof text);
        n = snprintf(out, outlen, "%s/%u", text, v6_prefix);
    } else {
        inet_ntop(family, addr, text, sizeof text);
        n = snprintf(out, outlen, "%s", text);
    }
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
