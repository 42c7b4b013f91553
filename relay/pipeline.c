/*
 * pipeline.c: applies committed webhook jobs to alerts, incidents and the
 * outbox; see pipeline.h. The rules of SPEC section 5 that need no I/O are
 * in incident.c; this file runs them against the store.
 */
#include "pipeline.h"
#include "pipeline_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alert.h"
#include "buf.h"
#include "config.h"
#include "incident.h"
#include "limits.h"
#include "ingest.h"
#include "log.h"
#include "mention.h"
#include "outbox.h"
#include "relay.h"
#include "rules.h"
#include "store.h"
#include "telemetry.h"
#include "store_history.h"
#include "snooze.h"
#include "util.h"
#include "webhook.h"

/* How often firing alerts are checked for staleness (resolve_after). */
#define SWEEP_MS 30000

struct pipeline {
	struct relay *relay;
	struct event *run;   /* a processing turn, after I/O */
	struct event *retry; /* after a database failure */
	struct event *sweep; /* staleness */
	/* Isolating a job that keeps failing (see run_cb). */
	int single;      /* apply one job per turn until one succeeds */
	int64_t bad_job; /* the job that failed alone, 0 = none */
	int bad_tries;   /* its consecutive failures */
};

/* A job that fails alone this many times, with the database otherwise
 * healthy, is set aside (kept in the jobs table) so later ones go on. */
#define PIPELINE_POISON_TRIES 5

/* Decisions kept per incident for `render` and the API. */
#define TOUCH_MAX_DECISIONS 20

static struct touch *
touch(struct apply *ap, int64_t incident_id)
{
	for (size_t i = 0; i < ap->ntouched; i++)
		if (ap->touched[i].incident_id == incident_id)
			return &ap->touched[i];
	ap->touched =
	    xrealloc(ap->touched, (ap->ntouched + 1) * sizeof(*ap->touched));
	memset(&ap->touched[ap->ntouched], 0, sizeof(*ap->touched));
	ap->touched[ap->ntouched].incident_id = incident_id;
	ap->touched[ap->ntouched].truncated = -1;
	ap->touched[ap->ntouched].targets = json_object();
	ap->touched[ap->ntouched].decisions = json_array();
	ap->touched[ap->ntouched].remind = -1;
	return &ap->touched[ap->ntouched++];
}

static void
touches_free(struct apply *ap)
{
	for (size_t i = 0; i < ap->ntouched; i++) {
		json_decref(ap->touched[i].targets);
		json_decref(ap->touched[i].decisions);
	}
	free(ap->touched);
	ap->touched = NULL;
	ap->ntouched = 0;
}

struct fires_arg {
	struct store *store;
	const char *id;
	int64_t now;
};

static int64_t
fires_of(void *arg, int64_t window)
{
	struct fires_arg *f = arg;
	return store_episode_count(f->store, f->id, f->now - window);
}

/* SPEC section 8 for one firing alert (its episode already recorded). */
static void
decide(struct apply *ap, const char *id, const struct alert *a,
    int64_t notifications, struct rule_decision *d)
{
	struct relay *r = ap->relay;
	struct rule_input in;
	struct fires_arg f = {r->store, id, ap->now};

	memset(&in, 0, sizeof(in));
	in.labels = &a->labels;
	in.annotations = &a->annotations;
	in.values = a->values;
	in.nvalues = a->nvalues;
	in.default_value_ref = &r->cfg->grouping.value_ref;
	in.notifications = notifications;
	in.fires = fires_of;
	in.fires_arg = &f;
	rules_decide(r->rules, &in, d);
	/* The kube-prometheus heartbeat is never posted unless a rule says
	 * so; its arrivals are a metric. */
	if (!d->matched && strcmp(a->alertname, "Watchdog") == 0)
		d->silent = 1;
}

