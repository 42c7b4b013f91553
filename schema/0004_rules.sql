-- 0004_rules: rules (the database is their source of truth), a small
-- key/value table for flags such as "rule files were imported", and the
-- mention targets each incident has already notified.

CREATE TABLE rules (
	name       TEXT PRIMARY KEY,
	body       TEXT NOT NULL,       -- the rule as JSON (SPEC A.6)
	updated_at INTEGER NOT NULL
);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- A target (<!subteam^S1>, <@U1>, <!here>) is mentioned once while its
-- incident is open; reminders mention again without a row here.
CREATE TABLE incident_mentions (
	incident_id INTEGER NOT NULL,
	target      TEXT NOT NULL,
	first_at    INTEGER NOT NULL,
	rules       TEXT NOT NULL,      -- JSON list of the rules behind it
	PRIMARY KEY (incident_id, target)
) WITHOUT ROWID;
