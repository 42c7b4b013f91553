/*
 * log.h: one line per event, logfmt or JSON, on stderr.
 * The log is a leaf module: a process-wide sink configured once at start
 * (and on reload). It never logs secrets: callers pass redacted values.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_LOGFMT, LOG_JSON };

/* Sets the minimum level and the line format. */
void log_setup(enum log_level level, enum log_format format);

/* Parses "debug", "info", "warn", "error"; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);

/*
 * Writes one event: `msg` is a fixed message, followed by key/value pairs as
 * alternating `const char *` arguments terminated by NULL. Values are quoted
 * and escaped as the format needs and cut at LIMIT_LOG_VALUE.
 *   log_event(LOG_INFO, "webhook accepted", "req", id, "alerts", n, NULL);
 */
void log_event(enum log_level level, const char *msg, ...);

/* printf-style convenience: the formatted text becomes `msg`. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif /* LOG_H */
