#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Written once before threads start, read-only afterwards. */
static enum log_level log_threshold = LOG_LVL_INFO;

/* The id of the request this thread serves, or NULL. */
static _Thread_local const char *log_request_id;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level lvl) { log_threshold = lvl; }
enum log_level log_get_level(void) { return log_threshold; }
void log_set_request_id(const char *id) { log_request_id = id; }

int log_parse_level(const char *s, enum log_level *out)
{
    for (int i = 0; i <= LOG_LVL_DEBUG; i++) {
        if (strcmp(s, log_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
    if (lvl > log_threshold)
        return;
    char msg[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    const char *base = strrchr(file, '/');
    int n = snprintf(msg, sizeof msg, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ 1min-relay[%ld] %s %s:%d: %s%s%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000L, (long)getpid(), log_names[lvl],
                     base ? base + 1 : file, line, log_request_id ? "[" : "",
                     log_request_id ? log_request_id : "", log_request_id ? "] " : "");
    if (n < 0)
        return;
    if ((size_t)n < sizeof msg) {
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
        va_end(ap);
        if (m > 0)
            n += m;
    }
    if ((size_t)n >= sizeof msg - 1)
        n = (int)sizeof msg - 2;
    /* Control characters from untrusted text must not forge log lines. */
    for (int i = 0; i < n; i++)
        if ((unsigned char)msg[i] < 0x20)
            msg[i] = ' ';
    msg[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, msg, (size_t)n);
    (void)w;
}
