/*
 * reminder.c: reminders; see reminder.h.
 */
#include "reminder.h"

#include <string.h>

#include "config.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "relay.h"
#include "store.h"
#include "util.h"

/* Reminders queued per tick: a backlog after downtime drains gently. */
#define REMINDER_BATCH 64

struct due {
	int64_t id;
	int64_t root;
	char channel[96];
	char severity[32];
};

struct due_list {
	struct due v[REMINDER_BATCH];
	size_t n;
};

static int
collect(void *arg, const struct store_incident *i)
{
	struct due_list *l = arg;
	struct due *d;

	if (l->n == REMINDER_BATCH)
		return 1;
	d = &l->v[l->n++];
	d->id = i->id;
	d->root = i->root_id;
	snprintf(d->channel, sizeof(d->channel), "%s", i->channel);
	snprintf(d->severity, sizeof(d->severity), "%s", i->severity);
	return 0;
}

int
reminder_tick(struct relay *r)
{
	struct due_list l;
	int64_t now = relay_now(r);
	int rc = 0;

	l.n = 0;
	if (store_begin(r->store) != 0)
		return -1;
	if (store_incidents_remind_due(r->store, now,
	        r->cfg->reminders.default_every, REMINDER_BATCH, collect,
	        &l) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct store_message m;

		memset(&m, 0, sizeof(m));
		m.incident_id = l.v[i].id;
		m.kind = "reminder";
		m.template = "reminder";
		m.channel = l.v[i].channel;
		m.thread_of = l.v[i].root;
		m.detail = "{\"event\":\"reminder\"}";
		m.broadcast = 1;
		m.priority = incident_priority(l.v[i].severity, 1);
		m.created_at = now;
		m.not_before = now;
		if (store_message_add(r->store, &m) < 0 ||
		    store_incident_set_visible(r->store, l.v[i].id, now) != 0)
			rc = -1;
	}
	if (rc == 0)
		rc = store_commit(r->store);
	else
		store_rollback(r->store);
	if (rc != 0) {
		log_event(LOG_ERROR, "reminders failed", "error",
		    store_errmsg(r->store), NULL);
		return -1;
	}
	if (l.n > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
	return (int)l.n;
}
