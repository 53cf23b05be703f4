#include "core/record.h"

#include <stdio.h>
#include <string.h>

#include "core/accesslog.h"
#include "core/log.h"
#include "core/sha256.h"

/* The record of the request this thread is serving; NULL between requests. */
static _Thread_local struct record *record_cur;

static double record_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Copy at most dstlen - 1 bytes of printable ASCII from src; others become '?'. */
static void record_copy(char *dst, size_t dstlen, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[i] = '\0';
}

void record_begin(struct record *rec, const char *request_id, const char *method,
                  const char *key, size_t key_len)
{
    memset(rec, 0, sizeof *rec);
    clock_gettime(CLOCK_MONOTONIC, &rec->t0);
    clock_gettime(CLOCK_REALTIME, &rec->wall);
    record_copy(rec->request_id, sizeof rec->request_id, request_id);
    record_copy(rec->method, sizeof rec->method, method);
    if (key && key_len) {
        static const char hex[] = "0123456789abcdef";
        uint8_t d[SHA256_LEN];
        sha256(key, key_len, d);
        for (int i = 0; i < RECORD_KEY_HASH_LEN / 2; i++) {
            rec->key_hash[2 * i] = hex[d[i] >> 4];
            rec->key_hash[2 * i + 1] = hex[d[i] & 15];
        }
    }
    rec->ttfb_s = -1;
    rec->prompt_tokens = rec->completion_tokens = -1;
    record_cur = rec;
    log_set_request_id(rec->request_id);
}

void record_body(struct record *rec, const void *p, size_t n, int sse)
{
    rec->bytes_out += n;
    /* SSE comments (keep-alive pings) are not the first byte of the answer */
    if (sse && n && rec->ttfb_s < 0 && ((const char *)p)[0] != ':')
        rec->ttfb_s = record_since(&rec->t0);
}

void record_stream_open(struct record *rec, int sse)
{
    if (sse && !rec->stream_open) {
        rec->stream_open = 1;
        metrics_gauge_add(MG_STREAMS, 1);
    }
}

void record_end(struct record *rec, int status, int stream)
{
    if (rec->stream_open)
        metrics_gauge_add(MG_STREAMS, -1);
    double dur = record_since(&rec->t0);
    rec->status = status;
    rec->stream = stream;
    metrics_request(rec->route ? rec->route : "other", rec->dialect ? rec->dialect : "none",
                    status, dur);
    if (stream) {
        metrics_stream_bytes(rec->bytes_out);
        if (rec->ttfb_s >= 0)
            metrics_stream_ttfb(rec->ttfb_s);
    }
    if (rec->token_source)
        metrics_tokens(rec->token_source, rec->model_known ? rec->model : "other",
                       rec->prompt_tokens > 0 ? (uint64_t)rec->prompt_tokens : 0,
                       rec->completion_tokens > 0 ? (uint64_t)rec->completion_tokens : 0);
    accesslog_write(rec, dur);
    if (record_cur == rec)
        record_cur = NULL;
    log_set_request_id(NULL);
}

void record_route(const char *route, const char *dialect)
{
    if (!record_cur)
        return;
    record_cur->route = route;
    record_cur->dialect = dialect;
}

void record_model(const char *model, int known)
{
    if (!record_cur)
        return;
    record_copy(record_cur->model, sizeof record_cur->model, model);
    record_cur->model_known = known;
}

void record_tokens(long long prompt, long long completion, int counted)
{
    if (!record_cur)
        return;
    record_cur->prompt_tokens = prompt;
    record_cur->completion_tokens = completion;
    record_cur->token_source = counted ? "counted" : "upstream";
}

void record_ratelimit(const char *outcome)
{
    if (strncmp(outcome, "refused_", 8) == 0)
        metrics_refusal(outcome + 8);
    if (record_cur)
        record_cur->ratelimit = outcome;
}

void record_upstream(enum metrics_upstream outcome, int status, double seconds)
{
    metrics_upstream(outcome, seconds);
    if (!record_cur)
        return;
    record_cur->upstream_calls++;
    record_cur->upstream_s += seconds;
    record_cur->upstream_status = status;
}

void record_request_id_set(struct record *rec, const char *id)
{
    record_copy(rec->request_id, sizeof rec->request_id, id);
    if (record_cur == rec)
        log_set_request_id(rec->request_id);
}

/* When this thread's upstream exchange began (record_upstream_start). */
static _Thread_local struct timespec record_up_t0;

void record_upstream_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &record_up_t0);
}

void record_upstream_done(long status, int timed_out, double seconds)
{
    enum metrics_upstream o = timed_out ? MU_TIMEOUT
        : status >= 200 && status < 300 ? MU_OK
        : status >= 400 && status < 500 ? MU_4XX
        : status > 0 ? MU_5XX : MU_CONNECT;
    record_upstream(o, (int)status, seconds);
}

void record_upstream_end(long status, int timed_out)
{
    record_upstream_done(status, timed_out, record_since(&record_up_t0));
}

const char *record_request_id(void)
{
    return record_cur ? record_cur->request_id : NULL;
}
