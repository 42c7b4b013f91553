-- 0005_snoozes: snoozes (SPEC section 9). Ended snoozes are kept as
-- history; an alert remembers the snooze that matched it last.

CREATE TABLE snoozes (
	id          INTEGER PRIMARY KEY,
	matchers    TEXT NOT NULL,      -- JSON list of Alertmanager matchers
	starts_at   INTEGER NOT NULL,   -- Unix ms
	ends_at     INTEGER NOT NULL,
	author      TEXT NOT NULL,      -- Slack user id, web, cli or api
	author_name TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	ended_at    INTEGER,            -- set when ended early or expired
	ended_by    TEXT
);
CREATE INDEX snoozes_active ON snoozes(ended_at, ends_at);

ALTER TABLE alerts ADD COLUMN snoozed_by INTEGER;
ALTER TABLE incidents ADD COLUMN snoozed INTEGER NOT NULL DEFAULT 0;
