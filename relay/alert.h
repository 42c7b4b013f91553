/*
 * alert.h: the alert model shared by both webhook dialects, the store and
 * the pipeline. Plain structs; every string is owned by its alert and freed
 * by alert_batch_free().
 */
#ifndef ALERT_H
#define ALERT_H

#include <stddef.h>
#include <stdint.h>

enum alert_source { ALERT_SRC_GRAFANA = 0, ALERT_SRC_ALERTMANAGER = 1 };
enum alert_status { ALERT_FIRING = 0, ALERT_RESOLVED = 1 };

struct kv {
	char *key;
	char *value;
};

/* Key/value list kept sorted by key (labels, annotations). */
struct kvlist {
	struct kv *v;
	size_t n;
};

struct alert_value {
	char *ref; /* expression RefID: "A", "B", "B0" */
	double v;
};

struct alert {
	char *fingerprint; /* 16 hex (given or computed from the labels) */
	int has_org;
	int64_t org_id;
	enum alert_status status;
	int64_t starts_at; /* Unix ms; 0 = unknown */
	int64_t ends_at;   /* Unix ms; 0 = not ended (Go zero time) */
	char *namespace; /* from grouping.namespace_labels, else the default */
	char *alertname; /* rulename for DatasourceNoData/DatasourceError */
	struct kvlist labels;
	struct kvlist annotations;
	struct alert_value *values; /* NULL when Grafana sent none or null */
	size_t nvalues;
	char *value_string;  /* "" when absent */
	char *generator_url; /* "" when absent; likewise below */
	char *silence_url;
	char *dashboard_url;
	char *panel_url;
	char *image_url;
};

struct alert_batch {
	enum alert_source source;
	char *group_key; /* "" when absent */
	char *receiver;  /* as sent (regexp.QuoteMeta'd by Alertmanager) */
	char *external_url;
	int has_org;
	int64_t org_id;
	uint64_t truncated; /* truncatedAlerts plus alerts cut by
	                       limits.max_alerts */
	struct alert *alerts;
	size_t nalerts;
};

/* Frees a batch and everything it owns; NULL is fine. */
void alert_batch_free(struct alert_batch *b);

/* Source name as used in identities and metrics: "grafana", "alertmanager". */
const char *alert_source_name(enum alert_source s);
/* Parses a source name; 0 or -1. */
int alert_source_parse(const char *s, enum alert_source *out);

/*
 * The identity "source/org/fingerprint" ("grafana/1/3f2a...") or, without an
 * org, "source/fingerprint". Writes into buf (at least 128 bytes).
 */
void alert_id(
    enum alert_source src, const struct alert *a, char *buf, size_t len);

/*
 * Alertmanager's fingerprint of a label set: FNV-1a 64 over the sorted
 * names and values, each followed by 0xff; 16 lowercase hex digits.
 */
void alert_fingerprint(const struct kvlist *labels, char out[17]);

/*
 * "The value" of an alert (SPEC section 8): values[R] for the first R of refs
 * that is present, else for the first of fallback_refs, else the single
 * entry of values, else a numeric "value" annotation. Either list may be
 * NULL. Returns 1 and sets *out, or 0 when the alert has no value.
 */
struct strlist;
int alert_value(const struct alert_value *v, size_t n,
    const struct strlist *refs, const struct strlist *fallback_refs,
    const struct kvlist *annotations, double *out);

/* Borrowed: the value of key in a sorted list, or NULL. */
const char *kvlist_get(const struct kvlist *l, const char *key);
/* Sorts a list by key (after parsing, which keeps input order). */
void kvlist_sort(struct kvlist *l);
void kvlist_free(struct kvlist *l);

#endif /* ALERT_H */
