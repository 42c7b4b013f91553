/*
 * store_message.c: the outbox of Slack messages; see store.h.
 */
#include "store_int.h"

#include <string.h>

#define MESSAGE_COLUMNS                                                        \
	"m.id, coalesce(m.incident_id, 0), m.kind, m.template, m.channel, "    \
	"coalesce(m.thread_of, 0), m.detail, m.text, m.blocks, m.mentions, "   \
	"m.state, m.priority, m.broadcast, m.created_at, m.not_before, "       \
	"m.attempts, coalesce(m.next_attempt, 0), coalesce(m.posted_at, 0), "  \
	"m.slack_channel, m.ts, m.error, m.plain "

static void
fill_message(sqlite3_stmt *st, struct store_message *m)
{
	m->id = sqlite3_column_int64(st, 0);
	m->incident_id = sqlite3_column_int64(st, 1);
	m->kind = store_col_text(st, 2);
	m->template = store_col_text(st, 3);
	m->channel = store_col_text(st, 4);
	m->thread_of = sqlite3_column_int64(st, 5);
	m->detail = store_col_text(st, 6);
	m->text = store_col_text(st, 7);
	m->blocks = store_col_text(st, 8);
	m->mentions = store_col_text(st, 9);
	m->state = store_col_text(st, 10);
	m->priority = sqlite3_column_int(st, 11);
	m->broadcast = sqlite3_column_int(st, 12);
	m->created_at = sqlite3_column_int64(st, 13);
	m->not_before = sqlite3_column_int64(st, 14);
	m->attempts = sqlite3_column_int(st, 15);
	m->next_attempt = sqlite3_column_int64(st, 16);
	m->posted_at = sqlite3_column_int64(st, 17);
	m->slack_channel = store_col_text_or_null(st, 18);
	m->ts = store_col_text_or_null(st, 19);
	m->error = store_col_text_or_null(st, 20);
	m->plain = sqlite3_column_int(st, 21);
	/* The sendable query adds the root's channel id and ts. */
	m->root_channel = m->root_ts = NULL;
	if (sqlite3_column_count(st) >= 24) {
		m->root_channel = store_col_text_or_null(st, 22);
		m->root_ts = store_col_text_or_null(st, 23);
	}
}

static int
each_message(struct store *s, sqlite3_stmt *st,
    int (*cb)(void *arg, const struct store_message *m), void *arg)
{
	int n = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_message m;
		fill_message(st, &m);
		n++;
		if (cb(arg, &m) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "messages");
	return n;
}

int64_t
store_message_add(struct store *s, const struct store_message *m)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_ADD,
	    "INSERT INTO messages (incident_id, kind, template, channel, "
	    "thread_of, detail, mentions, state, priority, broadcast, "
	    "created_at, not_before, text, blocks) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, 'queued', ?, ?, ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	if (m->incident_id > 0)
		sqlite3_bind_int64(st, 1, m->incident_id);
	sqlite3_bind_text(st, 2, m->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->template, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->channel, -1, SQLITE_STATIC);
	if (m->thread_of > 0)
		sqlite3_bind_int64(st, 5, m->thread_of);
	sqlite3_bind_text(
	    st, 6, m->detail != NULL ? m->detail : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 7, m->mentions != NULL ? m->mentions : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, m->priority);
	sqlite3_bind_int(st, 9, m->broadcast);
	sqlite3_bind_int64(st, 10, m->created_at);
	sqlite3_bind_int64(st, 11, m->not_before);
	sqlite3_bind_text(
	    st, 12, m->text != NULL ? m->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 13, m->blocks != NULL ? m->blocks : "[]", -1, SQLITE_STATIC);
	if (store_exec_stmt(s, st, "message add") != 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int64_t
store_message_update_root(struct store *s, int64_t incident_id, int64_t root_id,
    const char *channel, int64_t not_before, int64_t now, int *collapsed)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_FIND_UPDATE,
	    "SELECT id, not_before FROM messages WHERE thread_of = ? AND "
	    "kind = 'update' AND state = 'queued' LIMIT 1");
	struct store_message m;
	int64_t id = 0, nb = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, root_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		nb = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "find update");
	*collapsed = id > 0;
	if (id > 0) {
		if (not_before >= nb)
			return id;
		st = store_stmt(s, ST_MESSAGE_SET_NOT_BEFORE,
		    "UPDATE messages SET not_before = ? WHERE id = ?");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, not_before);
		sqlite3_bind_int64(st, 2, id);
		return store_exec_stmt(s, st, "update not_before") == 0 ? id
		                                                        : -1;
	}
	memset(&m, 0, sizeof(m));
	m.incident_id = incident_id;
	m.kind = "update";
	m.template = "root";
	m.channel = channel;
	m.thread_of = root_id;
	m.created_at = now;
	m.not_before = not_before;
	return store_message_add(s, &m);
}

