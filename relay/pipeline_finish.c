/*
 * pipeline_finish.c: what a transaction did to each incident, turned into
 * messages; see pipeline_int.h.
 */
#include "pipeline_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "incident.h"
#include "log.h"
#include "mention.h"
#include "notify.h"
#include "relay.h"
#include "store.h"
#include "store_history.h"
#include "store_rule.h"
#include "store_snooze.h"
#include "util.h"

static int
refresh_root(struct apply *ap, const struct store_incident *inc, int at_once)
{
	return notify_refresh_root(ap->relay, ap->now, inc, at_once);
}

static int
reply(struct apply *ap, const struct store_incident *inc, const char *tmpl,
    const char *event, size_t count)
{
	char detail[128];

	/* "N more firing" while the last one of the thread still waits to
	 * be sent: one reply with the sum says the same, once. */
	if (strcmp(event, "joined") == 0 && inc->root_id > 0) {
		int merged = store_message_merge_joined(
		    ap->relay->store, inc->root_id, (int64_t)count);
		if (merged != 0)
			return merged < 0 ? -1 : 0;
	}
	snprintf(detail, sizeof(detail), "{\"event\":\"%s\",\"count\":%zu}",
	    event, count);
	return notify_reply(ap->relay, ap->now, inc, tmpl, detail);
}

/*
 * Records the targets of t not mentioned yet in the incident and returns
 * them (new object; empty when none). Each target is mentioned once while
 * its incident is open (SPEC section 8).
 */
/* The history event of a first mention: its target, rules and why. */
static int
mention_event(
    struct apply *ap, int64_t incident_id, const char *target, json_t *why)
{
	json_t *d = json_deep_copy(why);
	char *text;
	int rc;

	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	json_object_set_new(d, "target", json_string(target));
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	rc = store_event_incident(
	    ap->relay->store, incident_id, "mentioned", ap->now, text);
	free(text);
	return rc;
}

static json_t *
new_targets(struct apply *ap, int64_t incident_id, const struct touch *t)
{
	json_t *fresh = json_object(), *v;
	const char *k;

	json_object_foreach(t->targets, k, v)
	{
		char *body;
		int seen = store_mentioned(ap->relay->store, incident_id, k);
		if (seen < 0)
			goto fail;
		if (seen)
			continue;
		body = json_dumps(v, JSON_COMPACT);
		if (body == NULL ||
		    store_mention_put(
		        ap->relay->store, incident_id, k, body, ap->now) != 0 ||
		    mention_event(ap, incident_id, k, v) != 0) {
			free(body);
			goto fail;
		}
		free(body);
		json_object_set(fresh, k, v);
	}
	return fresh;
fail:
	json_decref(fresh);
	return NULL;
}

/* Queues the root of an incident; its mentions are in the incident's
 * mention memory, its decisions in the detail. */
static int
post_root(struct apply *ap, const struct store_incident *inc,
    const struct touch *t, int mentions)
{
	json_t *detail = json_pack(
	    "{s:s,s:O}", "event", "opened", "decisions", t->decisions);
	char *text = json_dumps(detail, JSON_COMPACT);
	int64_t root = notify_new_root(ap->relay, ap->now, inc, text, mentions);

	free(text);
	json_decref(detail);
	return root < 0 ? -1 : 0;
}

/* A mention that is not in the root goes in a thread reply broadcast to
 * the channel: Slack notifies for new messages only, never for edits. */
static int
escalate(struct apply *ap, const struct store_incident *inc,
    const struct touch *t, json_t *targets)
{
	struct store_message m;
	json_t *detail = json_pack("{s:s,s:I,s:O,s:O}", "event", "escalated",
	    "count", (json_int_t)json_object_size(targets), "targets", targets,
	    "decisions", t->decisions);
	char *text = json_dumps(detail, JSON_COMPACT);
	int64_t id;

	memset(&m, 0, sizeof(m));
	m.incident_id = inc->id;
	m.kind = "reply";
	m.template = "update";
	m.channel = inc->channel;
	m.thread_of = inc->root_id;
	m.detail = text;
	m.broadcast = 1;
	m.priority = incident_priority(inc->severity, 1);
	m.created_at = ap->now;
	m.not_before = ap->now;
	id = inc->root_id > 0 ? store_message_add(ap->relay->store, &m) : 0;
	/* A broadcast is channel-visible: reminders count from it. */
	if (id > 0 &&
	    store_incident_set_visible(ap->relay->store, inc->id, ap->now) != 0)
		id = -1;
	free(text);
	json_decref(detail);
	return id < 0 ? -1 : 0;
}

