/* core/metrics, core/shm, core/record and core/accesslog: host-wide totals
 * from several processes and threads, a lock whose holder died, gauges of a
 * killed process, the exposition's shape, bounded labels, and the access-log
 * line (valid JSON, every field, no key). */
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/accesslog.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/record.h"
#include "core/shm.h"
#include "tap.h"

#define PROCS 4
#define THREADS 4
#define PER_THREAD 5000

static char shm_name[64];

static void *count_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_request("/v1/chat/completions", "openai", i % 10 ? 200 : 502, 0.02);
        metrics_upstream(MU_OK, 0.01);
    }
    return NULL;
}

/* The value of the sample line that starts with prefix, or -1. */
static long long sample(const char *page, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = page; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return atoll(p + n + 1);
    }
    return -1;
}

static char *render(void)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    if (metrics_render(&b) < 0)
        return NULL;
    return buf_steal(&b);
}

static void test_host_wide(void)
{
    char err[256] = "";
    pid_t kids[PROCS];
    for (int k = 0; k < PROCS; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            if (metrics_open(shm_name, err, sizeof err) != 0)
                _exit(3);
            pthread_t t[THREADS];
            for (int i = 0; i < THREADS; i++)
                pthread_create(&t[i], NULL, count_thread, NULL);
            for (int i = 0; i < THREADS; i++)
                pthread_join(t[i], NULL);
            metrics_close();
            _exit(0);
        }
    }
    int all_ok = 1;
    for (int k = 0; k < PROCS; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        all_ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    ok(all_ok, "%d processes x %d threads counted into one shared object", PROCS, THREADS);
    ok(metrics_open(shm_name, err, sizeof err) == 0, "the parent maps the same object (%s)", err);
    ok(metrics_shared(), "... shared with the other processes");
    char *page = render();
    long long total = (long long)PROCS * THREADS * PER_THREAD;
    is_int(sample(page, "onemin_relay_requests_total{route=\"/v1/chat/completions\",dialect=\"openai\",status=\"2xx\"}"),
           total * 9 / 10, "2xx requests: the exact host-wide total");
    is_int(sample(page, "onemin_relay_requests_total{route=\"/v1/chat/completions\",dialect=\"openai\",status=\"5xx\"}"),
           total / 10, "5xx requests: the exact host-wide total");
    is_int(sample(page, "onemin_relay_upstream_requests_total{outcome=\"ok\"}"), total,
           "upstream ok calls: the exact total");
    is_int(sample(page, "onemin_relay_upstream_requests_total{outcome=\"timeout\"}"), 0,
           "every upstream outcome is shown, 0 until it happens");
    is_int(sample(page, "onemin_relay_request_duration_seconds_count"), total, "histogram count");
    is_int(sample(page, "onemin_relay_request_duration_seconds_bucket{le=\"0.01\"}"), 0,
           "0.02 s is not in the 0.01 bucket");
    is_int(sample(page, "onemin_relay_request_duration_seconds_bucket{le=\"0.025\"}"), total,
           "... and in the 0.025 bucket");
    is_int(sample(page, "onemin_relay_request_duration_seconds_bucket{le=\"+Inf\"}"), total,
           "+Inf bucket equals the count");
    ok(strstr(page, "onemin_relay_build_info{version=\"" PACKAGE_VERSION "\"} 1\n") != NULL,
       "build_info carries the version");
    free(page);
    metrics_close();
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What one request costs the metrics and the access log (a diagnostic). */
static void measure(void)
{
    enum { N = 200000 };
    char path[64], err[256] = "";
    double t0 = now_s();
    for (int i = 0; i < N; i++)
        metrics_request("/v1/chat/completions", "openai", 200, 0.02);
    double per_req = (now_s() - t0) / N * 1e9;
    snprintf(path, sizeof path, "/tmp/test-metrics-al-%ld.log", (long)getpid());
    struct record rec;
    record_begin(&rec, "req_0123456789abcdef01234567", "POST", "sk-key", 6);
    record_route("/v1/chat/completions", "openai");
    record_model("gpt-4o", 1);
    record_tokens(12, 34, 0);
    ok(accesslog_open(path, err, sizeof err) == 0, "open an access log file (%s)", err);
    t0 = now_s();
    for (int i = 0; i < N / 10; i++)
        accesslog_write(&rec, 0.1);
    double per_line = (now_s() - t0) / (N / 10) * 1e9;
    accesslog_close();
    record_end(&rec, 200, 0);
    unlink(path);
    printf("# cost per request: metrics_request %.0f ns (shared series lookup, counter and histogram), "
           "one access-log line %.0f ns\n", per_req, per_line);
}

static void test_labels_bounded(void)
{
    metrics_tokens("upstream", "gpt-4o", 10, 5);
    metrics_tokens("upstream", "sk-\"evil\"\n{label}", 1, 1);
    metrics_tokens("counted", "", 2, 3);
    metrics_request("/v1/x", "openai\n", 200, 0.1);
    char *page = render();
    is_int(sample(page, "onemin_relay_tokens_total{direction=\"prompt\",source=\"upstream\",model=\"gpt-4o\"}"),
           10, "tokens by direction, source and model");
    is_int(sample(page, "onemin_relay_tokens_total{direction=\"completion\",source=\"upstream\",model=\"other\"}"),
           1, "a label value with quotes or newlines is counted as other");
    is_int(sample(page, "onemin_relay_tokens_total{direction=\"completion\",source=\"counted\",model=\"other\"}"),
           3, "an empty label value is counted as other");
    ok(!strstr(page, "evil") && !strstr(page, "sk-"), "no client text reaches the page");
    is_int(sample(page, "onemin_relay_requests_total{route=\"/v1/x\",dialect=\"other\",status=\"2xx\"}"), 1,
           "a bad dialect value is other");
    free(page);
}

/* A child that dies holding a shared lock must not block the others. */
static int fmt_lock(void *map, void *ud, char *err, size_t errlen)
{
    (void)ud, (void)err, (void)errlen;
    return shm_mutex_init((pthread_mutex_t *)((struct shm_hdr *)map + 1));
}

static void test_dead_holder(void)
{
    char name[80], err[256] = "";
    snprintf(name, sizeof name, "%s-lock", shm_name);
    size_t size = sizeof(struct shm_hdr) + sizeof(pthread_mutex_t) + 64;
    void *map = shm_attach(name, "TEST", size, 0x1234, 1, fmt_lock, NULL, err, sizeof err);
    ok(map != NULL, "shm_attach creates an object (%s)", err);
    if (!map)
        return;
    pthread_mutex_t *m = (pthread_mutex_t *)((struct shm_hdr *)map + 1);
    pid_t kid = fork();
    if (kid == 0) {
        void *m2 = shm_attach(name, "TEST", size, 0x1234, 1, fmt_lock, NULL, err, sizeof err);
        if (!m2 || shm_mutex_lock((pthread_mutex_t *)((struct shm_hdr *)m2 + 1), 1000, NULL) != 0)
            _exit(3);
        _exit(0);   /* dies holding the lock */
    }
    int st;
    waitpid(kid, &st, 0);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a child took the lock and died holding it");
    int recovered = 0;
    ok(shm_mutex_lock(m, 1000, &recovered) == 0 && recovered, "the next locker takes it over");
    pthread_mutex_unlock(m);
    char err2[256] = "";
    ok(shm_attach(name, "TEST", size + 64, 0x1234, 1, fmt_lock, NULL, err2, sizeof err2) == NULL &&
       strstr(err2, "another version"), "an object of another size is refused: %s", err2);
    shm_detach(map, size);
    shm_unlink(name);
}

static void test_gauges_of_killed_process(void)
{
    char err[256] = "";
    int fds[2];
    if (pipe(fds) != 0)
        return;
    pid_t kid = fork();
    if (kid == 0) {
        if (metrics_open(shm_name, err, sizeof err) != 0)
            _exit(3);
        metrics_gauge_add(MG_THREADS, 7);
        metrics_gauge_add(MG_BUSY, 3);
        if (write(fds[1], "x", 1) != 1)
            _exit(4);
        pause();
        _exit(0);
    }
    char c;
    ok(read(fds[0], &c, 1) == 1, "a child set its gauges");
    ok(metrics_open(shm_name, err, sizeof err) == 0, "open (%s)", err);
    metrics_gauge_add(MG_THREADS, 2);
    char *page = render();
    is_int(sample(page, "onemin_relay_worker_threads"), 9, "threads: the sum over live processes");
    is_int(sample(page, "onemin_relay_worker_threads_busy"), 3, "busy threads too");
    is_int(sample(page, "onemin_relay_processes"), 2, "two live processes");
    free(page);
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    page = render();
    is_int(sample(page, "onemin_relay_worker_threads"), 2, "a killed process's gauges are gone");
    is_int(sample(page, "onemin_relay_worker_threads_busy"), 0, "... busy too");
    is_int(sample(page, "onemin_relay_processes"), 1, "one live process");
    free(page);
    metrics_close();
    close(fds[0]);
    close(fds[1]);
}

static void test_accesslog_line(void)
{
    struct record rec;
    const char *key = "sk-secret-key-0123456789";
    record_begin(&rec, "req_abc\n\"x", "POST", key, strlen(key));
    is_str(record_request_id(), "req_abc?\"x", "the current record's id (control bytes replaced)");
    record_route("/v1/chat/completions", "openai");
    record_model("gpt-4o", 1);
    record_tokens(12, 5, 0);
    record_ratelimit("admitted");
    record_upstream(MU_OK, 200, 0.25);
    record_upstream_start();
    record_upstream_end(0, 1);
    ok(rec.upstream_calls == 2 && rec.upstream_status == 0, "record_upstream_end counts a second call");
    rec.upstream_calls = 1;
    rec.upstream_status = 200;
    record_stream_open(&rec, 1);
    record_body(&rec, ": ping\n\n", 8, 1);
    ok(rec.ttfb_s < 0, "an SSE comment is not the first byte");
    record_body(&rec, "data: {}\n\n", 10, 1);
    ok(rec.ttfb_s >= 0, "the first data event is");
    struct buf line;
    buf_init(&line, 8192);
    rec.status = 200;
    rec.stream = 1;
    ok(accesslog_format(&line, &rec, 1.5) == 0, "format a line");
    ok(line.len > 0 && line.data[line.len - 1] == '\n' && !memchr(line.data, '\n', line.len - 1),
       "one line");
    struct json_object *o = json_tokener_parse(line.data);
    ok(o && json_object_is_type(o, json_type_object), "valid JSON: %s", line.data);
    static const char *const fields[] = { "time", "ts", "request_id", "method", "route", "dialect",
        "model", "status", "stream", "duration_ms", "ttfb_ms", "upstream_ms", "upstream_calls",
        "upstream_status", "prompt_tokens", "completion_tokens", "token_source", "ratelimit",
        "bytes_out", "key", "pid" };
    int have = 1;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, fields[i], &v)) {
            have = 0;
            printf("# missing %s\n", fields[i]);
        }
    }
    ok(have, "every field is there");
    struct json_object *v;
    ok(json_object_object_get_ex(o, "key", &v) && strlen(json_object_get_string(v)) == 12,
       "key: 12 hex digits of its hash");
    ok(!strstr(line.data, "secret") && !strstr(line.data, "sk-"), "the key itself is not in the line");
    ok(json_object_object_get_ex(o, "bytes_out", &v) && json_object_get_int(v) == 18, "bytes_out");
    ok(json_object_object_get_ex(o, "upstream_ms", &v) && json_object_get_double(v) >= 250.0,
       "upstream_ms: the sum of the calls");
    json_object_put(o);
    buf_free(&line);
    record_end(&rec, 200, 1);
    ok(record_request_id() == NULL, "no current record after the end");
}

