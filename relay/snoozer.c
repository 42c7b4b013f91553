/*
 * snoozer.c: snoozes in the running relay; see snoozer.h.
 */
#include "snoozer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "alert.h"
#include "auth.h"
#include "buf.h"
#include "http_client.h"
#include "interact.h"
#include "matcher.h"
#include "config.h"
#include "context.h"
#include "http_server.h"
#include "incident.h"
#include "limits.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "relay.h"
#include "snooze.h"
#include "store.h"
#include "store_history.h"
#include "store_snooze.h"
#include "util.h"

static int
load_one(void *arg, const struct store_snooze *z)
{
	struct snooze_set *set = arg;

	if (snooze_set_add(set, z->id, z->matchers, z->ends_at) != 0)
		log_event(
		    LOG_WARN, "a stored snooze does not parse; ignored", NULL);
	return 0;
}

/* Loads the active snoozes; *changed says whether they differ. */
static int
reload(struct relay *r, int *changed)
{
	struct snooze_set *set = snooze_set_new();
	int64_t now = relay_now(r);

	if (store_begin(r->store) != 0 ||
	    store_snoozes_expire(r->store, now) < 0 ||
	    store_snoozes_each(r->store, 0, SNOOZE_MAX_ACTIVE, load_one, set) <
	        0 ||
	    store_commit(r->store) != 0) {
		store_rollback(r->store);
		snooze_set_free(set);
		return -1;
	}
	*changed = !snooze_set_same(r->snoozes, set);
	snooze_set_free(r->snoozes);
	r->snoozes = set;
	return 0;
}

int
snoozer_reload(struct relay *r)
{
	int changed;

	return reload(r, &changed);
}

int
snoozer_refresh(struct relay *r, const char *detail)
{
	int changed = 0;

	if (reload(r, &changed) != 0)
		return -1;
	return changed ? snoozer_apply(r, detail) : 0;
}

/* A firing alert, copied out of the statement that listed it. */
struct firing {
	char *id;
	char *labels;
	int64_t incident;
	int64_t snoozed_by;
};

struct firing_list {
	struct firing *v;
	size_t n;
};

static int
collect(void *arg, const char *id, const char *labels, int64_t incident,
    int64_t snoozed_by)
{
	struct firing_list *l = arg;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].id = xstrdup(id);
	l->v[l->n].labels = xstrdup(labels);
	l->v[l->n].incident = incident;
	l->v[l->n].snoozed_by = snoozed_by;
	l->n++;
	return 0;
}

/* Labels as stored (a JSON object) to a sorted kvlist; borrowed strings. */
static json_t *
labels_of(const char *text, struct kvlist *out)
{
	json_t *j = json_loads(text, 0, NULL), *v;
	const char *k;
	size_t n = 0;

	out->v = NULL;
	out->n = 0;
	if (!json_is_object(j))
		return j;
	out->v = xcalloc(json_object_size(j) + 1, sizeof(*out->v));
	json_object_foreach(j, k, v)
	{
		if (!json_is_string(v))
			continue;
		out->v[n].key = (char *)k;
		out->v[n].value = (char *)json_string_value(v);
		n++;
	}
	out->n = n;
	kvlist_sort(out);
	return j;
}

