#include "core/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/log.h"
#include "core/text.h"

#define ACCESSLOG_LINE_MAX 4096

/* The descriptor (-1: off) is replaced under the write lock on reopen; every
 * line is written under the read lock, so no write can reach a closed or
 * reused descriptor. path and owned are set by accesslog_open before worker
 * threads start. */
static pthread_rwlock_t accesslog_lock = PTHREAD_RWLOCK_INITIALIZER;
static int accesslog_fd = -1;
static int accesslog_owned;         /* accesslog_fd is ours to close (a file) */
static char accesslog_path[4096];

static int accesslog_open_file(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int accesslog_open(const char *spec, char *err, size_t errlen)
{
    accesslog_close();
    if (!spec || !*spec || strcmp(spec, "off") == 0)
        return 0;
    if (strcmp(spec, "stderr") == 0) {
        accesslog_fd = STDERR_FILENO;
        return 0;
    }
    if (spec[0] != '/') {
        snprintf(err, errlen, "RELAY_ACCESS_LOG: expected off, stderr or an absolute file path, "
                 "got '%.64s'", spec);
        return -1;
    }
    if (strlen(spec) >= sizeof accesslog_path) {
        snprintf(err, errlen, "RELAY_ACCESS_LOG: the path is too long");
        return -1;
    }
    int fd = accesslog_open_file(spec);
    if (fd < 0) {
        snprintf(err, errlen, "RELAY_ACCESS_LOG: cannot open %.200s for appending: %s", spec,
                 strerror(errno));
        return -1;
    }
    strcpy(accesslog_path, spec);
    accesslog_fd = fd;
    accesslog_owned = 1;
    return 0;
}

int accesslog_configure(char *err, size_t errlen)
{
    const char *v;
    cfg_env_str("RELAY_ACCESS_LOG", "off", &v, err, errlen);
    return accesslog_open(v, err, errlen);
}

void accesslog_reopen(void)
{
    if (!accesslog_owned)
        return;
    int fd = accesslog_open_file(accesslog_path);
    if (fd < 0) {
        LOG_ERROR("RELAY_ACCESS_LOG: cannot reopen %s: %s; still writing to the old file",
                  accesslog_path, strerror(errno));
        return;
    }
    pthread_rwlock_wrlock(&accesslog_lock);
    int old = accesslog_fd;
    accesslog_fd = fd;
    pthread_rwlock_unlock(&accesslog_lock);
    close(old);
    LOG_INFO("access log reopened");
}

void accesslog_close(void)
{
    pthread_rwlock_wrlock(&accesslog_lock);
    if (accesslog_owned && accesslog_fd >= 0)
        close(accesslog_fd);
    accesslog_fd = -1;
    accesslog_owned = 0;
    pthread_rwlock_unlock(&accesslog_lock);
}

static int accesslog_str(struct buf *out, const char *name, const char *v)
{
    if (buf_printf(out, ",\"%s\":", name) < 0)
        return -1;
    if (!v || !*v)
        return buf_puts(out, "null");
    return text_json_quote(out, v, strlen(v));
}

static int accesslog_num(struct buf *out, const char *name, long long v)
{
    if (v < 0)
        return buf_printf(out, ",\"%s\":null", name);
    return buf_printf(out, ",\"%s\":%lld", name, v);
}

static int accesslog_ms(struct buf *out, const char *name, double s)
{
    if (s < 0)
        return buf_printf(out, ",\"%s\":null", name);
    return buf_printf(out, ",\"%s\":%.3f", name, s * 1e3);
}

int accesslog_format(struct buf *out, const struct record *rec, double duration_s)
{
    struct tm tm;
    gmtime_r(&rec->wall.tv_sec, &tm);
    if (buf_printf(out, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"ts\":%lld.%03ld",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   rec->wall.tv_nsec / 1000000L, (long long)rec->wall.tv_sec,
                   rec->wall.tv_nsec / 1000000L) < 0)
        return -1;
    if (accesslog_str(out, "request_id", rec->request_id) < 0 ||
        accesslog_str(out, "method", rec->method) < 0 ||
        accesslog_str(out, "route", rec->route) < 0 ||
        accesslog_str(out, "dialect", rec->dialect) < 0 ||
        accesslog_str(out, "model", rec->model) < 0 ||
        buf_printf(out, ",\"status\":%d,\"stream\":%s", rec->status,
                   rec->stream ? "true" : "false") < 0 ||
        accesslog_ms(out, "duration_ms", duration_s) < 0 ||
        accesslog_ms(out, "ttfb_ms", rec->ttfb_s) < 0 ||
        accesslog_ms(out, "upstream_ms", rec->upstream_calls ? rec->upstream_s : -1) < 0 ||
        buf_printf(out, ",\"upstream_calls\":%u", rec->upstream_calls) < 0 ||
        accesslog_num(out, "upstream_status", rec->upstream_status ? rec->upstream_status : -1) < 0 ||
        accesslog_num(out, "prompt_tokens", rec->prompt_tokens) < 0 ||
        accesslog_num(out, "completion_tokens", rec->completion_tokens) < 0 ||
        accesslog_str(out, "token_source", rec->token_source) < 0 ||
        accesslog_str(out, "ratelimit", rec->ratelimit) < 0 ||
        buf_printf(out, ",\"bytes_out\":%llu", (unsigned long long)rec->bytes_out) < 0 ||
        accesslog_str(out, "key", rec->key_hash) < 0 ||
        buf_printf(out, ",\"pid\":%ld}\n", (long)getpid()) < 0)
        return -1;
    return 0;
}

void accesslog_write(const struct record *rec, double duration_s)
{
    struct buf line;
    buf_init(&line, ACCESSLOG_LINE_MAX);
    pthread_rwlock_rdlock(&accesslog_lock);
    if (accesslog_fd >= 0 && accesslog_format(&line, rec, duration_s) == 0) {
        ssize_t w = write(accesslog_fd, line.data, line.len);
        (void)w;
    }
    pthread_rwlock_unlock(&accesslog_lock);
    buf_free(&line);
}
