/*
 * store_history.c: events, hourly counts, digest queries and retention; see
 * store_history.h.
 */
#include "store_history.h"
#include "store_int.h"

#include <string.h>

#define HOUR_MS 3600000

static void
bind_detail(sqlite3_stmt *st, int i, const char *detail)
{
	sqlite3_bind_text(
	    st, i, detail != NULL ? detail : "{}", -1, SQLITE_STATIC);
}

int
store_event_alert(struct store *s, const char *alert_id, const char *kind,
    int64_t now, const char *detail)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_ALERT,
	    "INSERT INTO events (time, namespace, alertname, incident_id, "
	    "alert, kind, detail) SELECT ?1, namespace, alertname, "
	    "incident_id, id, ?2, ?3 FROM alerts WHERE id = ?4");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	bind_detail(st, 3, detail);
	sqlite3_bind_text(st, 4, alert_id, -1, SQLITE_STATIC);
	if (store_exec_stmt(s, st, "event") != 0)
		return -1;
	if (strcmp(kind, "firing") != 0 || sqlite3_changes(s->db) == 0)
		return 0;
	/* The namespace from the event just written (a rowid), not from the
	 * alert again (a text key). */
	st = store_stmt(s, ST_EVENT_HOURLY,
	    "INSERT INTO fired_hourly (namespace, hour, n) SELECT namespace, "
	    "?1, 1 FROM events WHERE id = ?2 ON CONFLICT (namespace, hour) DO "
	    "UPDATE SET n = n + 1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now - now % HOUR_MS);
	sqlite3_bind_int64(st, 2, sqlite3_last_insert_rowid(s->db));
	return store_exec_stmt(s, st, "fired hourly");
}

int
store_event_incident(struct store *s, int64_t incident_id, const char *kind,
    int64_t now, const char *detail)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_INCIDENT,
	    "INSERT INTO events (time, namespace, alertname, incident_id, "
	    "kind, detail) SELECT ?1, namespace, alertname, id, ?2, ?3 FROM "
	    "incidents WHERE id = ?4");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	bind_detail(st, 3, detail);
	sqlite3_bind_int64(st, 4, incident_id);
	return store_exec_stmt(s, st, "event");
}

int
store_event_message(struct store *s, int64_t message_id, const char *kind,
    int64_t now, const char *detail)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_MESSAGE,
	    "INSERT INTO events (time, namespace, alertname, incident_id, "
	    "kind, detail) SELECT ?1, i.namespace, i.alertname, i.id, ?2, ?3 "
	    "FROM messages m JOIN incidents i ON i.id = m.incident_id WHERE "
	    "m.id = ?4");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	bind_detail(st, 3, detail);
	sqlite3_bind_int64(st, 4, message_id);
	return store_exec_stmt(s, st, "event");
}

int
store_events_list(struct store *s, const struct store_event_filter *f,
    int (*cb)(void *arg, const struct store_event *e), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENTS_LIST,
	    /* Ids grow with time: since/until become id bounds found
	     * through events_time, so a window is an index range of the
	     * namespace, not a filter over its whole history. */
	    "SELECT id, time, namespace, alertname, coalesce(incident_id, 0), "
	    "alert, kind, detail FROM events WHERE namespace = ?1 AND id >= "
	    "coalesce((SELECT id FROM events WHERE time >= ?2 ORDER BY time, "
	    "id LIMIT 1), 9223372036854775807) AND id <= coalesce((SELECT id "
	    "FROM events WHERE time <= ?3 ORDER BY time DESC, id DESC LIMIT "
	    "1), 0) AND time >= ?2 AND time <= ?3 AND id < ?4 ORDER BY id "
	    "DESC LIMIT ?5");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, f->namespace, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->since);
	sqlite3_bind_int64(st, 3, f->until > 0 ? f->until : INT64_MAX);
	sqlite3_bind_int64(st, 4, f->before_id > 0 ? f->before_id : INT64_MAX);
	sqlite3_bind_int64(st, 5, (int64_t)f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event e;

		e.id = sqlite3_column_int64(st, 0);
		e.time = sqlite3_column_int64(st, 1);
		e.namespace = store_col_text(st, 2);
		e.alertname = store_col_text(st, 3);
		e.incident_id = sqlite3_column_int64(st, 4);
		e.alert = store_col_text_or_null(st, 5);
		e.kind = store_col_text(st, 6);
		e.detail = store_col_text(st, 7);
		n++;
		if (cb(arg, &e) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "events");
	return n;
}