/* The messages of one incident whose alerts' snoozes changed. */
static int
incident_changed(struct relay *r, int64_t id, int64_t now, const char *detail)
{
	struct store_incident inc;
	struct store_incident_counts counts;
	char channel[256], severity[64], text[1024];
	int all, found = store_incident_get(r->store, id, &inc);
	json_t *d;

	if (found <= 0)
		return found;
	if (store_incident_counts(r->store, id, &counts) != 0)
		return -1;
	snprintf(channel, sizeof(channel), "%s", inc.channel);
	snprintf(severity, sizeof(severity), "%s", inc.severity);
	inc.channel = channel;
	inc.severity = severity;
	all = counts.firing > 0 && counts.snoozed == counts.firing;
	if (!inc.open || all == inc.snoozed)
		return 0;
	if (store_incident_set_snoozed(r->store, id, all) != 0)
		return -1;
	inc.snoozed = all;
	if (inc.silent)
		return 0;
	d = json_loads(detail, 0, NULL);
	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	json_object_set_new(
	    d, "event", json_string(all ? "snoozed" : "unsnoozed"));
	{
		char *t = json_dumps(d, JSON_COMPACT);
		snprintf(text, sizeof(text), "%s", t != NULL ? t : "{}");
		free(t);
	}
	json_decref(d);
	if (inc.root_id <= 0) /* snoozed since it opened: first post now */
		return all                                       ? 0
		    : notify_new_root(r, now, &inc, NULL, 0) < 0 ? -1
		                                                 : 0;
	if (notify_replace_failed_root(r, now, &inc) < 0)
		return -1;
	if (notify_refresh_root(r, now, &inc, 1) != 0 ||
	    notify_reply(r, now, &inc, "reply", text) != 0)
		return -1;
	return 0;
}

/* The history event of an alert snoozed or unsnoozed: who (base, the
 * apply's detail object, borrowed; "snooze" is set on it) and which
 * snooze. */
static int
snooze_event(struct relay *r, const char *alert_id, int64_t snooze, int snoozed,
    json_t *base, int64_t now)
{
	char *text;
	int rc;

	if (snooze > 0)
		json_object_set_new(base, "snooze", json_integer(snooze));
	else
		json_object_del(base, "snooze");
	text = json_dumps(base, JSON_COMPACT);
	rc = store_event_alert(
	    r->store, alert_id, snoozed ? "snoozed" : "unsnoozed", now, text);
	free(text);
	return rc;
}

int
snoozer_apply(struct relay *r, const char *detail)
{
	struct firing_list l = {NULL, 0};
	int64_t now = relay_now(r), *touched = NULL;
	size_t ntouched = 0;
	int rc = 0;
	/* Parsed once for the events of every alert that changes. */
	json_t *base = json_loads(detail, 0, NULL);

	if (!json_is_object(base)) {
		json_decref(base);
		base = json_object();
	}
	if (store_begin(r->store) != 0) {
		json_decref(base);
		return -1;
	}
	if (store_alerts_firing_each(r->store, collect, &l) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct kvlist kv;
		json_t *j = labels_of(l.v[i].labels, &kv);
		int64_t by = snooze_set_match(r->snoozes, &kv, now);
		int seen = 0;

		free(kv.v);
		json_decref(j);
		if (by == l.v[i].snoozed_by)
			continue;
		if (store_alert_set_snoozed(r->store, l.v[i].id, by) != 0 ||
		    snooze_event(r, l.v[i].id, by > 0 ? by : l.v[i].snoozed_by,
		        by > 0, base, now) != 0) {
			rc = -1;
			break;
		}
		for (size_t k = 0; k < ntouched; k++)
			if (touched[k] == l.v[i].incident)
				seen = 1;
		if (!seen && l.v[i].incident > 0) {
			touched = xrealloc(
			    touched, (ntouched + 1) * sizeof(*touched));
			touched[ntouched++] = l.v[i].incident;
		}
	}
	for (size_t k = 0; rc == 0 && k < ntouched; k++)
		rc = incident_changed(r, touched[k], now, detail);
	if (rc == 0)
		rc = store_commit(r->store);
	else
		store_rollback(r->store);
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].id);
		free(l.v[i].labels);
	}
	free(l.v);
	free(touched);
	json_decref(base);
	if (rc == 0 && ntouched > 0 && r->outbox != NULL)
		outbox_kick(r->outbox);
	return rc;
}

void
snoozer_tick(struct relay *r)
{
	int64_t next = snooze_set_next_end(r->snoozes);

	if (next == 0 || next > relay_now(r))
		return;
	if (snoozer_reload(r) == 0)
		snoozer_apply(r, "{\"by\":\"expiry\"}");
}

/* ---- API ---- */

