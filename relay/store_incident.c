/*
 * store_incident.c: incidents; see store.h.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define INCIDENT_COLUMNS                                                       \
	"id, key, namespace, alertname, labels, state = 'open', channel, "     \
	"severity, opened_at, coalesce(closed_at, 0), changed_at, "            \
	"coalesce(root_id, 0), slack_channel, slack_ts, "                      \
	"coalesce(last_visible, 0), coalesce(last_update, 0), stale, "         \
	"truncated, silent, coalesce(remind_every, -1), snoozed "

static void
fill_incident(sqlite3_stmt *st, struct store_incident *i)
{
	i->id = sqlite3_column_int64(st, 0);
	i->key = store_col_text(st, 1);
	i->namespace = store_col_text(st, 2);
	i->alertname = store_col_text(st, 3);
	i->labels = store_col_text(st, 4);
	i->open = sqlite3_column_int(st, 5);
	i->channel = store_col_text(st, 6);
	i->severity = store_col_text(st, 7);
	i->opened_at = sqlite3_column_int64(st, 8);
	i->closed_at = sqlite3_column_int64(st, 9);
	i->changed_at = sqlite3_column_int64(st, 10);
	i->root_id = sqlite3_column_int64(st, 11);
	i->slack_channel = store_col_text_or_null(st, 12);
	i->slack_ts = store_col_text_or_null(st, 13);
	i->last_visible = sqlite3_column_int64(st, 14);
	i->last_update = sqlite3_column_int64(st, 15);
	i->stale = sqlite3_column_int(st, 16);
	i->truncated = sqlite3_column_int64(st, 17);
	i->silent = sqlite3_column_int(st, 18);
	i->remind_every = sqlite3_column_int64(st, 19);
	i->snoozed = sqlite3_column_int(st, 20);
}

/* Calls cb for each row of st (incident columns), then resets st. */
static int
each_incident(struct store *s, sqlite3_stmt *st,
    int (*cb)(void *arg, const struct store_incident *i), void *arg,
    const char *what)
{
	int n = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_incident i;
		fill_incident(st, &i);
		n++;
		if (cb(arg, &i) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, what);
	return n;
}

/*
 * Steps a statement expected to give at most one incident row, copies the
 * row's strings into the store's own buffer (valid until the next
 * store_incident_get or _find) and resets the statement at once: a
 * statement left mid-row holds a read snapshot that keeps the WAL from
 * being checkpointed.
 */
static int
one_incident(struct store *s, sqlite3_stmt *st, struct store_incident *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		struct store_incident tmp;
		const char **fields[] = {&out->key, &out->namespace,
		    &out->alertname, &out->labels, &out->channel,
		    &out->severity, &out->slack_channel, &out->slack_ts};
		const char **from[] = {&tmp.key, &tmp.namespace, &tmp.alertname,
		    &tmp.labels, &tmp.channel, &tmp.severity,
		    &tmp.slack_channel, &tmp.slack_ts};
		size_t offs[8];

		fill_incident(st, &tmp);
		*out = tmp;
		buf_reset(&s->row);
		for (size_t i = 0; i < 8; i++) {
			if (*from[i] == NULL) {
				offs[i] = (size_t)-1;
				continue;
			}
			offs[i] = s->row.len;
			buf_add(&s->row, *from[i], strlen(*from[i]) + 1);
		}
		/* Pointers only after the last append: it may move. */
		for (size_t i = 0; i < 8; i++)
			*fields[i] = offs[i] == (size_t)-1
			    ? NULL
			    : s->row.data + offs[i];
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, "incident");
}

int
store_incident_find(struct store *s, const char *key, int64_t closed_since,
    struct store_incident *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_FIND,
	    "SELECT " INCIDENT_COLUMNS "FROM incidents WHERE key = ?1 AND "
	    "(state = 'open' OR closed_at >= ?2) ORDER BY state = 'open' DESC, "
	    "closed_at DESC LIMIT 1");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, closed_since);
	return one_incident(s, st, out);
}