int64_t
store_events_count(struct store *s, const char *kind, int64_t from, int64_t to)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENTS_COUNT,
	    "SELECT count(*) FROM events WHERE time >= ?2 AND time < ?3 AND "
	    "(?1 IS NULL OR kind = ?1)");
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (kind != NULL)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n >= 0 ? n : store_fail(s, "events count");
}

int
store_namespaces(struct store *s, int64_t fired_since, size_t limit,
    int (*cb)(void *arg, const struct store_namespace *n), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_NAMESPACES,
	    "WITH f AS (SELECT namespace, count(*) AS firing, "
	    "sum(coalesce(snoozed_by, 0) > 0) AS snoozed FROM alerts WHERE "
	    "state = 'firing' GROUP BY namespace), "
	    "i AS (SELECT namespace, count(*) AS open, min(opened_at) AS "
	    "oldest FROM incidents WHERE state = 'open' GROUP BY namespace), "
	    "h AS (SELECT namespace, sum(n) AS fired FROM fired_hourly WHERE "
	    "hour >= ?1 GROUP BY namespace), "
	    "ns AS (SELECT namespace FROM f UNION SELECT namespace FROM i "
	    "UNION SELECT namespace FROM h) "
	    "SELECT ns.namespace, coalesce(f.firing, 0) AS firing, "
	    "coalesce(f.snoozed, 0) AS snoozed, coalesce(h.fired, 0) AS fired, "
	    "coalesce(i.open, 0), coalesce(i.oldest, 0) FROM ns "
	    "LEFT JOIN f ON f.namespace = ns.namespace "
	    "LEFT JOIN i ON i.namespace = ns.namespace "
	    "LEFT JOIN h ON h.namespace = ns.namespace "
	    "ORDER BY firing - snoozed DESC, firing DESC, fired DESC, "
	    "ns.namespace LIMIT ?2");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, fired_since - fired_since % HOUR_MS);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_namespace ns;

		ns.namespace = store_col_text(st, 0);
		ns.firing = sqlite3_column_int64(st, 1);
		ns.snoozed = sqlite3_column_int64(st, 2);
		ns.fired = sqlite3_column_int64(st, 3);
		ns.open = sqlite3_column_int64(st, 4);
		ns.oldest_open = sqlite3_column_int64(st, 5);
		n++;
		if (cb(arg, &ns) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "namespaces");
	return n;
}

int
store_fired_hourly(struct store *s, const char *ns, int64_t since,
    int (*cb)(void *arg, int64_t hour, int64_t n), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIRED_HOURLY,
	    "SELECT hour, sum(n) FROM fired_hourly WHERE hour >= ?2 AND (?1 IS "
	    "NULL OR namespace = ?1) GROUP BY hour ORDER BY hour");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	if (ns != NULL)
		sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since - since % HOUR_MS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb(arg, sqlite3_column_int64(st, 0),
		        sqlite3_column_int64(st, 1)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "fired hourly");
	return n;
}

int
store_digest_namespaces(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_digest_ns *n), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_DIGEST_NAMESPACES,
	    "WITH e AS (SELECT namespace, sum(kind = 'firing') AS fired, "
	    "sum(kind = 'resolved') AS resolved FROM events WHERE time >= ?1 "
	    "AND time < ?2 AND kind IN ('firing', 'resolved') GROUP BY "
	    "namespace), "
	    "f AS (SELECT namespace, count(*) AS firing, "
	    "sum(coalesce(snoozed_by, 0) > 0) AS snoozed, min(CASE WHEN "
	    "starts_at > 0 THEN starts_at ELSE first_seen END) AS oldest FROM "
	    "alerts WHERE state = 'firing' GROUP BY namespace), "
	    "ns AS (SELECT namespace FROM e UNION SELECT namespace FROM f) "
	    "SELECT ns.namespace, coalesce(e.fired, 0) AS fired, "
	    "coalesce(e.resolved, 0) AS resolved, coalesce(f.firing, 0) AS "
	    "firing, coalesce(f.snoozed, 0), coalesce(f.oldest, 0) FROM ns "
	    "LEFT JOIN e ON e.namespace = ns.namespace "
	    "LEFT JOIN f ON f.namespace = ns.namespace "
	    "ORDER BY fired + resolved DESC, firing DESC, ns.namespace");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_digest_ns d;

		d.namespace = store_col_text(st, 0);
		d.fired = sqlite3_column_int64(st, 1);
		d.resolved = sqlite3_column_int64(st, 2);
		d.firing = sqlite3_column_int64(st, 3);
		d.snoozed = sqlite3_column_int64(st, 4);
		d.oldest_start = sqlite3_column_int64(st, 5);
		n++;
		if (cb(arg, &d) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "digest namespaces");
	return n;
}

