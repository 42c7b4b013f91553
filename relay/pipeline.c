/*
 * pipeline.c: applies committed webhook jobs to alerts, incidents and the
 * outbox; see pipeline.h. The rules of SPEC section 5 that need no I/O are
 * in incident.c; this file runs them against the store.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alert.h"
#include "buf.h"
#include "config.h"
#include "incident.h"
#include "limits.h"
#include "log.h"
#include "outbox.h"
#include "relay.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

/* How often firing alerts are checked for staleness (resolve_after). */
#define SWEEP_MS 30000

struct pipeline {
	struct relay *relay;
	struct event *run;   /* a processing turn, after I/O */
	struct event *retry; /* after a database failure */
	struct event *sweep; /* staleness */
};

/* What one transaction did to an incident; turned into messages at its end. */
struct touch {
	int64_t incident_id;
	int opened;        /* created now */
	int reopened;      /* closed within reopen_window, firing again */
	size_t joined;     /* alerts that started firing in it */
	size_t resolved;   /* alerts that resolved */
	size_t stale;      /* of which: not re-sent for resolve_after */
	int64_t truncated; /* what the body said it dropped (-1: no body) */
};

struct apply {
	struct relay *relay;
	int64_t now;
	struct touch *touched;
	size_t ntouched;
	int failed;
	size_t applied;
	/* snapshot diffing: the ids of the batch, sorted */
	char **ids;
	size_t nids;
};

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
	return &ap->touched[ap->ntouched++];
}

/* The incident a newly firing alert belongs to: the open one of its key, a
 * recently closed one (reopened), or a new one. Returns its id or -1. */
static int64_t
incident_for(struct apply *ap, const struct alert *a)
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
	/* The channel is decided once, here, and pinned. */
	incident_labels_json(a, &cfg->grouping.incident_labels, &labels);
	sev = kvlist_get(&a->labels, "severity");
	id = store_incident_create(r->store, buf_str(&key), a->namespace,
	    a->alertname, buf_str(&labels), cfg->slack.default_channel,
	    sev != NULL ? sev : "", ap->now);
	if (id > 0)
		touch(ap, id)->opened = 1;
done:
	buf_free(&key);
	buf_free(&labels);
	return id;
}

/* Applies one alert of a batch to its stored state. */
static int
apply_alert(
    struct apply *ap, const struct alert_batch *b, const struct alert *a)
{
	struct relay *r = ap->relay;
	struct store_alert_prev prev;
	struct incident_prev ip;
	char id[160];
	int64_t notifications, first_seen = ap->now, incident_id;

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
		incident_id = incident_for(ap, a);
		if (incident_id < 0)
			return -1;
		if (store_episode_start(r->store, id,
		        a->starts_at != 0 ? a->starts_at : ap->now,
		        ap->now) != 0)
			return -1;
		break;
	case INCIDENT_RESOLVED:
		if (store_episode_end(r->store, id,
		        a->ends_at != 0 ? a->ends_at : ap->now) != 0)
			return -1;
		if (incident_id > 0 && prev.incident_open)
			touch(ap, incident_id)->resolved++;
		break;
	case INCIDENT_UNSEEN:
		/* Recorded, never posted. */
		incident_id = 0;
		break;
	case INCIDENT_NONE:
		if (a->status == ALERT_FIRING)
			notifications++;
		break;
	}
	if (incident_id > 0 && a->status == ALERT_FIRING) {
		struct touch *t = touch(ap, incident_id);
		if ((int64_t)b->truncated > t->truncated)
			t->truncated = (int64_t)b->truncated;
	}
	ap->applied++;
	return store_alert_put(r->store, id, b->source, b->group_key, a,
	    ap->now, first_seen, notifications, incident_id, 0);
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
	    store_episode_end(r->store, id, ap->now) != 0)
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

/* Queues a refresh of the root, at once or after the debounce. */
static int
refresh_root(struct apply *ap, const struct store_incident *inc, int at_once)
{
	struct relay *r = ap->relay;
	int64_t nb = ap->now;
	int q;

	if (inc->root_id <= 0)
		return 0;
	/* An incoming webhook cannot edit what it posted: each notable
	 * change is a reply, posted as a message of its own. */
	if (!config_preview(r->cfg) && r->cfg->slack.bot_token[0] == '\0')
		return 0;
	/* A root not rendered yet will show the latest state anyway. */
	q = store_message_queued(r->store, inc->root_id);
	if (q != 0)
		return q < 0 ? -1 : 0;
	if (!at_once && inc->last_update > 0 &&
	    inc->last_update + r->cfg->slack.update_debounce > nb)
		nb = inc->last_update + r->cfg->slack.update_debounce;
	if (store_message_update_root(
	        r->store, inc->id, inc->root_id, inc->channel, nb, ap->now) < 0)
		return -1;
	return store_incident_set_last_update(r->store, inc->id, nb);
}

/* Queues a thread reply about what happened. */
static int
reply(struct apply *ap, const struct store_incident *inc, const char *tmpl,
    const char *event, size_t count)
{
	struct store_message m;
	char detail[128];

	if (inc->root_id <= 0)
		return 0;
	snprintf(detail, sizeof(detail), "{\"event\":\"%s\",\"count\":%zu}",
	    event, count);
	memset(&m, 0, sizeof(m));
	m.incident_id = inc->id;
	m.kind = "reply";
	m.template = tmpl;
	m.channel = inc->channel;
	m.thread_of = inc->root_id;
	m.detail = detail;
	m.priority = incident_priority(inc->severity, 0);
	m.created_at = ap->now;
	m.not_before = ap->now;
	return store_message_add(ap->relay->store, &m) < 0 ? -1 : 0;
}

