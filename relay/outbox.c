/*
 * outbox.c: rendering of due messages; see outbox.h.
 */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "context.h"
#include "log.h"
#include "relay.h"
#include "render.h"
#include "store.h"
#include "util.h"

/* Messages rendered per loop turn: each renders in well under a millisecond,
 * so a turn stays short. */
#define OUTBOX_BATCH 32

struct outbox {
	struct relay *relay;
	struct event *run;
	struct event *timer; /* the next debounced message */
};

/* What a due message needs, copied out of the statement that found it. */
struct due {
	int64_t id;
	int64_t incident_id;
	char kind[16];
	char template[32];
	char *detail;
};

struct due_list {
	struct due *v;
	size_t n;
};

static int
collect_due(void *arg, const struct store_message *m)
{
	struct due_list *l = arg;
	struct due *d;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	d = &l->v[l->n++];
	d->id = m->id;
	d->incident_id = m->incident_id;
	snprintf(d->kind, sizeof(d->kind), "%s", m->kind);
	snprintf(d->template, sizeof(d->template), "%s", m->template);
	d->detail = xstrdup(m->detail);
	return 0;
}

struct ctx_fill {
	json_t *ctx;
	const struct config *cfg;
	int64_t now;
};

static int
add_alert(void *arg, const struct store_alert_row *r)
{
	struct ctx_fill *f = arg;
	context_add_alert(f->ctx, f->cfg, r, f->now);
	return 0;
}

/* Renders one message; returns 0 (rendered or failed for good) or -1 when
 * the database failed. */
static int
render_one(struct relay *r, const struct due *d, int64_t now)
{
	const struct config *cfg = r->cfg;
	struct store_incident inc;
	struct store_incident_counts counts;
	struct ctx_fill f = {NULL, cfg, now};
	char *text = NULL, *blocks = NULL, err[512];
	const char *tmpl = d->template;
	int rc = 0, found;

	if (d->incident_id <= 0) {
		/* Messages without an incident (digests) come rendered. */
		return 0;
	}
	found = store_incident_get(r->store, d->incident_id, &inc);
	if (found < 0 ||
	    store_incident_counts(r->store, d->incident_id, &counts) != 0)
		return -1;
	if (found == 0) {
		return store_message_rendered(r->store, d->id, "", "[]", "[]",
		    "failed", "incident is gone", now);
	}
	/* The context copies what it needs before the next store call. */
	f.ctx = context_begin(cfg, &inc, &counts, d->kind, d->detail, now);
	if (strcmp(tmpl, "root") == 0)
		tmpl = inc.open ? "firing" : "resolved";
	if (store_incident_alerts(r->store, d->incident_id, CONTEXT_MAX_ALERTS,
	        add_alert, &f) < 0) {
		json_decref(f.ctx);
		return -1;
	}
	context_finish(f.ctx, cfg);
	if (render_fitted(r->render, tmpl, f.ctx, &text, &blocks, err,
	        sizeof(err)) != 0) {
		log_event(LOG_ERROR, "message cannot be rendered", "template",
		    tmpl, "error", err, NULL);
		rc = store_message_rendered(
		    r->store, d->id, "", "[]", "[]", "failed", err, now);
	} else {
		rc = store_message_rendered(r->store, d->id, text, blocks, "[]",
		    config_preview(cfg) ? "preview" : "pending", NULL, now);
	}
	free(text);
	free(blocks);
	json_decref(f.ctx);
	return rc;
}

int
outbox_render_due(struct relay *r, int64_t due, int max)
{
	struct due_list l = {NULL, 0};
	int64_t now = relay_now(r);
	int rc = 0;

	if (store_begin(r->store) != 0)
		return -1;
	if (store_messages_due(r->store, due, (size_t)max, collect_due, &l) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = render_one(r, &l.v[i], now);
	if (rc == 0)
		rc = store_commit(r->store);
	else
		store_rollback(r->store);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].detail);
	free(l.v);
	if (rc != 0) {
		log_event(LOG_ERROR, "rendering failed", "error",
		    store_errmsg(r->store), NULL);
		return -1;
	}
	return (int)l.n;
}

static void
run_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *o = arg;
	struct relay *r = o->relay;
	int64_t now = relay_now(r), next;
	int n = outbox_render_due(r, now, OUTBOX_BATCH);
	struct timeval tv;

	if (n == OUTBOX_BATCH) {
		event_active(o->run, EV_TIMEOUT, 1);
		return;
	}
	/* Sleep until the next debounced message (or retry after a failure). */
	next = n < 0 ? now + 1000 : store_messages_next_due(r->store);
	evtimer_del(o->timer);
	if (next <= 0)
		return;
	if (next < now)
		next = now;
	tv.tv_sec = (next - now) / 1000;
	tv.tv_usec = (next - now) % 1000 * 1000;
	evtimer_add(o->timer, &tv);
}

struct outbox *
outbox_new(struct relay *r)
{
	struct outbox *o = xcalloc(1, sizeof(*o));

	o->relay = r;
	o->run = event_new(r->base, -1, 0, run_cb, o);
	event_priority_set(o->run, 1);
	o->timer = evtimer_new(r->base, run_cb, o);
	return o;
}

void
outbox_free(struct outbox *o)
{
	if (o == NULL)
		return;
	event_free(o->run);
	event_free(o->timer);
	free(o);
}

void
outbox_kick(struct outbox *o)
{
	event_active(o->run, EV_TIMEOUT, 1);
}