static json_t *
snooze_json(const struct store_snooze *z, int64_t now)
{
	json_t *m = json_loads(z->matchers, 0, NULL);

	return json_pack("{s:I,s:o,s:o,s:o,s:s,s:s,s:s,s:b,s:o,s:o}", "id",
	    (json_int_t)z->id, "matchers", m != NULL ? m : json_array(),
	    "starts_at", context_time(z->starts_at), "ends_at",
	    context_time(z->ends_at), "author", z->author, "author_name",
	    z->author_name, "reason", z->reason, "active",
	    z->ended_at == 0 && z->ends_at > now, "ended_at",
	    context_time(z->ended_at), "created_at",
	    context_time(z->created_at));
}

struct list_ctx {
	json_t *list;
	int64_t now;
};

static int
list_one(void *arg, const struct store_snooze *z)
{
	struct list_ctx *l = arg;
	json_array_append_new(l->list, snooze_json(z, l->now));
	return 0;
}

int64_t
snoozer_create(struct relay *r, const struct snooze_spec *spec, int *status,
    char *err, size_t errlen)
{
	int64_t now = relay_now(r), id;
	char until[40], *text;
	json_t *detail;

	*status = 400;
	if (snooze_validate(spec, now, err, errlen) != 0)
		return -1;
	*status = 503;
	if (store_begin(r->store) != 0 ||
	    (id = store_snooze_add(r->store, spec, now)) < 0 ||
	    store_commit(r->store) != 0) {
		store_rollback(r->store);
		snprintf(err, errlen, "database: %s", store_errmsg(r->store));
		return -1;
	}
	util_time_format(spec->ends_at, until, sizeof(until));
	detail = json_pack("{s:s,s:s,s:s}", "by", spec->author, "until", until,
	    "reason", spec->reason != NULL ? spec->reason : "");
	text = json_dumps(detail, JSON_COMPACT);
	json_decref(detail);
	if (snoozer_reload(r) != 0 || snoozer_apply(r, text) != 0)
		log_event(LOG_ERROR, "snooze stored; applying it failed",
		    "error", store_errmsg(r->store), NULL);
	free(text);
	store_changed(r->store); /* our own write is not news */
	return id;
}

int
snoozer_end(struct relay *r, int64_t id, const char *by)
{
	char detail[96];
	int rc;

	if (store_begin(r->store) != 0 ||
	    (rc = store_snooze_end(r->store, id, by, relay_now(r))) < 0 ||
	    store_commit(r->store) != 0) {
		store_rollback(r->store);
		return -1;
	}
	if (rc == 0)
		return 0;
	snprintf(detail, sizeof(detail), "{\"by\":\"%s\"}", by);
	if (snoozer_reload(r) != 0 || snoozer_apply(r, detail) != 0)
		log_event(LOG_ERROR, "snooze ended; applying it failed",
		    "error", store_errmsg(r->store), NULL);
	store_changed(r->store);
	return 1;
}

/* Creates a snooze from the API's JSON (SPEC A.5). */
static void
create(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	json_t *j =
	    json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL);
	json_t *ms, *x;
	const char *list[SNOOZE_MAX_MATCHERS];
	struct snooze_spec spec;
	struct store_snooze z;
	int64_t now = relay_now(r), id, dur;
	char err[512];
	size_t i, n = 0;
	int status;

	memset(&spec, 0, sizeof(spec));
	if (!json_is_object(j)) {
		http_reply_error(c->req, 400, "body: a JSON object");
		goto done;
	}
	ms = json_object_get(j, "matchers");
	if (!json_is_array(ms) || json_array_size(ms) > SNOOZE_MAX_MATCHERS) {
		http_reply_error(c->req, 400, "matchers: a list of at most %d",
		    SNOOZE_MAX_MATCHERS);
		goto done;
	}
	json_array_foreach(ms, i, x)
	{
		if (!json_is_string(x)) {
			http_reply_error(
			    c->req, 400, "matchers[%zu]: a string", i);
			goto done;
		}
		list[n++] = json_string_value(x);
	}
	spec.matchers = list;
	spec.nmatchers = n;
	spec.starts_at = now;
	x = json_object_get(j, "duration");
	if (json_is_string(x)) {
		if (snooze_duration(json_string_value(x), &dur) != 0) {
			http_reply_error(
			    c->req, 400, "duration: not a duration");
			goto done;
		}
		spec.ends_at =
		    now + (dur > SNOOZE_MAX_MS + 1 ? SNOOZE_MAX_MS + 1 : dur);
	} else if (json_is_string(json_object_get(j, "ends_at"))) {
		if (util_time_parse(
		        json_string_value(json_object_get(j, "ends_at")),
		        &spec.ends_at) != 0) {
			http_reply_error(
			    c->req, 400, "ends_at: not an RFC 3339 time");
			goto done;
		}
	} else {
		http_reply_error(c->req, 400, "duration or ends_at: required");
		goto done;
	}
	spec.author = "api";
	spec.reason = json_string_value(json_object_get(j, "reason"));
	id = snoozer_create(r, &spec, &status, err, sizeof(err));
	if (id < 0) {
		http_reply_error(c->req, status, "%s", err);
		goto done;
	}
	if (store_snooze_get(r->store, id, &z) == 1)
		http_reply_json(c->req, 201, snooze_json(&z, now));
	else
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
done:
	json_decref(j);
}