/* Turns what happened to one incident into its messages. */
static int
finish_incident(struct apply *ap, const struct touch *t)
{
	struct relay *r = ap->relay;
	struct store_incident inc;
	int firing, unsnoozed; /* an alert fires; one of them is not snoozed */
	json_t *fresh = NULL;
	int found = store_incident_get(r->store, t->incident_id, &inc);
	int rc = -1;

	if (found <= 0)
		return found;
	/* Two index probes: counting the alerts of a long incident at every
	 * body would cost its size each time. */
	if (store_incident_firing(r->store, inc.id, &firing, &unsnoozed) != 0)
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
	if (notify_replace_failed_root(r, ap->now, &inc) < 0)
		return -1;
	if (t->truncated >= 0 && t->truncated != inc.truncated &&
	    store_incident_set_truncated(r->store, inc.id, t->truncated) != 0)
		return -1;
	if (t->remind >= 0 &&
	    (inc.remind_every < 0 || t->remind < inc.remind_every) &&
	    store_incident_set_remind(r->store, inc.id, t->remind) != 0)
		return -1;
	/* A silent incident speaks once an alert that is not silent fires
	 * in it: it is then posted as if it opened now. */
	if (inc.silent && t->loud && firing) {
		if (store_incident_set_silent(r->store, inc.id, 0) != 0)
			return -1;
		inc.silent = 0;
		if (inc.root_id <= 0) {
			struct touch t2 = *t;
			t2.opened = 1;
			return finish_incident(ap, &t2);
		}
	}
	if (inc.silent) {
		/* Recorded, never posted. */
		if (t->opened)
			r->stats.suppressed[0]++;
		if (!firing)
			return store_incident_close(
			    r->store, inc.id, ap->now, 0);
		return 0;
	}
	/* Snoozes (SPEC section 9): nothing is posted for snoozed alerts;
	 * an incident whose firing alerts are all snoozed stays quiet, and
	 * says "resolved while snoozed" when it resolves. */
	{
		int all = firing && !unsnoozed;
		if (!firing && inc.snoozed) {
			if (store_incident_close(
			        r->store, inc.id, ap->now, 0) != 0)
				return -1;
			if (inc.root_id > 0 &&
			    (refresh_root(ap, &inc, 1) != 0 ||
			        reply(ap, &inc, "reply", "resolved_snoozed",
			            t->resolved) != 0))
				return -1;
			return 0;
		}
		if (all != inc.snoozed &&
		    store_incident_set_snoozed(r->store, inc.id, all) != 0)
			return -1;
		if (all) {
			if (t->opened)
				r->stats.suppressed[0]++;
			return 0;
		}
		if (inc.snoozed && inc.root_id <= 0) {
			/* Snoozed since it opened, firing unsnoozed now. */
			struct touch t2 = *t;
			inc.snoozed = 0;
			t2.opened = 1;
			return finish_incident(ap, &t2);
		}
	}
	fresh = new_targets(ap, inc.id, t);
	if (fresh == NULL)
		return -1;

	if (t->opened) {
		if (!firing)
			rc = store_incident_close(r->store, inc.id, ap->now, 0);
		else
			rc =
			    post_root(ap, &inc, t, json_object_size(fresh) > 0);
		goto done;
	}
	if (!firing) {
		int stale = t->stale > 0 && t->stale == t->resolved;
		if (store_incident_close(r->store, inc.id, ap->now, stale) != 0)
			goto done;
		if (t->reopened) {
			rc = 0; /* fired again and resolved at once: nothing to
			           say */
			goto done;
		}
		if (refresh_root(ap, &inc, 1) != 0 ||
		    reply(ap, &inc, "reply",
		        stale ? "resolved_stale" : "resolved",
		        t->resolved) != 0)
			goto done;
		rc = 0;
		goto done;
	}
	if (json_object_size(fresh) > 0 && escalate(ap, &inc, t, fresh) != 0)
		goto done;
	if (t->reopened) {
		struct store_incident_counts counts;
		rc = store_incident_counts(r->store, inc.id, &counts) != 0 ||
		        refresh_root(ap, &inc, 1) != 0 ||
		        reply(ap, &inc, "update", "firing_again",
		            (size_t)counts.firing) != 0
		    ? -1
		    : 0;
		goto done;
	}
	if (t->joined > 0 &&
	    reply(ap, &inc, "update", "joined", t->joined) != 0)
		goto done;
	rc = t->joined > 0 || t->resolved > 0 || json_object_size(fresh) > 0
	    ? refresh_root(ap, &inc, 0)
	    : 0;
done:
	json_decref(fresh);
	return rc;
}

int
pipeline_finish(struct apply *ap)
{
	for (size_t i = 0; i < ap->ntouched; i++)
		if (finish_incident(ap, &ap->touched[i]) != 0)
			return -1;
	return 0;
}
