/*
 * store.h: the database. Every SQL statement of the relay lives behind this
 * interface (store.c: connection, migrations, transactions, checkpoints;
 * store_alert.c: jobs, alerts and episodes), prepared once and reused, so a
 * second backend can replace SQLite without touching the rest.
 *
 * Single-threaded: one struct store belongs to the event loop (or to a CLI
 * command). The only other thread is the checkpointer, which has its own
 * connection.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

struct store;

enum store_mode {
	STORE_RW, /* create the file and its folder when missing */
	STORE_RO, /* never writes; fails when the file does not exist */
};

/*
 * Opens path. Returns new (free with store_close), or NULL with err set
 * (missing folder that cannot be made, not a database, corrupt, locked).
 */
struct store *store_open(
    const char *path, enum store_mode mode, char *err, size_t errlen);
void store_close(struct store *s);

/*
 * Applies the built-in migrations (schema/NNNN_name.sql) not yet recorded,
 * each in its own transaction. Refuses (-1, err set) a database whose schema
 * is newer than this binary. Returns 0.
 */
int store_migrate(struct store *s, char *err, size_t errlen);

/* Schema version recorded in the database and the newest this binary has. */
int store_schema_version(struct store *s, int *have, int *newest);

/* Transactions. store_commit returns -1 when the database cannot commit
 * (disk full, read-only file); the transaction is rolled back then. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Borrowed: the last error message (valid until the next call). */
const char *store_errmsg(struct store *s);

/* 1 after a failed commit until a later commit succeeds. */
int store_degraded(struct store *s);

/* 1 when the last failure is the database's as a whole (full disk, I/O,
 * busy, locked, read-only), 0 when it concerns the data written (a
 * constraint, a type, a size). */
int store_error_is_global(struct store *s);

/* Runs PRAGMA data_version; 1 when another connection changed the file
 * since the last call. */
int store_changed(struct store *s);

/*
 * Copies the state of the database at path (opened read-only, never
 * written) into s, an in-memory scratch store of the same schema: what
 * `render` needs to show the messages a payload would cause now. A file
 * with an older schema is copied as far as its tables go. 0 or -1.
 */
int store_import_readonly(
    struct store *s, const char *path, char *err, size_t errlen);

/*
 * Borrowed: the SQL of a statement left mid-row between loop turns (it
 * would hold a read snapshot and stop WAL checkpoints), or NULL. The
 * statement is reset. A check the loop runs now and then.
 */
const char *store_idle_check(struct store *s);

/* Consistent copy of the database into file (VACUUM INTO). 0 or -1. */
int store_backup(struct store *s, const char *file, char *err, size_t errlen);

/*
 * Starts a thread with its own connection that runs a PASSIVE checkpoint
 * every interval_ms, so that checkpoints never run on the event loop.
 * Stopped by store_close.
 */
int store_checkpointer_start(struct store *s, int interval_ms);

/* ---- jobs: the durable intake (store_alert.c) ---- */

struct store_job {
	int64_t id;
	int64_t received_at; /* Unix ms */
	enum alert_source source;
	const char *group_key; /* borrowed */
	size_t nalerts;
	uint64_t truncated;
	const char *body; /* borrowed: canonical batch JSON */
	size_t body_len;
};

/* Inserts a pending job (inside the caller's transaction). Returns its id
 * or -1. */
int64_t store_job_add(struct store *s, const struct store_job *j);

/* Calls cb for up to limit pending jobs, oldest first; the job's strings
 * are borrowed for the call. Stops early when cb returns non-zero.
 * Returns the number of jobs visited or -1. */
int store_jobs_pending(struct store *s, size_t limit,
    int (*cb)(void *arg, const struct store_job *j), void *arg);

int store_job_done(struct store *s, int64_t id, int64_t now);

/* Number of pending jobs, or -1. */
int64_t store_jobs_pending_count(struct store *s);

/* ---- alerts and episodes (store_alert.c) ---- */