/* Turns what happened to one incident into its messages. */
static int
finish_incident(struct apply *ap, const struct touch *t)
{
	struct relay *r = ap->relay;
	struct store_incident inc;
	struct store_incident_counts counts;
	int found = store_incident_get(r->store, t->incident_id, &inc);

	if (found <= 0)
		return found;
	if (store_incident_counts(r->store, inc.id, &counts) != 0)
		return -1;
	if (t->truncated >= 0 && t->truncated != inc.truncated &&
	    store_incident_set_truncated(r->store, inc.id, t->truncated) != 0)
		return -1;
	/* inc's strings live in a statement that the calls below reuse:
	 * keep what is needed. */
	char channel[256], severity[64];
	snprintf(channel, sizeof(channel), "%s", inc.channel);
	snprintf(severity, sizeof(severity), "%s", inc.severity);
	inc.channel = channel;
	inc.severity = severity;
	inc.key = inc.namespace = inc.alertname = inc.labels = NULL;
	inc.slack_channel = inc.slack_ts = NULL;

	if (t->opened) {
		struct store_message m;
		int64_t root;

		if (counts.firing == 0)
			return store_incident_close(
			    r->store, inc.id, ap->now, 0);
		memset(&m, 0, sizeof(m));
		m.incident_id = inc.id;
		m.kind = "root";
		m.template = "root";
		m.channel = inc.channel;
		m.priority = incident_priority(inc.severity, 0);
		m.created_at = ap->now;
		m.not_before = ap->now;
		root = store_message_add(r->store, &m);
		if (root < 0 ||
		    store_incident_set_root(r->store, inc.id, root) != 0)
			return -1;
		return 0;
	}
	if (counts.firing == 0) {
		int stale = t->stale > 0 && t->stale == t->resolved;
		if (store_incident_close(r->store, inc.id, ap->now, stale) != 0)
			return -1;
		if (t->reopened)
			return 0; /* fired again and resolved at once: nothing
			             to say */
		if (refresh_root(ap, &inc, 1) != 0 ||
		    reply(ap, &inc, "reply",
		        stale ? "resolved_stale" : "resolved",
		        t->resolved) != 0)
			return -1;
		return 0;
	}
	if (t->reopened)
		return refresh_root(ap, &inc, 1) != 0 ||
		        reply(ap, &inc, "update", "firing_again",
		            (size_t)counts.firing) != 0
		    ? -1
		    : 0;
	if (t->joined > 0 &&
	    reply(ap, &inc, "update", "joined", t->joined) != 0)
		return -1;
	if (t->joined > 0 || t->resolved > 0)
		return refresh_root(ap, &inc, 0);
	return 0;
}

static int
finish(struct apply *ap)
{
	for (size_t i = 0; i < ap->ntouched; i++)
		if (finish_incident(ap, &ap->touched[i]) != 0)
			return -1;
	return 0;
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

	memset(&opts, 0, sizeof(opts));
	opts.namespace_labels = &cfg->grouping.namespace_labels;
	opts.default_namespace = cfg->grouping.default_namespace;
	opts.max_alerts = SIZE_MAX;
	opts.now = j->received_at;
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

int
pipeline_run_once(struct relay *r, int max)
{
	struct apply ap;
	int n;

	memset(&ap, 0, sizeof(ap));
	ap.relay = r;
	ap.now = relay_now(r);
	if (store_begin(r->store) != 0)
		return -1;
	n = store_jobs_pending(r->store, (size_t)max, apply_job, &ap);
	if (n < 0 || ap.failed || finish(&ap) != 0) {
		log_event(LOG_ERROR, "job processing failed", "error",
		    store_errmsg(r->store), NULL);
		store_rollback(r->store);
		free(ap.touched);
		return -1;
	}
	free(ap.touched);
	if (store_commit(r->store) != 0) {
		log_event(LOG_ERROR, "job commit failed", "error",
		    store_errmsg(r->store), NULL);
		return -1;
	}
	r->stats.jobs_processed += (uint64_t)n;
	if (n > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
	return n;
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
		rc = finish(&ap);
	if (rc == 0 && store_commit(r->store) != 0)
		rc = -1;
	if (rc != 0)
		store_rollback(r->store);
	else if (sl.ids.n > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
	free(ap.touched);
	free(sl.incidents);
	strlist_free(&sl.ids);
	return rc;
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

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;
	struct timeval tv = {SWEEP_MS / 1000, 0};

	if (pipeline_sweep(p->relay) != 0)
		log_event(LOG_ERROR, "staleness sweep failed", "error",
		    store_errmsg(p->relay->store), NULL);
	evtimer_add(p->sweep, &tv);
}

struct pipeline *
pipeline_new(struct relay *r)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	struct timeval now = {0, 0};

	p->relay = r;
	p->run = event_new(r->base, -1, 0, run_cb, p);
	event_priority_set(p->run, 1);
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
