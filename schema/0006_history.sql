-- 0006_history: per-namespace history (SPEC section 11), the hourly counts
-- of alerts fired that the overview and its chart read, and indexes that
-- retention pruning needs.

-- One row per event: an alert's state change (firing, resolved), a message
-- posted, updated or failed, a mention, a snooze or unsnooze. Kept for
-- `retention`, then pruned in small batches.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	time        INTEGER NOT NULL,   -- Unix ms
	namespace   TEXT NOT NULL,
	alertname   TEXT NOT NULL DEFAULT '',
	incident_id INTEGER,
	alert       TEXT,               -- alerts.id, NULL for incident events
	kind        TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}'  -- JSON object
);
-- A namespace's history, newest first, paged by id.
CREATE INDEX events_ns ON events(namespace, id);
-- Digest periods and pruning.
CREATE INDEX events_time ON events(time);

-- Firing episodes per namespace and hour (Unix ms of the hour's start):
-- "fired in the last 24 h" and the overview's chart without scanning a
-- day of events.
CREATE TABLE fired_hourly (
	namespace TEXT NOT NULL,
	hour      INTEGER NOT NULL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (namespace, hour)
) WITHOUT ROWID;
CREATE INDEX fired_hourly_hour ON fired_hourly(hour);

-- Pruning: closed incidents by age, messages that are no incident's root.
CREATE INDEX incidents_closed ON incidents(closed_at) WHERE state = 'closed';
CREATE INDEX incidents_root ON incidents(root_id);
CREATE INDEX jobs_done ON jobs(done_at) WHERE done_at IS NOT NULL;
CREATE INDEX snoozes_ended ON snoozes(ended_at) WHERE ended_at IS NOT NULL;