/* Adds an alert's decision to its incident's touch. */
static void
note_decision(struct apply *ap, struct touch *t, const struct alert *a,
    const struct rule_decision *d)
{
	json_t *rules, *items;

	mention_collect(d, t->targets);
	if (!d->silent)
		t->loud = 1;
	if (d->remind_every >= 0 &&
	    (t->remind < 0 || d->remind_every < t->remind))
		t->remind = d->remind_every;
	if (json_array_size(t->decisions) >= TOUCH_MAX_DECISIONS)
		return;
	rules = json_array();
	items = json_array();
	for (size_t i = 0; i < d->nhits; i++)
		json_array_append_new(rules, json_string(d->hits[i].rule));
	for (size_t i = 0; i < d->nmentions; i++)
		json_array_append_new(items, json_string(d->mentions[i].item));
	json_array_append_new(t->decisions,
	    json_pack("{s:s,s:o,s:o,s:s}", "alert", a->fingerprint, "rules",
	        rules, "mentions", items, "why",
	        d->nhits > 0 ? d->hits[d->nhits - 1].why : "no rule matched"));
}

/* The incident a newly firing alert belongs to: the open one of its key, a
 * recently closed one (reopened), or a new one. Returns its id or -1. */
static int64_t
incident_for(
    struct apply *ap, const struct alert *a, const struct rule_decision *d)
{
	struct relay *r = ap->relay;
	const struct config *cfg = r->cfg;
	struct store_incident inc;
	struct buf key = BUF_INIT, labels = BUF_INIT;
	const char *sev;
	int64_t id = -1;
	int found;

	incident_key(a, &cfg->grouping.incident_labels, &key);
	found = store_incident_find(r->store, buf_str(&key),
	    ap->now - cfg->grouping.reopen_window, &inc);
	if (found < 0)
		goto done;
	if (found && inc.open) {
		id = inc.id;
		struct touch *t = touch(ap, id);
		if (!t->opened && !t->reopened)
			t->joined++;
		goto done;
	}
	if (found && inc.root_id > 0) {
		id = inc.id;
		if (store_incident_reopen(r->store, id, ap->now) != 0)
			id = -1;
		else
			touch(ap, id)->reopened = 1;
		goto done;
	}
	/* A rule's channel is pinned here; otherwise the channel is decided
	 * when the root goes out (the catalog team's, else the default). */
	incident_labels_json(a, &cfg->grouping.incident_labels, &labels);
	sev = kvlist_get(&a->labels, "severity");
	id = store_incident_create(r->store, buf_str(&key), a->namespace,
	    a->alertname, buf_str(&labels),
	    d->channel != NULL ? d->channel : "", sev != NULL ? sev : "",
	    ap->now);
	if (id > 0 && d->silent &&
	    store_incident_set_silent(r->store, id, 1) != 0)
		id = -1;
	if (id > 0)
		touch(ap, id)->opened = 1;
done:
	buf_free(&key);
	buf_free(&labels);
	return id;
}

/*
 * The history event of an alert's change (kind NULL: none): firing with
 * its start (and the snooze that holds it), or resolved with its end.
 */
static int
alert_event(struct apply *ap, const char *id, const char *kind, int64_t at,
    int64_t snoozed_by)
{
	char detail[128], t[40];

	if (kind == NULL)
		return 0;
	util_time_format(at > 0 ? at : ap->now, t, sizeof(t));
	if (snoozed_by > 0)
		snprintf(detail, sizeof(detail),
		    "{\"%s\":\"%s\",\"snoozed_by\":%lld}",
		    strcmp(kind, "firing") == 0 ? "starts_at" : "ends_at", t,
		    (long long)snoozed_by);
	else
		snprintf(detail, sizeof(detail), "{\"%s\":\"%s\"}",
		    strcmp(kind, "firing") == 0 ? "starts_at" : "ends_at", t);
	return store_event_alert(ap->relay->store, id, kind, ap->now, detail);
}

/* Applies one alert of a batch to its stored state. */
static int
apply_alert(
    struct apply *ap, const struct alert_batch *b, const struct alert *a)
{
	struct relay *r = ap->relay;
	struct store_alert_prev prev;
	struct incident_prev ip;
	struct rule_decision d;
	char id[160];
	int64_t notifications, first_seen = ap->now, incident_id, snoozed_by;
	int firing = a->status == ALERT_FIRING;
	const char *event = NULL; /* the history event of this change */

	alert_id(b->source, a, id, sizeof(id));
	if (store_alert_prev(r->store, id, &prev) != 0)
		return -1;
	if (prev.found)
		first_seen = prev.first_seen;
	ip.found = prev.found;
	ip.firing = prev.firing;
	ip.starts_at = prev.starts_at;
	ip.in_open_incident = prev.incident_open;
	incident_id = prev.incident_id;
	notifications = prev.notifications;

