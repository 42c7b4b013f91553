/*
 * store_rule.c: rules, meta and incident mentions; see store_rule.h.
 */
#include "store_int.h"
#include "store_rule.h"

#include <string.h>

int
store_rules_each(struct store *s,
    int (*cb)(void *arg, const char *name, const char *body), void *arg)
{
	sqlite3_stmt *st = store_stmt(
	    s, ST_RULES_LIST, "SELECT name, body FROM rules ORDER BY name");
	int n = 0, rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb(arg, store_col_text(st, 0), store_col_text(st, 1)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "rules");
	return n;
}

int
store_rule_put(struct store *s, const char *name, const char *body, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_RULE_PUT,
	    "INSERT OR REPLACE INTO rules (name, body, updated_at) VALUES "
	    "(?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return store_exec_stmt(s, st, "rule put");
}

int
store_rule_delete(struct store *s, const char *name)
{
	sqlite3_stmt *st =
	    store_stmt(s, ST_RULE_DELETE, "DELETE FROM rules WHERE name = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (store_exec_stmt(s, st, "rule delete") != 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
store_rules_clear(struct store *s)
{
	return store_exec_stmt(s,
	    store_stmt(s, ST_RULES_CLEAR, "DELETE FROM rules"), "rules clear");
}

int
store_meta_get(struct store *s, const char *key, struct buf *out)
{
	sqlite3_stmt *st =
	    store_stmt(s, ST_META_GET, "SELECT value FROM meta WHERE key = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		buf_adds(out, store_col_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "meta");
	return rc == SQLITE_ROW;
}

int
store_meta_put(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_stmt(s, ST_META_PUT,
	    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_exec_stmt(s, st, "meta put");
}

int
store_mentioned(struct store *s, int64_t incident_id, const char *target)
{
	sqlite3_stmt *st = store_stmt(s, ST_MENTIONED_GET,
	    "SELECT 1 FROM incident_mentions WHERE incident_id = ? AND target "
	    "= ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "mentioned");
	return rc == SQLITE_ROW;
}

int
store_mention_put(struct store *s, int64_t incident_id, const char *target,
    const char *rules_json, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_MENTIONED_PUT,
	    "INSERT OR IGNORE INTO incident_mentions (incident_id, target, "
	    "first_at, rules) VALUES (?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, rules_json, -1, SQLITE_STATIC);
	return store_exec_stmt(s, st, "mention put");
}

int
store_mentions_of(struct store *s, int64_t incident_id, json_t *targets)
{
	sqlite3_stmt *st = store_stmt(s, ST_MENTIONS_OF,
	    "SELECT target, rules FROM incident_mentions WHERE incident_id = ? "
	    "ORDER BY first_at, target");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, incident_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *v = json_loads(store_col_text(st, 1), 0, NULL);
		json_object_set_new(targets, store_col_text(st, 0),
		    v != NULL ? v : json_object());
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "mentions of");
	return 0;
}
