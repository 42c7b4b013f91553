-- 0008_outbox_queued: the outbox's queued messages per channel in sending
-- order (priority, then id), so a turn reads the first few of each
-- channel instead of ranking the whole backlog; and their due times from
-- the index alone.
CREATE INDEX messages_queued ON messages(channel, priority DESC, id)
	WHERE state = 'queued';
CREATE INDEX messages_queued_due ON messages(not_before, next_attempt)
	WHERE state = 'queued';
