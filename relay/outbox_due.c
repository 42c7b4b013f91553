/*
 * outbox_due.c: due messages and their rendering; see outbox_due.h. Also
 * outbox_render_due (preview mode and `render`), declared in outbox.h.
 */
#include "outbox_due.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "context.h"
#include "history.h"
#include "log.h"
#include "mention.h"
#include "outbox.h"
#include "relay.h"
#include "render.h"
#include "store.h"
#include "store_rule.h"
#include "store_snooze.h"
#include "interact.h"
#include "util.h"

struct ctx_fill {
	json_t *ctx;
	const struct config *cfg;
	int64_t now;
	int64_t snooze; /* the snooze of the first snoozed alert */
};

static int
add_alert(void *arg, const struct store_alert_row *r)
{
	struct ctx_fill *f = arg;
	if (f->snooze == 0 && r->snoozed_by > 0)
		f->snooze = r->snoozed_by;
	context_add_alert(f->ctx, f->cfg, r, f->now);
	return 0;
}

/*
 * Renders a message from its incident's current state. Returns 1 with
 * *text and *blocks new, 0 when it cannot be rendered (err set), -1 on a
 * database error.
 */
static int
render_row(struct relay *r, int64_t incident_id, const char *kind,
    const char *template, const char *detail, int64_t now, char **text,
    char **blocks, char **mentions, char *err, size_t errlen)
{
	struct catalog_answer ans;
	struct mention_owners owners;
	const char *users[64];
	const struct config *cfg = r->cfg;
	struct store_incident inc;
	struct store_incident_counts counts;
	struct ctx_fill f = {NULL, cfg, now, 0};
	int inc_open, inc_snoozed;
	const char *tmpl = template;
	int found;

	found = store_incident_get(r->store, incident_id, &inc);
	if (found < 0 ||
	    store_incident_counts(r->store, incident_id, &counts) != 0)
		return -1;
	if (found == 0) {
		snprintf(err, errlen, "incident %lld is gone",
		    (long long)incident_id);
		return 0;
	}
	/* Rendering waits for the catalog (at most catalog.timeout); its
	 * ready callback kicks the outbox again. */
	memset(&ans, 0, sizeof(ans));
	ans.source = CATALOG_UNKNOWN;
	if (r->catalog != NULL &&
	    catalog_lookup(r->catalog, inc.namespace, now, &ans) == 0)
		return 2;
	memset(&owners, 0, sizeof(owners));
	if (ans.entry != NULL) {
		owners.usergroup = ans.entry->team.slack_usergroup;
		for (size_t i = 0; i < ans.entry->nowners && i < 64; i++)
			users[owners.nusers++] =
			    ans.entry->owners[i].slack_user;
		owners.users = users;
	}
	/* The context copies what it needs before the next store call. */
	f.ctx = context_begin(cfg, &inc, &counts, kind, detail, now);
	inc_open = inc.open;
	inc_snoozed = inc.snoozed;
	if (strcmp(tmpl, "root") == 0)
		tmpl = !inc.open  ? "resolved"
		    : inc.snoozed ? "snoozed"
		                  : "firing";
	{
		/* The root shows everyone its incident mentioned; a reply the
		 * targets it was queued for. */
		json_t *targets = json_object();
		if (strcmp(kind, "root") == 0 || strcmp(kind, "update") == 0 ||
		    strcmp(kind, "reminder") == 0) {
			if (store_mentions_of(r->store, incident_id, targets) !=
			    0) {
				json_decref(targets);
				json_decref(f.ctx);
				return -1;
			}
		} else {
			json_t *d = json_loads(detail, 0, NULL);
			json_t *t = json_object_get(d, "targets");
			if (json_is_object(t))
				json_object_update(targets, t);
			json_decref(d);
		}
		{
			/* Items (team, owners) become mentions with the
			 * catalog's answer of now. */
			int unknown = 0;
			json_t *resolved = mention_resolve(targets,
			    ans.entry != NULL ? &owners : NULL,
			    cfg->slack.fallback_mention, &unknown);
			json_decref(targets);
			targets = resolved;
		}
		context_set_mentions(f.ctx, targets);
		/* What this message pings: an edit notifies nobody. */
		*mentions = strcmp(kind, "update") == 0
		    ? xstrdup("[]")
		    : json_dumps(
		          json_object_get(f.ctx, "mentions"), JSON_COMPACT);
		json_decref(targets);
	}
	if (store_incident_alerts(
	        r->store, incident_id, CONTEXT_MAX_ALERTS, add_alert, &f) < 0) {
		json_decref(f.ctx);
		return -1;
	}
	context_finish(f.ctx, cfg);
	/* Snooze buttons on the root of an open incident, when Slack can
	 * reach us back (a signing secret is set). */
	if (cfg->slack.signing_secret[0] != '\0' && inc_open &&
	    (strcmp(kind, "root") == 0 || strcmp(kind, "update") == 0)) {
		json_t *b = interact_buttons(incident_id, inc_snoozed), *x;
		size_t i;
		/* "Until resolved" is not offered yet: its snooze would have
		 * to end with the incident. */
		json_array_foreach(b, i, x)
		{
			if (strcmp(json_string_value(
			               json_object_get(x, "action_id")),
			        "snooze_resolved") == 0) {
				json_array_remove(b, i);
				break;
			}
		}
		context_set_buttons(f.ctx, b);
	}
	if (inc_snoozed && f.snooze > 0) {
		struct store_snooze z;
		char until[40];
		if (store_snooze_get(r->store, f.snooze, &z) == 1) {
			util_time_format(z.ends_at, until, sizeof(until));
			json_object_set_new(f.ctx, "snooze",
			    json_pack("{s:s,s:s,s:s}", "by",
			        z.author_name[0] != '\0' ? z.author_name
			                                 : z.author,
			        "until", until, "reason", z.reason));
		}
	}
	context_set_owners(
	    f.ctx, cfg, ans.entry, catalog_source_name(ans.source));
	found =
	    render_fitted(r->render, tmpl, f.ctx, text, blocks, err, errlen);
	json_decref(f.ctx);
	return found == 0 ? 1 : 0;
}

