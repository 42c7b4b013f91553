-- 0007_incident_index: an incident's alerts in the order its messages list
-- them (firing before resolved, newest first, then id), so a message reads
-- the first 50 without sorting the rest; the index also covers the
-- incident's counts (state, stale, snoozed), which then never touch the
-- table. Both ran for every message rendered, over every alert the
-- incident ever had.
DROP INDEX alerts_incident;
CREATE INDEX alerts_incident ON alerts(incident_id, state, starts_at DESC, id,
	stale, snoozed_by);
