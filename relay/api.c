/*
 * api.c: /api/v1 and health handlers; see api.h.
 */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "alert.h"
#include "config.h"
#include "context.h"
#include "http_server.h"
#include "limits.h"
#include "relay.h"
#include "rulebook.h"
#include "rules.h"
#include "store.h"
#include "store_rule.h"
#include "util.h"

/* Parses a stored JSON object; returns new, {} when it is not one. */
static json_t *
json_object_or_empty(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return json_object();
	}
	return j;
}

/* "The value" of a stored alert; JSON null when it has none. */
static json_t *
row_value(const struct config *cfg, const struct store_alert_row *r,
    json_t *annotations)
{
	json_t *vals = r->vals != NULL ? json_loads(r->vals, 0, NULL) : NULL;
	struct alert_value *v = NULL;
	struct kvlist ann = {NULL, 0};
	size_t n = 0;
	const char *k;
	json_t *x;
	double out;
	int have;

	if (json_is_object(vals)) {
		v = xcalloc(json_object_size(vals), sizeof(*v));
		json_object_foreach(vals, k, x)
		{
			if (json_is_number(x)) {
				v[n].ref = (char *)k;
				v[n].v = json_number_value(x);
				n++;
			}
		}
	}
	/* A borrowed, sorted one-entry view of the "value" annotation. */
	struct kv one;
	json_t *va = json_object_get(annotations, "value");
	if (json_is_string(va)) {
		one.key = (char *)"value";
		one.value = (char *)json_string_value(va);
		ann.v = &one;
		ann.n = 1;
	}
	have = alert_value(v, n, &cfg->grouping.value_ref, NULL, &ann, &out);
	free(v);
	json_decref(vals);
	return have && isfinite(out) ? json_real(out) : json_null();
}

struct list_ctx {
	const struct config *cfg;
	json_t *list;
};

static int
alert_row(void *arg, const struct store_alert_row *r)
{
	struct list_ctx *lc = arg;
	json_t *annotations = json_object_or_empty(r->annotations);
	json_t *o;

	o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:n,s:b}", "id",
	    r->id, "source", r->source, "namespace", r->namespace, "alertname",
	    r->alertname, "state", r->state, "labels",
	    json_object_or_empty(r->labels), "annotations", annotations,
	    "starts_at", context_time(r->starts_at), "ends_at",
	    context_time(r->ends_at), "value",
	    row_value(lc->cfg, r, annotations), "fires", (json_int_t)r->fires,
	    "incident_id",
	    r->incident_id > 0 ? json_integer(r->incident_id) : json_null(),
	    "snoozed_by", "stale", r->stale);
	if (o != NULL && r->snoozed_by > 0)
		json_object_set_new(
		    o, "snoozed_by", json_integer(r->snoozed_by));
	if (o != NULL) {
		json_object_set_new(
		    o, "value_string", json_string(r->value_string));
		json_object_set_new(o, "last_seen", context_time(r->last_seen));
		json_array_append_new(lc->list, o);
	}
	return 0;
}

/* Parses ?limit= within bounds; -1 when malformed. */
static int
query_limit(struct http_ctx *c, size_t *out)
{
	const char *s = http_query(c, "limit");
	long long n;
	const char *err;

	*out = LIMIT_API_LIST_DEFAULT;
	if (s == NULL)
		return 0;
	if (util_strtonum(s, 1, LIMIT_API_LIST, &n, &err) != 0)
		return -1;
	*out = (size_t)n;
	return 0;
}

void
api_alerts(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct store_alert_filter f;
	struct list_ctx lc = {r->cfg, json_array()};
	const char *state = http_query(c, "state");

	memset(&f, 0, sizeof(f));
	f.namespace = http_query(c, "namespace");
	if (f.namespace != NULL && *f.namespace == '\0')
		f.namespace = NULL;
	if (query_limit(c, &f.limit) != 0) {
		json_decref(lc.list);
		http_reply_error(c->req, 400,
		    "limit: a whole number from 1 to %d", LIMIT_API_LIST);
		return;
	}
	if (state != NULL && *state != '\0') {
		if (strcmp(state, "firing") != 0 &&
		    strcmp(state, "resolved") != 0 &&
		    strcmp(state, "snoozed") != 0) {
			json_decref(lc.list);
			http_reply_error(c->req, 400,
			    "state: one of firing, resolved, snoozed");
			return;
		}
		f.state = state;
	}
	f.fires_since = relay_now(r) - 24 * 3600 * 1000LL;
	if (store_alerts_list(r->store, &f, alert_row, &lc) < 0) {
		json_decref(lc.list);
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		return;
	}
	http_reply_json(c->req, 200, json_pack("{s:o}", "alerts", lc.list));
}

