/* chat: the state of one /v1/chat/completions call, shared by the JSON path
 * (chat.c) and the streaming path (chat_stream.c). Private to api/. */
#ifndef RELAY_API_CHAT_H
#define RELAY_API_CHAT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/req.h"
#include "onemin/catalog.h"
#include "onemin/client.h"
#include "onemin/onemin.h"
#include "ratelimit/rl.h"

struct json_object;

struct chat_call {
    struct relay_req *r;
    char key[ONEMIN_KEY_MAX + 1];   /* the client's 1min.ai key; never logged */
    struct onemin om;               /* the environment of its calls to 1min.ai */
    char model[CATALOG_ID_MAX];         /* without the :online suffix */
    int web_search;                 /* :online was asked for */
    int stream;
    int include_usage;              /* stream_options.include_usage */
    struct buf prompt;              /* the flattened transcript sent upstream */
    struct json_object *images;     /* asset paths for attachments.images, or NULL */
    long long prompt_tokens;        /* local count of prompt */
    long long completion_tokens;    /* set when an answer was produced, streamed or not */
    struct rl_ticket ticket;        /* the rate limiter's admission */
    char id[40];                    /* chatcmpl-... */
    long long created;
};

/* The upstream request body for call, with or without web search. Returns a
 * new string (caller frees) or NULL when out of memory. */
char *chat_upstream_body(const struct chat_call *call, int web_search, size_t *len);

/* One upstream exchange, with its web-search fallback. */
struct chat_exchange {
    struct client_reply first;          /* the first attempt's reply: reported when all fail */
    struct client_reply retry;
    enum client_rc first_rc;
    enum client_rc rc;                  /* the last attempt's outcome */
    const struct client_reply *last;    /* the last attempt's reply */
};

/* Send call to url. With web search on, when the upstream answers 400 and
 * nothing was sent to the client yet, try once more without it. hooks, when
 * not NULL, supplies on_status/on_data/on_tick/ud for streaming, and
 * on_attempt(ud) runs before each attempt. Returns 0, or -1 with e filled
 * (out of memory). Free x with chat_exchange_free in any case. */
int chat_exchange(struct chat_call *call, const char *url, const struct client_request *hooks,
                  void (*on_attempt)(void *ud), struct chat_exchange *x, struct relay_err *e);
void chat_exchange_free(struct chat_exchange *x);

/* Local token count of text under call's model encoding. */
long long chat_count_tokens(const struct chat_call *call, const char *text, size_t len);


/* Serve a streaming call: 0 once answered, or -1 with e filled (before the
 * 200 an HTTP error, after it an error frame; the router renders it). */
int chat_stream(struct chat_call *call, struct relay_err *e);

#endif
