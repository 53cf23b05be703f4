/* responses: the OpenAI Responses API dialect (POST /v1/responses and the
 * stored-response routes), over the chat engine. The README's Responses API
 * section says what is emulated and how.
 *
 * Three parts, private to api/:
 *   responses_parse.c  the request body -> struct resp_request (an
 *                      eng_request plus the settings echoed back), in two
 *                      steps: resp_parse validates and normalises the body;
 *                      resp_build resolves item_reference items, puts the
 *                      stored conversation of previous_response_id first and
 *                      renders the transcript into turns.
 *   responses_sink.c   the engine's sink: the response object (JSON answers)
 *                      or the named event stream.
 *   responses_store.c  stored responses (memcached or a per-host directory).
 *
 * Item ids: a response id is "resp_" + 32 hex digits; every item the relay
 * names inside it carries the same digits ("msg_<hex>_<k>", "fc_<hex>_<k>";
 * input items "..._i<k>"), so an item_reference finds its response without an
 * index.
 *
 * Thread rule: all values belong to the request being served. */
#ifndef RELAY_API_RESPONSES_H
#define RELAY_API_RESPONSES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/keep.h"
#include "engine/engine.h"
#include "http/req.h"

struct json_object;
struct memcached_st;

#define RESP_HEX_LEN 32
#define RESP_ID_MAX 48          /* "resp_" + hex + NUL, with room */

/* ---- The request --------------------------------------------------- */

struct resp_request {
    struct eng_request eng;             /* what the engine runs (after resp_build) */

    /* Settings echoed in the response object (borrowed from body). */
    const char *model;                  /* as the client named it */
    const char *instructions;           /* or NULL */
    const char *previous_response_id;   /* or NULL */
    const char *reasoning_effort;       /* or NULL: accepted and echoed, changes nothing upstream */
    const char *user;                   /* or NULL */
    long long max_output_tokens;        /* 0: none */
    int store;                          /* default 1 */
    int parallel_tool_calls;            /* default 1 */
    struct json_object *tools_echo;     /* the tools array as sent, or NULL */
    struct json_object *tool_choice_echo;
    struct json_object *format_echo;    /* text.format as sent, or NULL (= text) */
    struct json_object *metadata_echo;
    struct json_object *temperature_echo, *top_p_echo;

    /* The conversation (owned references). */
    struct json_object *input;          /* this request's items, normalised */
    struct json_object *context;        /* after resp_build: stored items + resolved input */

    /* Private. */
    struct json_object *body;           /* a reference to the parsed body */
    struct keep owned;                  /* strings the turns point to */
    size_t capturns;
};

/* Validate body (a JSON object; a reference is taken) and fill rq: every
 * field is checked, input becomes a list of normalised items (a string is
 * one user message; items without type are messages; string content becomes
 * one input_text/output_text part), tools are flattened (function tools;
 * web_search* sets eng.web_search; a namespace's function tools keep the
 * namespace name). Anything the relay cannot serve (input_file, input_audio,
 * file_search, code_interpreter, a file_id image, background, ...) is a 400
 * naming it, with param pointing at it. Returns 0 or -1 with e filled;
 * resp_request_free(rq) in both cases. */
int resp_parse(struct json_object *body, struct resp_request *rq, struct relay_err *e);

/* Find a stored item by id for an item_reference: 1 with *item (a new
 * reference), 0 when there is none (unknown, expired, another key's), -1 with
 * e filled on a failure. */
typedef int (*resp_lookup_fn)(void *ud, const char *item_id, struct json_object **item,
                              struct relay_err *e);

/* Build rq->context (prior, the stored conversation of previous_response_id,
 * may be NULL; then rq->input with each item_reference replaced through
 * lookup) and render it into rq->eng.turns (instructions first, as a system
 * turn). An unknown reference is a 404 with param "input[i].id". Returns 0
 * or -1 with e filled. */
int resp_build(struct resp_request *rq, struct json_object *prior, resp_lookup_fn lookup, void *ud,
               struct relay_err *e);

void resp_request_free(struct resp_request *rq);

/* ---- JSON ----------------------------------------------------------- */

/* The member key of object o, borrowed, or NULL when it is absent or JSON
 * null (or o is no object). */
struct json_object *resp_member(struct json_object *o, const char *key);

/* ---- Ids ------------------------------------------------------------ */

/* A new response id: hex gets 32 random hex digits, id "resp_<hex>". */
void resp_new_id(char hex[RESP_HEX_LEN + 1], char id[RESP_ID_MAX]);

/* The hex digits of the response an id belongs to ("resp_<hex>", or an item
 * id of the form above). Returns 0, or -1 when id is not one of ours. */
int resp_id_hex(const char *id, char hex[RESP_HEX_LEN + 1]);

/* ---- The sink ------------------------------------------------------- */

/* Where a stream's bytes go: write n bytes and flush; 0 or -1 (client gone).
 * n == 0 only asks whether the client is still there. */
