/*
 * history.c: history's API, message events and housekeeping; see
 * history.h.
 */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "config.h"
#include "context.h"
#include "digest.h"
#include "http_server.h"
#include "limits.h"
#include "log.h"
#include "outbox.h"
#include "relay.h"
#include "store.h"
#include "store_history.h"
#include "store_rule.h"
#include "util.h"

#define DAY_MS (24 * 3600 * 1000LL)
/* Hourly counts are kept two days: the overview looks back one. */
#define HOURS_KEPT_MS (2 * DAY_MS)
/* A namespace in a URL path is a label value: bounded, never empty. */
#define HISTORY_MAX_NAMESPACE 1024

int
history_time_arg(const char *s, int64_t now, int64_t *out)
{
	int64_t ms;

	if (s == NULL || *s == '\0')
		return -1;
	if (util_time_parse(s, out) == 0)
		return 0;
	if (util_duration_parse(s, &ms) != 0 || ms > now)
		return -1;
	*out = now - ms;
	return 0;
}

json_t *
history_event_json(const struct store_event *e)
{
	json_t *detail = json_loads(e->detail, 0, NULL);

	if (!json_is_object(detail)) {
		json_decref(detail);
		detail = json_object();
	}
	return json_pack("{s:I,s:o,s:s,s:s,s:s,s:o,s:o,s:o}", "id",
	    (json_int_t)e->id, "time", context_time(e->time), "kind", e->kind,
	    "namespace", e->namespace, "alertname", e->alertname, "incident_id",
	    e->incident_id > 0 ? json_integer((json_int_t)e->incident_id)
	                       : json_null(),
	    "alert", e->alert != NULL ? json_string(e->alert) : json_null(),
	    "detail", detail);
}

/* ---- API ---- */

struct ns_list {
	struct relay *relay;
	json_t *list;
	int64_t now;
};

json_t *
history_owners(struct relay *r, const char *ns, int64_t now)
{
	struct catalog_answer ans;
	json_t *o = json_object(), *owners = json_array(), *team = json_null();

	if (r->catalog != NULL &&
	    catalog_lookup(r->catalog, ns, now, &ans) == 1 &&
	    ans.entry != NULL) {
		const struct catalog_entry *e = ans.entry;
		const char *name =
		    e->team.name[0] != '\0' ? e->team.name : e->team.code;
		if (*name != '\0')
			team = json_string(name);
		for (size_t i = 0; i < e->nowners; i++)
			json_array_append_new(owners,
			    json_string(e->owners[i].name[0] != '\0'
			            ? e->owners[i].name
			            : e->owners[i].slack_user));
		json_object_set_new(
		    o, "catalog", json_string(catalog_source_name(ans.source)));
	}
	json_object_set_new(o, "team", team);
	json_object_set_new(o, "owners", owners);
	return o;
}

static int
namespace_row(void *arg, const struct store_namespace *n)
{
	struct ns_list *l = arg;
	json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:o}", "namespace",
	    n->namespace, "firing", (json_int_t)n->firing, "snoozed",
	    (json_int_t)n->snoozed, "fired_24h", (json_int_t)n->fired,
	    "open_incidents", (json_int_t)n->open, "oldest_open",
	    context_time(n->oldest_open));

	if (o == NULL)
		return 0;
	json_object_update_new(
	    o, history_owners(l->relay, n->namespace, l->now));
	json_array_append_new(l->list, o);
	return 0;
}

void
history_api_namespaces(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct ns_list l = {r, json_array(), relay_now(r)};

	if (store_namespaces(r->store, l.now - DAY_MS, LIMIT_API_LIST,
	        namespace_row, &l) < 0) {
		json_decref(l.list);
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		return;
	}
	http_reply_json(c->req, 200, json_pack("{s:o}", "namespaces", l.list));
}

struct ev_list {
	json_t *list;
	size_t limit;
	int64_t last_id; /* of the last event listed */
	int more;
};

