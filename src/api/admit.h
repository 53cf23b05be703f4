/* admit: the rate limiter seen from a request. The limiter (ratelimit/)
 * returns a decision value; this turns it into OpenAI's x-ratelimit-*
 * headers, and a refusal into a 429 (or the 503 of RATE_LIMIT_FAIL=closed)
 * with Retry-After.
 *
 * Thread rule: runs on the request's worker thread (its rl_thread). */
#ifndef RELAY_API_ADMIT_H
#define RELAY_API_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/req.h"
#include "ratelimit/rl.h"

/* Admit one request of r (client = REMOTE_ADDR, or X-Forwarded-For when the
 * peer is in RATE_LIMIT_TRUSTED_PROXIES; plus the API key's hash when per-key
 * limits are set) costing tokens. Returns 0 when admitted (the x-ratelimit-*
 * headers are added to r), or -1 with e filled (the headers, Retry-After
 * included, are added too). With limiting off it returns 0 and adds nothing.
 * t is always initialised. */
int admit_request(struct relay_req *r, const char *api_key, size_t key_len, uint64_t tokens,
                  struct rl_ticket *t, struct relay_err *e);

/* The same, also handing back the limiter's decision in *res (zeroed, so
 * limit 0, when limiting is off), for a dialect's own headers. */
int admit_request_res(struct relay_req *r, const char *api_key, size_t key_len, uint64_t tokens,
                      struct rl_ticket *t, struct rl_result *res, struct relay_err *e);

/* Add tokens spent after admission (the completion), also when the client
 * cancelled. Does nothing for an inactive ticket or 0 tokens. */
void admit_charge(struct relay_req *r, const struct rl_ticket *t, uint64_t tokens);

#endif
