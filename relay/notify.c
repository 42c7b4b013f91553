/*
 * notify.c: incident messages; see notify.h.
 */
#include "notify.h"

#include <string.h>

#include "config.h"
#include "incident.h"
#include "relay.h"
#include "store.h"

int64_t
notify_new_root(struct relay *r, int64_t now, const struct store_incident *inc,
    const char *detail, int mentions)
{
	struct store_message m;
	int64_t root;

	memset(&m, 0, sizeof(m));
	m.incident_id = inc->id;
	m.kind = "root";
	m.template = "root";
	m.channel = inc->channel;
	m.detail = detail;
	m.priority = incident_priority(inc->severity, mentions);
	m.created_at = now;
	m.not_before = now;
	root = store_message_add(r->store, &m);
	if (root < 0 || store_incident_set_root(r->store, inc->id, root) != 0)
		return -1;
	return root;
}

int
notify_replace_failed_root(
    struct relay *r, int64_t now, struct store_incident *inc)
{
	int64_t root;
	int failed;

	if (inc->root_id <= 0)
		return 0;
	if (store_incident_root(r->store, inc->id, &root, &failed) != 0)
		return -1;
	if (!failed)
		return 0;
	if ((root = notify_new_root(r, now, inc, NULL, 0)) < 0)
		return -1;
	inc->root_id = root;
	return 1;
}

int
notify_refresh_root(
    struct relay *r, int64_t now, const struct store_incident *inc, int at_once)
{
	int64_t nb = now;
	int q, collapsed = 0;

	if (inc->root_id <= 0)
		return 0;
	/* An incoming webhook cannot edit what it posted: each notable
	 * change is a reply, posted as a message of its own. */
	if (!config_preview(r->cfg) && r->cfg->slack.bot_token[0] == '\0')
		return 0;
	/* A root not rendered yet will show the latest state anyway. */
	q = store_message_queued(r->store, inc->root_id);
	if (q > 0)
		r->stats.updates_collapsed++;
	if (q != 0)
		return q < 0 ? -1 : 0;
	if (!at_once && inc->last_update > 0 &&
	    inc->last_update + r->cfg->slack.update_debounce > nb)
		nb = inc->last_update + r->cfg->slack.update_debounce;
	if (store_message_update_root(r->store, inc->id, inc->root_id,
	        inc->channel, nb, now, &collapsed) < 0)
		return -1;
	r->stats.updates_collapsed += (uint64_t)collapsed;
	return store_incident_set_last_update(r->store, inc->id, nb);
}

int
notify_reply(struct relay *r, int64_t now, const struct store_incident *inc,
    const char *tmpl, const char *detail)
{
	struct store_message m;

	if (inc->root_id <= 0)
		return 0;
	memset(&m, 0, sizeof(m));
	m.incident_id = inc->id;
	m.kind = "reply";
	m.template = tmpl;
	m.channel = inc->channel;
	m.thread_of = inc->root_id;
	m.detail = detail;
	m.priority = incident_priority(inc->severity, 0);
	m.created_at = now;
	m.not_before = now;
	return store_message_add(r->store, &m) < 0 ? -1 : 0;
}
