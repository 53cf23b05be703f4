/* router: maps method + path to a handler, answers CORS preflights, gives
 * 404 / 405 / 501 for everything else, and renders a handler's failure once,
 * in the dialect its route speaks.
 *
 * Thread rule: the route table is static and read-only; api_dispatch runs on
 * the request's worker thread. */
#ifndef RELAY_API_ROUTER_H
#define RELAY_API_ROUTER_H

#include "http/req.h"

/* Serve one request: exactly one response is sent (unless the client left). */
void api_dispatch(struct relay_req *r);

/* The answer when the transport is at its ceiling (struct srv_app's busy):
 * 503 code "overloaded" with Retry-After, in the dialect of the route the
 * path names (an Anthropic route: 529 overloaded_error). Sends nothing
 * upstream. */
void api_busy(struct relay_req *r);

/* Call fn with each route's method and path ("/v1/files/" for a route on
 * what follows the slash), in the table's order. */
void route_each(void (*fn)(void *ud, const char *method, const char *path), void *ud);

#endif