void
snoozer_api(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct list_ctx l = {json_array(), relay_now(r)};
	const char *all = http_query(c, "all");

	if (evhttp_request_get_command(c->req) == EVHTTP_REQ_POST) {
		json_decref(l.list);
		create(c);
		return;
	}
	if (store_snoozes_each(r->store, all != NULL && strcmp(all, "1") == 0,
	        LIMIT_API_LIST, list_one, &l) < 0) {
		json_decref(l.list);
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		return;
	}
	http_reply_json(c->req, 200, json_pack("{s:o}", "snoozes", l.list));
}

void
snoozer_api_delete(struct http_ctx *c)
{
	struct relay *r = c->relay;
	long long id;
	const char *e;
	int rc;

	if (util_strtonum(c->tail, 1, INT64_MAX, &id, &e) != 0) {
		http_reply_error(c->req, 404, "no snooze %s", "with that id");
		return;
	}
	rc = snoozer_end(r, id, "api");
	if (rc < 0) {
		http_reply_error(
		    c->req, 503, "database: %s", store_errmsg(r->store));
		return;
	}
	if (rc == 0) {
		http_reply_error(c->req, 404, "no snooze %lld in force", id);
		return;
	}
	evhttp_send_reply(c->req, 204, "No Content", NULL);
}

/* ---- Slack buttons (POST /slack/interactions) ---- */

static int
first_labels(void *arg, const struct store_alert_row *row)
{
	json_t **out = arg;
	*out = json_loads(row->labels, 0, NULL);
	return 1;
}

/* Returns new: the labels of the incident's first alert ({} when none). */
static json_t *
incident_first_labels(struct relay *r, int64_t incident_id)
{
	json_t *labels = NULL;

	store_incident_alerts(r->store, incident_id, 1, first_labels, &labels);
	return json_is_object(labels) ? labels : json_object();
}

/*
 * The matchers of a button snooze: the incident's namespace and alert
 * name, as the labels of one of its alerts carry them, plus its incident
 * labels. Appends to list (owned strings). 0 or -1.
 */