	switch (incident_classify(&ip, a)) {
	case INCIDENT_FIRING:
		notifications = 1;
		/* The episode first: `fires` counts the current one. */
		if (store_episode_start(r->store, id,
		        a->starts_at != 0 ? a->starts_at : ap->now,
		        ap->now) != 0)
			return -1;
		decide(ap, id, a, notifications, &d);
		incident_id = incident_for(ap, a, &d);
		if (incident_id < 0)
			return -1;
		event = "firing";
		break;
	case INCIDENT_RESOLVED:
		if (store_episode_end(r->store, id,
		        a->ends_at != 0 ? a->ends_at : ap->now) != 0)
			return -1;
		if (incident_id > 0 && prev.incident_open)
			touch(ap, incident_id)->resolved++;
		event = "resolved";
		break;
	case INCIDENT_UNSEEN:
		/* Recorded, never posted. */
		incident_id = 0;
		event = "resolved_unseen";
		break;
	case INCIDENT_NONE:
		/* A re-send: values may have moved, so the rules may now
		 * decide more mentions (an escalation). */
		if (firing) {
			notifications++;
			decide(ap, id, a, notifications, &d);
		}
		break;
	}
	if (incident_id > 0 && firing) {
		struct touch *t = touch(ap, incident_id);
		if ((int64_t)b->truncated > t->truncated)
			t->truncated = (int64_t)b->truncated;
		note_decision(ap, t, a, &d);
	}
	ap->applied++;
	snoozed_by =
	    firing ? snooze_set_match(r->snoozes, &a->labels, ap->now) : 0;
	if (store_alert_put(r->store, id, b->source, b->group_key, a, ap->now,
	        first_seen, notifications, incident_id, 0, snoozed_by) != 0)
		return -1;
	return alert_event(ap, id, event,
	    event != NULL && firing ? a->starts_at : a->ends_at, snoozed_by);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Resolves a stored alert that is firing no more (absent or stale). */
static int
resolve_stored(struct apply *ap, const char *id, int64_t incident_id, int stale)
{
	struct relay *r = ap->relay;

	if (store_alert_resolve(r->store, id, ap->now, stale) != 0 ||
	    store_episode_end(r->store, id, ap->now) != 0 ||
	    store_event_alert(r->store, id, "resolved", ap->now,
	        stale ? "{\"why\":\"stale\"}" : "{\"why\":\"absent\"}") != 0)
		return -1;
	if (incident_id > 0) {
		struct touch *t = touch(ap, incident_id);
		t->resolved++;
		if (stale)
			t->stale++;
	}
	return 0;
}

static int
collect_ids(void *arg, const char *id)
{
	strlist_add(arg, id);
	return 0;
}

/*
 * SPEC section 5: an alert firing in the previous snapshot of the same
 * (source, groupKey) and absent from a new, complete one has resolved.
 */
static int
apply_absent(struct apply *ap, const struct alert_batch *b)
{
	struct relay *r = ap->relay;
	struct strlist firing = {NULL, 0};
	int rc = 0;

	if (b->truncated > 0)
		return 0; /* alerts may be missing without having resolved */
	ap->ids = xcalloc(b->nalerts, sizeof(*ap->ids));
	ap->nids = b->nalerts;
	for (size_t i = 0; i < b->nalerts; i++) {
		char id[160];
		alert_id(b->source, &b->alerts[i], id, sizeof(id));
		ap->ids[i] = xstrdup(id);
	}
	qsort(ap->ids, ap->nids, sizeof(*ap->ids), cmp_str);
	if (store_alerts_firing_in_group(
	        r->store, b->source, b->group_key, collect_ids, &firing) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < firing.n; i++) {
		const char *key = firing.v[i];
		struct store_alert_prev prev;

		if (bsearch(&key, ap->ids, ap->nids, sizeof(*ap->ids), cmp_str))
			continue;
		if (store_alert_prev(r->store, firing.v[i], &prev) != 0 ||
		    resolve_stored(ap, firing.v[i],
		        prev.incident_open ? prev.incident_id : 0, 0) != 0)
			rc = -1;
	}
	strlist_free(&firing);
	for (size_t i = 0; i < ap->nids; i++)
		free(ap->ids[i]);
	free(ap->ids);
	ap->ids = NULL;
	ap->nids = 0;
	return rc;
}

static int
apply_job(void *arg, const struct store_job *j)
{
	struct apply *ap = arg;
	struct relay *r = ap->relay;
	const struct config *cfg = r->cfg;
	struct webhook_opts opts;
	struct alert_batch *b;
	char err[512];

	if (ap->jobs > 0 && ap->deadline_us > 0 &&
	    util_mono_us() > ap->deadline_us) {
		ap->stopped = 1; /* the rest next turn, after I/O */
		return 1;
	}
	ap->jobs++;
	ap->job = j->id;
	memset(&opts, 0, sizeof(opts));
	opts.namespace_labels = &cfg->grouping.namespace_labels;
	opts.default_namespace = cfg->grouping.default_namespace;
	opts.max_alerts = SIZE_MAX;
	opts.now = j->received_at;
	b = ingest_take(r->ingest, j->id);
	if (b == NULL)
		b = webhook_parse(
		    j->source, j->body, j->body_len, &opts, err, sizeof(err));
	if (b == NULL) {
		/* A stored job always parsed once; if it no longer does, keep
		 * it for inspection and move on rather than block the queue. */
		char id[32];
		snprintf(id, sizeof(id), "%lld", (long long)j->id);
		log_event(LOG_ERROR, "stored job does not parse; skipped",
		    "job", id, "reason", err, NULL);
	} else {
		for (size_t i = 0; i < b->nalerts && !ap->failed; i++)
			if (apply_alert(ap, b, &b->alerts[i]) != 0)
				ap->failed = 1;
		if (!ap->failed && apply_absent(ap, b) != 0)
			ap->failed = 1;
		alert_batch_free(b);
	}
	if (!ap->failed && store_job_done(r->store, j->id, ap->now) != 0)
		ap->failed = 1;
	return ap->failed;
}

/* As pipeline_run_once; *job gets the job that was being applied when
 * processing failed (0 when none, or when the failure came later). */
static int
run_batch(struct relay *r, int max, int64_t budget_us, int64_t *job)
{
	struct apply ap;
	int n;

	memset(&ap, 0, sizeof(ap));
	ap.relay = r;
	ap.now = relay_now(r);
	ap.deadline_us = budget_us > 0 ? util_mono_us() + budget_us : 0;
	*job = 0;
	if (store_begin(r->store) != 0)
		return -1;
	n = store_jobs_pending(r->store, (size_t)max, apply_job, &ap);
	if (n < 0 || ap.failed || pipeline_finish(&ap) != 0) {
		log_event(LOG_ERROR, "job processing failed", "error",
		    store_errmsg(r->store), NULL);
		if (ap.failed)
			*job = ap.job;
		store_rollback(r->store);
		touches_free(&ap);
		return -1;
	}
	touches_free(&ap);
	if (store_commit(r->store) != 0) {
		log_event(LOG_ERROR, "job commit failed", "error",
		    store_errmsg(r->store), NULL);
		return -1;
	}
	n = (int)ap.jobs;
	r->stats.jobs_processed += (uint64_t)n;
	r->jobs_pending = r->jobs_pending > n ? r->jobs_pending - n : 0;
	if (n > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
	/* Stopped at the deadline: report a full batch, so the caller comes
	 * back after I/O. */
	return ap.stopped ? max : n;
}

int
pipeline_run_once(struct relay *r, int max)
{
	int64_t job;

	return run_batch(r, max, 0, &job);
}

/* Sets job aside: marked done without effect, its body kept. 0 or -1. */
static int
set_aside(struct relay *r, int64_t job)
{
	char id[32];

	if (store_begin(r->store) != 0)
		return -1;
	if (store_job_done(r->store, job, relay_now(r)) != 0 ||
	    store_commit(r->store) != 0) {
		store_rollback(r->store);
		return -1;
	}
	if (r->jobs_pending > 0)
		r->jobs_pending--;
	snprintf(id, sizeof(id), "%lld", (long long)job);
	log_event(LOG_ERROR,
	    "job keeps failing; set aside (kept in the jobs table)", "job", id,
	    NULL);
	return 0;
}

struct stale_list {
	struct strlist ids;
	int64_t *incidents;
};

static int
collect_stale(void *arg, const char *id, int64_t incident_id)
{
	struct stale_list *sl = arg;

	sl->incidents =
	    xrealloc(sl->incidents, (sl->ids.n + 1) * sizeof(*sl->incidents));
	sl->incidents[sl->ids.n] = incident_id;
	strlist_add(&sl->ids, id);
	return 0;
}

int
pipeline_sweep(struct relay *r)
{
	struct apply ap;
	struct stale_list sl;
	int rc = 0;

	memset(&ap, 0, sizeof(ap));
	memset(&sl, 0, sizeof(sl));
	ap.relay = r;
	ap.now = relay_now(r);
	if (store_begin(r->store) != 0)
		return -1;
	if (store_alerts_stale(r->store,
	        ap.now - r->cfg->grouping.resolve_after,
	        LIMIT_JOBS_PER_TICK * 16, collect_stale, &sl) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < sl.ids.n; i++)
		rc = resolve_stored(&ap, sl.ids.v[i], sl.incidents[i], 1);
	if (rc == 0)
		rc = pipeline_finish(&ap);
	if (rc == 0 && store_commit(r->store) != 0)
		rc = -1;
	if (rc != 0)
		store_rollback(r->store);
	else if (sl.ids.n > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
	touches_free(&ap);
	free(sl.incidents);
	strlist_free(&sl.ids);
	return rc;
}

static void
run_turn(struct pipeline *p)
{
	int64_t job;
	int max = p->single ? 1 : LIMIT_JOBS_PER_TICK;
	int n = run_batch(p->relay, max, LIMIT_TURN_US, &job);

	if (n < 0) {
		struct timeval tv = {1, 0};
		/* One job failing must not hold up the rest: retry one at a
		 * time, and set aside a job that keeps failing alone while the
		 * database itself is fine (a full disk fails every job: those
		 * wait). */
		if (job > 0 && !p->single) {
			p->single = 1;
		} else if (job > 0 && !store_degraded(p->relay->store) &&
		    !store_error_is_global(p->relay->store)) {
			p->bad_tries = job == p->bad_job ? p->bad_tries + 1 : 1;
			p->bad_job = job;
			if (p->bad_tries >= PIPELINE_POISON_TRIES &&
			    set_aside(p->relay, job) == 0) {
				p->bad_job = 0;
				p->bad_tries = 0;
				event_active(p->run, EV_TIMEOUT, 1);
				return;
			}
		}
		evtimer_add(p->retry, &tv);
		return;
	}
	if (n > 0) {
		p->single = 0;
		p->bad_job = 0;
		p->bad_tries = 0;
	}
	if (n == max) {
		/* More may be pending: yield to I/O, then continue. */
		event_active(p->run, EV_TIMEOUT, 1);
	}
}

static void
run_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;
	int64_t t0 = util_mono_us();

	run_turn(p);
	telemetry_busy(p->relay->telemetry, TASK_PIPELINE, t0);
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;
	struct timeval tv = {SWEEP_MS / 1000, 0};
	int64_t t0 = util_mono_us();

	if (pipeline_sweep(p->relay) != 0)
		log_event(LOG_ERROR, "staleness sweep failed", "error",
		    store_errmsg(p->relay->store), NULL);
	evtimer_add(p->sweep, &tv);
	telemetry_busy(p->relay->telemetry, TASK_SWEEP, t0);
}

struct pipeline *
pipeline_new(struct relay *r)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	struct timeval now = {0, 0};

	p->relay = r;
	p->run = event_new(r->base, -1, 0, run_cb, p);
	event_priority_set(p->run, RELAY_PRIO_WORK);
	p->retry = evtimer_new(r->base, run_cb, p);
	p->sweep = evtimer_new(r->base, sweep_cb, p);
	evtimer_add(p->sweep, &now);
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	event_free(p->run);
	event_free(p->retry);
	event_free(p->sweep);
	free(p);
}

void
pipeline_kick(struct pipeline *p)
{
	event_active(p->run, EV_TIMEOUT, 1);
}