static int
event_row(void *arg, const struct store_event *e)
{
	struct ev_list *l = arg;

	if (json_array_size(l->list) == l->limit) {
		l->more = 1;
		return 1;
	}
	json_array_append_new(l->list, history_event_json(e));
	l->last_id = e->id;
	return 0;
}

/* The namespace of ".../{ns}/history" (ctx->tail), or NULL. */
static char *
path_namespace(const char *tail)
{
	static const char suffix[] = "/history";
	size_t n = tail != NULL ? strlen(tail) : 0, k = sizeof(suffix) - 1;

	if (n <= k || strcmp(tail + n - k, suffix) != 0 ||
	    n - k > HISTORY_MAX_NAMESPACE)
		return NULL;
	return xstrndup(tail, n - k);
}

void
history_api_events(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct store_event_filter f;
	struct ev_list l = {NULL, LIMIT_API_LIST_DEFAULT, 0, 0};
	const char *since = http_query(c, "since"),
	           *until = http_query(c, "until"),
	           *limit = http_query(c, "limit"),
	           *cursor = http_query(c, "cursor");
	int64_t now = relay_now(r);
	char *ns = path_namespace(c->tail);
	long long n;
	const char *err;

	memset(&f, 0, sizeof(f));
	if (ns == NULL) {
		http_reply_error(c->req, 404,
		    "not found: /api/v1/namespaces/NAMESPACE/history");
		return;
	}
	f.namespace = ns;
	if (since != NULL && history_time_arg(since, now, &f.since) != 0) {
		http_reply_error(c->req, 400,
		    "since: an RFC 3339 time or a duration back from now");
		goto done;
	}
	if (until != NULL && history_time_arg(until, now, &f.until) != 0) {
		http_reply_error(c->req, 400,
		    "until: an RFC 3339 time or a duration back from now");
		goto done;
	}
	if (limit != NULL) {
		if (util_strtonum(limit, 1, LIMIT_API_LIST, &n, &err) != 0) {
			http_reply_error(c->req, 400,
			    "limit: a whole number from 1 to %d",
			    LIMIT_API_LIST);
			goto done;
		}
		l.limit = (size_t)n;
	}
	if (cursor != NULL) {
		if (util_strtonum(cursor, 1, INT64_MAX, &n, &err) != 0) {
			http_reply_error(c->req, 400,
			    "cursor: the \"next\" of an earlier page");
			goto done;
		}
		f.before_id = n;
	}
	f.limit = l.limit + 1; /* one more tells whether a page follows */
	l.list = json_array();
	if (store_events_list(r->store, &f, event_row, &l) < 0) {
		json_decref(l.list);
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		goto done;
	}
	{
		char next[24];
		snprintf(next, sizeof(next), "%lld", (long long)l.last_id);
		http_reply_json(c->req, 200,
		    json_pack("{s:o,s:o}", "events", l.list, "next",
		        l.more ? json_string(next) : json_null()));
	}
done:
	free(ns);
}

/* ---- message outcomes ---- */

int
history_message(struct relay *r, int64_t id, const char *kind, int64_t now,
    const char *channel, const char *ts, const char *error, int preview)
{
	const char *what = error != NULL  ? "failed"
	    : strcmp(kind, "update") == 0 ? "updated"
	                                  : "posted";
	json_t *d =
	    json_pack("{s:I,s:s}", "message", (json_int_t)id, "kind", kind);
	char *text;
	int rc;

	if (channel != NULL)
		json_object_set_new(d, "channel", json_string(channel));
	if (ts != NULL)
		json_object_set_new(d, "ts", json_string(ts));
	if (error != NULL)
		json_object_set_new(d, "error", json_string(error));
	if (preview)
		json_object_set_new(d, "preview", json_true());
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	rc = store_event_message(r->store, id, what, now, text);
	free(text);
	return rc;
}

/* ---- housekeeping ---- */