static int
incident_matchers(struct relay *r, int64_t incident_id, struct strlist *list)
{
	struct store_incident inc;
	struct buf m = BUF_INIT;
	json_t *labels = NULL, *il, *v;
	const char *k, *ns_label = NULL;
	char ns[256], name[256];

	if (store_incident_get(r->store, incident_id, &inc) != 1)
		return -1;
	snprintf(ns, sizeof(ns), "%s", inc.namespace);
	snprintf(name, sizeof(name), "%s", inc.alertname);
	il = json_loads(inc.labels, 0, NULL);
	/* One alert of the incident says which labels name it. */
	labels = incident_first_labels(r, incident_id);
	for (size_t i = 0; i < r->cfg->grouping.namespace_labels.n; i++) {
		const char *l = r->cfg->grouping.namespace_labels.v[i];
		json_t *x = json_object_get(labels, l);
		if (json_is_string(x) && *json_string_value(x) != '\0') {
			ns_label = l;
			break;
		}
	}
	if (ns_label != NULL) {
		buf_printf(&m, "%s=", ns_label);
		matcher_quote(&m, ns);
		strlist_add(list, buf_str(&m));
	} else {
		/* No namespace label: the default namespace; match its absence.
		 */
		for (size_t i = 0; i < r->cfg->grouping.namespace_labels.n;
		     i++) {
			buf_reset(&m);
			buf_printf(&m, "%s=\"\"",
			    r->cfg->grouping.namespace_labels.v[i]);
			strlist_add(list, buf_str(&m));
		}
	}
	buf_reset(&m);
	{
		json_t *an = json_object_get(labels, "alertname");
		int own = json_is_string(an) &&
		    strcmp(json_string_value(an), name) == 0;
		buf_adds(&m, own ? "alertname=" : "rulename=");
	}
	matcher_quote(&m, name);
	strlist_add(list, buf_str(&m));
	json_object_foreach(il, k, v)
	{
		if (!json_is_string(v))
			continue;
		buf_reset(&m);
		buf_printf(&m, "%s=", k);
		matcher_quote(&m, json_string_value(v));
		strlist_add(list, buf_str(&m));
	}
	buf_free(&m);
	json_decref(il);
	json_decref(labels);
	return 0;
}

static void
ignore_answer(void *arg, const struct http_response *resp)
{
}

/* An ephemeral note to the clicker through response_url, when its host is
 * one we may post to (slack.response_url_hosts). */
static void
tell_clicker(struct relay *r, const struct interact *ia, const char *text)
{
	struct http_request req;
	char host[256], *body;
	json_t *j;

	if (interact_url_host(ia->response_url, host, sizeof(host)) != 0 ||
	    !strlist_has(&r->cfg->slack.response_url_hosts, host))
		return;
	j = json_pack("{s:s,s:b,s:s}", "response_type", "ephemeral",
	    "replace_original", 0, "text", text);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = ia->response_url;
	req.content_type = "application/json";
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_ms = r->cfg->slack.timeout;
	req.max_response = 64 * 1024;
	if (body != NULL)
		http_client_start(r->http_client, &req, ignore_answer, NULL);
	free(body);
}

struct ids {
	struct relay *relay;
	int64_t now;
	int64_t *v; /* room for every active snooze: none is left out */
	size_t n, max;
};

/* Every active snooze holding one of the incident's firing alerts: the one
 * recorded on it and any other that matches it too. */
static int
collect_snoozes(void *arg, const struct store_alert_row *row)
{
	struct ids *ids = arg;
	struct kvlist kv;
	json_t *j;

	if (strcmp(row->state, "firing") != 0)
		return 0;
	j = labels_of(row->labels, &kv);
	snooze_set_match_all(
	    ids->relay->snoozes, &kv, ids->now, ids->v, &ids->n, ids->max);
	free(kv.v);
	json_decref(j);
	return 0;
}