/* A stored JSON value (array or object); JSON null when unusable. */
static json_t *
json_stored(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	return j != NULL ? j : json_null();
}

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static int
message_row(void *arg, const struct store_message *m)
{
	json_t *list = arg;
	/* Not rendered yet is, from outside, not sent yet. */
	const char *state =
	    strcmp(m->state, "queued") == 0 ? "pending" : m->state;
	json_t *o =
	    json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:o,s:i,s:o,s:o,s:s,s:o}", "id",
	        (json_int_t)m->id, "kind", m->kind, "channel", m->channel,
	        "incident_id",
	        m->incident_id > 0 ? json_integer(m->incident_id) : json_null(),
	        "thread_of",
	        m->thread_of > 0 ? json_integer(m->thread_of) : json_null(),
	        "state", state, "ts", json_str_or_null(m->ts), "attempts",
	        m->attempts, "error", json_str_or_null(m->error),
	        "next_attempt", context_time(m->next_attempt), "text", m->text,
	        "blocks", json_stored(m->blocks));

	if (o != NULL) {
		json_object_set_new(
		    o, "created_at", context_time(m->created_at));
		json_object_set_new(o, "posted_at", context_time(m->posted_at));
		json_object_set_new(o, "mentions", json_stored(m->mentions));
		json_object_set_new(o, "broadcast", json_boolean(m->broadcast));
		json_array_append_new(list, o);
	}
	return 0;
}

void
api_messages(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct store_message_filter f;
	json_t *list;

	memset(&f, 0, sizeof(f));
	f.namespace = http_query(c, "namespace");
	if (f.namespace != NULL && *f.namespace == '\0')
		f.namespace = NULL;
	if (query_limit(c, &f.limit) != 0) {
		http_reply_error(c->req, 400,
		    "limit: a whole number from 1 to %d", LIMIT_API_LIST);
		return;
	}
	list = json_array();
	if (store_messages_list(r->store, &f, message_row, list) < 0) {
		json_decref(list);
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		return;
	}
	http_reply_json(c->req, 200, json_pack("{s:o}", "messages", list));
}

struct incident_list {
	struct relay *relay;
	json_t *list;
	int64_t *ids;
	size_t n;
};

static int
incident_row(void *arg, const struct store_incident *i)
{
	struct incident_list *l = arg;
	json_t *o = json_pack(
	    "{s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:b}", "id",
	    (json_int_t)i->id, "key", i->key, "namespace", i->namespace,
	    "alertname", i->alertname, "labels", json_stored(i->labels),
	    "state", i->open ? "open" : "closed", "channel", i->channel,
	    "severity", i->severity, "opened_at", context_time(i->opened_at),
	    "closed_at", context_time(i->closed_at), "root",
	    i->root_id > 0 ? json_pack("{s:I,s:o,s:o}", "message_id",
	                         (json_int_t)i->root_id, "channel",
	                         json_str_or_null(i->slack_channel), "ts",
	                         json_str_or_null(i->slack_ts))
	                   : json_null(),
	    "stale", i->stale);

	if (o != NULL) {
		json_array_append_new(l->list, o);
		l->ids = xrealloc(l->ids, (l->n + 1) * sizeof(*l->ids));
		l->ids[l->n++] = i->id;
	}
	return 0;
}

void
api_incidents(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct store_incident_filter f;
	struct incident_list l = {r, NULL, NULL, 0};
	const char *state = http_query(c, "state");

	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.namespace = http_query(c, "namespace");
	if (f.namespace != NULL && *f.namespace == '\0')
		f.namespace = NULL;
	if (state != NULL && *state != '\0') {
		if (strcmp(state, "open") == 0)
			f.state = 1;
		else if (strcmp(state, "closed") == 0)
			f.state = 0;
		else {
			http_reply_error(c->req, 400, "state: open or closed");
			return;
		}
	}
	if (query_limit(c, &f.limit) != 0) {
		http_reply_error(c->req, 400,
		    "limit: a whole number from 1 to %d", LIMIT_API_LIST);
		return;
	}
	l.list = json_array();
	if (store_incidents_list(r->store, &f, incident_row, &l) < 0)
		goto fail;
	/* Counts need other statements: after the list is complete. */
	for (size_t i = 0; i < l.n; i++) {
		struct store_incident_counts counts;
		if (store_incident_counts(r->store, l.ids[i], &counts) != 0)
			goto fail;
		json_t *o = json_array_get(l.list, i);
		json_object_set_new(o, "firing", json_integer(counts.firing));
		json_object_set_new(
		    o, "resolved", json_integer(counts.resolved));
	}
	free(l.ids);
	http_reply_json(c->req, 200, json_pack("{s:o}", "incidents", l.list));
	return;
fail:
	free(l.ids);
	json_decref(l.list);
	http_reply_error(c->req, 503, "database: %s", store_errmsg(r->store));
}