int
store_message_merge_joined(struct store *s, int64_t root_id, int64_t count)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_MERGE_JOINED,
	    "UPDATE messages SET detail = json_set(detail, '$.count', "
	    "coalesce(json_extract(detail, '$.count'), 0) + ?2) WHERE id = "
	    "(SELECT id FROM messages WHERE thread_of = ?1 AND kind = 'reply' "
	    "AND state IN ('queued', 'sending') ORDER BY id DESC LIMIT 1) AND "
	    "state = 'queued' AND json_extract(detail, '$.event') = 'joined'");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, root_id);
	sqlite3_bind_int64(st, 2, count);
	if (store_exec_stmt(s, st, "merge joined") != 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
store_messages_due(struct store *s, int64_t now, size_t limit,
    int (*cb)(void *arg, const struct store_message *m), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGES_DUE,
	    "SELECT " MESSAGE_COLUMNS "FROM messages m WHERE m.state = "
	    "'queued' AND m.not_before <= ? ORDER BY m.priority DESC, m.id "
	    "LIMIT ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	return each_message(s, st, cb, arg);
}

int64_t
store_messages_next_due(struct store *s)
{
	return store_scalar(s, ST_MESSAGES_NEXT_DUE,
	    "SELECT coalesce(min(not_before), 0) FROM messages WHERE state = "
	    "'queued'",
	    "next due");
}

int
store_message_rendered(struct store *s, int64_t id, const char *text,
    const char *blocks, const char *mentions, const char *state,
    const char *error, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_RENDERED,
	    "UPDATE messages SET text = ?, blocks = ?, mentions = ?, state = "
	    "?, "
	    "posted_at = CASE WHEN ?4 = 'preview' THEN ?5 ELSE posted_at END, "
	    "error = ?7 WHERE id = ?6");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, blocks, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, mentions, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, id);
	if (error != NULL)
		sqlite3_bind_text(st, 7, error, -1, SQLITE_STATIC);
	return store_exec_stmt(s, st, "message rendered");
}

int
store_messages_list(struct store *s, const struct store_message_filter *f,
    int (*cb)(void *arg, const struct store_message *m), void *arg)
{
	/* A namespace's messages through its incidents (incidents_ns,
	 * messages_incident): not a walk of every message kept. */
	sqlite3_stmt *st = f->namespace == NULL
	    ? store_stmt(s, ST_MESSAGES_LIST,
	          "SELECT " MESSAGE_COLUMNS "FROM messages m ORDER BY m.id "
	          "DESC LIMIT ?2")
	    : store_stmt(s, ST_MESSAGES_LIST_NS,
	          "SELECT " MESSAGE_COLUMNS "FROM messages m WHERE "
	          "m.incident_id IN (SELECT id FROM incidents WHERE namespace "
	          "= ?1) ORDER BY m.id DESC LIMIT ?2");

	if (st == NULL)
		return -1;
	if (f->namespace != NULL)
		sqlite3_bind_text(st, 1, f->namespace, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)f->limit);
	return each_message(s, st, cb, arg);
}

