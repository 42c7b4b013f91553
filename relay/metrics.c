/*
 * metrics.c: Prometheus registry and text exposition; see metrics.h.
 * Format reference: Prometheus "Exposition formats", text format 0.0.4.
 */
#include "metrics.h"

#include <sys/resource.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "util.h"

enum kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM };

static const char *const kind_names[] = {"counter", "gauge", "histogram"};

/* A histogram counts per bucket, not cumulatively; +Inf is the last. */
struct series {
	char **values;     /* nlabels owned strings */
	double value;      /* counter or gauge value; histogram sum */
	uint64_t count;    /* histogram observations */
	uint64_t *buckets; /* histogram: nbounds + 1 */
};

struct metrics_family {
	struct metrics *m;
	enum kind kind;
	char *name;
	char *help;
	char *labels[METRICS_MAX_LABELS];
	size_t nlabels;
	double bounds[METRICS_MAX_BUCKETS];
	size_t nbounds;
	/* Sorted by label values, so output ignores arrival order. */
	struct series *series[METRICS_MAX_SERIES];
	size_t nseries;
	int warned; /* the series limit was logged */
};

struct metrics {
	struct metrics_family **fams; /* declaration order */
	size_t nfams;
	struct metrics_family *dropped; /* may be NULL */
	uint64_t ndropped;
};

/* Metric names allow ':' (metric == 1); label names do not. */
static int
valid_name(const char *s, int metric)
{
	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' ||
		        (metric && c == ':')))
			return 0;
	}
	return 1;
}

/*
 * Prometheus parses numbers with Go's ParseFloat, so any round-tripping
 * form works; we keep integers free of exponents (counts read naturally)
 * and otherwise use the shortest of %.15g..%.17g that reads back exactly.
 */
static void
fmt_double(double v, char *s, size_t len)
{
	if (isnan(v))
		snprintf(s, len, "NaN");
	else if (isinf(v))
		snprintf(s, len, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == trunc(v) && fabs(v) <= 9007199254740992.0) /* 2^53 */
		snprintf(s, len, "%.0f", v);
	else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(s, len, "%.*g", prec, v);
			if (strtod(s, NULL) == v)
				break;
		}
	}
}

/* HELP escapes \ and newline; label values also escape ". */
static void
write_esc(struct buf *out, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_adds(out, "\\\\");
		else if (*s == '\n')
			buf_adds(out, "\\n");
		else if (quote && *s == '"')
			buf_adds(out, "\\\"");
		else
			buf_addc(out, *s);
	}
}

/*
 * Returns s itself when it is usable as a label value, else a bounded,
 * valid UTF-8 copy in tmp (METRICS_MAX_LABEL_VALUE + 1 bytes): Prometheus
 * rejects a whole scrape over one invalid byte, and values may be input.
 */
static const char *
label_value(const char *s, char *tmp)
{
	size_t n = strnlen(s, METRICS_MAX_LABEL_VALUE + 1);
	size_t full = n;
	int valid;

	if (n > METRICS_MAX_LABEL_VALUE)
		n = util_utf8_cut(s, n, METRICS_MAX_LABEL_VALUE);
	valid = util_utf8_valid(s, n);
	if (valid && n == full)
		return s;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	for (size_t i = 0; !valid && i < n; i++) {
		if ((unsigned char)tmp[i] >= 0x80)
			tmp[i] = '?';
	}
	return tmp;
}

static void
family_free(struct metrics_family *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nseries; i++) {
		struct series *s = f->series[i];
		for (size_t j = 0; j < f->nlabels; j++)
			free(s->values[j]);
		free(s->values);
		free(s->buckets);
		free(s);
	}
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->name);
	free(f->help);
	free(f);
}

/* The series limit was hit: count it where an operator will see it. */
static void
drop(struct metrics_family *f)
{
	struct metrics *m = f->m;

	m->ndropped++;
	if (!f->warned) {
		log_warn("metrics: %s: more than %d series, dropping new ones",
		    f->name, METRICS_MAX_SERIES);
		f->warned = 1;
	}
	/* The drop counter's own overflow is not counted again (no loop). */
	if (m->dropped != NULL && f != m->dropped)
		metrics_inc(m->dropped, (const char *const[]){f->name, NULL});
}

