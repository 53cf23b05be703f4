#include "core/metrics.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/log.h"
#include "core/shm.h"

#define METRICS_MAGIC 0x316d722d6d747263ULL     /* "1mr-mtrc" */
#define METRICS_VERSION 1
#define METRICS_SERIES 1024         /* labelled counter series, host-wide */
#define METRICS_PROCS 256           /* relay processes at once, host-wide */
#define METRICS_LABELS_MAX 160
#define METRICS_VALUE_MAX 64
#define METRICS_LOCK_MS 200

/* Upper bounds of the latency histograms, in seconds. */
static const double metrics_bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                         2.5, 5, 10, 30, 60, 120, 300 };
#define METRICS_NBOUNDS (sizeof metrics_bounds / sizeof metrics_bounds[0])

enum metrics_family { MF_REQUESTS = 0, MF_UPSTREAM, MF_TOKENS, MF_REFUSALS, MF_STREAM_BYTES,
                      MF_MEDIA, MF_COUNT };

enum metrics_hist { MH_REQUEST = 0, MH_TTFB, MH_UPSTREAM, MH_COUNT };

struct metrics_series {
    _Atomic uint64_t value;
    _Atomic uint32_t ready;         /* 1 once family and labels are written */
    uint32_t family;
    char labels[METRICS_LABELS_MAX];
};

struct metrics_hist_data {
    _Atomic uint64_t bucket[METRICS_NBOUNDS + 1];   /* not cumulative; last is +Inf */
    _Atomic uint64_t sum_us;
};

struct metrics_proc {
    _Atomic int32_t pid;            /* 0: free */
    uint32_t reserved;
    _Atomic int64_t gauge[MG_COUNT];
};

struct metrics_shm {
    struct shm_hdr hdr;
    pthread_mutex_t lock;           /* inserting series, claiming process slots */
    _Atomic uint64_t dropped;       /* updates lost because the series table was full */
    struct metrics_hist_data hist[MH_COUNT];
    struct metrics_proc proc[METRICS_PROCS];
    struct metrics_series series[METRICS_SERIES];
};

/* Set by metrics_open before worker threads start, read-only afterwards. */
static struct metrics_shm *metrics_map;
static struct metrics_proc *metrics_me;
static int metrics_is_shared;

static const char *const metrics_upstream_names[MU_COUNT] = { "ok", "4xx", "5xx", "timeout",
                                                              "connect" };

static const struct {
    const char *name, *help;
} metrics_families[MF_COUNT] = {
    [MF_REQUESTS] = { "onemin_relay_requests_total",
                      "Requests answered, by route, dialect and status class." },
    [MF_UPSTREAM] = { "onemin_relay_upstream_requests_total",
                      "Calls to 1min.ai and its result URLs, by outcome (ok, 4xx, 5xx, timeout, connect: no usable answer)." },
    [MF_TOKENS] = { "onemin_relay_tokens_total",
                    "Tokens of answered chat requests, by direction, source and model." },
    [MF_REFUSALS] = { "onemin_relay_ratelimit_refusals_total",
                      "Requests refused by the rate limiter, by kind." },
    [MF_STREAM_BYTES] = { "onemin_relay_streamed_bytes_total",
                          "Body bytes sent to clients in event streams." },
    [MF_MEDIA] = { "onemin_relay_media_operations_total",
                   "Image, audio and upload operations, by kind." },
};

static const struct {
    const char *name, *help;
} metrics_hists[MH_COUNT] = {
    [MH_REQUEST] = { "onemin_relay_request_duration_seconds",
                     "Time from the start of a request to its end." },
    [MH_TTFB] = { "onemin_relay_stream_ttfb_seconds",
                  "Time from the start of a streamed request to its first body byte." },
    [MH_UPSTREAM] = { "onemin_relay_upstream_duration_seconds",
                      "Time of one call to 1min.ai." },
};

static const struct {
    const char *name, *help;
} metrics_gauges[MG_COUNT] = {
    [MG_THREADS] = { "onemin_relay_worker_threads", "Worker threads of the relay processes." },
    [MG_BUSY] = { "onemin_relay_worker_threads_busy", "Worker threads serving a request." },
    [MG_STREAMS] = { "onemin_relay_open_streams", "Event streams open to clients." },
};

static int metrics_format(void *map, void *ud, char *err, size_t errlen)
{
    struct metrics_shm *m = map;
    int rc = shm_mutex_init(&m->lock);
    if (rc != 0) {
        snprintf(err, errlen, "metrics: cannot set up the shared lock: %s", strerror(rc));
        return -1;
    }
    return 0;
}