int
store_incident_get(struct store *s, int64_t id, struct store_incident *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_GET,
	    "SELECT " INCIDENT_COLUMNS "FROM incidents WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return one_incident(s, st, out);
}

int64_t
store_incident_create(struct store *s, const char *key, const char *ns,
    const char *alertname, const char *labels_json, const char *channel,
    const char *severity, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_CREATE,
	    "INSERT INTO incidents (key, namespace, alertname, labels, state, "
	    "channel, severity, opened_at, changed_at) VALUES (?, ?, ?, ?, "
	    "'open', ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, alertname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, labels_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	if (store_exec_stmt(s, st, "incident create") != 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int
store_incident_reopen(struct store *s, int64_t id, int64_t now)
{
	return store_exec_ii(s, ST_INCIDENT_REOPEN,
	    "UPDATE incidents SET state = 'open', closed_at = NULL, stale = 0, "
	    "changed_at = ? WHERE id = ?",
	    now, id, "incident reopen");
}

int
store_incident_close(struct store *s, int64_t id, int64_t now, int stale)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_CLOSE,
	    "UPDATE incidents SET state = 'closed', closed_at = ?1, "
	    "changed_at = ?1, stale = ?2 WHERE id = ?3");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, stale);
	sqlite3_bind_int64(st, 3, id);
	return store_exec_stmt(s, st, "incident close");
}

int
store_incident_set_root(struct store *s, int64_t id, int64_t root_id)
{
	return store_exec_ii(s, ST_INCIDENT_SET_ROOT,
	    "UPDATE incidents SET root_id = ? WHERE id = ?", root_id, id,
	    "incident root");
}

int
store_incident_set_last_update(struct store *s, int64_t id, int64_t at)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_SET_LAST_UPDATE,
	    "UPDATE incidents SET last_update = ?, "
	    "changed_at = ? WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, id);
	return store_exec_stmt(s, st, "incident last update");
}

int
store_incident_set_truncated(struct store *s, int64_t id, int64_t n)
{
	return store_exec_ii(s, ST_INCIDENT_SET_TRUNCATED,
	    "UPDATE incidents SET truncated = ? WHERE id = ?", n, id,
	    "incident truncated");
}

int
store_incident_firing(struct store *s, int64_t id, int *firing, int *unsnoozed)
{
	/* From the counts the triggers of migration 0009 keep (snoozed_by
	 * is NULL or a snooze id, never 0). */
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_FIRING,
	    "SELECT n_firing > 0, n_firing > n_snoozed FROM incidents WHERE "
	    "id = ?1");
	int rc;

	*firing = *unsnoozed = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*firing = sqlite3_column_int(st, 0);
		*unsnoozed = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	    ? 0
	    : store_fail(s, "incident firing");
}

#ifdef STORE_CHECK_COUNTS
/* Debug builds (the test suite): the kept counts must equal a count over
 * the alerts, or the process aborts where the drift is first seen. */
static int
check_counts(
    struct store *s, int64_t id, const struct store_incident_counts *kept)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_COUNTS_CHECK,
	    "SELECT coalesce(sum(state = 'firing'), 0), "
	    "coalesce(sum(state = 'resolved'), 0), coalesce(sum(stale), 0), "
	    "coalesce(sum(state = 'firing' AND snoozed_by IS NOT NULL), 0) "
	    "FROM alerts WHERE incident_id = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    (sqlite3_column_int64(st, 0) != kept->firing ||
	        sqlite3_column_int64(st, 1) != kept->resolved ||
	        sqlite3_column_int64(st, 2) != kept->stale ||
	        sqlite3_column_int64(st, 3) != kept->snoozed)) {
		fprintf(stderr,
		    "incident %lld counts kept %lld/%lld/%lld/%lld, counted "
		    "%lld/%lld/%lld/%lld\n",
		    (long long)id, (long long)kept->firing,
		    (long long)kept->resolved, (long long)kept->stale,
		    (long long)kept->snoozed,
		    (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3));
		abort();
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "incident counts");
}
#endif