/* Returns borrowed: the series for values, created on first use; NULL when
 * the values do not fit the family or the series limit was hit. */
static struct series *
series_get(struct metrics_family *f, const char *const *values)
{
	const char *v[METRICS_MAX_LABELS];
	char tmp[METRICS_MAX_LABELS][METRICS_MAX_LABEL_VALUE + 1];
	struct series *s;
	size_t lo = 0, hi = f->nseries, i;

	for (i = 0; i < f->nlabels; i++) {
		if (values == NULL || values[i] == NULL)
			goto bad;
		v[i] = label_value(values[i], tmp[i]);
	}
	if (values != NULL && values[i] != NULL)
		goto bad;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = 0;
		for (i = 0; c == 0 && i < f->nlabels; i++)
			c = strcmp(v[i], f->series[mid]->values[i]);
		if (c == 0)
			return f->series[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (f->nseries == METRICS_MAX_SERIES) {
		drop(f);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->values = xcalloc(f->nlabels + 1, sizeof(*s->values));
	for (i = 0; i < f->nlabels; i++)
		s->values[i] = xstrdup(v[i]);
	if (f->kind == KIND_HISTOGRAM)
		s->buckets = xcalloc(f->nbounds + 1, sizeof(*s->buckets));
	memmove(f->series + lo + 1, f->series + lo,
	    (f->nseries - lo) * sizeof(*f->series));
	f->series[lo] = s;
	f->nseries++;
	return s;
bad:
	log_error(
	    "metrics: %s: expected %zu label values", f->name, f->nlabels);
	return NULL;
}

static struct metrics_family *
declare(struct metrics *m, enum kind kind, const char *name, const char *help,
    const char *const *labels, const double *bounds, size_t nbounds)
{
	struct metrics_family *f = NULL;
	const char *why = NULL;
	size_t n = name != NULL ? strlen(name) : 0;
	int total = n > 6 && strcmp(name + n - 6, "_total") == 0;

	if (!valid_name(name, 1))
		why = "invalid metric name";
	else if (kind == KIND_COUNTER && !total)
		why = "counter name must end in _total";
	else if (kind != KIND_COUNTER && total)
		why = "only counter names end in _total";
	else if (help == NULL || *help == '\0')
		why = "no help text";
	for (size_t i = 0; why == NULL && i < m->nfams; i++) {
		if (strcmp(m->fams[i]->name, name) == 0)
			why = "declared twice";
	}
	if (why != NULL)
		goto fail;

	f = xcalloc(1, sizeof(*f));
	f->m = m;
	f->kind = kind;
	f->name = xstrdup(name);
	f->help = xstrdup(help);
	for (size_t i = 0; labels != NULL && labels[i] != NULL; i++) {
		const char *l = labels[i];
		if (i == METRICS_MAX_LABELS) {
			why = "too many labels";
			goto fail;
		}
		/* "le" and "quantile" belong to histograms and summaries. */
		if (!valid_name(l, 0) || strncmp(l, "__", 2) == 0 ||
		    strcmp(l, "le") == 0 || strcmp(l, "quantile") == 0) {
			why = "invalid or reserved label name";
			goto fail;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(f->labels[j], l) == 0) {
				why = "duplicate label name";
				goto fail;
			}
		}
		f->labels[f->nlabels++] = xstrdup(l);
	}
	for (size_t i = 0; i < nbounds; i++) {
		double b = bounds[i];
		if (i == nbounds - 1 && isinf(b) && b > 0)
			break; /* +Inf is implicit */
		if (!isfinite(b) || (i > 0 && b <= bounds[i - 1]) ||
		    f->nbounds == METRICS_MAX_BUCKETS) {
			why = "bucket bounds not finite and increasing";
			goto fail;
		}
		f->bounds[f->nbounds++] = b;
	}
	m->fams = xrealloc(m->fams, (m->nfams + 1) * sizeof(*m->fams));
	m->fams[m->nfams++] = f;
	/* Without labels the one series exists, so a scrape shows 0. */
	if (f->nlabels == 0)
		series_get(f, NULL);
	return f;
fail:
	log_error("metrics: %s: %s", name != NULL ? name : "(null)", why);
	family_free(f);
	return NULL;
}

struct metrics *
metrics_new(const char *dropped_name)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	if (dropped_name != NULL) {
		m->dropped = declare(m, KIND_COUNTER, dropped_name,
		    "Metric updates lost to a family's series limit.",
		    (const char *const[]){"family", NULL}, NULL, 0);
		if (m->dropped == NULL) {
			metrics_free(m);
			return NULL;
		}
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nfams; i++)
		family_free(m->fams[i]);
	free(m->fams);
	free(m);
}

