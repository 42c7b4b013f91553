/*
 * store_int.h: what the store's own files share (store.c and store_*.c).
 * Nothing outside the store includes this.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "buf.h"
#include "store.h"

/* Every statement of the relay, prepared on first use and kept. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_DATA_VERSION,
	ST_JOB_ADD,
	ST_JOBS_PENDING,
	ST_JOB_DONE,
	ST_JOBS_PENDING_COUNT,
	ST_ALERT_PREV,
	ST_ALERT_PUT,
	ST_EPISODE_START,
	ST_EPISODE_END,
	ST_EPISODE_COUNT,
	ST_ALERTS_LIST,
	ST_ALERTS_FIRING_IN_GROUP,
	ST_ALERTS_STALE,
	ST_ALERT_RESOLVE,
	ST_INCIDENT_FIND,
	ST_INCIDENT_GET,
	ST_INCIDENT_CREATE,
	ST_INCIDENT_REOPEN,
	ST_INCIDENT_CLOSE,
	ST_INCIDENT_SET_ROOT,
	ST_INCIDENT_SET_LAST_UPDATE,
	ST_INCIDENT_SET_TRUNCATED,
	ST_INCIDENT_COUNTS,
	ST_INCIDENT_COUNTS_CHECK,
	ST_INCIDENT_ALERTS,
	ST_INCIDENTS_LIST,
	ST_MESSAGE_ADD,
	ST_MESSAGE_FIND_UPDATE,
	ST_MESSAGE_SET_NOT_BEFORE,
	ST_MESSAGES_DUE,
	ST_MESSAGES_NEXT_DUE,
	ST_MESSAGE_RENDERED,
	ST_MESSAGES_LIST,
	ST_MESSAGE_IS_QUEUED,
	ST_INCIDENT_ROOT_STATE,
	ST_MESSAGES_SENDABLE,
	ST_MESSAGES_NEXT_SEND,
	ST_MESSAGE_SENDING,
	ST_MESSAGE_POSTED,
	ST_MESSAGE_RETRY,
	ST_MESSAGE_FAILED,
	ST_MESSAGE_FAIL_THREAD,
	ST_MESSAGE_SKIPPED,
	ST_MESSAGE_SET_PLAIN,
	ST_MESSAGE_SET_CHANNEL,
	ST_MESSAGES_RETHREAD,
	ST_MESSAGES_RECOVER,
	ST_MESSAGES_BACKLOG,
	ST_INCIDENT_SET_SLACK,
	ST_INCIDENT_SET_CHANNEL,
	/* store_catalog.c */
	ST_CATALOG_GET,
	ST_CATALOG_PUT,
	ST_CATALOG_PURGE,
	ST_CATALOG_X1,
	ST_CATALOG_X2,
	ST_CATALOG_X3,
	/* store_rule.c */
	ST_RULES_LIST,
	ST_RULE_PUT,
	ST_RULE_DELETE,
	ST_RULES_CLEAR,
	ST_META_GET,
	ST_META_PUT,
	ST_FIRES_COUNT,
	ST_MENTIONED_GET,
	ST_MENTIONED_PUT,
	ST_INCIDENT_SET_SILENT,
	ST_INCIDENT_SET_REMIND,
	ST_MENTIONS_OF,
	ST_INCIDENTS_OPEN_COUNT,
	ST_INCIDENTS_REMIND_DUE,
	ST_INCIDENT_SET_VISIBLE,
	ST_SNOOZE_ADD,
	ST_SNOOZE_END,
	ST_SNOOZES_EXPIRE,
	ST_SNOOZES_LIST,
	ST_SNOOZE_GET,
	ST_ALERTS_FIRING_EACH,
	ST_ALERT_SET_SNOOZED,
	ST_INCIDENT_SET_SNOOZED,
	ST_EVENT_ALERT,
	ST_EVENT_HOURLY,
	ST_EVENT_INCIDENT,
	ST_EVENT_MESSAGE,
	ST_EVENTS_LIST,
	ST_EVENTS_COUNT,
	ST_NAMESPACES,
	ST_FIRED_HOURLY,
	ST_DIGEST_NAMESPACES,
	ST_DIGEST_NOISIEST,
	ST_PRUNE_EVENTS,
	ST_PRUNE_JOBS,
	ST_PRUNE_SNOOZES,
	ST_PRUNE_HOURS,
	ST_PRUNE_EPISODES,
	ST_PRUNE_ALERTS,
	ST_PRUNE_MENTIONS,
	ST_PRUNE_INCIDENTS,
	ST_PRUNE_MESSAGES,
	ST_MESSAGE_MERGE_JOINED,
	ST_INCIDENT_FIRING,
	ST_MESSAGES_LIST_NS,
	ST__COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	enum store_mode mode;
	sqlite3_stmt *stmt[ST__COUNT];
	int in_tx;
	int degraded;
	int64_t data_version;
	char errmsg[512];
	int errcode;    /* primary SQLite code of the last failure */
	struct buf row; /* strings of the last incident read (one_incident) */
	struct buf catalog_row; /* the last catalog cache entry read */
	struct buf snooze_row;  /* the last snooze read (store_snooze_get) */

	/* checkpointer thread */
	pthread_t ckpt_thread;
	int ckpt_running;
	int ckpt_interval_ms;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	int ckpt_stop;
	int ckpt_kicked;    /* the WAL passed STORE_WAL_KICK_FRAMES */
	int64_t busy_ms;    /* how long a statement waits for a lock */
	int64_t busy_since; /* util_mono_us() of the first wait */
};

/*
 * Borrowed: statement `id`, prepared from sql on first use and kept (the
 * SQL stands where it is used), reset and with bindings cleared; or NULL
 * with errmsg set. Valid until store_close.
 */
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id, const char *sql);

/* Records the connection's error message with a prefix; returns -1. */
int store_fail(struct store *s, const char *what);

/* Column helpers: text as "" (or NULL with _or_null) when NULL. */
const char *store_col_text(sqlite3_stmt *st, int i);
const char *store_col_text_or_null(sqlite3_stmt *st, int i);

/* Runs statement id (sql) with ?1 = a, ?2 = b: the many one-line
 * updates. 0 or -1. */
int store_exec_ii(struct store *s, enum stmt_id id, const char *sql, int64_t a,
    int64_t b, const char *what);
/* The same with ?1 = text (NULL binds NULL). */
int store_exec_ti(struct store *s, enum stmt_id id, const char *sql,
    const char *text, int64_t b, const char *what);

/* Runs statement id (sql, no parameters) and returns the first column of
 * its one row (an aggregate), or -1 on error. */
int64_t store_scalar(
    struct store *s, enum stmt_id id, const char *sql, const char *what);

/* Runs a statement that returns no rows; 0 or -1. Resets it after. */
int store_exec_stmt(struct store *s, sqlite3_stmt *st, const char *what);

#endif /* STORE_INT_H */
