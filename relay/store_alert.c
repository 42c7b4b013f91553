/*
 * store_alert.c: jobs, alerts and episodes; see store.h.
 */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "util.h"

int64_t
store_job_add(struct store *s, const struct store_job *j)
{
	sqlite3_stmt *st = store_stmt(s, ST_JOB_ADD,
	    "INSERT INTO jobs (received_at, source, group_key, "
	    "nalerts, truncated, body) VALUES (?, ?, ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, j->received_at);
	sqlite3_bind_text(
	    st, 2, alert_source_name(j->source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->group_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)j->nalerts);
	sqlite3_bind_int64(st, 5, (int64_t)j->truncated);
	sqlite3_bind_text(st, 6, j->body, (int)j->body_len, SQLITE_STATIC);
	if (store_exec_stmt(s, st, "job add") != 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int
store_jobs_pending(struct store *s, size_t limit,
    int (*cb)(void *arg, const struct store_job *j), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_JOBS_PENDING,
	    "SELECT id, received_at, source, group_key, nalerts, "
	    "truncated, body FROM jobs WHERE done_at IS NULL "
	    "ORDER BY id LIMIT ?");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_job j;
		const char *src = (const char *)sqlite3_column_text(st, 2);

		memset(&j, 0, sizeof(j));
		j.id = sqlite3_column_int64(st, 0);
		j.received_at = sqlite3_column_int64(st, 1);
		if (src == NULL || alert_source_parse(src, &j.source) != 0)
			j.source = ALERT_SRC_GRAFANA;
		j.group_key = (const char *)sqlite3_column_text(st, 3);
		j.nalerts = (size_t)sqlite3_column_int64(st, 4);
		j.truncated = (uint64_t)sqlite3_column_int64(st, 5);
		j.body = (const char *)sqlite3_column_text(st, 6);
		j.body_len = (size_t)sqlite3_column_bytes(st, 6);
		if (j.group_key == NULL)
			j.group_key = "";
		if (j.body == NULL)
			j.body = "";
		n++;
		if (cb(arg, &j) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "jobs pending");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return n;
}

int
store_job_done(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(
	    s, ST_JOB_DONE, "UPDATE jobs SET done_at = ? WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return store_exec_stmt(s, st, "job done");
}

int64_t
store_jobs_pending_count(struct store *s)
{
	return store_scalar(s, ST_JOBS_PENDING_COUNT,
	    "SELECT count(*) FROM jobs WHERE done_at IS NULL", "jobs pending");
}

int
store_alert_prev(struct store *s, const char *id, struct store_alert_prev *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERT_PREV,
	    "SELECT a.state, a.starts_at, a.notifications, "
	    "coalesce(a.incident_id, 0), a.first_seen, coalesce(i.state = "
	    "'open', 0) FROM alerts a LEFT JOIN incidents i ON i.id = "
	    "a.incident_id WHERE a.id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		out->found = 1;
		out->firing = state != NULL && strcmp(state, "firing") == 0;
		out->starts_at = sqlite3_column_int64(st, 1);
		out->notifications = sqlite3_column_int64(st, 2);
		out->incident_id = sqlite3_column_int64(st, 3);
		out->first_seen = sqlite3_column_int64(st, 4);
		out->incident_open = sqlite3_column_int(st, 5);
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "alert prev");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/* A sorted key/value list as a JSON object. */
static void
kv_json(struct buf *b, const struct kvlist *l)
{
	buf_addc(b, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_addc(b, '"');
		buf_json_esc(b, l->v[i].key, strlen(l->v[i].key));
		buf_add(b, "\":\"", 3);
		buf_json_esc(b, l->v[i].value, strlen(l->v[i].value));
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
}

int
store_alert_put(struct store *s, const char *id, enum alert_source src,
    const char *group_key, const struct alert *a, int64_t now,
    int64_t first_seen, int64_t notifications, int64_t incident_id, int stale,
    int64_t snoozed_by)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERT_PUT,
	    "INSERT INTO alerts (id, source, org_id, fingerprint, "
	    "group_key, namespace, alertname, state, stale, labels, "
	    "annotations, "
	    "vals, value_string, generator_url, silence_url, dashboard_url, "
	    "panel_url, image_url, starts_at, ends_at, first_seen, last_seen, "
	    "notifications, incident_id, snoozed_by) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    /* An upsert, not a replace: the incident count triggers see an
	     * update (a replace's delete fires no trigger). */
	    "ON CONFLICT (id) DO UPDATE SET source = excluded.source, org_id = "
	    "excluded.org_id, fingerprint = excluded.fingerprint, group_key = "
	    "excluded.group_key, namespace = excluded.namespace, alertname = "
	    "excluded.alertname, state = excluded.state, stale = "
	    "excluded.stale, labels = excluded.labels, annotations = "
	    "excluded.annotations, vals = excluded.vals, value_string = "
	    "excluded.value_string, generator_url = excluded.generator_url, "
	    "silence_url = excluded.silence_url, dashboard_url = "
	    "excluded.dashboard_url, panel_url = excluded.panel_url, image_url "
	    "= excluded.image_url, starts_at = excluded.starts_at, ends_at = "
	    "excluded.ends_at, first_seen = excluded.first_seen, last_seen = "
	    "excluded.last_seen, notifications = excluded.notifications, "
	    "incident_id = excluded.incident_id, snoozed_by = "
	    "excluded.snoozed_by");
	struct buf labels = BUF_INIT, annotations = BUF_INIT, vals = BUF_INIT;
	int rc;

	if (st == NULL)
		return -1;
	kv_json(&labels, &a->labels);
	kv_json(&annotations, &a->annotations);
	if (a->values != NULL) {
		buf_addc(&vals, '{');
		for (size_t i = 0; i < a->nvalues; i++) {
			buf_printf(&vals, "%s\"", i > 0 ? "," : "");
			buf_json_esc(
			    &vals, a->values[i].ref, strlen(a->values[i].ref));
			if (isfinite(a->values[i].v))
				buf_printf(&vals, "\":%.17g", a->values[i].v);
			else
				buf_adds(&vals, "\":null");
		}
		buf_addc(&vals, '}');
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, alert_source_name(src), -1, SQLITE_STATIC);
	if (a->has_org)
		sqlite3_bind_int64(st, 3, a->org_id);
	sqlite3_bind_text(st, 4, a->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, group_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->namespace, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->alertname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8,
	    a->status == ALERT_FIRING ? "firing" : "resolved", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 9, stale);
	sqlite3_bind_text(
	    st, 10, buf_str(&labels), (int)labels.len, SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 11, buf_str(&annotations), (int)annotations.len, SQLITE_STATIC);
	if (a->values != NULL)
		sqlite3_bind_text(
		    st, 12, buf_str(&vals), (int)vals.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, a->value_string, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, a->generator_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, a->silence_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, a->dashboard_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, a->panel_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, a->image_url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 19, a->starts_at);
	sqlite3_bind_int64(st, 20, a->ends_at);
	sqlite3_bind_int64(st, 21, first_seen);
	sqlite3_bind_int64(st, 22, now);
	sqlite3_bind_int64(st, 23, notifications);
	if (incident_id > 0)
		sqlite3_bind_int64(st, 24, incident_id);
	if (snoozed_by > 0)
		sqlite3_bind_int64(st, 25, snoozed_by);
	rc = store_exec_stmt(s, st, "alert put");
	buf_free(&labels);
	buf_free(&annotations);
	buf_free(&vals);
	return rc;
}

int
store_episode_start(
    struct store *s, const char *alert_id, int64_t starts_at, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_EPISODE_START,
	    "INSERT OR IGNORE INTO episodes (alert_id, "
	    "starts_at, first_seen) VALUES (?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, starts_at);
	sqlite3_bind_int64(st, 3, now);
	return store_exec_stmt(s, st, "episode start");
}

int
store_episode_end(struct store *s, const char *alert_id, int64_t at)
{
	sqlite3_stmt *st = store_stmt(s, ST_EPISODE_END,
	    "UPDATE episodes SET resolved_at = ? WHERE alert_id = "
	    "? AND resolved_at IS NULL");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, alert_id, -1, SQLITE_STATIC);
	return store_exec_stmt(s, st, "episode end");
}

int64_t
store_episode_count(struct store *s, const char *alert_id, int64_t since)
{
	sqlite3_stmt *st = store_stmt(s, ST_EPISODE_COUNT,
	    "SELECT count(*) FROM episodes WHERE alert_id = ? "
	    "AND first_seen >= ?");
	int64_t n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* The columns of a store_alert_row, in fill_row's order; ?1 is the
 * fires window. */
#define ALERT_COLUMNS                                                          \
	"a.id, a.source, a.namespace, a.alertname, a.state, a.stale, "         \
	"a.labels, a.annotations, a.vals, a.value_string, a.starts_at, "       \
	"a.ends_at, a.last_seen, coalesce(a.incident_id, 0), "                 \
	"(SELECT count(*) FROM episodes e WHERE e.alert_id = a.id AND "        \
	"e.first_seen >= ?1), a.fingerprint, a.generator_url, a.silence_url, " \
	"a.dashboard_url, a.panel_url, a.image_url, a.notifications, "         \
	"coalesce(a.snoozed_by, 0) "

static void
fill_row(sqlite3_stmt *st, struct store_alert_row *r)
{
	r->id = store_col_text(st, 0);
	r->source = store_col_text(st, 1);
	r->namespace = store_col_text(st, 2);
	r->alertname = store_col_text(st, 3);
	r->state = store_col_text(st, 4);
	r->stale = sqlite3_column_int(st, 5);
	r->labels = store_col_text(st, 6);
	r->annotations = store_col_text(st, 7);
	r->vals = store_col_text_or_null(st, 8);
	r->value_string = store_col_text(st, 9);
	r->starts_at = sqlite3_column_int64(st, 10);
	r->ends_at = sqlite3_column_int64(st, 11);
	r->last_seen = sqlite3_column_int64(st, 12);
	r->incident_id = sqlite3_column_int64(st, 13);
	r->fires = sqlite3_column_int64(st, 14);
	r->fingerprint = store_col_text(st, 15);
	r->generator_url = store_col_text(st, 16);
	r->silence_url = store_col_text(st, 17);
	r->dashboard_url = store_col_text(st, 18);
	r->panel_url = store_col_text(st, 19);
	r->image_url = store_col_text(st, 20);
	r->notifications = sqlite3_column_int64(st, 21);
	r->snoozed_by = sqlite3_column_int64(st, 22);
}

/* Steps st, calling cb per row; resets st. Returns rows visited or -1. */
static int
each_alert_row(struct store *s, sqlite3_stmt *st,
    int (*cb)(void *arg, const struct store_alert_row *r), void *arg)
{
	int n = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_alert_row r;
		fill_row(st, &r);
		n++;
		if (cb(arg, &r) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "alerts");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return n;
}

int
store_alerts_list(struct store *s, const struct store_alert_filter *f,
    int (*cb)(void *arg, const struct store_alert_row *r), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERTS_LIST,
	    "SELECT " ALERT_COLUMNS "FROM alerts a WHERE (?2 IS NULL OR "
	    "a.namespace = ?2) AND (?3 IS NULL OR a.state = ?3 OR (?3 = "
	    "'snoozed' AND a.state = 'firing' AND a.snoozed_by IS NOT NULL)) "
	    "ORDER BY a.last_seen DESC, a.id LIMIT ?4");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, f->fires_since);
	if (f->namespace != NULL)
		sqlite3_bind_text(st, 2, f->namespace, -1, SQLITE_STATIC);
	if (f->state != NULL)
		sqlite3_bind_text(st, 3, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)f->limit);
	return each_alert_row(s, st, cb, arg);
}