static int metrics_proc_alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Claim a free slot, or one of a process that is gone. */
static struct metrics_proc *metrics_claim(struct metrics_shm *m)
{
    struct metrics_proc *got = NULL;
    int recovered = 0;
    pid_t self = getpid();
    if (shm_mutex_lock(&m->lock, METRICS_LOCK_MS, &recovered) != 0)
        return NULL;
    for (int pass = 0; pass < 2 && !got; pass++) {
        for (int i = 0; i < METRICS_PROCS && !got; i++) {
            int32_t pid = atomic_load(&m->proc[i].pid);
            if (pass == 0 ? pid == 0 : !metrics_proc_alive(pid))
                got = &m->proc[i];
        }
    }
    if (got) {
        for (int g = 0; g < MG_COUNT; g++)
            atomic_store(&got->gauge[g], 0);
        atomic_store(&got->pid, (int32_t)self);
    }
    pthread_mutex_unlock(&m->lock);
    return got;
}

int metrics_open(const char *name, char *err, size_t errlen)
{
    struct metrics_shm *m;
    if (name)
        m = shm_attach(name, "RELAY_METRICS_SHM", sizeof *m, METRICS_MAGIC, METRICS_VERSION,
                       metrics_format, NULL, err, errlen);
    else
        m = shm_private(sizeof *m, METRICS_MAGIC, METRICS_VERSION, metrics_format, NULL, err, errlen);
    if (!m)
        return -1;
    struct metrics_proc *me = metrics_claim(m);
    if (!me) {
        snprintf(err, errlen, "RELAY_METRICS_SHM: no free process slot in %s (more than %d relay "
                 "processes on this host?)", name ? name : "private memory", METRICS_PROCS);
        shm_detach(m, sizeof *m);
        return -1;
    }
    metrics_map = m;
    metrics_me = me;
    metrics_is_shared = name != NULL;
    return 0;
}

void metrics_default_name(char *out, size_t outlen)
{
    snprintf(out, outlen, "/1min-relay-metrics-%u.v%d", (unsigned)getuid(), METRICS_VERSION);
}

int metrics_configure(char *err, size_t errlen)
{
    const char *v;
    char def[64];
    metrics_default_name(def, sizeof def);
    cfg_env_str("RELAY_METRICS_SHM", def, &v, err, errlen);
    if (strcmp(v, "off") == 0)
        return metrics_open(NULL, err, errlen);
    size_t n = strlen(v);
    if (v[0] != '/' || n < 2 || n > 200 || strspn(v + 1, "abcdefghijklmnopqrstuvwxyz"
                                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n - 1) {
        snprintf(err, errlen, "RELAY_METRICS_SHM: expected off or /name (letters, digits, . _ -), "
                 "got '%.64s'", v);
        return -1;
    }
    return metrics_open(v, err, errlen);
}

void metrics_close(void)
{
    if (!metrics_map)
        return;
    for (int g = 0; g < MG_COUNT; g++)
        atomic_store(&metrics_me->gauge[g], 0);
    atomic_store(&metrics_me->pid, 0);
    shm_detach(metrics_map, sizeof *metrics_map);
    metrics_map = NULL;
    metrics_me = NULL;
    metrics_is_shared = 0;
}

int metrics_shared(void)
{
    return metrics_is_shared;
}

static uint32_t metrics_hash(unsigned family, const char *labels)
{
    uint32_t h = 2166136261u ^ family;
    for (const char *p = labels; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

/* The series of family + labels, inserted when missing and insert is set;
 * NULL when it is missing, or the table is full or locked too long. */
static struct metrics_series *metrics_find(unsigned family, const char *labels, int insert)
{
    struct metrics_shm *m = metrics_map;
    uint32_t h = metrics_hash(family, labels);
    int locked = 0;
    struct metrics_series *got = NULL;
    for (int i = 0; i < METRICS_SERIES; i++) {
        struct metrics_series *s = &m->series[(h + (uint32_t)i) % METRICS_SERIES];
        if (!atomic_load_explicit(&s->ready, memory_order_acquire)) {
            if (!insert)
                break;
            if (!locked) {
                /* rescan from the start under the lock: another process may
                 * have inserted it meanwhile */
                if (shm_mutex_lock(&m->lock, METRICS_LOCK_MS, NULL) != 0)
                    break;
                locked = 1;
                i = -1;
                continue;
            }
            s->family = family;
            memcpy(s->labels, labels, strlen(labels) + 1);
            atomic_store(&s->value, 0);
            atomic_store_explicit(&s->ready, 1, memory_order_release);
            got = s;
            break;
        }
        if (s->family == family && strcmp(s->labels, labels) == 0) {
            got = s;
            break;
        }
    }
    if (locked)
        pthread_mutex_unlock(&m->lock);
    return got;
}

static int metrics_value_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > METRICS_VALUE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '/' || c == '-'))
            return 0;
    }
    return 1;
}