int
outbox_due_collect(void *arg, const struct store_message *m)
{
	struct outbox_due_list *l = arg;
	struct outbox_due *d;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->id = m->id;
	d->incident_id = m->incident_id;
	d->thread_of = m->thread_of;
	d->created_at = m->created_at;
	d->attempts = m->attempts;
	d->plain = m->plain;
	snprintf(d->kind, sizeof(d->kind), "%s", m->kind);
	snprintf(d->template, sizeof(d->template), "%s", m->template);
	snprintf(d->channel, sizeof(d->channel), "%s", m->channel);
	if (m->root_channel != NULL)
		snprintf(d->root_channel, sizeof(d->root_channel), "%s",
		    m->root_channel);
	if (m->root_ts != NULL)
		snprintf(d->root_ts, sizeof(d->root_ts), "%s", m->root_ts);
	d->detail = xstrdup(m->detail);
	d->text = xstrdup(m->text);
	d->blocks = xstrdup(m->blocks);
	return 0;
}

void
outbox_due_free(struct outbox_due_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].detail);
		free(l->v[i].text);
		free(l->v[i].blocks);
	}
	free(l->v);
}

/*
 * A root whose incident has no channel yet (no rule pinned one) gets it
 * now, when it goes out: the catalog team's, else the default; then it is
 * pinned. 1 done, 2 waiting for the catalog, -1 database.
 */
int
outbox_due_pin(struct relay *r, struct outbox_due *d, int64_t now)
{
	struct catalog_answer ans;
	struct store_incident inc;
	const char *team = NULL;

	if (strcmp(d->kind, "root") != 0 || d->channel[0] != '\0' ||
	    d->incident_id <= 0)
		return 1;
	if (store_incident_get(r->store, d->incident_id, &inc) != 1)
		return -1;
	if (r->catalog != NULL) {
		if (catalog_lookup(r->catalog, inc.namespace, now, &ans) == 0)
			return 2;
		if (ans.entry != NULL)
			team = ans.entry->team.slack_channel;
	}
	if (inc.channel[0] != '\0')
		team = inc.channel; /* pinned before (a re-posted root) */
	snprintf(d->channel, sizeof(d->channel), "%s",
	    team != NULL && *team != '\0' ? team
	                                  : r->cfg->slack.default_channel);
	if (store_incident_set_channel(r->store, d->incident_id, d->channel) !=
	        0 ||
	    store_message_set_channel(r->store, d->id, d->channel) != 0)
		return -1;
	return 1;
}

/* Renders d into *text and *blocks (new). 1 ok, 0 failed for good, -1 db. */
int
outbox_due_render(struct relay *r, struct outbox_due *d, int64_t now,
    char **text, char **blocks, char **mentions, char *err, size_t errlen)
{
	if (d->incident_id <= 0) {
		/* Messages without an incident (digests) are rendered when
		 * they are queued. */
		*text = xstrdup(d->text);
		*blocks = xstrdup(d->blocks);
		*mentions = xstrdup("[]");
		return 1;
	}
	return render_row(r, d->incident_id, d->kind, d->template, d->detail,
	    now, text, blocks, mentions, err, errlen);
}

int
outbox_render_due(struct relay *r, int64_t due, int max, int64_t budget_us)
{
	struct outbox_due_list l = {NULL, 0};
	int64_t now = relay_now(r);
	int64_t deadline = budget_us > 0 ? util_mono_us() + budget_us : 0;
	int rc = 0, stopped = 0;
	size_t done = 0;

	if (store_begin(r->store) != 0)
		return -1;
	if (store_messages_due(
	        r->store, due, (size_t)max, outbox_due_collect, &l) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < l.n; i++, done++) {
		char *text = NULL, *blocks = NULL, *mentions = NULL, err[512];
		int ok;

		if (i > 0 && deadline > 0 && util_mono_us() > deadline) {
			stopped = 1; /* the rest next turn, after I/O */
			break;
		}
		ok = outbox_due_pin(r, &l.v[i], now);
		if (ok == 1)
			ok = outbox_due_render(r, &l.v[i], now, &text, &blocks,
			    &mentions, err, sizeof(err));
		if (ok == 2)
			; /* waiting for the catalog */
		else if (ok < 0)
			rc = -1;
		else if (ok == 0) {
			log_event(LOG_ERROR, "message cannot be rendered",
			    "error", err, NULL);
			rc = store_message_rendered(r->store, l.v[i].id, "",
			    "[]", "[]", "failed", err, now);
			if (rc == 0)
				rc = history_message(r, l.v[i].id, l.v[i].kind,
				    now, l.v[i].channel, NULL, err, 0);
		} else {
			rc = store_message_rendered(r->store, l.v[i].id, text,
			    blocks, mentions != NULL ? mentions : "[]",
			    "preview", NULL, now);
			if (rc == 0)
				rc = history_message(r, l.v[i].id, l.v[i].kind,
				    now, l.v[i].channel, NULL, NULL, 1);
		}
		free(text);
		free(blocks);
		free(mentions);
	}
	if (rc == 0)
		rc = store_commit(r->store);
	else
		store_rollback(r->store);
	outbox_due_free(&l);
	if (rc != 0) {
		log_event(LOG_ERROR, "rendering failed", "error",
		    store_errmsg(r->store), NULL);
		return -1;
	}
	return stopped ? max : (int)done;
}
