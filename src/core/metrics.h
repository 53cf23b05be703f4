/* metrics: host-wide counters, histograms and gauges, shown to Prometheus.
 *
 * The numbers live in one POSIX shared-memory object (RELAY_METRICS_SHM,
 * default /1min-relay-metrics-<uid>.v1; "off" keeps them per process) mapped by every relay process of the host, so
 * whichever process a scrape reaches (lighttpd max-procs, mod_fcgid,
 * spawn-fcgi -F, CGI) answers with the host's totals. Robust to a process
 * killed at any point:
 *  - counters and histogram buckets are single atomic 64-bit adds: an update
 *    happened or it did not;
 *  - a new labelled series is inserted under a robust process-shared mutex
 *    and published (its state set) only once its labels are written;
 *  - gauges (threads, busy threads, open streams) are kept per process in a
 *    slot claimed by pid; slots of processes that are gone are not shown and
 *    are reused, so a killed process's gauges vanish with it.
 *
 * Labels are bounded: every label value must come from a fixed set (route
 * patterns, dialect names, outcome names, catalogue model ids). A value that
 * is empty, longer than 64 bytes or has a byte outside [A-Za-z0-9._:/-] is
 * counted as "other". Never pass a key, an address or client text.
 *
 * Every metric name starts with onemin_relay_.
 *
 * Thread rule: metrics_open and metrics_close run before worker threads start
 * and after they stop; every other function may be called from any thread.
 * Before metrics_open (unit tests of other modules) the counting functions do
 * nothing. */
#ifndef RELAY_CORE_METRICS_H
#define RELAY_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum metrics_upstream {
    MU_OK = 0,      /* a 2xx answer */
    MU_4XX,
    MU_5XX,         /* 5xx, or any other non-2xx status */
    MU_TIMEOUT,     /* connect, idle or total timeout */
    MU_CONNECT,     /* no answer: DNS, refused, TLS, reset, cut short */
    MU_COUNT
};

enum metrics_gauge {
    MG_THREADS = 0, /* worker threads started */
    MG_BUSY,        /* worker threads serving a request */
    MG_STREAMS,     /* event streams open to clients */
    MG_COUNT
};

/* Map the shared object "/name" (creating it when missing), or with name NULL
 * keep this process's numbers in private memory. Claims this process's gauge
 * slot. Returns 0, or -1 with a message naming RELAY_METRICS_SHM in err. */
int metrics_open(const char *name, char *err, size_t errlen);
/* The default object's name, /1min-relay-metrics-<uid>.v1, written to out:
 * one per user (an object is mode 0600), and the layout version is part of
 * the name, so a relay of another layout uses its own object instead of
 * refusing to start. */
void metrics_default_name(char *out, size_t outlen);
/* metrics_open as configured by RELAY_METRICS_SHM: "/name" (one slash, at
 * most 200 bytes of [A-Za-z0-9._-]), or "off". */
int metrics_configure(char *err, size_t errlen);
/* Release this process's gauge slot and unmap. */
void metrics_close(void);
/* 1 when the numbers are shared with the other processes of the host. */
int metrics_shared(void);

/* One answered request: route pattern ("other" when none matched), dialect
 * ("openai", "responses", "anthropic"; "none" for routes outside the chat
 * APIs), the HTTP status sent, and the total time. */
void metrics_request(const char *route, const char *dialect, int status, double seconds);
/* Time to the first body byte of an event stream. */
void metrics_stream_ttfb(double seconds);
/* One call to 1min.ai and how it ended. */
void metrics_upstream(enum metrics_upstream outcome, double seconds);
/* Tokens of one answer; source "upstream" (1min.ai's metadata) or "counted"
 * (the relay's tokenizer); model a catalogue id or "other". */
void metrics_tokens(const char *source, const char *model, uint64_t prompt, uint64_t completion);
/* One request refused by the rate limiter; kind "requests", "tokens" or
 * "store" (the store was unreachable and RATE_LIMIT_FAIL=closed). */
void metrics_refusal(const char *kind);
/* Body bytes sent in event streams. */
void metrics_stream_bytes(uint64_t n);
/* One media operation: "image", "transcription", "translation", "speech",
 * "upload". */
void metrics_media(const char *kind);
/* Change one of this process's gauges. */
void metrics_gauge_add(enum metrics_gauge g, int delta);

/* Append the Prometheus text exposition (format 0.0.4) of the host's numbers
 * to out. Returns 0, or -1 when out is full. */
int metrics_render(struct buf *out);

#endif
