/* log: one line per event on stderr, with level, origin and time.
 *
 * Never pass a secret (API key, Authorization value) or a request body to
 * these functions: log names and sizes, not contents.
 * Thread-safe: each line is written with one write(2). A line written while
 * a thread serves a request names the request's id (log_set_request_id). */
#ifndef RELAY_CORE_LOG_H
#define RELAY_CORE_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set once at start-up, before threads exist. */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);

/* The request id put in every line this thread writes until it is set again
 * (NULL: none). The string must stay valid until then; thread-local. */
void log_set_request_id(const char *id);

/* Parse "error", "warn", "info" or "debug". Returns 0, or -1 if unknown. */
int log_parse_level(const char *s, enum log_level *out);

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define LOG_ERROR(...) log_write(LOG_LVL_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_WARN(...)  log_write(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_INFO(...)  log_write(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_DEBUG(...) log_write(LOG_LVL_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

#endif