int
store_incident_counts(
    struct store *s, int64_t id, struct store_incident_counts *out)
{
	/* Kept on the row by the triggers of migration 0009. */
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_COUNTS,
	    "SELECT n_firing, n_resolved, n_stale, n_snoozed FROM incidents "
	    "WHERE id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->firing = sqlite3_column_int64(st, 0);
		out->resolved = sqlite3_column_int64(st, 1);
		out->stale = sqlite3_column_int64(st, 2);
		out->snoozed = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0; /* no such incident: no alerts */
	if (rc != SQLITE_ROW)
		return store_fail(s, "incident counts");
#ifdef STORE_CHECK_COUNTS
	if (check_counts(s, id, out) != 0)
		return -1;
#endif
	return 0;
}

int
store_incidents_list(struct store *s, const struct store_incident_filter *f,
    int (*cb)(void *arg, const struct store_incident *i), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENTS_LIST,
	    "SELECT " INCIDENT_COLUMNS "FROM incidents WHERE (?1 IS NULL OR "
	    "namespace = ?1) AND (?2 < 0 OR (state = 'open') = ?2) "
	    "ORDER BY changed_at DESC, id DESC LIMIT ?3");

	if (st == NULL)
		return -1;
	if (f->namespace != NULL)
		sqlite3_bind_text(st, 1, f->namespace, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, f->state);
	sqlite3_bind_int64(st, 3, (int64_t)f->limit);
	return each_incident(s, st, cb, arg, "incidents list");
}

int
store_incident_set_slack(
    struct store *s, int64_t id, const char *channel, const char *ts)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_SET_SLACK,
	    "UPDATE incidents SET slack_channel = ?, slack_ts = ? WHERE id = "
	    "?");

	if (st == NULL)
		return -1;
	if (channel != NULL)
		sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	if (ts != NULL)
		sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	return store_exec_stmt(s, st, "incident slack");
}

int
store_incident_set_channel(struct store *s, int64_t id, const char *channel)
{
	return store_exec_ti(s, ST_INCIDENT_SET_CHANNEL,
	    "UPDATE incidents SET channel = ? WHERE id = ?", channel, id,
	    "incident channel");
}

int
store_incident_set_silent(struct store *s, int64_t id, int silent)
{
	return store_exec_ii(s, ST_INCIDENT_SET_SILENT,
	    "UPDATE incidents SET silent = ?1 WHERE id = ?2", silent, id,
	    "incident silent");
}

int
store_incident_set_remind(struct store *s, int64_t id, int64_t ms)
{
	return store_exec_ii(s, ST_INCIDENT_SET_REMIND,
	    "UPDATE incidents SET remind_every = CASE WHEN ?1 < 0 THEN NULL "
	    "ELSE ?1 END WHERE id = ?2",
	    ms, id, "incident remind");
}

int64_t
store_incidents_open_count(struct store *s)
{
	return store_scalar(s, ST_INCIDENTS_OPEN_COUNT,
	    "SELECT count(*) FROM incidents WHERE state = 'open'",
	    "incidents open");
}

int
store_incidents_remind_due(struct store *s, int64_t now, int64_t default_every,
    size_t limit, int (*cb)(void *arg, const struct store_incident *i),
    void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENTS_REMIND_DUE,
	    "SELECT " INCIDENT_COLUMNS "FROM incidents i WHERE state = 'open' "
	    "AND silent = 0 AND snoozed = 0 AND root_id IS NOT NULL AND "
	    "coalesce(remind_every, ?2) > 0 AND max(coalesce(last_visible, 0), "
	    "opened_at) + coalesce(remind_every, ?2) <= ?1 AND EXISTS (SELECT "
	    "1 "
	    "FROM messages m WHERE m.id = i.root_id AND m.state IN ('posted', "
	    "'preview')) ORDER BY id LIMIT ?3");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, default_every);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	return each_incident(s, st, cb, arg, "reminders due");
}

int
store_incident_set_visible(struct store *s, int64_t id, int64_t at)
{
	return store_exec_ii(s, ST_INCIDENT_SET_VISIBLE,
	    "UPDATE incidents SET last_visible = ?1 WHERE id = ?2", at, id,
	    "incident visible");
}
