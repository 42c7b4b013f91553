/*
 * webhook_serialize.c: the canonical JSON of a parsed batch, as stored with
 * its job and read back by webhook_parse() to an equal batch, and the count
 * of incidents a batch touches; see webhook.h.
 */
#include "webhook.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "webhook_int.h"

/* Appends s as a JSON string; NULL is written as "". */
static void
add_str(struct buf *o, const char *s)
{
	buf_addc(o, '"');
	if (s != NULL)
		buf_json_esc(o, s, strlen(s));
	buf_addc(o, '"');
}

static void
add_key(struct buf *o, const char *key)
{
	buf_addc(o, '"');
	buf_adds(o, key);
	buf_add(o, "\":", 2);
}

static void
add_kvlist(struct buf *o, const struct kvlist *l)
{
	buf_addc(o, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			buf_addc(o, ',');
		add_str(o, l->v[i].key);
		buf_addc(o, ':');
		add_str(o, l->v[i].value);
	}
	buf_addc(o, '}');
}

/* Go's zero time for "none", as Grafana writes it. */
static void
add_time(struct buf *o, int64_t ms)
{
	char t[64];

	if (ms <= 0) {
		add_str(o, "0001-01-01T00:00:00Z");
		return;
	}
	util_time_format(ms, t, sizeof(t));
	add_str(o, t);
}

static void
add_alert(struct buf *o, const struct alert *a)
{
	buf_adds(o, "{\"status\":");
	add_str(o, a->status == ALERT_RESOLVED ? "resolved" : "firing");
	buf_adds(o, ",\"labels\":");
	add_kvlist(o, &a->labels);
	buf_adds(o, ",\"annotations\":");
	add_kvlist(o, &a->annotations);
	buf_adds(o, ",\"startsAt\":");
	add_time(o, a->starts_at);
	buf_adds(o, ",\"endsAt\":");
	add_time(o, a->ends_at);
	buf_adds(o, ",\"fingerprint\":");
	add_str(o, a->fingerprint);
	if (a->has_org)
		buf_printf(o, ",\"orgId\":%lld", (long long)a->org_id);
	buf_adds(o, ",\"values\":");
	if (a->nvalues == 0)
		buf_adds(o, "null");
	else {
		buf_addc(o, '{');
		for (size_t i = 0; i < a->nvalues; i++) {
			double v = a->values[i].v;

			if (i > 0)
				buf_addc(o, ',');
			add_str(o, a->values[i].ref);
			/* %.17g reads back to the same double; a non-finite
			 * value has no JSON form, so it becomes null. */
			if (isfinite(v))
				buf_printf(o, ":%.17g", v);
			else
				buf_adds(o, ":null");
		}
		buf_addc(o, '}');
	}
	for (size_t i = 0; i < webhook_nstrs; i++) {
		buf_addc(o, ',');
		add_key(o, webhook_strs[i].key);
		add_str(
		    o, *(char *const *)((const char *)a + webhook_strs[i].off));
	}
	buf_addc(o, '}');
}

char *
webhook_serialize(const struct alert_batch *b)
{
	struct buf o = BUF_INIT;
	int firing = 0;

	for (size_t i = 0; i < b->nalerts; i++)
		if (b->alerts[i].status == ALERT_FIRING)
			firing = 1;
	buf_reserve(&o, 256 + b->nalerts * 512);
	buf_adds(&o, "{\"version\":\"1\",\"groupKey\":");
	add_str(&o, b->group_key);
	buf_adds(&o, ",\"receiver\":");
	add_str(&o, b->receiver);
	buf_adds(&o, ",\"status\":");
	add_str(&o, firing ? "firing" : "resolved");
	buf_adds(&o, ",\"externalURL\":");
	add_str(&o, b->external_url);
	buf_printf(
	    &o, ",\"truncatedAlerts\":%llu", (unsigned long long)b->truncated);
	if (b->has_org)
		buf_printf(&o, ",\"orgId\":%lld", (long long)b->org_id);
	buf_adds(&o, ",\"alerts\":[");
	for (size_t i = 0; i < b->nalerts; i++) {
		if (i > 0)
			buf_addc(&o, ',');
		add_alert(&o, &b->alerts[i]);
	}
	buf_adds(&o, "]}");
	return buf_steal(&o);
}

/*
 * Appends one incident key: namespace, alertname, then per incident label a
 * tag byte ('+' present, '-' absent) and the value, each part ended by NUL.
 * Strings in the model hold no NUL (jansson refuses them), so keys compare
 * unambiguously with memcmp.
 */
static void
add_incident_key(struct buf *o, const struct alert *a, const struct strlist *il)
{
	buf_add(o, a->namespace, strlen(a->namespace) + 1);
	buf_add(o, a->alertname, strlen(a->alertname) + 1);
	for (size_t i = 0; il != NULL && i < il->n; i++) {
		const char *v = kvlist_get(&a->labels, il->v[i]);

		buf_addc(o, v != NULL ? '+' : '-');
		if (v != NULL)
			buf_add(o, v, strlen(v));
		buf_addc(o, '\0');
	}
}

struct span {
	const char *p;
	size_t n;
};

static int
span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

	if (c != 0)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

size_t
webhook_count_incidents(
    const struct alert_batch *b, const struct strlist *incident_labels)
{
	struct buf keys = BUF_INIT;
	size_t *off = NULL, count = 0;
	struct span *s = NULL;

	if (b->nalerts == 0)
		return 0;
	/* All keys in one buffer, then sort and count runs: O(n log n). */
	off = xcalloc(b->nalerts + 1, sizeof(*off));
	for (size_t i = 0; i < b->nalerts; i++) {
		off[i] = keys.len;
		add_incident_key(&keys, &b->alerts[i], incident_labels);
	}
	off[b->nalerts] = keys.len;
	s = xcalloc(b->nalerts, sizeof(*s));
	for (size_t i = 0; i < b->nalerts; i++) {
		s[i].p = keys.data + off[i];
		s[i].n = off[i + 1] - off[i];
	}
	qsort(s, b->nalerts, sizeof(*s), span_cmp);
	for (size_t i = 0; i < b->nalerts; i++)
		if (i == 0 || span_cmp(&s[i - 1], &s[i]) != 0)
			count++;
	free(s);
	free(off);
	buf_free(&keys);
	return count;
}