/* What is stored of an alert before a new snapshot is applied. */
struct store_alert_prev {
	int found;
	int firing;
	int64_t starts_at;
	int64_t notifications;
	int64_t incident_id; /* 0 = none */
	int64_t first_seen;
	int incident_open; /* its incident is open */
};

int store_alert_prev(
    struct store *s, const char *id, struct store_alert_prev *out);

/* Writes the alert's current state (insert or replace). */
int store_alert_put(struct store *s, const char *id, enum alert_source src,
    const char *group_key, const struct alert *a, int64_t now,
    int64_t first_seen, int64_t notifications, int64_t incident_id, int stale,
    int64_t snoozed_by);

/* Records the start of a firing episode (no-op when already recorded). */
int store_episode_start(
    struct store *s, const char *alert_id, int64_t starts_at, int64_t now);
/* Marks the open episodes of an alert resolved at `at`. */
int store_episode_end(struct store *s, const char *alert_id, int64_t at);
/* Firing episodes of an alert first seen at or after `since`. -1 on error. */
int64_t store_episode_count(
    struct store *s, const char *alert_id, int64_t since);

/* A row of the alerts list; every pointer is borrowed for the callback. */
struct store_alert_row {
	const char *id;
	const char *source;
	const char *namespace;
	const char *alertname;
	const char *state;
	int stale;
	const char *labels;      /* JSON object */
	const char *annotations; /* JSON object */
	const char *vals;        /* JSON object or NULL */
	const char *value_string;
	int64_t starts_at;
	int64_t ends_at;
	int64_t last_seen;
	int64_t incident_id; /* 0 = none */
	int64_t fires;       /* episodes first seen since fires_since */
	const char *fingerprint;
	const char *generator_url;
	const char *silence_url;
	const char *dashboard_url;
	const char *panel_url;
	const char *image_url;
	int64_t notifications;
	int64_t snoozed_by; /* the snooze that matches it (0: none) */
};

struct store_alert_filter {
	const char *namespace; /* NULL = any */
	const char *state;     /* "firing", "resolved" or NULL */
	size_t limit;
	int64_t fires_since; /* Unix ms for the fires count */
};

/* Calls cb for each matching alert, newest first. Returns count or -1. */
int store_alerts_list(struct store *s, const struct store_alert_filter *f,
    int (*cb)(void *arg, const struct store_alert_row *r), void *arg);

/* Ids of the firing alerts of a group (for snapshot diffing). cb gets each
 * id (borrowed); returns count or -1. */
int store_alerts_firing_in_group(struct store *s, enum alert_source src,
    const char *group_key, int (*cb)(void *arg, const char *id), void *arg);

/* Firing alerts not seen since `before`: cb gets each id. Returns count or
 * -1. */
int store_alerts_stale(struct store *s, int64_t before, size_t limit,
    int (*cb)(void *arg, const char *id, int64_t incident_id), void *arg);

/* Marks an alert resolved at `at` (stale: not re-sent). 0 or -1. */
int store_alert_resolve(struct store *s, const char *id, int64_t at, int stale);

/* ---- incidents (store_incident.c) ---- */

struct store_incident {
	int64_t id;
	const char *key; /* borrowed, like every string below */
	const char *namespace;
	const char *alertname;
	const char *labels; /* JSON object */
	int open;
	const char *channel;
	const char *severity;
	int64_t opened_at;
	int64_t closed_at; /* 0 while open */
	int64_t changed_at;
	int64_t root_id;           /* 0 = none yet */
	const char *slack_channel; /* NULL until posted */
	const char *slack_ts;
	int64_t last_visible;
	int64_t last_update;
	int stale;
	int64_t truncated;    /* alerts the last body touching it dropped */
	int silent;           /* rules: recorded, never posted */
	int snoozed;          /* every firing alert is snoozed */
	int64_t remind_every; /* rules: ms, -1 = reminders.default_every */
};

/* The open incident of key, or the newest one closed at or after
 * `closed_since`. Returns 1 found (filled, strings valid until the next
 * store call), 0 none, -1 error. */
int store_incident_find(struct store *s, const char *key, int64_t closed_since,
    struct store_incident *out);
