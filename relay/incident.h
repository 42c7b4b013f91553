/*
 * incident.h: the pure rules of SPEC section 5 that turn alert snapshots
 * into incident changes: how an arriving alert compares with what is
 * stored, and which incident it belongs to. No I/O; pipeline.c applies the
 * results to the store.
 */
#ifndef INCIDENT_H
#define INCIDENT_H

#include <stdint.h>

#include "alert.h"
#include "buf.h"
#include "util.h"

/* What the store knew of an alert before this snapshot. */
struct incident_prev {
	int found;
	int firing;
	int64_t starts_at;
	int in_open_incident; /* its incident is still open */
};

enum incident_change {
	INCIDENT_NONE,     /* a re-send of the stored state: nothing visible */
	INCIDENT_FIRING,   /* a new firing episode, or firing again */
	INCIDENT_RESOLVED, /* was firing, now resolved */
	INCIDENT_UNSEEN,   /* resolved, never seen firing: history only */
};

/*
 * Classifies an arriving alert against its previous state:
 * - firing, and not stored as firing with the same startsAt (or its
 *   incident has closed meanwhile): INCIDENT_FIRING;
 * - firing with the same startsAt in an open incident: INCIDENT_NONE;
 * - resolved, stored as firing: INCIDENT_RESOLVED;
 * - resolved, stored as resolved: INCIDENT_NONE;
 * - resolved, never stored: INCIDENT_UNSEEN.
 * A startsAt of 0 (the sender gave none) matches any stored one.
 */
enum incident_change incident_classify(
    const struct incident_prev *prev, const struct alert *a);

/*
 * Appends the incident key of a to out: "namespace/alertname", then
 * "/label=value" for each of incident_labels present on the alert, in the
 * configured order. '/' and '\' inside parts are escaped with '\' so that
 * different parts never make the same key.
 */
void incident_key(const struct alert *a, const struct strlist *incident_labels,
    struct buf *out);

/* Appends a JSON object of the incident labels present on a. */
void incident_labels_json(const struct alert *a,
    const struct strlist *incident_labels, struct buf *out);

/* Outbox priority of a message: mentions or severity=critical first. */
int incident_priority(const char *severity, int has_mentions);

#endif /* INCIDENT_H */
