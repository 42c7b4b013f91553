/*
 * incident.c: snapshot classification and incident keys; see incident.h.
 */
#include "incident.h"

#include <string.h>

enum incident_change
incident_classify(const struct incident_prev *prev, const struct alert *a)
{
	if (a->status == ALERT_FIRING) {
		if (!prev->found || !prev->firing || !prev->in_open_incident)
			return INCIDENT_FIRING;
		if (a->starts_at != 0 && prev->starts_at != 0 &&
		    a->starts_at != prev->starts_at)
			return INCIDENT_FIRING; /* the old episode ended */
		return INCIDENT_NONE;
	}
	if (!prev->found)
		return INCIDENT_UNSEEN;
	return prev->firing ? INCIDENT_RESOLVED : INCIDENT_NONE;
}

static void
key_part(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '/' || *s == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
}

void
incident_key(const struct alert *a, const struct strlist *incident_labels,
    struct buf *out)
{
	key_part(out, a->namespace);
	buf_addc(out, '/');
	key_part(out, a->alertname);
	for (size_t i = 0; incident_labels != NULL && i < incident_labels->n;
	     i++) {
		const char *v = kvlist_get(&a->labels, incident_labels->v[i]);
		if (v == NULL)
			continue;
		buf_addc(out, '/');
		key_part(out, incident_labels->v[i]);
		buf_addc(out, '=');
		key_part(out, v);
	}
}

void
incident_labels_json(const struct alert *a,
    const struct strlist *incident_labels, struct buf *out)
{
	int n = 0;

	buf_addc(out, '{');
	for (size_t i = 0; incident_labels != NULL && i < incident_labels->n;
	     i++) {
		const char *k = incident_labels->v[i];
		const char *v = kvlist_get(&a->labels, k);
		if (v == NULL)
			continue;
		buf_adds(out, n++ > 0 ? ",\"" : "\"");
		buf_json_esc(out, k, strlen(k));
		buf_adds(out, "\":\"");
		buf_json_esc(out, v, strlen(v));
		buf_addc(out, '"');
	}
	buf_addc(out, '}');
}

int
incident_priority(const char *severity, int has_mentions)
{
	if (has_mentions ||
	    (severity != NULL && strcmp(severity, "critical") == 0))
		return 10;
	return 0;
}
