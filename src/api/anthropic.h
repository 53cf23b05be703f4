/* anthropic: the Anthropic Messages dialect over the chat engine.
 *
 * anth_parse turns the body of POST /v1/messages (or .../count_tokens) into a
 * struct eng_request: system text and the messages become turns, content
 * blocks become parts (text, image, tool_use -> TOOL_CALL, tool_result ->
 * TOOL_RESULT turns of role ENG_TOOL), tools and tool_choice map to the
 * engine's emulation (docs/tools.md §1, §3), the web-search server tool turns on
 * 1min.ai's web search. Whatever the relay cannot serve is a 400 naming it;
 * fields that change nothing for 1min.ai (metadata, temperature, top_p,
 * top_k, thinking, context_management, cache_control) are accepted.
 * Thinking blocks replayed in assistant turns are dropped, as Anthropic
 * itself drops earlier turns' thinking from the context.
 *
 * anth_sink is the engine sink that writes the answer: one message object,
 * or the event stream (message_start, content_block_start/delta/stop for
 * text and tool_use blocks, ping while the upstream is silent,
 * message_delta, message_stop). Errors are not the sink's: the router
 * renders them in Anthropic's shape.
 *
 * Ownership: an anth_request owns everything its eng member points at until
 * anth_request_free. Thread rule: both belong to one request. */
#ifndef RELAY_API_ANTHROPIC_H
#define RELAY_API_ANTHROPIC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/keep.h"
#include "engine/engine.h"

struct relay_req;
struct json_object;

enum anth_mode {
    ANTH_MESSAGES,          /* POST /v1/messages: max_tokens required */
    ANTH_COUNT_TOKENS,      /* POST /v1/messages/count_tokens: max_tokens not needed */
};

struct anth_request {
    struct eng_request eng;             /* eng.model is left empty: see client_model */
    char client_model[ENG_MODEL_MAX];   /* "model" as the client sent it (an alias, maybe) */
    /* private */
    struct json_object *root;           /* the body; eng's strings point into it */
    struct keep owned;                  /* allocations freed with the request */
};

/* Parse the request body root (a reference is taken) into q, zeroed first.
 * Returns 0, or -1 with e filled (400 invalid_request_error naming the field;
 * 500 when out of memory). q must be released with anth_request_free either
 * way. */
int anth_parse(struct json_object *root, enum anth_mode mode, struct anth_request *q, struct relay_err *e);
void anth_request_free(struct anth_request *q);

/* ---- Routes (api.h handlers) ------------------------------------------ */

int anth_messages(struct relay_req *r, struct relay_err *e);       /* POST /v1/messages */
int anth_count_tokens(struct relay_req *r, struct relay_err *e);   /* POST /v1/messages/count_tokens */
/* GET /v1/models and /v1/models/{id} for a request carrying anthropic-version
 * (models.c hands them over): chat models in Anthropic's list shape; an id
 * resolves like a Messages model name. */
int anth_models_list(struct relay_req *r, struct relay_err *e);
int anth_models_get(struct relay_req *r, const char *id, struct relay_err *e);

/* ---- The sink ------------------------------------------------------- */

struct anth_sink {
    struct relay_req *r;
    char id[ENG_ID_MAX];        /* "msg_..." */
    char model[ENG_MODEL_MAX];  /* reported as "model" */
    long long input_tokens;     /* the relay's count of the prompt, for message_start */
    int stream;
    /* state */
    int started;                /* stream: message_start sent */
    int text_open;              /* stream: the text block is open (index nblocks - 1) */
    unsigned nblocks;           /* content blocks started so far */
    struct buf ws;              /* stream: whitespace held back until text follows it */
    struct buf ev;              /* stream: the event being written */
    struct buf text;            /* JSON answer: all text */
    struct json_object *tools;  /* JSON answer: tool_use blocks */
};

/* Set up s for a request answered as a message object (stream == 0) or an
 * event stream. model is what the answer reports; input_tokens the relay's
 * count of the prompt (message_start needs it before any usage is known). */
int anth_sink_init(struct anth_sink *s, struct relay_req *r, const char *model,
                   long long input_tokens, int stream);
void anth_sink_free(struct anth_sink *s);

/* The engine sink over s. */
struct eng_sink anth_sink_ops(struct anth_sink *s);

/* Anthropic's stop_reason for a finish. */
const char *anth_stop_reason(enum eng_finish f);

/* ---- Headers -------------------------------------------------------- */

struct rl_result;   /* ratelimit/rl.h */

/* Add Anthropic's rate-limit headers for a limiter decision to r:
 * anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}, the reset as
 * an RFC 3339 time (now_ms + the window's reset), for each limit that is set.
 * (retry-after on a refusal comes from admission, for every dialect.) */
void anth_ratelimit_headers(struct relay_req *r, const struct rl_result *res, long long now_ms);

/* t_ms (Unix milliseconds) as an RFC 3339 UTC time rounded up to the second,
 * "2026-12-01T12:00:05Z". Returns the length, or -1 when out is too small. */
int anth_rfc3339(long long t_ms, char *out, size_t n);

#endif