int
store_message_queued(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_IS_QUEUED,
	    "SELECT state = 'queued' FROM messages WHERE id = ?");
	int rc, q = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		q = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "message state");
	return q;
}

int
store_incident_root(
    struct store *s, int64_t incident_id, int64_t *root, int *failed)
{
	sqlite3_stmt *st = store_stmt(s, ST_INCIDENT_ROOT_STATE,
	    "SELECT i.root_id, COALESCE(m.state = 'failed', 0) FROM incidents "
	    "i LEFT JOIN messages m ON m.id = i.root_id WHERE i.id = ?");
	int rc;

	*root = 0;
	*failed = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, incident_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*root = sqlite3_column_int64(st, 0);
		*failed = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "incident root");
	return 0;
}

int
store_messages_sendable(struct store *s, int64_t now, size_t limit,
    size_t per_channel, int (*cb)(void *arg, const struct store_message *m),
    void *arg)
{
	/*
	 * The first ?3 sendable rows of each channel (roots not pinned to a
	 * channel yet: up to ?2), so a backlog in one rate-limited channel
	 * cannot fill the batch and hold up every other channel. Each
	 * channel's rows are read from the messages_queued index in sending
	 * order: a turn costs the channels, not the backlog.
	 */
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGES_SENDABLE,
	    /* The channels with queued messages, one index seek each. */
	    "WITH RECURSIVE ch(channel) AS (SELECT min(channel) FROM messages "
	    "INDEXED BY messages_queued WHERE state = 'queued' AND channel > "
	    "'' UNION ALL SELECT (SELECT min(channel) FROM messages INDEXED BY "
	    "messages_queued WHERE state = 'queued' AND channel > ch.channel) "
	    "FROM ch WHERE ch.channel IS NOT NULL) "
	    /* Roots not pinned to a channel yet (no thread to wait for). */
	    "SELECT " MESSAGE_COLUMNS ", NULL, NULL FROM messages m WHERE "
	    "m.id IN (SELECT x.id FROM messages x INDEXED BY messages_queued "
	    "WHERE x.state = 'queued' AND x.channel = '' AND x.not_before <= "
	    "?1 AND coalesce(x.next_attempt, 0) <= ?1 ORDER BY x.priority "
	    "DESC, x.id LIMIT ?2) UNION ALL "
	    /* The first ?3 of each channel that their thread lets go. */
	    "SELECT " MESSAGE_COLUMNS ", r.slack_channel, r.ts FROM ch JOIN "
	    "messages m ON m.id IN (SELECT x.id FROM messages x INDEXED BY "
	    "messages_queued LEFT JOIN messages xr ON xr.id = x.thread_of "
	    "WHERE x.state = 'queued' AND x.channel = ch.channel AND "
	    "x.not_before <= ?1 AND coalesce(x.next_attempt, 0) <= ?1 AND "
	    "(x.thread_of IS NULL OR (xr.state = 'posted' AND (x.kind = "
	    "'update' OR NOT EXISTS (SELECT 1 FROM messages o WHERE "
	    "o.thread_of "
	    "= x.thread_of AND o.kind != 'update' AND o.state IN ('queued', "
	    "'sending') AND o.id < x.id)))) ORDER BY x.priority DESC, x.id "
	    "LIMIT ?3) LEFT JOIN messages r ON r.id = m.thread_of "
	    /* Columns 12 and 1: priority and id. */
	    "ORDER BY 12 DESC, 1 LIMIT ?2");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	sqlite3_bind_int64(st, 3, (int64_t)per_channel);
	return each_message(s, st, cb, arg);
}

int64_t
store_messages_next_send(struct store *s)
{
	return store_scalar(s, ST_MESSAGES_NEXT_SEND,
	    "SELECT coalesce(min(max(not_before, coalesce(next_attempt, 0))), "
	    "0) FROM messages INDEXED BY messages_queued_due WHERE state = "
	    "'queued'",
	    "next send");
}

