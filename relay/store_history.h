/*
 * store_history.h: per-namespace history (SPEC section 11) in the database:
 * events, the hourly counts of alerts fired, the queries of the digest and
 * the namespace overview, and retention pruning. Part of the store (one
 * connection, one thread); the SQL lives in store_history.c.
 */
#ifndef STORE_HISTORY_H
#define STORE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Writes an event inside the caller's transaction; detail is a JSON object
 * (NULL = "{}"), borrowed. The namespace (and alert name) come from the row
 * the event is about, so callers need not carry them:
 *   _alert:    alerts.id; a "firing" event also counts in fired_hourly.
 *   _incident: incidents.id.
 *   _message:  messages.id; no event for messages without an incident
 *              (digests).
 * 0 (also when the row does not exist) or -1.
 */
int store_event_alert(struct store *s, const char *alert_id, const char *kind,
    int64_t now, const char *detail);
int store_event_incident(struct store *s, int64_t incident_id, const char *kind,
    int64_t now, const char *detail);
int store_event_message(struct store *s, int64_t message_id, const char *kind,
    int64_t now, const char *detail);

struct store_event {
	int64_t id;
	int64_t time;          /* Unix ms */
	const char *namespace; /* borrowed for the callback, like all below */
	const char *alertname;
	int64_t incident_id; /* 0 = none */
	const char *alert;   /* NULL for incident events */
	const char *kind;
	const char *detail; /* JSON object */
};

struct store_event_filter {
	const char *namespace; /* required */
	int64_t since;         /* Unix ms, inclusive; 0 = the beginning */
	int64_t until;         /* Unix ms, inclusive; 0 = no end */
	int64_t before_id;     /* paging: only ids below it; 0 = none */
	size_t limit;
};

/* A namespace's events, newest first. Returns count or -1. */
int store_events_list(struct store *s, const struct store_event_filter *f,
    int (*cb)(void *arg, const struct store_event *e), void *arg);

struct store_namespace {
	const char *namespace; /* borrowed for the callback */
	int64_t firing;        /* alerts firing now */
	int64_t snoozed;       /* of which snoozed */
	int64_t fired;         /* firing episodes since fired_since */
	int64_t open;          /* open incidents */
	int64_t oldest_open;   /* opened_at of the oldest open incident, 0 */
};

/*
 * Namespaces with alerts firing, open incidents or alerts fired since
 * fired_since (rounded down to its hour), worst first: unsnoozed firing,
 * then firing, then fired, then name; the first limit of them. Returns
 * count or -1.
 */
int store_namespaces(struct store *s, int64_t fired_since, size_t limit,
    int (*cb)(void *arg, const struct store_namespace *n), void *arg);

/* Alerts fired per hour since `since` (hour starts, Unix ms) for one
 * namespace, or all when ns is NULL; oldest first. Returns count or -1. */
int store_fired_hourly(struct store *s, const char *ns, int64_t since,
    int (*cb)(void *arg, int64_t hour, int64_t n), void *arg);

/* ---- digest ---- */

struct store_digest_ns {
	const char *namespace; /* borrowed for the callback */
	int64_t fired;         /* firing events in [from, to) */
	int64_t resolved;      /* resolved events in [from, to) */
	int64_t firing;        /* alerts firing now */
	int64_t snoozed;       /* of which snoozed */
	int64_t oldest_start;  /* the longest-firing alert's start, 0 */
};

/* Namespaces with events in [from, to) or alerts firing now, most active
 * first (fired + resolved, then firing, then name). Returns count or -1. */
int store_digest_namespaces(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_digest_ns *n), void *arg);

/* Up to limit alert names by firing events in [from, to), most first;
 * namespaces: in how many namespaces. Returns count or -1. */
int store_digest_noisiest(struct store *s, int64_t from, int64_t to,
    size_t limit,
    int (*cb)(void *arg, const char *alertname, int64_t n, int64_t namespaces),
    void *arg);

/* Events of `kind` (NULL: any) in [from, to), or -1. */
int64_t store_events_count(
    struct store *s, const char *kind, int64_t from, int64_t to);

/* ---- retention ---- */

struct store_prune {
	int64_t events, alerts, episodes, incidents, messages, jobs, snoozes,
	    hours;
};

/*
 * Deletes at most `batch` rows of each kind that retention lets go: events,
 * done jobs and ended snoozes older than cutoff; hourly counts of hours
 * before hours_before (the overview needs a day, whatever retention says);
 * resolved alerts last seen before cutoff (also of an open incident: its
 * counts then forget them) and their episodes; incidents closed before
 * min(cutoff, reopen_from), with nothing left to send, and their mention
 * memory; messages created before cutoff that are sent (or given up) and
 * no incident's root. Inside the caller's transaction. Counts what went
 * into *out. 0 or -1.
 */
int store_prune(struct store *s, int64_t cutoff, int64_t reopen_from,
    int64_t hours_before, size_t batch, struct store_prune *out);

#endif /* STORE_HISTORY_H */