struct metrics_family *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return declare(m, KIND_COUNTER, name, help, labels, NULL, 0);
}

struct metrics_family *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return declare(m, KIND_GAUGE, name, help, labels, NULL, 0);
}

struct metrics_family *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *const *labels, const double *bounds, size_t nbounds)
{
	return declare(m, KIND_HISTOGRAM, name, help, labels, bounds, nbounds);
}

int
metrics_inc(struct metrics_family *f, const char *const *values)
{
	return metrics_add(f, values, 1);
}

int
metrics_add(struct metrics_family *f, const char *const *values, double v)
{
	struct series *s;

	/* A counter only goes up; anything else would read as a reset. */
	if (f == NULL || f->kind == KIND_HISTOGRAM || !isfinite(v) ||
	    (f->kind == KIND_COUNTER && v < 0) ||
	    (s = series_get(f, values)) == NULL)
		return -1;
	s->value += v;
	return 0;
}

int
metrics_set(struct metrics_family *f, const char *const *values, double v)
{
	struct series *s;

	if (f == NULL || f->kind != KIND_GAUGE ||
	    (s = series_get(f, values)) == NULL)
		return -1;
	s->value = v;
	return 0;
}

int
metrics_observe(struct metrics_family *f, const char *const *values, double v)
{
	struct series *s;
	size_t i;

	if (f == NULL || f->kind != KIND_HISTOGRAM ||
	    (s = series_get(f, values)) == NULL)
		return -1;
	/* NaN compares false with every bound and lands in +Inf only. */
	for (i = 0; i < f->nbounds && !(v <= f->bounds[i]); i++)
		;
	s->buckets[i]++;
	s->count++;
	s->value += v;
	return 0;
}

uint64_t
metrics_dropped(const struct metrics *m)
{
	return m->ndropped;
}