int
store_message_sending(struct store *s, int64_t id, const char *text,
    const char *blocks, const char *mentions)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_SENDING,
	    "UPDATE messages SET state = 'sending', text = ?, blocks = ?, "
	    "mentions = ? WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, blocks, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, mentions, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	return store_exec_stmt(s, st, "message sending");
}

int
store_message_posted(struct store *s, int64_t id, const char *channel,
    const char *ts, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_POSTED,
	    "UPDATE messages SET state = 'posted', slack_channel = ?, ts = ?, "
	    "posted_at = ?, attempts = attempts + 1, next_attempt = NULL, "
	    "error = NULL WHERE id = ?");

	if (st == NULL)
		return -1;
	if (channel != NULL && *channel != '\0')
		sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	if (ts != NULL && *ts != '\0')
		sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	return store_exec_stmt(s, st, "message posted");
}

int
store_message_retry(struct store *s, int64_t id, int64_t next_attempt,
    const char *error, int count_attempt)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_RETRY,
	    "UPDATE messages SET state = 'queued', next_attempt = ?, error = "
	    "?, "
	    "attempts = attempts + ? WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, next_attempt);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, count_attempt ? 1 : 0);
	sqlite3_bind_int64(st, 4, id);
	return store_exec_stmt(s, st, "message retry");
}

int
store_message_failed(struct store *s, int64_t id, const char *error)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_FAILED,
	    "UPDATE messages SET state = 'failed', error = ?, attempts = "
	    "attempts + 1, next_attempt = NULL WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (store_exec_stmt(s, st, "message failed") != 0)
		return -1;
	/* Nothing can be threaded under a root that never arrived. */
	st = store_stmt(s, ST_MESSAGE_FAIL_THREAD,
	    "UPDATE messages SET state = 'failed', error = 'root message "
	    "failed' WHERE thread_of = ? AND state = 'queued'");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_exec_stmt(s, st, "thread failed");
}

int
store_message_skipped(struct store *s, int64_t id, const char *why)
{
	return store_exec_ti(s, ST_MESSAGE_SKIPPED,
	    "UPDATE messages SET state = 'skipped', error = ? WHERE id = ?",
	    why, id, "message skipped");
}

int
store_message_set_plain(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_SET_PLAIN,
	    "UPDATE messages SET plain = 1 WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_exec_stmt(s, st, "message plain");
}

int
store_message_set_channel(struct store *s, int64_t id, const char *channel)
{
	return store_exec_ti(s, ST_MESSAGE_SET_CHANNEL,
	    "UPDATE messages SET channel = ? WHERE id = ?", channel, id,
	    "message channel");
}

int
store_messages_rethread(struct store *s, int64_t old_root, int64_t new_root)
{
	return store_exec_ii(s, ST_MESSAGES_RETHREAD,
	    "UPDATE messages SET thread_of = ? WHERE thread_of = ? AND state "
	    "IN "
	    "('queued', 'sending')",
	    new_root, old_root, "rethread");
}

int
store_messages_recover(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGES_RECOVER,
	    "UPDATE messages SET state = 'queued' WHERE state = 'sending'");

	if (st == NULL)
		return -1;
	return store_exec_stmt(s, st, "recover");
}

int
store_messages_backlog(
    struct store *s, int64_t now, int64_t *count, int64_t *oldest_age)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGES_BACKLOG,
	    "SELECT count(*), coalesce(min(created_at), 0) FROM messages WHERE "
	    "state IN ('queued', 'sending')");
	int rc;

	*count = 0;
	*oldest_age = 0;
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t oldest = sqlite3_column_int64(st, 1);
		*count = sqlite3_column_int64(st, 0);
		*oldest_age = *count > 0 && oldest > 0 ? now - oldest : 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "backlog");
}
