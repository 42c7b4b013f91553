-- 0009_incident_counts: an incident's alert counts (firing, resolved,
-- stale, firing and snoozed) kept on its row by triggers, instead of
-- counted over its alerts at every message it renders: an incident that
-- grew to thousands of alerts cost a scan of all of them per update (a
-- fifth of the relay's time while it worked off a backlog). The triggers
-- see every write to alerts, whichever code makes it. Alerts are written
-- by upsert (not INSERT OR REPLACE, whose delete fires no trigger).
ALTER TABLE incidents ADD COLUMN n_firing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN n_resolved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN n_stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN n_snoozed INTEGER NOT NULL DEFAULT 0;

UPDATE incidents SET (n_firing, n_resolved, n_stale, n_snoozed) = (
	SELECT coalesce(sum(state = 'firing'), 0),
	       coalesce(sum(state = 'resolved'), 0),
	       coalesce(sum(stale), 0),
	       coalesce(sum(state = 'firing' AND snoozed_by IS NOT NULL), 0)
	FROM alerts WHERE incident_id = incidents.id);

CREATE TRIGGER alerts_count_insert AFTER INSERT ON alerts
WHEN new.incident_id IS NOT NULL
BEGIN
	UPDATE incidents SET
		n_firing = n_firing + (new.state = 'firing'),
		n_resolved = n_resolved + (new.state = 'resolved'),
		n_stale = n_stale + (new.stale != 0),
		n_snoozed = n_snoozed +
		    (new.state = 'firing' AND new.snoozed_by IS NOT NULL)
	WHERE id = new.incident_id;
END;

CREATE TRIGGER alerts_count_delete AFTER DELETE ON alerts
WHEN old.incident_id IS NOT NULL
BEGIN
	UPDATE incidents SET
		n_firing = n_firing - (old.state = 'firing'),
		n_resolved = n_resolved - (old.state = 'resolved'),
		n_stale = n_stale - (old.stale != 0),
		n_snoozed = n_snoozed -
		    (old.state = 'firing' AND old.snoozed_by IS NOT NULL)
	WHERE id = old.incident_id;
END;

-- One statement for both sides: the old incident loses the old row's
-- share, the new one gains the new row's (the same incident: both).
CREATE TRIGGER alerts_count_update
AFTER UPDATE OF state, stale, snoozed_by, incident_id ON alerts
WHEN old.incident_id IS NOT new.incident_id OR old.state IS NOT new.state
    OR (old.stale != 0) IS NOT (new.stale != 0)
    OR (old.snoozed_by IS NULL) IS NOT (new.snoozed_by IS NULL)
BEGIN
	UPDATE incidents SET
		n_firing = n_firing
		    - (id IS old.incident_id AND old.state = 'firing')
		    + (id IS new.incident_id AND new.state = 'firing'),
		n_resolved = n_resolved
		    - (id IS old.incident_id AND old.state = 'resolved')
		    + (id IS new.incident_id AND new.state = 'resolved'),
		n_stale = n_stale
		    - (id IS old.incident_id AND old.stale != 0)
		    + (id IS new.incident_id AND new.stale != 0),
		n_snoozed = n_snoozed
		    - (id IS old.incident_id AND old.state = 'firing'
		       AND old.snoozed_by IS NOT NULL)
		    + (id IS new.incident_id AND new.state = 'firing'
		       AND new.snoozed_by IS NOT NULL)
	WHERE id IN (old.incident_id, new.incident_id);
END;
