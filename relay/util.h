/*
 * util.h: small pure helpers shared by every module: number, duration, size
 * and time parsing, constant-time comparison, allocation that cannot fail.
 * A leaf: depends on nothing else in the relay.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A list of owned strings. */
struct strlist {
	char **v;
	size_t n;
};

/* Frees the strings and the array; leaves an empty list. */
void strlist_free(struct strlist *l);
/* Appends a copy of s. */
void strlist_add(struct strlist *l, const char *s);
/* 1 when s is in the list. */
int strlist_has(const struct strlist *l, const char *s);

/* Allocation: out-of-memory is fatal (the one runtime abort we allow). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns new: a printf-formatted string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * strtonum-style: parses a whole decimal integer in [min, max].
 * Returns 0 and sets *out, or -1 and sets *err to a static reason.
 */
int util_strtonum(const char *s, long long min, long long max, long long *out,
    const char **err);

/* Parses a whole floating-point number (JSON/Go forms, "1e+06"). 0 or -1. */
int util_strtod(const char *s, double *out);

/*
 * Prometheus-style durations: "500ms", "30s", "5m", "4h", "1d", "1w",
 * "1h30m", and "0". Result in milliseconds. Returns 0 or -1.
 */
int util_duration_parse(const char *s, int64_t *ms);
/* Formats a duration in ms the same way ("1h30m", "500ms", "0s"). */
void util_duration_format(int64_t ms, char *buf, size_t len);

/* Sizes: "512", "512KiB", "32MiB", "1GiB", "10KB", "10MB". Returns 0 or -1. */
int util_size_parse(const char *s, uint64_t *bytes);

/*
 * RFC 3339 times with 0-9 fractional digits and Z or +hh:mm, to Unix ms.
 * Go's zero time (year 1) and any time before 1970 give *ms = 0 ("none").
 * Returns 0 or -1 on a malformed time.
 */
int util_time_parse(const char *s, int64_t *ms);
/* Formats Unix ms as "2024-01-02T03:04:05.678Z" (".678" only when non-zero). */
void util_time_format(int64_t ms, char *buf, size_t len);

/* Wall clock in Unix ms. */
int64_t util_now_ms(void);

/* A monotonic clock in microseconds, for durations. */
int64_t util_mono_us(void);

/* Constant-time comparison of two byte strings; 1 when equal. */
int util_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void util_hex(const unsigned char *in, size_t n, char *out);

/*
 * 1 when s is an absolute http or https URL without spaces or control
 * characters, at most 3000 bytes (Slack's limit): the only links we show.
 */
int util_http_url(const char *s);

/* 1 when the whole string is valid UTF-8 (no overlongs, no surrogates). */
int util_utf8_valid(const char *s, size_t n);

/* Largest length <= max that does not split a UTF-8 sequence of s[0..n). */
size_t util_utf8_cut(const char *s, size_t n, size_t max);

#endif /* UTIL_H */