/* Does what a click asked, after the 200 went out. */
static void
click(struct relay *r, const struct interact *ia, int64_t incident_id,
    const char *action)
{
	struct store_incident inc;
	const char *who =
	    ia->user_name[0] != '\0' ? ia->user_name : ia->user_id;
	int64_t now = relay_now(r), ms = 0;
	char detail[512], until[40];
	json_t *d;
	char *text;

	if (store_incident_get(r->store, incident_id, &inc) != 1 || !inc.open) {
		tell_clicker(r, ia,
		    "This incident is closed (or unknown): "
		    "nothing to snooze.");
		return;
	}
	if (strcmp(action, "unsnooze") == 0) {
		struct ids ids;
		int ended = 0;

		ids.n = 0;
		ids.relay = r;
		ids.now = now;
		ids.max = snooze_set_count(r->snoozes);
		ids.v = xcalloc(ids.max + 1, sizeof(*ids.v));
		if (store_incident_alerts(r->store, incident_id, 10000,
		        collect_snoozes, &ids) < 0 ||
		    store_begin(r->store) != 0) {
			free(ids.v);
			return;
		}
		for (size_t i = 0; i < ids.n; i++) {
			int e = store_snooze_end(
			    r->store, ids.v[i], ia->user_id, now);
			if (e < 0) {
				ended = -1;
				break;
			}
			ended += e > 0;
		}
		free(ids.v);
		if (ended < 0 || store_commit(r->store) != 0) {
			store_rollback(r->store);
			return;
		}
		d = json_pack("{s:s}", "by", who);
	} else {
		struct strlist ms_list = {NULL, 0};
		struct snooze_spec spec;
		char err[256];

		if (interact_action_ms(action, &ms) != 0 || ms <= 0)
			return;
		if (incident_matchers(r, incident_id, &ms_list) != 0) {
			strlist_free(&ms_list);
			return;
		}
		memset(&spec, 0, sizeof(spec));
		spec.matchers = (const char *const *)ms_list.v;
		spec.nmatchers = ms_list.n;
		spec.starts_at = now;
		spec.ends_at = now + ms;
		spec.author = ia->user_id;
		spec.author_name = ia->user_name;
		spec.reason = "snoozed from Slack";
		if (snooze_validate(&spec, now, err, sizeof(err)) != 0 ||
		    store_begin(r->store) != 0 ||
		    store_snooze_add(r->store, &spec, now) < 0 ||
		    store_commit(r->store) != 0) {
			store_rollback(r->store);
			log_event(LOG_ERROR, "cannot snooze from Slack",
			    "error", err, NULL);
			strlist_free(&ms_list);
			return;
		}
		strlist_free(&ms_list);
		util_time_format(spec.ends_at, until, sizeof(until));
		d = json_pack("{s:s,s:s}", "by", who, "until", until);
	}
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	snprintf(detail, sizeof(detail), "%s", text != NULL ? text : "{}");
	free(text);
	if (snoozer_reload(r) != 0 || snoozer_apply(r, detail) != 0)
		log_event(LOG_ERROR, "snooze from Slack not applied", "error",
		    store_errmsg(r->store), NULL);
	store_changed(r->store);
}

void
snoozer_slack(struct http_ctx *c)
{
	struct relay *r = c->relay;
	const struct config *cfg = r->cfg;
	struct evkeyvalq *h = evhttp_request_get_input_headers(c->req);
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	const char *body, *why = NULL, *err = NULL;
	struct interact *ia = NULL;
	int64_t incident_id = 0;
	char action[32];
	int rc;

	if (cfg->slack.signing_secret[0] == '\0') {
		http_reply_error(c->req, 404, "no such endpoint");
		return;
	}
	if (len > INTERACT_MAX_BODY) {
		http_reply_error(c->req, 413, "body too large");
		return;
	}
	body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "";
	/* The signature first: nothing is parsed from an unsigned body. */
	if (auth_slack_signature(cfg->slack.signing_secret,
	        evhttp_find_header(h, "X-Slack-Request-Timestamp"),
	        evhttp_find_header(h, "X-Slack-Signature"), body, len,
	        relay_now(r) / 1000, &why) != 0) {
		http_reply_error(c->req, 401, "Slack signature: %s", why);
		return;
	}
	rc = interact_parse(body, len, &ia, &err);
	if (rc == INTERACT_ERR) {
		http_reply_error(c->req, 400, "%s", err);
		return;
	}
	if (rc == INTERACT_UNSUPPORTED) {
		evhttp_send_reply(c->req, 200, "OK", NULL);
		return;
	}
	if (cfg->slack.allowed_team_ids.n > 0 &&
	    !strlist_has(&cfg->slack.allowed_team_ids, ia->team_id)) {
		interact_free(ia);
		http_reply_error(c->req, 403, "team not allowed");
		return;
	}
	/* Slack wants its answer within 3 s: answer, then do the work. */
	evhttp_send_reply(c->req, 200, "OK", NULL);
	if (interact_click(ia, &incident_id, action, sizeof(action), &err) == 0)
		click(r, ia, incident_id, action);
	interact_free(ia);
}