static void
prune(struct relay *r, int64_t now)
{
	const struct config *cfg = r->cfg;
	struct store_prune p;
	int rc;

	if (now < r->prune_at)
		return;
	/* Again in a while, or at the next tick when a batch was full. */
	r->prune_at = now + HISTORY_PRUNE_EVERY_MS;
	if (store_begin(r->store) != 0)
		return;
	rc = store_prune(r->store, now - cfg->retention,
	    now - cfg->grouping.reopen_window, now - HOURS_KEPT_MS,
	    HISTORY_PRUNE_BATCH, &p);
	if (rc == 0)
		rc = store_commit(r->store);
	else
		store_rollback(r->store);
	if (rc != 0) {
		log_event(LOG_WARN, "retention: pruning failed", "error",
		    store_errmsg(r->store), NULL);
		return;
	}
	if (p.events == HISTORY_PRUNE_BATCH ||
	    p.alerts == HISTORY_PRUNE_BATCH ||
	    p.episodes == HISTORY_PRUNE_BATCH ||
	    p.incidents == HISTORY_PRUNE_BATCH ||
	    p.messages == HISTORY_PRUNE_BATCH ||
	    p.jobs == HISTORY_PRUNE_BATCH || p.snoozes == HISTORY_PRUNE_BATCH ||
	    p.hours == HISTORY_PRUNE_BATCH)
		r->prune_at = now;
	if (p.events + p.alerts + p.incidents + p.messages + p.jobs > 0) {
		char ev[24], al[24], in[24], ms[24];
		snprintf(ev, sizeof(ev), "%lld", (long long)p.events);
		snprintf(al, sizeof(al), "%lld", (long long)p.alerts);
		snprintf(in, sizeof(in), "%lld", (long long)p.incidents);
		snprintf(ms, sizeof(ms), "%lld", (long long)p.messages);
		log_event(LOG_DEBUG, "retention: pruned", "events", ev,
		    "alerts", al, "incidents", in, "messages", ms, NULL);
	}
}

/* Queues the digest of the period that ended, once. */
static void
digest(struct relay *r, int64_t now)
{
	const struct config *cfg = r->cfg;
	struct buf v = BUF_INIT;
	int64_t last = 0, from, to, id = 0;
	char err[512], end[24];
	int due, rc;

	if (cfg->digest.every <= 0 || *cfg->slack.digest_channel == '\0')
		return;
	if (store_meta_get(r->store, DIGEST_META_KEY, &v) < 0)
		goto done;
	if (v.len > 0) {
		long long n;
		const char *e;
		if (util_strtonum(buf_str(&v), 0, INT64_MAX, &n, &e) == 0)
			last = n;
	}
	due = digest_due(last, now, cfg->digest.every, &from, &to);
	if (!due && last > 0)
		goto done;
	if (store_begin(r->store) != 0)
		goto done;
	err[0] = '\0';
	if (due)
		id = digest_queue(r->store, cfg, r->render, from, to, now,
		    cfg->digest.skip_empty, err, sizeof(err));
	if (id == -2) {
		/* Retrying every second would fail the same way and hold up
		 * every later period: this one is skipped, loudly. */
		log_event(LOG_ERROR,
		    "digest cannot be rendered; period skipped", "error", err,
		    NULL);
		id = 0;
	}
	snprintf(end, sizeof(end), "%lld", (long long)to);
	rc = id >= 0 && store_meta_put(r->store, DIGEST_META_KEY, end) == 0
	    ? store_commit(r->store)
	    : -1;
	if (rc != 0) {
		store_rollback(r->store);
		log_event(LOG_ERROR, "digest: cannot queue", "error",
		    id < 0 ? err : store_errmsg(r->store), NULL);
		goto done;
	}
	if (due) {
		char a[40], b[40];
		util_time_format(from, a, sizeof(a));
		util_time_format(to, b, sizeof(b));
		log_event(LOG_INFO,
		    id > 0 ? "digest queued" : "digest skipped: empty period",
		    "from", a, "to", b, NULL);
	}
	if (id > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
done:
	buf_free(&v);
}

void
history_tick(struct relay *r)
{
	int64_t now = relay_now(r);

	prune(r, now);
	digest(r, now);
}

void
history_start(struct relay *r)
{
	digest(r, relay_now(r));
}
