/*
 * store_snooze.h: snoozes in the database (see store.h for conventions).
 */
#ifndef STORE_SNOOZE_H
#define STORE_SNOOZE_H

#include <stdint.h>

#include "snooze.h"
#include "store.h"

/* A stored snooze; strings borrowed for the callback. */
struct store_snooze {
	int64_t id;
	const char *matchers; /* JSON list */
	int64_t starts_at;
	int64_t ends_at;
	const char *author;
	const char *author_name;
	const char *reason;
	int64_t created_at;
	int64_t ended_at; /* 0 while in force */
	const char *ended_by;
};

/* Inserts a snooze (spec already validated); returns its id or -1. */
int64_t store_snooze_add(
    struct store *s, const struct snooze_spec *spec, int64_t now);

/* Ends a snooze now; 1 when it was in force, 0 when not, -1 on error. */
int store_snooze_end(struct store *s, int64_t id, const char *by, int64_t now);

/* Marks every snooze whose end has passed as ended; the count or -1. */
int store_snoozes_expire(struct store *s, int64_t now);

/* Snoozes in force (all = 0) or every snooze (all = 1), newest first. */
int store_snoozes_each(struct store *s, int all, size_t limit,
    int (*cb)(void *arg, const struct store_snooze *z), void *arg);

/* One snooze: 1 found (strings valid until the next call), 0, -1. */
int store_snooze_get(struct store *s, int64_t id, struct store_snooze *out);

/* Firing alerts with their labels, incident and snooze. */
int store_alerts_firing_each(struct store *s,
    int (*cb)(void *arg, const char *id, const char *labels,
        int64_t incident_id, int64_t snoozed_by),
    void *arg);

int store_alert_set_snoozed(struct store *s, const char *id, int64_t snooze);
int store_incident_set_snoozed(struct store *s, int64_t id, int snoozed);

#endif /* STORE_SNOOZE_H */
