/* record: what is known about one request when it ends, for the access log
 * and the metrics.
 *
 * The transport starts a record when a request arrives (record_begin), counts
 * the body it writes (record_body) and ends it (record_end), which writes the
 * access-log line and the request's metrics. In between, the layer that
 * knows a field sets it on the calling thread's current record with one
 * record_* call: the router the route and dialect, a handler the model and
 * tokens, the rate limiter its outcome, the upstream client each call's
 * outcome and time. Those setters do nothing outside a request.
 *
 * Every string field is a bounded copy or a static string; the record never
 * holds the key (only a 12-hex-digit prefix of its SHA-256), the prompt or the
 * answer.
 *
 * Thread rule: a record belongs to the thread serving its request; the
 * current-record pointer is thread-local. */
#ifndef RELAY_CORE_RECORD_H
#define RELAY_CORE_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/metrics.h"

#define RECORD_ID_MAX 64
#define RECORD_MODEL_MAX 64
#define RECORD_KEY_HASH_LEN 12

struct record {
    char request_id[RECORD_ID_MAX];
    char method[12];
    char key_hash[RECORD_KEY_HASH_LEN + 1];  /* "" when the request had no key */
    struct timespec t0;                     /* CLOCK_MONOTONIC at record_begin */
    struct timespec wall;                   /* CLOCK_REALTIME at record_begin */
    double ttfb_s;                          /* first body byte of a stream; < 0: none */
    double upstream_s;                      /* summed over the request's upstream calls */
    unsigned upstream_calls;
    int upstream_status;                    /* HTTP status of the last call; 0: none */
    const char *route;                      /* static route pattern; NULL: none matched */
    const char *dialect;                    /* static; NULL: none */
    char model[RECORD_MODEL_MAX];           /* the model asked for (cut); "" none */
    int model_known;                        /* model is in the catalogue */
    long long prompt_tokens;                /* -1: unknown */
    long long completion_tokens;
    const char *token_source;               /* "upstream" or "counted"; NULL: none */
    const char *ratelimit;                  /* static outcome; NULL: not checked */
    uint64_t bytes_out;                     /* body bytes written */
    int stream;                             /* the response is an event stream */
    int stream_open;                        /* counted in the open-streams gauge */
    int status;
};

/* Start rec and make it the calling thread's current record. key (may be
 * NULL) is hashed, never kept. */
void record_begin(struct record *rec, const char *request_id, const char *method,
                  const char *key, size_t key_len);
/* Count n body bytes written; sse says the response is an event stream (its
 * first byte that is not an SSE comment sets the time to first byte). */
void record_body(struct record *rec, const void *p, size_t n, int sse);
/* The response was committed; sse says it is an event stream (counted as
 * open until record_end). */
void record_stream_open(struct record *rec, int sse);
/* End rec: write the access-log line and the metrics, forget the current
 * record. status is the status sent (500 when nothing was sent). */
void record_end(struct record *rec, int status, int stream);

/* Setters on the current record. route and dialect must be static strings. */
void record_route(const char *route, const char *dialect);
void record_model(const char *model, int known);
/* Tokens of the answer; counted says the relay's tokenizer counted them (else
 * 1min.ai's metadata). Also counted in the metrics. */
void record_tokens(long long prompt, long long completion, int counted);
/* The rate limiter's outcome: "admitted", "off", or "refused_requests",
 * "refused_tokens", "refused_store" (also counted as a refusal). Static. */
void record_ratelimit(const char *outcome);
/* One upstream call: its outcome, HTTP status (0: none) and duration. */
void record_upstream(enum metrics_upstream outcome, int status, double seconds);
/* The same from what the upstream client knows: the HTTP status (0: no
 * answer) and whether the call ended by a timeout pick the outcome (ok for
 * 2xx, 4xx, 5xx for any other status, timeout, connect). */
void record_upstream_done(long status, int timed_out, double seconds);
/* record_upstream_done timed on this thread: call record_upstream_start when
 * the exchange begins, record_upstream_end when it is over. */
void record_upstream_start(void);
void record_upstream_end(long status, int timed_out);
/* Replace rec's request id (a trusted proxy named the request); log lines
 * of this thread use it from now on. */
void record_request_id_set(struct record *rec, const char *id);
/* The current record's request id, or NULL outside a request. */
const char *record_request_id(void);

#endif