int main(void)
{
    char err0[256] = "";
    snprintf(shm_name, sizeof shm_name, "/1min-relay-test-metrics-%ld", (long)getpid());
    shm_unlink(shm_name);
    test_host_wide();
    ok(metrics_open(shm_name, err0, sizeof err0) == 0, "reopen for the measurement");
    measure();
    metrics_close();
    test_gauges_of_killed_process();
    test_dead_holder();
    char err[256];
    ok(metrics_open(NULL, err, sizeof err) == 0, "private metrics");
    ok(!metrics_shared(), "... not shared");
    record_upstream_start();
    record_upstream_end(429, 0);
    record_upstream_start();
    record_upstream_end(503, 0);
    record_upstream_start();
    record_upstream_end(0, 0);
    record_upstream_start();
    record_upstream_end(0, 1);
    char *page = render();
    int each = 1;
    static const char *const outs[] = { "4xx", "5xx", "connect", "timeout" };
    for (int i = 0; i < 4; i++) {
        char name[96];
        snprintf(name, sizeof name, "onemin_relay_upstream_requests_total{outcome=\"%s\"}", outs[i]);
        each &= sample(page, name) == 1;
    }
    ok(each, "upstream outcomes from status and timeout: 4xx, 5xx, connect, timeout");
    is_int(sample(page, "onemin_relay_upstream_requests_total{outcome=\"ok\"}"), 0, "... and no ok");
    free(page);
    test_labels_bounded();
    test_accesslog_line();
    metrics_close();
    shm_unlink(shm_name);
    return tap_done();
}