int
store_incident_alerts(struct store *s, int64_t incident_id, size_t limit,
    int (*cb)(void *arg, const struct store_alert_row *r), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_ALERTS,
	    "SELECT " ALERT_COLUMNS "FROM alerts a WHERE a.incident_id = ?2 "
	    /* 'firing' sorts before 'resolved': the index's order. */
	    "ORDER BY a.state, a.starts_at DESC, a.id LIMIT ?3");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, 0);
	sqlite3_bind_int64(st, 2, incident_id);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	return each_alert_row(s, st, cb, arg);
}

int
store_alerts_firing_in_group(struct store *s, enum alert_source src,
    const char *group_key, int (*cb)(void *arg, const char *id), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERTS_FIRING_IN_GROUP,
	    "SELECT id FROM alerts WHERE source = ? AND group_key = ? AND "
	    "state = 'firing'");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, alert_source_name(src), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group_key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb(arg, store_col_text(st, 0)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "firing in group");
	return n;
}

int
store_alerts_stale(struct store *s, int64_t before, size_t limit,
    int (*cb)(void *arg, const char *id, int64_t incident_id), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERTS_STALE,
	    "SELECT id, coalesce(incident_id, 0) FROM alerts WHERE "
	    "state = 'firing' AND last_seen < ? LIMIT ?");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb(arg, store_col_text(st, 0),
		        sqlite3_column_int64(st, 1)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "stale alerts");
	return n;
}

int
store_alert_resolve(struct store *s, const char *id, int64_t at, int stale)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERT_RESOLVE,
	    "UPDATE alerts SET state = 'resolved', ends_at = ?, stale = ? "
	    "WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int(st, 2, stale);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	return store_exec_stmt(s, st, "alert resolve");
}
