/*
 * store_snooze.c: snoozes; see store_snooze.h.
 */
#include "store_int.h"
#include "store_snooze.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define SNOOZE_COLUMNS                                                         \
	"id, matchers, starts_at, ends_at, author, author_name, reason, "      \
	"created_at, coalesce(ended_at, 0), ended_by "

static void
fill(sqlite3_stmt *st, struct store_snooze *z)
{
	z->id = sqlite3_column_int64(st, 0);
	z->matchers = store_col_text(st, 1);
	z->starts_at = sqlite3_column_int64(st, 2);
	z->ends_at = sqlite3_column_int64(st, 3);
	z->author = store_col_text(st, 4);
	z->author_name = store_col_text(st, 5);
	z->reason = store_col_text(st, 6);
	z->created_at = sqlite3_column_int64(st, 7);
	z->ended_at = sqlite3_column_int64(st, 8);
	z->ended_by = store_col_text_or_null(st, 9);
}

int64_t
store_snooze_add(struct store *s, const struct snooze_spec *spec, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SNOOZE_ADD,
	    "INSERT INTO snoozes (matchers, starts_at, ends_at, author, "
	    "author_name, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
	json_t *list = json_array();
	char *text;
	int rc;

	for (size_t i = 0; i < spec->nmatchers; i++)
		json_array_append_new(list, json_string(spec->matchers[i]));
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	if (st == NULL || text == NULL) {
		free(text);
		return -1;
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, spec->starts_at);
	sqlite3_bind_int64(st, 3, spec->ends_at);
	sqlite3_bind_text(st, 4, spec->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5,
	    spec->author_name != NULL ? spec->author_name : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 6, spec->reason != NULL ? spec->reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	rc = store_exec_stmt(s, st, "snooze add");
	free(text);
	return rc == 0 ? sqlite3_last_insert_rowid(s->db) : -1;
}

int
store_snooze_end(struct store *s, int64_t id, const char *by, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SNOOZE_END,
	    "UPDATE snoozes SET ended_at = ?1, ended_by = ?2 WHERE id = ?3 AND "
	    "ended_at IS NULL AND ends_at > ?1");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (store_exec_stmt(s, st, "snooze end") != 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
store_snoozes_expire(struct store *s, int64_t now)
{
	if (store_exec_ii(s, ST_SNOOZES_EXPIRE,
	        "UPDATE snoozes SET ended_at = ends_at, ended_by = 'expired' "
	        "WHERE ended_at IS NULL AND ends_at <= ?1 AND ?2 = 0",
	        now, 0, "snoozes expire") != 0)
		return -1;
	return sqlite3_changes(s->db);
}

int
store_snoozes_each(struct store *s, int all, size_t limit,
    int (*cb)(void *arg, const struct store_snooze *z), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_SNOOZES_LIST,
	    "SELECT " SNOOZE_COLUMNS "FROM snoozes WHERE ?1 = 1 OR ended_at "
	    "IS NULL ORDER BY id DESC LIMIT ?2");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_snooze z;
		fill(st, &z);
		n++;
		if (cb(arg, &z) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "snoozes");
	return n;
}

int
store_snooze_get(struct store *s, int64_t id, struct store_snooze *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SNOOZE_GET,
	    "SELECT " SNOOZE_COLUMNS "FROM snoozes WHERE id = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct store_snooze z;
		const char **f[] = {&out->matchers, &out->author,
		    &out->author_name, &out->reason, &out->ended_by};
		size_t off[5];
		const char *src[5];
		fill(st, &z);
		*out = z;
		src[0] = z.matchers;
		src[1] = z.author;
		src[2] = z.author_name;
		src[3] = z.reason;
		src[4] = z.ended_by;
		/* Copied and reset at once (see one_incident). */
		buf_reset(&s->snooze_row);
		for (int i = 0; i < 5; i++) {
			off[i] = (size_t)-1;
			if (src[i] == NULL)
				continue;
			off[i] = s->snooze_row.len;
			buf_add(&s->snooze_row, src[i], strlen(src[i]) + 1);
		}
		for (int i = 0; i < 5; i++)
			*f[i] = off[i] == (size_t)-1
			    ? NULL
			    : s->snooze_row.data + off[i];
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "snooze");
	return rc == SQLITE_ROW;
}

int
store_alerts_firing_each(struct store *s,
    int (*cb)(void *arg, const char *id, const char *labels,
        int64_t incident_id, int64_t snoozed_by),
    void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERTS_FIRING_EACH,
	    "SELECT id, labels, coalesce(incident_id, 0), coalesce(snoozed_by, "
	    "0) FROM alerts WHERE state = 'firing'");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb(arg, store_col_text(st, 0), store_col_text(st, 1),
		        sqlite3_column_int64(st, 2),
		        sqlite3_column_int64(st, 3)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "firing alerts");
	return n;
}

int
store_alert_set_snoozed(struct store *s, const char *id, int64_t snooze)
{
	sqlite3_stmt *st = store_stmt(s, ST_ALERT_SET_SNOOZED,
	    "UPDATE alerts SET snoozed_by = CASE WHEN ?1 > 0 THEN ?1 END WHERE "
	    "id = ?2");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, snooze);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return store_exec_stmt(s, st, "alert snoozed");
}

int
store_incident_set_snoozed(struct store *s, int64_t id, int snoozed)
{
	return store_exec_ii(s, ST_INCIDENT_SET_SNOOZED,
	    "UPDATE incidents SET snoozed = ?1 WHERE id = ?2", snoozed, id,
	    "incident snoozed");
}
