/*
 * util.c: pure helpers; see util.h.
 */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/crypto.h>

static void
oom(void)
{
	fputs("alert-delivery: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n == 0 ? 1 : n);
	if (q == NULL)
		oom();
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

int
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int
util_strtonum(const char *s, long long min, long long max, long long *out,
    const char **err)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9'))) {
		*err = "not a whole number";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*err = "not a whole number";
		return -1;
	}
	if (errno == ERANGE || v < min) {
		*err = v < 0 || errno == ERANGE ? "too small or too large"
		                                : "too small";
		if (v >= min)
			*err = "too large";
		return -1;
	}
	if (v > max) {
		*err = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int
util_strtod(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || end == s || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

int
util_duration_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
	    {"ms", 1},
	    {"s", 1000},
	    {"m", 60000},
	    {"h", 3600000},
	    {"d", 86400000},
	    {"w", 604800000},
	    {"y", 31536000000LL},
	};
	const char *p = s;
	int64_t total = 0;
	int last = -1;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*p != '\0') {
		int64_t n = 0;
		int digits = 0, u = -1;

		while (*p >= '0' && *p <= '9') {
			if (n > (INT64_MAX - 9) / 10)
				return -1;
			n = n * 10 + (*p - '0');
			p++;
			digits++;
		}
		if (digits == 0)
			return -1;
		/* "ms" before "m": try the longest unit first. */
		if (p[0] == 'm' && p[1] == 's')
			u = 0;
		else {
			for (int i = 1; i < 7; i++) {
				if (*p == units[i].unit[0]) {
					u = i;
					break;
				}
			}
		}
		if (u < 0)
			return -1;
		/* Units must go from largest to smallest, each at most once
		 * (units[] is ordered by size, so the index is the rank). */
		if (last >= 0 && u >= last)
			return -1;
		if (n > (INT64_MAX - total) / units[u].ms)
			return -1;
		total += n * units[u].ms;
		p += strlen(units[u].unit);
		last = u;
	}
	*ms = total;
	return 0;
}

void
util_duration_format(int64_t ms, char *buf, size_t len)
{
	static const struct {
		char unit;
		int64_t ms;
	} units[] = {
	    {'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
	size_t off = 0;

	if (ms <= 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (int i = 0; i < 4 && off < len; i++) {
		if (ms >= units[i].ms) {
			int w = snprintf(buf + off, len - off, "%lld%c",
			    (long long)(ms / units[i].ms), units[i].unit);
			if (w < 0)
				return;
			off += (size_t)w;
			ms %= units[i].ms;
		}
	}
	if (ms > 0 && off < len)
		snprintf(buf + off, len - off, "%lldms", (long long)ms);
}

int
util_size_parse(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"KiB", 1024},
	    {"MiB", 1024 * 1024},
	    {"GiB", 1024ULL * 1024 * 1024},
	    {"KB", 1000},
	    {"MB", 1000000},
	    {"GB", 1000000000ULL},
	    {"K", 1024},
	    {"M", 1024 * 1024},
	    {"G", 1024ULL * 1024 * 1024},
	};
	const char *p = s;
	uint64_t n = 0;

	if (s == NULL || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
		p++;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) == 0) {
			if (units[i].mult > 1 && n > UINT64_MAX / units[i].mult)
				return -1;
			*bytes = n * units[i].mult;
			return 0;
		}
	}
	return -1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
util_time_parse(const char *s, int64_t *ms)
{
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec, frac_ms = 0, oh = 0, om = 0, sign = 0;
	const char *p;
	int64_t t;

	if (s == NULL || strlen(s) < 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	p = s + 19;
	if (*p == '.') {
		int n = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return -1;
		for (int i = n; i < 3; i++)
			frac_ms *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (sec == 60)
		sec = 59; /* a leap second counts as the second before it */
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t <= 0) {
		*ms =
		    0; /* Go's zero time and anything before the epoch: none */
		return 0;
	}
	*ms = t * 1000 + frac_ms;
	return 0;
}

void
util_time_format(int64_t ms, char *buf, size_t len)
{
	int64_t secs = ms / 1000, days, rem;
	int y, m, d, frac = (int)(ms % 1000);
	int64_t z, era;
	unsigned doe, yoe, doy, mp;

	if (ms < 0) {
		secs = 0;
		frac = 0;
	}
	days = secs / 86400;
	rem = secs % 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = (int)(yoe + era * 400 + (m <= 2));
	if (frac != 0)
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m,
		    d, (int)(rem / 3600), (int)(rem % 3600 / 60),
		    (int)(rem % 60), frac);
	else
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
		    (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60));
}

int64_t
util_now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int64_t
util_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
util_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

void
util_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
util_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

size_t
util_utf8_cut(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n <= max)
		return n;
	i = max;
	/* Step back over continuation bytes to the start of a sequence. */
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

int
util_http_url(const char *s)
{
	size_t n = strlen(s);

	if (n > 3000)
		return 0;
	if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	else
		return 0;
	if (*s == '\0' || *s == '/')
		return 0; /* no host */
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == 0x7f)
			return 0;
	}
	return 1;
}