static void
write_header(
    struct buf *out, const char *name, const char *help, const char *type)
{
	buf_printf(out, "# HELP %s ", name);
	write_esc(out, help, 0);
	buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* One sample line; le is the extra bucket label of a histogram, or NULL. */
static void
write_sample(struct buf *out, const struct metrics_family *f,
    const char *suffix, const struct series *s, const char *le, double v)
{
	char num[32];

	buf_adds(out, f->name);
	buf_adds(out, suffix);
	if (f->nlabels > 0 || le != NULL) {
		buf_addc(out, '{');
		for (size_t i = 0; i < f->nlabels; i++) {
			buf_printf(
			    out, "%s%s=\"", i > 0 ? "," : "", f->labels[i]);
			write_esc(out, s->values[i], 1);
			buf_addc(out, '"');
		}
		if (le != NULL)
			buf_printf(
			    out, "%sle=\"%s\"", f->nlabels > 0 ? "," : "", le);
		buf_addc(out, '}');
	}
	fmt_double(v, num, sizeof(num));
	buf_printf(out, " %s\n", num);
}

void
metrics_write(const struct metrics *m, struct buf *out)
{
	char le[32];

	for (size_t i = 0; i < m->nfams; i++) {
		const struct metrics_family *f = m->fams[i];
		/* Like the Go client: a family with no series is not shown. */
		if (f->nseries == 0)
			continue;
		write_header(out, f->name, f->help, kind_names[f->kind]);
		for (size_t j = 0; j < f->nseries; j++) {
			const struct series *s = f->series[j];
			uint64_t cum = 0;
			if (f->kind != KIND_HISTOGRAM) {
				write_sample(out, f, "", s, NULL, s->value);
				continue;
			}
			for (size_t k = 0; k <= f->nbounds; k++) {
				cum += s->buckets[k];
				if (k < f->nbounds)
					fmt_double(
					    f->bounds[k], le, sizeof(le));
				else
					snprintf(le, sizeof(le), "+Inf");
				write_sample(
				    out, f, "_bucket", s, le, (double)cum);
			}
			write_sample(out, f, "_sum", s, NULL, s->value);
			write_sample(
			    out, f, "_count", s, NULL, (double)s->count);
		}
	}
}

/*
 * Process metrics: the one part of this module that reads the system.
 */

/*
 * Fields 14 utime, 15 stime, 22 starttime, 23 vsize and 24 rss of
 * /proc/self/stat (proc(5)). Field 2, the command, may hold spaces and
 * parentheses, so scanning starts after its last ')'.
 */
static int
read_self_stat(unsigned long long out[5])
{
	char text[4096], *p;
	FILE *fp;
	size_t n;

	if ((fp = fopen("/proc/self/stat", "r")) == NULL)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	if ((p = strrchr(text, ')')) == NULL)
		return -1;
	if (sscanf(p + 1,
	        " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
	        " %*d %*d %*d %*d %*d %*d %llu %llu %llu",
	        &out[0], &out[1], &out[2], &out[3], &out[4]) != 5)
		return -1;
	return 0;
}

/* Boot time in Unix seconds: the "btime" line of /proc/stat. */
static int
read_btime(unsigned long long *out)
{
	FILE *fp;
	char *line = NULL, *end;
	size_t cap = 0;
	int rc = -1;

	if ((fp = fopen("/proc/stat", "r")) == NULL)
		return -1;
	while (getline(&line, &cap, fp) != -1) {
		if (strncmp(line, "btime ", 6) != 0)
			continue;
		errno = 0;
		*out = strtoull(line + 6, &end, 10);
		if (end != line + 6 && errno == 0)
			rc = 0;
		break;
	}
	free(line);
	fclose(fp);
	return rc;
}

static int
count_fds(unsigned long long *out)
{
	DIR *d;
	struct dirent *de;
	unsigned long long n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	/* The listing includes the descriptor opendir() itself held. */
	*out = n > 0 ? n - 1 : 0;
	return 0;
}

static void
write_process(struct buf *out, const char *name, const char *type,
    const char *help, double v)
{
	char num[32];

	write_header(out, name, help, type);
	fmt_double(v, num, sizeof(num));
	buf_printf(out, "%s %s\n", name, num);
}

int
metrics_write_process(struct buf *out)
{
	unsigned long long st[5], btime, fds;
	double tck = (double)sysconf(_SC_CLK_TCK);
	double page = (double)sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	int have_stat, rc = 0;

	have_stat = tck > 0 && page > 0 && read_self_stat(st) == 0;
	if (have_stat)
		write_process(out, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.",
		    (double)(st[0] + st[1]) / tck);
	if (count_fds(&fds) == 0)
		write_process(out, "process_open_fds", "gauge",
		    "Number of open file descriptors.", (double)fds);
	else
		rc = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		write_process(out, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.",
		    rl.rlim_cur == RLIM_INFINITY ? INFINITY
		                                 : (double)rl.rlim_cur);
	else
		rc = -1;
	if (!have_stat)
		return -1;
	write_process(out, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.", (double)st[3]);
	write_process(out, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.", (double)st[4] * page);
	if (read_btime(&btime) != 0)
		return -1;
	write_process(out, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.",
	    (double)btime + (double)st[2] / tck);
	return rc;
}
