/*
 * metrics.h: a small Prometheus registry and its text exposition (format
 * 0.0.4). The daemon declares metric families once at start-up, updates
 * values from the event loop, and the /metrics handler writes the text.
 *
 * Pure: no I/O, no clock, no globals, except metrics_write_process(), which
 * reads /proc/self and is the only function here that touches the system.
 * Not thread-safe; the relay has one event loop and that is the one user.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct metrics;
struct metrics_family;

/* The Content-Type of what metrics_write() produces. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Bounds. Label values often come from input (a webhook source, a Slack
 * method or error code), so a family cannot grow without limit: past
 * METRICS_MAX_SERIES series an update to a new label set is dropped, counted
 * in metrics_dropped() and in the registry's own counter (see metrics_new()),
 * and logged once per family. Updates to existing series keep working.
 */
#define METRICS_MAX_SERIES 256
#define METRICS_MAX_LABELS 8
#define METRICS_MAX_BUCKETS 32
/* Longer label values are cut (on a UTF-8 boundary) to this many bytes. */
#define METRICS_MAX_LABEL_VALUE 256

/*
 * Returns new: an empty registry (caller frees with metrics_free()).
 * dropped_name, when not NULL, names the registry's own counter of updates
 * lost to the series limit, labelled {family="<name>"}, e.g.
 * "alert_delivery_metrics_series_dropped_total". Returns NULL only when that
 * name is not a valid counter name.
 */
struct metrics *metrics_new(const char *dropped_name);
/* Frees the registry and every family and series in it; accepts NULL. */
void metrics_free(struct metrics *m);

/*
 * Declares a family. name must match [a-zA-Z_:][a-zA-Z0-9_:]* and be unique
 * in the registry; counter names end in "_total", others must not. help is
 * non-empty (escaped on output). labels is a NULL-terminated array of label
 * names ([a-zA-Z_][a-zA-Z0-9_]*, not "__"-prefixed, no duplicates, at most
 * METRICS_MAX_LABELS), or NULL for none; the strings are copied.
 * A family without labels has its single series from the start (value 0);
 * one with labels shows nothing until its first update.
 * Histogram bounds are finite and strictly increasing, at most
 * METRICS_MAX_BUCKETS of them (bounds may be NULL when nbounds is 0); +Inf
 * is implicit and a trailing +Inf is ignored.
 * Returns borrowed: the family, owned by m and valid until metrics_free(m);
 * NULL (logged) when the declaration is invalid.
 */
struct metrics_family *metrics_counter(struct metrics *m, const char *name,
    const char *help, const char *const *labels);
struct metrics_family *metrics_gauge(struct metrics *m, const char *name,
    const char *help, const char *const *labels);
struct metrics_family *metrics_histogram(struct metrics *m, const char *name,
    const char *help, const char *const *labels, const double *bounds,
    size_t nbounds);

/*
 * Updates. values is a NULL-terminated array of label values in the order
 * of the family's label names (NULL for a family without labels), e.g.
 *   metrics_inc(f, (const char *[]){"grafana", "200", NULL});
 * Values are copied, cut at METRICS_MAX_LABEL_VALUE bytes; a value that is
 * not valid UTF-8 has its non-ASCII bytes replaced by '?' (one bad byte
 * would fail the whole scrape). The series is created on first use. Each
 * returns 0, or -1 when nothing was recorded: f is NULL, the number of values
 * is wrong, the update does not fit the type, or the series limit was hit.
 */
/* Counter or gauge: adds 1. */
int metrics_inc(struct metrics_family *f, const char *const *values);
/* Counter: adds a finite v >= 0 (integers are exact up to 2^53).
 * Gauge: adds any finite v. */
int metrics_add(struct metrics_family *f, const char *const *values, double v);
/* Gauge: sets v (NaN and infinities allowed). */
int metrics_set(struct metrics_family *f, const char *const *values, double v);
/* Histogram: records one observation (NaN counts only in +Inf). */
int metrics_observe(
    struct metrics_family *f, const char *const *values, double v);

/* Updates dropped by the series limit since metrics_new(). */
uint64_t metrics_dropped(const struct metrics *m);

/*
 * Appends the exposition of every family, in declaration order; series are
 * sorted by label values (bytewise), so the text depends only on the state,
 * not on the order updates arrived in.
 */
void metrics_write(const struct metrics *m, struct buf *out);

/*
 * Not pure: reads /proc/self/stat, /proc/stat, /proc/self/fd and
 * RLIMIT_NOFILE, and appends the standard unprefixed process metrics
 * (process_cpu_seconds_total, process_open_fds, process_max_fds,
 * process_virtual_memory_bytes, process_resident_memory_bytes,
 * process_start_time_seconds), as Prometheus client libraries export them.
 * Returns 0, or -1 when some could not be read (those are left out).
 */
int metrics_write_process(struct buf *out);

#endif /* METRICS_H */