/* Build name="value",... from NULL-terminated name, value pairs. */
static void metrics_labels(char *out, size_t outlen, const char *const *kv)
{
    size_t used = 0;
    out[0] = '\0';
    for (; kv[0]; kv += 2) {
        const char *v = metrics_value_ok(kv[1]) ? kv[1] : "other";
        int n = snprintf(out + used, outlen - used, "%s%s=\"%s\"", used ? "," : "", kv[0], v);
        if (n < 0 || (size_t)n >= outlen - used) {
            out[used] = '\0';
            return;
        }
        used += (size_t)n;
    }
}

static void metrics_add(unsigned family, const char *const *kv, uint64_t n)
{
    if (!metrics_map)
        return;
    char labels[METRICS_LABELS_MAX];
    metrics_labels(labels, sizeof labels, kv);
    struct metrics_series *s = metrics_find(family, labels, 1);
    if (s)
        atomic_fetch_add_explicit(&s->value, n, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&metrics_map->dropped, 1, memory_order_relaxed);
}

static void metrics_observe(enum metrics_hist h, double seconds)
{
    if (!metrics_map)
        return;
    if (!(seconds >= 0))
        seconds = 0;
    struct metrics_hist_data *d = &metrics_map->hist[h];
    size_t b = 0;
    while (b < METRICS_NBOUNDS && seconds > metrics_bounds[b])
        b++;
    atomic_fetch_add_explicit(&d->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&d->sum_us, (uint64_t)(seconds * 1e6 + 0.5), memory_order_relaxed);
}

void metrics_request(const char *route, const char *dialect, int status, double seconds)
{
    static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
    const char *cls = status >= 100 && status < 600 ? classes[status / 100 - 1] : "5xx";
    const char *const kv[] = { "route", route, "dialect", dialect, "status", cls, NULL };
    metrics_add(MF_REQUESTS, kv, 1);
    metrics_observe(MH_REQUEST, seconds);
}

void metrics_stream_ttfb(double seconds)
{
    metrics_observe(MH_TTFB, seconds);
}

void metrics_upstream(enum metrics_upstream outcome, double seconds)
{
    if ((unsigned)outcome >= MU_COUNT)
        outcome = MU_CONNECT;
    const char *const kv[] = { "outcome", metrics_upstream_names[outcome], NULL };
    metrics_add(MF_UPSTREAM, kv, 1);
    metrics_observe(MH_UPSTREAM, seconds);
}

void metrics_tokens(const char *source, const char *model, uint64_t prompt, uint64_t completion)
{
    const char *const in[] = { "direction", "prompt", "source", source, "model", model, NULL };
    const char *const out[] = { "direction", "completion", "source", source, "model", model, NULL };
    metrics_add(MF_TOKENS, in, prompt);
    metrics_add(MF_TOKENS, out, completion);
}

void metrics_refusal(const char *kind)
{
    const char *const kv[] = { "kind", kind, NULL };
    metrics_add(MF_REFUSALS, kv, 1);
}

void metrics_stream_bytes(uint64_t n)
{
    const char *const kv[] = { NULL };
    metrics_add(MF_STREAM_BYTES, kv, n);
}

void metrics_media(const char *kind)
{
    const char *const kv[] = { "kind", kind, NULL };
    metrics_add(MF_MEDIA, kv, 1);
}

void metrics_gauge_add(enum metrics_gauge g, int delta)
{
    if (metrics_me && (unsigned)g < MG_COUNT)
        atomic_fetch_add_explicit(&metrics_me->gauge[g], delta, memory_order_relaxed);
}

/* ------------------------------------------------------------------ render */

