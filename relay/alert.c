/*
 * alert.c: alert model helpers; see alert.h.
 */
#include "alert.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
kvlist_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

void
kvlist_sort(struct kvlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), kv_cmp);
}

const char *
kvlist_get(const struct kvlist *l, const char *key)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, l->v[mid].key);
		if (c == 0)
			return l->v[mid].value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void
alert_free_fields(struct alert *a)
{
	free(a->fingerprint);
	free(a->namespace);
	free(a->alertname);
	kvlist_free(&a->labels);
	kvlist_free(&a->annotations);
	for (size_t i = 0; i < a->nvalues; i++)
		free(a->values[i].ref);
	free(a->values);
	free(a->value_string);
	free(a->generator_url);
	free(a->silence_url);
	free(a->dashboard_url);
	free(a->panel_url);
	free(a->image_url);
}

void
alert_batch_free(struct alert_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nalerts; i++)
		alert_free_fields(&b->alerts[i]);
	free(b->alerts);
	free(b->group_key);
	free(b->receiver);
	free(b->external_url);
	free(b);
}

const char *
alert_source_name(enum alert_source s)
{
	return s == ALERT_SRC_GRAFANA ? "grafana" : "alertmanager";
}

int
alert_source_parse(const char *s, enum alert_source *out)
{
	if (strcmp(s, "grafana") == 0)
		*out = ALERT_SRC_GRAFANA;
	else if (strcmp(s, "alertmanager") == 0)
		*out = ALERT_SRC_ALERTMANAGER;
	else
		return -1;
	return 0;
}

void
alert_id(enum alert_source src, const struct alert *a, char *buf, size_t len)
{
	if (a->has_org)
		snprintf(buf, len, "%s/%lld/%s", alert_source_name(src),
		    (long long)a->org_id, a->fingerprint);
	else
		snprintf(
		    buf, len, "%s/%s", alert_source_name(src), a->fingerprint);
}

void
alert_fingerprint(const struct kvlist *labels, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 14695981039346656037ULL;

	/* labels is sorted by name, as Prometheus' LabelSet.Fingerprint sorts.
	 */
	for (size_t i = 0; i < labels->n; i++) {
		for (const char *p = labels->v[i].key; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xffu) * 1099511628211ULL;
		for (const char *p = labels->v[i].value; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xffu) * 1099511628211ULL;
	}
	for (int i = 15; i >= 0; i--) {
		out[i] = hex[h & 15];
		h >>= 4;
	}
	out[16] = '\0';
}

static int
value_by_ref(const struct alert_value *v, size_t n, const struct strlist *refs,
    double *out)
{
	if (refs == NULL)
		return 0;
	for (size_t r = 0; r < refs->n; r++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].ref, refs->v[r]) == 0) {
				*out = v[i].v;
				return 1;
			}
	return 0;
}

int
alert_value(const struct alert_value *v, size_t n, const struct strlist *refs,
    const struct strlist *fallback_refs, const struct kvlist *annotations,
    double *out)
{
	const char *ann;

	if (v != NULL && n > 0) {
		if (value_by_ref(v, n, refs, out) ||
		    value_by_ref(v, n, fallback_refs, out))
			return 1;
		if (n == 1) {
			*out = v[0].v;
			return 1;
		}
		return 0;
	}
	ann = annotations != NULL ? kvlist_get(annotations, "value") : NULL;
	if (ann != NULL && util_strtod(ann, out) == 0 && !isnan(*out))
		return 1;
	return 0;
}
