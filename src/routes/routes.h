/* routes: the handlers behind each API path. The router (router.c) picks one
 * by path and method; each handler sends exactly one response and returns 0. */
#ifndef RELAY_ROUTES_ROUTES_H
#define RELAY_ROUTES_ROUTES_H

#include "http/req.h"

int route_health(struct relay_req *r);
int route_models_list(struct relay_req *r);
int route_models_get(struct relay_req *r);
int route_chat_completions(struct relay_req *r);
/* GET /metrics (routes/metrics.c); its access rules are read from the
 * environment by route_metrics_configure before worker threads start:
 * 0, or -1 with a message naming the variable in err. */
int route_metrics(struct relay_req *r);
int route_metrics_configure(char *err, size_t errlen);

/* The client's API key, or NULL after sending the 401 itself. Borrowed from
 * the request; never log it. */
const char *route_require_key(struct relay_req *r, size_t *len);

#endif
