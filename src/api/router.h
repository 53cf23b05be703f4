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

#endif
