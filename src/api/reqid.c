/* X-Request-Id from a trusted proxy: a proxy in RATE_LIMIT_TRUSTED_PROXIES
 * (the same list whose X-Forwarded-For is believed) may name the request;
 * the relay then uses that id in its response header, its log lines and the
 * access log instead of its own. Any other peer's X-Request-Id is ignored. */
#include <string.h>

#include "core/log.h"
#include "core/record.h"
#include "api/api.h"
#include "core/cidr.h"

#define REQID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

/* Set by route_reqid_configure before worker threads start; read-only after. */
static const struct cidr *reqid_trusted;
static size_t reqid_ntrusted;

void route_reqid_configure(const struct cidr *trusted, size_t n)
{
    reqid_trusted = trusted;
    reqid_ntrusted = n;
}

void route_adopt_request_id(struct relay_req *r)
{
    const char *id = req_header(r, "X-Request-Id");
    size_t n = id ? strlen(id) : 0;
    int family;
    uint8_t addr[16];
    if (n == 0 || n >= sizeof r->request_id || strspn(id, REQID_CHARS) != n || !reqid_ntrusted ||
        cidr_ip_parse(r->client_ip, strlen(r->client_ip), &family, addr) != 0)
        return;
    for (size_t i = 0; i < reqid_ntrusted; i++) {
        if (cidr_contains(&reqid_trusted[i], family, addr)) {
            memcpy(r->request_id, id, n + 1);
            record_request_id_set(&r->rec, r->request_id);
            return;
        }
    }
}
