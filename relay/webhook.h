/*
 * webhook.h: Grafana (version "1") and Alertmanager (version "4") webhook
 * bodies to the alert model, and back to a canonical JSON form that the
 * store keeps as the job to process. Pure: no I/O, no clock (now is passed).
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "util.h"

struct webhook_opts {
	const struct strlist
	    *namespace_labels; /* first present, non-empty wins */
	const char *default_namespace;
	size_t max_alerts; /* keep the first N, count the rest as truncated */
	int64_t now; /* Unix ms, to infer the status of alerts without one */
};

/*
 * Parses and validates body[0..len). Returns new (free with
 * alert_batch_free), or NULL with err set to a short reason naming the field,
 * e.g. "alerts: missing (legacy Grafana body?)",
 * "alerts[3].labels.namespace: must be a string".
 * Labels and annotations come out sorted by key; each alert has a namespace,
 * an alertname and a fingerprint.
 */
struct alert_batch *webhook_parse(enum alert_source src, const char *body,
    size_t len, const struct webhook_opts *opts, char *err, size_t errlen);

/*
 * Returns new (caller frees): b as compact JSON in the version "1" shape,
 * which webhook_parse() reads back to an equal batch (same alerts, same
 * fingerprints, truncated count kept; title/message and other display-only
 * fields are dropped).
 */
char *webhook_serialize(const struct alert_batch *b);

/*
 * Number of distinct incident keys in b: (namespace, alertname, values of
 * the incident labels present). What a webhook's 202 reports as "incidents".
 */
size_t webhook_count_incidents(
    const struct alert_batch *b, const struct strlist *incident_labels);

#endif /* WEBHOOK_H */
