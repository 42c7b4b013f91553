/*
 * outbox.h: delivery of queued messages. A queued row (written in the
 * transaction of the change that caused it) is rendered when it goes out,
 * from the incident's state at that moment, so a debounced update shows the
 * latest state. Preview mode keeps the rendering ('preview'); Web API and
 * incoming-webhook modes send it through the shared HTTP client, in causal
 * order per root, by priority across roots, within Slack's rate limits,
 * following SPEC Appendix B on every answer.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdint.h>

struct relay;
struct outbox;

/* Counters of what was sent, for /metrics. */
struct outbox_stats {
	uint64_t sent[5]; /* by kind: root, update, reply, reminder, digest */
	uint64_t failed[5];
	uint64_t requests[3][6]; /* [postMessage, update, webhook][2xx, 429,
	                            4xx, 5xx, error, auth] */
	int auth_paused;
	int64_t paused_until[3];
};

/* Returns new (free with outbox_free). */
struct outbox *outbox_new(struct relay *r);
void outbox_free(struct outbox *o);

/* Schedules a turn (cheap; several kicks make one turn). */
void outbox_kick(struct outbox *o);

/* After a reload: a refused token may be fixed now, so sending resumes
 * (a refusal pauses it again at once). */
void outbox_reload(struct outbox *o);

/* Stops starting calls (SIGTERM); calls in flight finish. */
void outbox_stop(struct outbox *o);

/* Calls in flight. */
unsigned outbox_inflight(const struct outbox *o);

/* Borrowed: the counters. */
const struct outbox_stats *outbox_stats(const struct outbox *o);

/*
 * Renders up to max messages due at `due` (Unix ms) in preview mode, in one
 * transaction, with the state of now, stopping after budget_us (0: no
 * limit; at least one is rendered). Returns how many, max when it stopped
 * early (more may be due), or -1 when the database failed. Also used by
 * `render` (due = INT64_MAX: debounced ones too).
 */
int outbox_render_due(struct relay *r, int64_t due, int max, int64_t budget_us);

#endif /* OUTBOX_H */
