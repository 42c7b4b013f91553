/*
 * log.c: logfmt/JSON event lines on stderr.
 */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "limits.h"

static enum log_level log_min = LOG_INFO;
static enum log_format log_fmt = LOG_LOGFMT;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
log_setup(enum log_level level, enum log_format format)
{
	log_min = level;
	log_fmt = format;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Appends to a fixed line buffer; silently stops at its end. */
struct line {
	char buf[LIMIT_LOG_LINE];
	size_t len;
};

static void
line_putc(struct line *l, char c)
{
	if (l->len + 1 < sizeof(l->buf))
		l->buf[l->len++] = c;
}

static void
line_puts(struct line *l, const char *s)
{
	while (*s != '\0')
		line_putc(l, *s++);
}

/* Writes a value quoted and escaped; control bytes become \uXXXX (JSON) or
 * \xXX (logfmt) so a hostile value cannot forge a second line. */
static void
line_value(struct line *l, const char *v, int always_quote)
{
	size_t n = strlen(v);
	int quote = always_quote || n == 0;

	for (size_t i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
			quote = 1;
	}
	if (quote)
		line_putc(l, '"');
	for (size_t i = 0; i < n && i < LIMIT_LOG_VALUE; i++) {
		unsigned char c = (unsigned char)v[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			line_putc(l, '\\');
			line_putc(l, (char)c);
		} else if (c == '\n') {
			line_puts(l, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc),
			    log_fmt == LOG_JSON ? "\\u%04x" : "\\x%02x", c);
			line_puts(l, esc);
		} else {
			line_putc(l, (char)c);
		}
	}
	if (n > LIMIT_LOG_VALUE)
		line_puts(l, "...");
	if (quote)
		line_putc(l, '"');
}

static void
line_pair(struct line *l, const char *k, const char *v)
{
	if (log_fmt == LOG_JSON) {
		line_puts(l, ",");
		line_value(l, k, 1);
		line_putc(l, ':');
		line_value(l, v, 1);
	} else {
		line_putc(l, ' ');
		line_puts(l, k);
		line_putc(l, '=');
		line_value(l, v, 0);
	}
}

static void
log_vevent(enum log_level level, const char *msg, va_list ap)
{
	struct line l = {.len = 0};
	struct timeval tv;
	struct tm tm;
	char ts[96];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(tv.tv_usec / 1000));

	if (log_fmt == LOG_JSON) {
		line_puts(&l, "{\"time\":\"");
		line_puts(&l, ts);
		line_puts(&l, "\"");
		line_pair(&l, "level", level_names[level]);
		line_pair(&l, "msg", msg);
	} else {
		line_puts(&l, "time=");
		line_puts(&l, ts);
		line_pair(&l, "level", level_names[level]);
		line_pair(&l, "msg", msg);
	}
	for (;;) {
		const char *k = va_arg(ap, const char *);
		const char *v;
		if (k == NULL)
			break;
		v = va_arg(ap, const char *);
		line_pair(&l, k, v != NULL ? v : "");
	}
	if (log_fmt == LOG_JSON)
		line_putc(&l, '}');
	l.buf[l.len++] = '\n';
	fwrite(l.buf, 1, l.len, stderr);
}

void
log_event(enum log_level level, const char *msg, ...)
{
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, msg);
	log_vevent(level, msg, ap);
	va_end(ap);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[LIMIT_LOG_LINE];
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(level, msg, NULL);
}
