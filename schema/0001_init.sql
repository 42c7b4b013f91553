-- 0001_init: webhook jobs (the durable intake) and the current state of
-- every alert with its firing episodes.

-- One row per accepted webhook body, committed before the 202. The body is
-- the canonical JSON of the parsed batch (webhook_serialize), so the job can
-- be processed again after a crash. done_at is set by the processing step.
CREATE TABLE jobs (
	id          INTEGER PRIMARY KEY,
	received_at INTEGER NOT NULL,          -- Unix ms
	source      TEXT NOT NULL,             -- grafana | alertmanager
	group_key   TEXT NOT NULL,
	nalerts     INTEGER NOT NULL,
	truncated   INTEGER NOT NULL DEFAULT 0,
	body        TEXT NOT NULL,
	done_at     INTEGER                    -- NULL while pending
);
CREATE INDEX jobs_pending ON jobs(id) WHERE done_at IS NULL;

-- The latest known state of each alert, keyed by its identity
-- ("grafana/1/3f2a9c0d1b2e4f50").
CREATE TABLE alerts (
	id            TEXT PRIMARY KEY,
	source        TEXT NOT NULL,
	org_id        INTEGER,
	fingerprint   TEXT NOT NULL,
	group_key     TEXT NOT NULL,
	namespace     TEXT NOT NULL,
	alertname     TEXT NOT NULL,
	state         TEXT NOT NULL,           -- firing | resolved
	stale         INTEGER NOT NULL DEFAULT 0, -- resolved because not re-sent
	labels        TEXT NOT NULL,           -- JSON object
	annotations   TEXT NOT NULL,           -- JSON object
	vals          TEXT,                    -- JSON object of RefID -> number, or NULL
	value_string  TEXT NOT NULL DEFAULT '',
	generator_url TEXT NOT NULL DEFAULT '',
	silence_url   TEXT NOT NULL DEFAULT '',
	dashboard_url TEXT NOT NULL DEFAULT '',
	panel_url     TEXT NOT NULL DEFAULT '',
	image_url     TEXT NOT NULL DEFAULT '',
	starts_at     INTEGER NOT NULL,        -- Unix ms, 0 = unknown
	ends_at       INTEGER NOT NULL,        -- Unix ms, 0 = not ended
	first_seen    INTEGER NOT NULL,
	last_seen     INTEGER NOT NULL,        -- last webhook that carried it
	notifications INTEGER NOT NULL DEFAULT 0, -- deliveries in the current episode
	incident_id   INTEGER
) WITHOUT ROWID;
CREATE INDEX alerts_ns_state ON alerts(namespace, state);
CREATE INDEX alerts_group ON alerts(source, group_key, state);
CREATE INDEX alerts_firing_seen ON alerts(state, last_seen);

-- Firing episodes: one per (alert, startsAt). "fires" counts these.
CREATE TABLE episodes (
	alert_id    TEXT NOT NULL,
	starts_at   INTEGER NOT NULL,
	first_seen  INTEGER NOT NULL,
	resolved_at INTEGER,
	PRIMARY KEY (alert_id, starts_at)
) WITHOUT ROWID;
CREATE INDEX episodes_seen ON episodes(first_seen);