void
api_rules(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct evbuffer *in;
	struct ruleset *set;
	struct rule *rule;
	json_t *j;
	char err[512];
	size_t len;

	if (evhttp_request_get_command(c->req) != EVHTTP_REQ_POST) {
		http_reply_json(c->req, 200,
		    json_pack("{s:o}", "rules", rules_to_json(r->rules)));
		return;
	}
	/* POST: add or replace one rule by name. */
	in = evhttp_request_get_input_buffer(c->req);
	len = evbuffer_get_length(in);
	j = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL);
	if (j == NULL) {
		http_reply_error(c->req, 400, "body: not JSON");
		return;
	}
	rule = rule_from_json(j, NULL, err, sizeof(err));
	json_decref(j);
	if (rule == NULL) {
		http_reply_error(c->req, 400, "%s", err);
		return;
	}
	/* The new set: the current rules with this one in its place. */
	set = ruleset_new();
	for (size_t i = 0; i < ruleset_count(r->rules); i++) {
		const struct rule *x = ruleset_get(r->rules, i);
		json_t *xj;
		struct rule *copy;
		if (strcmp(rule_name(x), rule_name(rule)) == 0)
			continue;
		xj = rule_to_json(x);
		copy = rule_from_json(xj, NULL, err, sizeof(err));
		json_decref(xj);
		if (copy == NULL ||
		    ruleset_add(set, copy, err, sizeof(err)) != 0)
			goto fail;
	}
	j = rule_to_json(rule);
	if (ruleset_add(set, rule, err, sizeof(err)) != 0) {
		json_decref(j);
		rule = NULL;
		goto fail;
	}
	rule = NULL;
	ruleset_sort(set);
	if (rulebook_replace(
	        r->store, set, NULL, relay_now(r), err, sizeof(err)) != 0) {
		json_decref(j);
		ruleset_free(set);
		http_reply_error(c->req, 503, "%s", err);
		return;
	}
	ruleset_free(r->rules);
	r->rules = set;
	store_changed(r->store); /* our own write is not news */
	http_reply_json(c->req, 201, j);
	return;
fail:
	rule_free(rule);
	ruleset_free(set);
	http_reply_error(c->req, 400, "%s", err);
}

void
api_rule_delete(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct ruleset *set;
	char err[512];
	int rc;

	if (store_begin(r->store) != 0 ||
	    (rc = store_rule_delete(r->store, c->tail)) < 0 ||
	    store_commit(r->store) != 0) {
		store_rollback(r->store);
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		return;
	}
	if (rc == 0) {
		http_reply_error(c->req, 404, "no rule named %s", c->tail);
		return;
	}
	set = rulebook_load(r->store, err, sizeof(err));
	if (set != NULL) {
		ruleset_free(r->rules);
		r->rules = set;
	}
	store_changed(r->store);
	evhttp_send_reply(c->req, 204, "No Content", NULL);
}

void
api_healthz(struct http_ctx *c)
{
	http_reply_json(c->req, 200, json_pack("{s:s}", "status", "ok"));
}

void
api_reload(struct http_ctx *c)
{
	char err[1024];

	if (relay_reload(c->relay, err, sizeof(err)) != 0) {
		http_reply_error(c->req, 400, "reload refused: %s", err);
		return;
	}
	http_reply_json(c->req, 200, json_pack("{s:s}", "status", "reloaded"));
}

void
api_readyz(struct http_ctx *c)
{
	struct relay *r = c->relay;

	if (!r->migrated) {
		http_reply_error(c->req, 503, "migrations not applied");
		return;
	}
	if (store_degraded(r->store)) {
		http_reply_error(c->req, 503, "database cannot commit: %s",
		    store_errmsg(r->store));
		return;
	}
	if (r->loop_lag_ms > 1000) {
		http_reply_error(c->req, 503, "event loop lagging (%lld ms)",
		    (long long)r->loop_lag_ms);
		return;
	}
	http_reply_json(c->req, 200, json_pack("{s:s}", "status", "ready"));
}