static int metrics_head(struct buf *out, const char *name, const char *help, const char *type)
{
    return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int metrics_sample(struct buf *out, const char *name, const char *labels, uint64_t v)
{
    if (*labels)
        return buf_printf(out, "%s{%s} %llu\n", name, labels, (unsigned long long)v);
    return buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

static int metrics_render_counters(struct buf *out, const struct metrics_shm *m)
{
    for (unsigned f = 0; f < MF_COUNT; f++) {
        const char *name = metrics_families[f].name;
        if (metrics_head(out, name, metrics_families[f].help, "counter") < 0)
            return -1;
        if (f == MF_UPSTREAM) {
            /* every outcome, 0 until it happens, so rates of each can be graphed */
            for (int o = 0; o < MU_COUNT; o++) {
                char labels[METRICS_LABELS_MAX];
                const char *const kv[] = { "outcome", metrics_upstream_names[o], NULL };
                metrics_labels(labels, sizeof labels, kv);
                struct metrics_series *s = metrics_find(f, labels, 0);
                if (metrics_sample(out, name, labels, s ? atomic_load(&s->value) : 0) < 0)
                    return -1;
            }
            continue;
        }
        int any = 0;
        for (int i = 0; i < METRICS_SERIES; i++) {
            const struct metrics_series *s = &m->series[i];
            if (!atomic_load_explicit(&s->ready, memory_order_acquire) || s->family != f)
                continue;
            any = 1;
            if (metrics_sample(out, name, s->labels, atomic_load(&s->value)) < 0)
                return -1;
        }
        if (!any && f == MF_STREAM_BYTES && metrics_sample(out, name, "", 0) < 0)
            return -1;
    }
    return 0;
}

static int metrics_render_hists(struct buf *out, const struct metrics_shm *m)
{
    for (int h = 0; h < MH_COUNT; h++) {
        const char *name = metrics_hists[h].name;
        uint64_t counts[METRICS_NBOUNDS + 1], total = 0;
        for (size_t b = 0; b <= METRICS_NBOUNDS; b++)
            counts[b] = atomic_load(&m->hist[h].bucket[b]);
        uint64_t sum_us = atomic_load(&m->hist[h].sum_us);
        if (metrics_head(out, name, metrics_hists[h].help, "histogram") < 0)
            return -1;
        for (size_t b = 0; b <= METRICS_NBOUNDS; b++) {
            total += counts[b];
            int rc = b < METRICS_NBOUNDS
                ? buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, metrics_bounds[b],
                             (unsigned long long)total)
                : buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)total);
            if (rc < 0)
                return -1;
        }
        if (buf_printf(out, "%s_sum %llu.%06llu\n%s_count %llu\n", name,
                       (unsigned long long)(sum_us / 1000000), (unsigned long long)(sum_us % 1000000),
                       name, (unsigned long long)total) < 0)
            return -1;
    }
    return 0;
}

static int metrics_render_gauges(struct buf *out, const struct metrics_shm *m)
{
    int64_t sum[MG_COUNT] = { 0 };
    unsigned procs = 0;
    for (int i = 0; i < METRICS_PROCS; i++) {
        const struct metrics_proc *p = &m->proc[i];
        int32_t pid = atomic_load(&p->pid);
        if (pid == 0 || !metrics_proc_alive(pid))
            continue;
        procs++;
        for (int g = 0; g < MG_COUNT; g++)
            sum[g] += atomic_load(&p->gauge[g]);
    }
    for (int g = 0; g < MG_COUNT; g++) {
        if (metrics_head(out, metrics_gauges[g].name, metrics_gauges[g].help, "gauge") < 0 ||
            buf_printf(out, "%s %lld\n", metrics_gauges[g].name,
                       (long long)(sum[g] > 0 ? sum[g] : 0)) < 0)
            return -1;
    }
    if (metrics_head(out, "onemin_relay_processes", "Relay processes running on this host.",
                     "gauge") < 0 ||
        buf_printf(out, "onemin_relay_processes %u\n", procs) < 0)
        return -1;
    return 0;
}

int metrics_render(struct buf *out)
{
    if (metrics_head(out, "onemin_relay_build_info", "The relay's version; the value is always 1.",
                     "gauge") < 0 ||
        buf_printf(out, "onemin_relay_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION) < 0)
        return -1;
    const struct metrics_shm *m = metrics_map;
    if (!m)
        return 0;
    if (metrics_render_counters(out, m) < 0 || metrics_render_hists(out, m) < 0 ||
        metrics_render_gauges(out, m) < 0)
        return -1;
    if (metrics_head(out, "onemin_relay_metrics_dropped_total",
                     "Counter updates lost because the shared series table was full.",
                     "counter") < 0 ||
        buf_printf(out, "onemin_relay_metrics_dropped_total %llu\n",
                   (unsigned long long)atomic_load(&m->dropped)) < 0)
        return -1;
    return 0;
}
