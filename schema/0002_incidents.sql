-- 0002_incidents: incidents (one per namespace, alert name and incident
-- labels while any of its alerts fires) and the outbox of Slack messages.

CREATE TABLE incidents (
	id           INTEGER PRIMARY KEY,
	key          TEXT NOT NULL,     -- namespace/alertname[/k=v...]
	namespace    TEXT NOT NULL,
	alertname    TEXT NOT NULL,
	labels       TEXT NOT NULL,     -- JSON object: the incident labels present
	state        TEXT NOT NULL,     -- open | closed
	channel      TEXT NOT NULL,     -- decided when it opens, then pinned
	severity     TEXT NOT NULL DEFAULT '',
	opened_at    INTEGER NOT NULL,  -- Unix ms
	closed_at    INTEGER,
	changed_at   INTEGER NOT NULL,
	root_id      INTEGER,           -- messages.id of the root message
	slack_channel TEXT,             -- channel id of the posted root
	slack_ts     TEXT,              -- ts of the posted root
	last_visible INTEGER,           -- last channel-visible post (reminders)
	last_update  INTEGER,           -- last root refresh queued (debounce)
	stale        INTEGER NOT NULL DEFAULT 0,
	truncated    INTEGER NOT NULL DEFAULT 0, -- alerts the last body said it dropped
	silent       INTEGER NOT NULL DEFAULT 0, -- rules: recorded, never posted
	remind_every INTEGER                -- rules: ms; NULL = reminders.default_every
);
CREATE UNIQUE INDEX incidents_open_key ON incidents(key) WHERE state = 'open';
CREATE INDEX incidents_key_closed ON incidents(key, closed_at);
CREATE INDEX incidents_ns ON incidents(namespace, state);
-- An incident's alerts, counted and listed at every message it renders.
CREATE INDEX alerts_incident ON alerts(incident_id, state, starts_at);

-- The outbox. A row is written in the transaction that caused it
-- ('queued'); it is rendered when it is sent, from the state then, so
-- updates of one root collapse into one row. 'sending' while a call is in
-- flight (back to 'queued' at start: such a message may go out twice);
-- 'preview' when nothing is sent; 'skipped' for what a mode cannot send.
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY,
	incident_id  INTEGER,
	kind         TEXT NOT NULL,     -- root | update | reply | reminder | digest
	template     TEXT NOT NULL,     -- which template renders it
	channel      TEXT NOT NULL,
	thread_of    INTEGER,           -- messages.id of the root (updates, replies)
	detail       TEXT NOT NULL DEFAULT '{}', -- what happened (JSON)
	text         TEXT NOT NULL DEFAULT '',
	blocks       TEXT NOT NULL DEFAULT '[]',
	mentions     TEXT NOT NULL DEFAULT '[]',
	state        TEXT NOT NULL,     -- queued | sending | posted | failed | preview | skipped
	priority     INTEGER NOT NULL DEFAULT 0,
	broadcast    INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	not_before   INTEGER NOT NULL,  -- debounce: not sent before this
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER,
	posted_at    INTEGER,
	slack_channel TEXT,
	ts           TEXT,
	error        TEXT,
	plain        INTEGER NOT NULL DEFAULT 0 -- send without blocks (they were refused)
);
CREATE INDEX messages_due ON messages(state, not_before);
CREATE INDEX messages_thread ON messages(thread_of, state);
CREATE INDEX messages_incident ON messages(incident_id, kind, state);
CREATE INDEX messages_recent ON messages(created_at);