int store_incident_get(struct store *s, int64_t id, struct store_incident *out);

/* Creates an open incident; returns its id or -1. */
int64_t store_incident_create(struct store *s, const char *key, const char *ns,
    const char *alertname, const char *labels_json, const char *channel,
    const char *severity, int64_t now);
int store_incident_reopen(struct store *s, int64_t id, int64_t now);
int store_incident_close(struct store *s, int64_t id, int64_t now, int stale);
int store_incident_set_root(struct store *s, int64_t id, int64_t root_id);
int store_incident_set_last_update(struct store *s, int64_t id, int64_t at);
int store_incident_set_truncated(struct store *s, int64_t id, int64_t n);
int store_incident_set_silent(struct store *s, int64_t id, int silent);
/* remind_every in ms; -1 for the default. */
int store_incident_set_remind(struct store *s, int64_t id, int64_t ms);

/* Alert counts of an incident by state. */
struct store_incident_counts {
	int64_t snoozed; /* of the firing ones */
	int64_t firing;
	int64_t resolved;
	int64_t stale;
};
int store_incident_counts(
    struct store *s, int64_t id, struct store_incident_counts *out);

/* Whether any alert of the incident fires (*firing) and whether one of
 * those is not snoozed (*unsnoozed): two index probes. 0 or -1. */
int store_incident_firing(
    struct store *s, int64_t id, int *firing, int *unsnoozed);

/* The incident's alerts, firing first then newest; every pointer is
 * borrowed for the callback. Returns count or -1. */
int store_incident_alerts(struct store *s, int64_t incident_id, size_t limit,
    int (*cb)(void *arg, const struct store_alert_row *r), void *arg);

struct store_incident_filter {
	const char *namespace; /* NULL = any */
	int state;             /* -1 any, 1 open, 0 closed */
	size_t limit;
};
/*
 * Open incidents that are due a reminder at now: root posted (or kept in
 * preview), not silent, not snoozed, and remind_every (theirs, else
 * default_every; 0 = none) passed since the last channel-visible post.
 * Returns count or -1.
 */
int store_incidents_remind_due(struct store *s, int64_t now,
    int64_t default_every, size_t limit,
    int (*cb)(void *arg, const struct store_incident *i), void *arg);
/* The time of the incident's last channel-visible post. */
int store_incident_set_visible(struct store *s, int64_t id, int64_t at);

/* Open incidents, or -1. */
int64_t store_incidents_open_count(struct store *s);
int store_incidents_list(struct store *s, const struct store_incident_filter *f,
    int (*cb)(void *arg, const struct store_incident *i), void *arg);

/* ---- messages: the outbox (store_message.c) ---- */

struct store_message {
	int64_t id;
	int64_t incident_id; /* 0 = none (digest) */
	const char *kind;    /* root | update | reply | reminder | digest */
	const char *template;
	const char *channel;
	int64_t thread_of;  /* 0 = none */
	const char *detail; /* JSON object */
	const char *text;
	const char *blocks;   /* JSON array */
	const char *mentions; /* JSON array */
	const char *state;    /* queued | pending | posted | failed | preview */
	int priority;
	int broadcast;
	int64_t created_at;
	int64_t not_before;
	int attempts;
	int64_t next_attempt; /* 0 = none */
	int64_t posted_at;
	const char *slack_channel;
	const char *ts;
	const char *error;
	int plain; /* send without blocks */
	/* With store_messages_sendable: the root's channel id and ts. */
	const char *root_channel;
	const char *root_ts;
};

/* Inserts a queued message (fields as in m; state ignored; text and
 * blocks, NULL for "" and "[]", are only used for messages without an
 * incident, rendered when queued: digests). Returns its id or -1. */
int64_t store_message_add(struct store *s, const struct store_message *m);

/*
 * Queues a refresh of a root: when an unsent update of that root is queued
 * already, it stays the only one and its not_before becomes the earlier of
 * the two (pending updates collapse into the latest state; *collapsed says
 * so). Returns the id of the update row or -1.
 */
