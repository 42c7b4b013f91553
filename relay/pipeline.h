/*
 * pipeline.h: processing of committed webhook jobs. Each job's batch is
 * applied to the stored alert state (episodes, notifications) in small
 * transactions on the loop, oldest job first; a crash leaves the job pending
 * and it is applied at the next start.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

struct relay;
struct pipeline;

/* Returns new (free with pipeline_free). */
struct pipeline *pipeline_new(struct relay *r);
void pipeline_free(struct pipeline *p);

/* Schedules a processing turn (cheap; several kicks make one turn). */
void pipeline_kick(struct pipeline *p);

/*
 * Applies up to `max` pending jobs now, in one transaction. Returns the
 * number applied, or -1 when the database failed (the jobs stay pending).
 * Used by the loop and by CLI commands that need the state current.
 */
int pipeline_run_once(struct relay *r, int max);

/*
 * Resolves, as stale, firing alerts not re-sent for grouping.resolve_after,
 * closing their incidents. Runs on a timer and at start. 0 or -1.
 */
int pipeline_sweep(struct relay *r);

#endif /* PIPELINE_H */