typedef int (*resp_write_fn)(void *ud, const char *p, size_t n);

struct resp_sink {
    const struct resp_request *rq;
    char hex[RESP_HEX_LEN + 1];
    char id[RESP_ID_MAX];
    long long created_at;
    int stream;
    resp_write_fn write;                /* stream only */
    void *write_ud;
    /* Optional: start 1 before and 0 after the events of one upstream read
     * (engine.h batch), given write_ud; e.g. resp_hold / resp_release. */
    void (*batch)(void *ud, int start);
    unsigned keepalive_s;               /* silence before a ": keep-alive" comment (0: at every idle call) */
    long long last_write_s;             /* monotonic seconds of the last write */
    /* Called once the response is complete, before the last event goes out
     * (so a client that chains at once finds it stored); may be NULL. */
    void (*on_end)(void *ud, const struct resp_sink *s);
    void *on_end_ud;

    /* State. */
    unsigned seq;                       /* the next sequence_number */
    int began, ended, failed;
    struct json_object *output;         /* finished output items (owned) */
    int msg_open;                       /* a message item is open at index noutput */
    char msg_id[RESP_ID_MAX];
    struct buf text;                    /* the open message's text */
    struct eng_result result;
    struct buf ev;                      /* the event being written */
    struct relay_err fail_err;          /* resp_sink_fail's error, for resp_sink_response */
};

/* Set up s for rq; hex/id from resp_new_id. For a stream, write receives the
 * events. Release with resp_sink_free. */
void resp_sink_init(struct resp_sink *s, const struct resp_request *rq, const char *hex,
                    const char *id, long long created_at, resp_write_fn write, void *write_ud);
void resp_sink_free(struct resp_sink *s);

/* The engine sink whose callbacks drive s. */
struct eng_sink resp_sink_engine(struct resp_sink *s);

/* The response object as it stands (status from what happened: in_progress,
 * completed, incomplete, failed), with usage when ended. A new reference, or
 * NULL when out of memory. */
struct json_object *resp_sink_response(const struct resp_sink *s);

/* A failure after the stream began ends it with response.failed carrying
 * the error. The router renders errors after the handler returned (api/
 * render_error.h), so the handler hands it a snapshot that outlives the sink:
 * resp_sink_failure (NULL when there is nothing to end: not a stream, not
 * begun, already ended, or out of memory) and resp_failure_render as the
 * post-commit hook; the render frees the snapshot. resp_sink_fail does both
 * at once (tests). Each returns 0 or -1 (client gone). */
struct resp_failure;
struct resp_failure *resp_sink_failure(const struct resp_sink *s);
int resp_failure_render(void *ud, const struct relay_err *e);
int resp_sink_fail(struct resp_sink *s, const struct relay_err *e);

/* ---- The handlers (api/responses.c) ---------------------------------- */

/* Read the store's settings; called once before the workers start. 0, or -1
 * with a message naming the variable. */
int responses_init(char *err, size_t errlen);

int responses_create(struct relay_req *r, struct relay_err *e);   /* POST /v1/responses */
int responses_get(struct relay_req *r, struct relay_err *e);      /* GET /v1/responses/{id}[/input_items] */
int responses_delete(struct relay_req *r, struct relay_err *e);   /* DELETE /v1/responses/{id} */

/* ---- The store ------------------------------------------------------ */

/* Settings (read once at start-up by resp_store_config_load):
 *   RELAY_RESPONSES_TTL        seconds a stored response lives (3600; 0: nothing is stored)
 *   RELAY_RESPONSES_MAX_BYTES  largest stored entry, conversation included (960K: memcached's
 *                              default item limit is 1M)
 *   RELAY_RESPONSES_DIR        the per-host directory when the rate-limit store is not
 *                              memcached ($TMPDIR/1min-relay-<uid>/responses) */
struct resp_store_config {
    unsigned ttl_s;
    size_t max_bytes;
    char dir[512];
};

int resp_store_config_load(struct resp_store_config *c, char *err, size_t errlen);

/* The owner tag of an API key: hex SHA-256, 64 digits + NUL. */
void resp_store_owner(const char *key, size_t len, char owner[65]);

/* A stored entry: {"owner","response","input","context"}. resp_store_put
 * serialises it; when it is larger than max_bytes a small marker is stored
 * instead, so a later use can say why (resp_store_get then fails with 400).
 * mc is the thread's memcached handle or NULL for the directory. put returns
 * 0, or -1 (logged; storing never fails a request). */
int resp_store_put(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                   struct json_object *entry);

/* Load the entry of response hex for owner: 1 with *entry (new reference),
 * 0 when there is none or it is another owner's, -1 with e filled (a marker
 * of an entry that was too large: 400 naming param; the store failed: 503). */
int resp_store_get(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                   const char *owner, const char *param, struct json_object **entry,
                   struct relay_err *e);

/* Remove it; 1 when it was there (and owner's), 0 when not, -1 with e on failure. */
int resp_store_delete(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                      const char *owner, struct relay_err *e);

#endif