int64_t store_message_update_root(struct store *s, int64_t incident_id,
    int64_t root_id, const char *channel, int64_t not_before, int64_t now,
    int *collapsed);

/*
 * When the newest queued reply of root's thread is an "alerts joined" one
 * not sent yet, adds count to it (SPEC section 5: one reply says the
 * alerts that joined). 1 merged, 0 not (queue a new reply), -1 error.
 */
int store_message_merge_joined(struct store *s, int64_t root_id, int64_t count);

/* Queued messages due at `now`, by priority then id; returns count or -1. */
int store_messages_due(struct store *s, int64_t now, size_t limit,
    int (*cb)(void *arg, const struct store_message *m), void *arg);

/* Earliest not_before of a queued message, 0 when none, -1 on error. */
int64_t store_messages_next_due(struct store *s);

/* 1 when message id is still queued (not rendered yet), 0 if not, -1. */
int store_message_queued(struct store *s, int64_t id);

/* The incident's current root (0: none) and whether it failed for good,
 * read from the store (not from a copy that may be stale). 0, or -1. */
int store_incident_root(
    struct store *s, int64_t incident_id, int64_t *root, int *failed);

/* Stores a rendering and the message's new state ("preview", "pending",
 * or "failed" with error set). */
int store_message_rendered(struct store *s, int64_t id, const char *text,
    const char *blocks, const char *mentions, const char *state,
    const char *error, int64_t now);

/*
 * Queued messages that may be sent at `now`, by priority then id: due
 * (not_before and next_attempt passed) and in causal order (a message of a
 * thread only once its root is posted; a reply only when no earlier reply of
 * the thread is queued or being sent), at most per_channel of one channel
 * (roots not pinned to a channel yet each count alone). Returns count or -1.
 */
int store_messages_sendable(struct store *s, int64_t now, size_t limit,
    size_t per_channel, int (*cb)(void *arg, const struct store_message *m),
    void *arg);

/* When the next queued message becomes due (max of not_before and
 * next_attempt), 0 when none, -1 on error. */
int64_t store_messages_next_send(struct store *s);

/* Marks a message being sent, with its rendering. */
int store_message_sending(struct store *s, int64_t id, const char *text,
    const char *blocks, const char *mentions);
/* Posted: Slack's channel id and ts (NULL for webhooks). */
int store_message_posted(struct store *s, int64_t id, const char *channel,
    const char *ts, int64_t now);
/* Back to queued, to be tried at next_attempt (error kept). */
int store_message_retry(struct store *s, int64_t id, int64_t next_attempt,
    const char *error, int count_attempt);
/* Failed for good; queued messages of its thread fail with it. */
int store_message_failed(struct store *s, int64_t id, const char *error);
/* A mode cannot send it (updates to an incoming webhook). */
int store_message_skipped(struct store *s, int64_t id, const char *why);
int store_message_set_plain(struct store *s, int64_t id);
int store_message_set_channel(struct store *s, int64_t id, const char *channel);
/* Queued messages of old_root's thread move to new_root's. */
int store_messages_rethread(
    struct store *s, int64_t old_root, int64_t new_root);
/* At start: messages left 'sending' by a crash go back to 'queued'. */
int store_messages_recover(struct store *s);
/* Queued and sending messages, and the age of the oldest (ms), for
 * /metrics and readiness. */
int store_messages_backlog(
    struct store *s, int64_t now, int64_t *count, int64_t *oldest_age);

/* The root's posted channel id and ts are kept on the incident. */
int store_incident_set_slack(
    struct store *s, int64_t id, const char *channel, const char *ts);
/* The channel an incident is pinned to (a fallback after a channel error). */
int store_incident_set_channel(
    struct store *s, int64_t id, const char *channel);

struct store_message_filter {
	const char *namespace; /* NULL = any */
	size_t limit;
};
/* Newest first. */
int store_messages_list(struct store *s, const struct store_message_filter *f,
    int (*cb)(void *arg, const struct store_message *m), void *arg);

#endif /* STORE_H */