int
store_digest_noisiest(struct store *s, int64_t from, int64_t to, size_t limit,
    int (*cb)(void *arg, const char *alertname, int64_t n, int64_t namespaces),
    void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_DIGEST_NOISIEST,
	    "SELECT alertname, count(*) AS n, count(DISTINCT namespace) FROM "
	    "events WHERE time >= ?1 AND time < ?2 AND kind = 'firing' GROUP "
	    "BY "
	    "alertname ORDER BY n DESC, alertname LIMIT ?3");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb(arg, store_col_text(st, 0), sqlite3_column_int64(st, 1),
		        sqlite3_column_int64(st, 2)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "digest noisiest");
	return n;
}

/* Runs one batched delete (?1 = before, ?2 = batch) and adds the rows it
 * removed to *count. */
static int
prune(struct store *s, enum stmt_id id, const char *sql, int64_t before,
    size_t batch, int64_t *count)
{
	if (store_exec_ii(s, id, sql, before, (int64_t)batch, "prune") != 0)
		return -1;
	*count += sqlite3_changes(s->db);
	return 0;
}

int
store_prune(struct store *s, int64_t cutoff, int64_t reopen_from,
    int64_t hours_before, size_t batch, struct store_prune *out)
{
	/* An incident that may still reopen keeps its root and mentions. */
	int64_t closed_before = cutoff < reopen_from ? cutoff : reopen_from;
	int64_t mentions = 0;

	memset(out, 0, sizeof(*out));
	if (prune(s, ST_PRUNE_EVENTS,
	        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE "
	        "time < ?1 ORDER BY time LIMIT ?2)",
	        cutoff, batch, &out->events) != 0 ||
	    prune(s, ST_PRUNE_JOBS,
	        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE "
	        "done_at IS NOT NULL AND done_at < ?1 LIMIT ?2)",
	        cutoff, batch, &out->jobs) != 0 ||
	    prune(s, ST_PRUNE_SNOOZES,
	        "DELETE FROM snoozes WHERE id IN (SELECT id FROM snoozes WHERE "
	        "coalesce(ended_at, ends_at) < ?1 LIMIT ?2)",
	        cutoff, batch, &out->snoozes) != 0 ||
	    prune(s, ST_PRUNE_HOURS,
	        "DELETE FROM fired_hourly WHERE (namespace, hour) IN (SELECT "
	        "namespace, hour FROM fired_hourly WHERE hour < ?1 LIMIT ?2)",
	        hours_before, batch, &out->hours) != 0 ||
	    prune(s, ST_PRUNE_EPISODES,
	        "DELETE FROM episodes WHERE (alert_id, starts_at) IN (SELECT "
	        "alert_id, starts_at FROM episodes WHERE first_seen < ?1 AND "
	        "resolved_at IS NOT NULL AND resolved_at < ?1 LIMIT ?2)",
	        cutoff, batch, &out->episodes) != 0 ||
	    prune(s, ST_PRUNE_ALERTS,
	        "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE "
	        "state = 'resolved' AND last_seen < ?1 LIMIT ?2)",
	        cutoff, batch, &out->alerts) != 0)
		return -1;
		/* Incidents with nothing left to send; their mention memory
		 * first (the same rows: the same query, ordered). */
#define PRUNABLE_INCIDENTS                                                     \
	"SELECT i.id FROM incidents i WHERE i.state = 'closed' AND "           \
	"i.closed_at < ?1 AND NOT EXISTS (SELECT 1 FROM messages m WHERE "     \
	"m.incident_id = i.id AND m.state IN ('queued', 'sending')) ORDER BY " \
	"i.closed_at, i.id LIMIT ?2"
	if (prune(s, ST_PRUNE_MENTIONS,
	        "DELETE FROM incident_mentions WHERE incident_id IN "
	        "(" PRUNABLE_INCIDENTS ")",
	        closed_before, batch, &mentions) != 0 ||
	    prune(s, ST_PRUNE_INCIDENTS,
	        "DELETE FROM incidents WHERE id IN (" PRUNABLE_INCIDENTS ")",
	        closed_before, batch, &out->incidents) != 0)
		return -1;
#undef PRUNABLE_INCIDENTS
	return prune(s, ST_PRUNE_MESSAGES,
	    "DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m "
	    "WHERE m.created_at < ?1 AND m.state NOT IN ('queued', 'sending') "
	    "AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.root_id = m.id) "
	    "ORDER BY m.created_at LIMIT ?2)",
	    cutoff, batch, &out->messages);
}
