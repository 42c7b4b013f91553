/*
 * pipeline.c: applies committed webhook jobs to the alert state; see
 * pipeline.h.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alert.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "relay.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

struct pipeline {
	struct relay *relay;
	struct event *run;   /* a processing turn, after I/O */
	struct event *retry; /* after a database failure */
};

/* Applies one alert of a batch to its stored state. */
static int
apply_alert(struct relay *r, const struct alert_batch *b, const struct alert *a,
	    int64_t now)
{
	struct store_alert_prev prev;
	char id[160];
	int64_t notifications = 0, first_seen = now;

	alert_id(b->source, a, id, sizeof(id));
	if (store_alert_prev(r->store, id, &prev) != 0)
		return -1;
	if (prev.found)
		first_seen = prev.first_seen;
	if (a->status == ALERT_FIRING) {
		/* Same episode: still firing with the same startsAt (0 means
		 * the sender gave none: one long episode). */
		int same =
		    prev.found && prev.firing && prev.starts_at == a->starts_at;
		notifications = same ? prev.notifications + 1 : 1;
		if (!same &&
		    store_episode_start(r->store, id,
					a->starts_at != 0 ? a->starts_at : now,
					now) != 0)
			return -1;
	} else {
		notifications = prev.notifications;
		if (prev.found && prev.firing &&
		    store_episode_end(r->store, id,
				      a->ends_at != 0 ? a->ends_at : now) != 0)
			return -1;
	}
	return store_alert_put(r->store, id, b->source, b->group_key, a, now,
			       first_seen, notifications, prev.incident_id, 0);
}

struct run_state {
	struct relay *relay;
	int applied;
	int failed;
};

static int
apply_job(void *arg, const struct store_job *j)
{
	struct run_state *rs = arg;
	struct relay *r = rs->relay;
	const struct config *cfg = r->cfg;
	struct webhook_opts opts;
	struct alert_batch *b;
	char err[512];
	int64_t now = relay_now(r);

	memset(&opts, 0, sizeof(opts));
	opts.namespace_labels = &cfg->grouping.namespace_labels;
	opts.default_namespace = cfg->grouping.default_namespace;
	opts.max_alerts = SIZE_MAX;
	opts.now = j->received_at;
	b = webhook_parse(j->source, j->body, j->body_len, &opts, err,
			  sizeof(err));
	if (b == NULL) {
		/* A stored job always parsed once; if it no longer does, keep
		 * it for inspection and move on rather than block the queue. */
		char id[32];
		snprintf(id, sizeof(id), "%lld", (long long)j->id);
		log_event(LOG_ERROR, "stored job does not parse; skipped",
			  "job", id, "reason", err, NULL);
	} else {
		for (size_t i = 0; i < b->nalerts; i++) {
			if (apply_alert(r, b, &b->alerts[i], now) != 0) {
				rs->failed = 1;
				break;
			}
		}
		alert_batch_free(b);
	}
	if (!rs->failed && store_job_done(r->store, j->id, now) != 0)
		rs->failed = 1;
	if (rs->failed)
		return 1;
	rs->applied++;
	return 0;
}

int
pipeline_run_once(struct relay *r, int max)
{
	struct run_state rs = {r, 0, 0};

	if (store_begin(r->store) != 0)
		return -1;
	if (store_jobs_pending(r->store, (size_t)max, apply_job, &rs) < 0 ||
	    rs.failed) {
		log_event(LOG_ERROR, "job processing failed", "error",
			  store_errmsg(r->store), NULL);
		store_rollback(r->store);
		return -1;
	}
	if (store_commit(r->store) != 0) {
		log_event(LOG_ERROR, "job commit failed", "error",
			  store_errmsg(r->store), NULL);
		return -1;
	}
	r->stats.jobs_processed += (uint64_t)rs.applied;
	return rs.applied;
}

static void
run_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;
	int n = pipeline_run_once(p->relay, LIMIT_JOBS_PER_TICK);

	if (n < 0) {
		struct timeval tv = {1, 0};
		evtimer_add(p->retry, &tv);
	} else if (n == LIMIT_JOBS_PER_TICK) {
		/* More may be pending: yield to I/O, then continue. */
		event_active(p->run, EV_TIMEOUT, 1);
	}
}

struct pipeline *
pipeline_new(struct relay *r)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));

	p->relay = r;
	p->run = event_new(r->base, -1, 0, run_cb, p);
	event_priority_set(p->run, 1);
	p->retry = evtimer_new(r->base, run_cb, p);
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	event_free(p->run);
	event_free(p->retry);
	free(p);
}

void
pipeline_kick(struct pipeline *p)
{
	event_active(p->run, EV_TIMEOUT, 1);
}
