/*
 * context.c: template contexts; see context.h and README.md "Templates".
 */
#include "context.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "catalog_file.h"
#include "config.h"
#include "mustache.h"
#include "util.h"

void
context_duration(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)(s < 0 ? 0 : s));
	else if (s < 3600)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

void
context_number(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "%s",
		    isnan(v)    ? "NaN"
		        : v > 0 ? "+Inf"
		                : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.6g", v);
}

json_t *
context_time(int64_t ms)
{
	char buf[40];

	if (ms <= 0)
		return json_null();
	util_time_format(ms, buf, sizeof(buf));
	return json_string(buf);
}

/* Returns new: the string member key of o, or "". */
static json_t *
string_of(json_t *o, const char *key)
{
	json_t *x = json_object_get(o, key);

	return json_is_string(x) ? json_incref(x) : json_string("");
}

/* Sets first/last flags on every object of a list. */
void
context_mark_ends(json_t *list)
{
	size_t n = json_array_size(list), i;
	json_t *o;

	json_array_foreach(list, i, o)
	{
		json_object_set_new(o, "first", json_boolean(i == 0));
		json_object_set_new(o, "last", json_boolean(i + 1 == n));
		json_object_set_new(o, "index", json_integer((json_int_t)i));
	}
}

/* Parses stored JSON text; returns new, an empty object when unusable. */
static json_t *
parse_object(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		return json_object();
	}
	return j;
}

void
context_namespace_url(
    const struct config *cfg, const char *ns, char *url, size_t len)
{
	/* The namespace is a label value: percent-encode it. */
	struct buf esc = BUF_INIT;

	buf_url_esc(&esc, ns, strlen(ns));
	/* A link cut in the middle would point somewhere else: a namespace
	 * too long for it links to the overview. */
	if (snprintf(url, len, "%s/namespaces/%s", cfg->public_url,
	        buf_str(&esc)) >= (int)len)
		snprintf(url, len, "%s/", cfg->public_url);
	buf_free(&esc);
}

json_t *
context_begin(const struct config *cfg, const struct store_incident *inc,
    const struct store_incident_counts *counts, const char *kind,
    const char *detail, int64_t now)
{
	json_t *ctx = json_object(), *event = parse_object(detail);
	const char *state = inc->open ? "firing" : "resolved";
	char dur[32], url[1024];
	json_int_t shown = inc->open
	    ? (json_int_t)counts->firing
	    : (json_int_t)(counts->firing + counts->resolved);
	const char *ev = json_string_value(json_object_get(event, "event"));

	context_duration((inc->open ? now : inc->closed_at) - inc->opened_at,
	    dur, sizeof(dur));
	context_namespace_url(cfg, inc->namespace, url, sizeof(url));
	json_object_set_new(ctx, "kind", json_string(kind));
	json_object_set_new(ctx, "incident",
	    json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s}", "id",
	        (json_int_t)inc->id, "key", inc->key, "state",
	        inc->open ? "open" : "closed", "opened_at",
	        context_time(inc->opened_at), "closed_at",
	        context_time(inc->closed_at), "duration", dur, "url", url));
	json_object_set_new(ctx, "namespace", json_string(inc->namespace));
	json_object_set_new(ctx, "alertname", json_string(inc->alertname));
	json_object_set_new(ctx, "severity", json_string(inc->severity));
	json_object_set_new(ctx, "state", json_string(state));
	json_object_set_new(ctx, "firing", json_boolean(inc->open));
	json_object_set_new(ctx, "resolved", json_boolean(!inc->open));
	json_object_set_new(ctx, "snoozed", json_false());
	json_object_set_new(ctx, "stale", json_boolean(inc->stale));
	json_object_set_new(ctx, "emoji",
	    json_string(inc->open ? "\xf0\x9f\x94\xb4" : "\xe2\x9c\x85"));
	json_object_set_new(
	    ctx, "state_label", json_string(inc->open ? "FIRING" : "RESOLVED"));
	json_object_set_new(ctx, "count", json_integer(shown));
	json_object_set_new(ctx, "counts",
	    json_pack("{s:I,s:I,s:I}", "firing", (json_int_t)counts->firing,
	        "resolved", (json_int_t)counts->resolved, "total",
	        (json_int_t)(counts->firing + counts->resolved)));
	json_object_set_new(ctx, "alerts", json_array());
	json_object_set_new(ctx, "more_count", json_integer(0));
	json_object_set_new(ctx, "has_more", json_false());
	json_object_set_new(ctx, "truncated", json_boolean(inc->truncated > 0));
	json_object_set_new(
	    ctx, "truncated_count", json_integer((json_int_t)inc->truncated));
	/* Filled by the catalog and rules once they apply. */
	json_object_set_new(ctx, "owners", json_array());
	json_object_set_new(ctx, "team", json_null());
	json_object_set_new(ctx, "owners_known", json_false());
	json_object_set_new(ctx, "owner_text", json_string("owner unknown"));
	json_object_set_new(ctx, "mentions", json_array());
	json_object_set_new(ctx, "mention_text", json_string(""));
	json_object_set_new(ctx, "reasons", json_array());
	json_object_set_new(ctx, "buttons", json_array());
	json_object_set_new(ctx, "has_buttons", json_false());
	json_object_set_new(ctx, "public_url", json_string(cfg->public_url));
	/* Event flags for replies: {{#event.joined}}...{{/event.joined}}. */
	if (ev != NULL)
		json_object_set_new(event, ev, json_true());
	json_object_set_new(ctx, "event", event);
	return ctx;
}

/* 1 when a label is not shown: hidden, or already in the header. */
static int
label_hidden(const struct config *cfg, const char *key)
{
	return strcmp(key, "alertname") == 0 ||
	    strlist_has(&cfg->grouping.hidden_labels, key) ||
	    strlist_has(&cfg->grouping.namespace_labels, key);
}

void
context_add_alert(json_t *ctx, const struct config *cfg,
    const struct store_alert_row *r, int64_t now)
{
	json_t *alerts = json_object_get(ctx, "alerts");
	json_t *labels, *ann, *vals, *a, *list;
	struct alert_value *v = NULL;
	struct kv one;
	struct kvlist annkv = {NULL, 0};
	size_t nv = 0;
	const char *k;
	json_t *x;
	double val;
	char buf[64];
	int firing = strcmp(r->state, "firing") == 0;

	if (json_array_size(alerts) >= CONTEXT_MAX_ALERTS)
		return;
	labels = parse_object(r->labels);
	ann = parse_object(r->annotations);
	vals = r->vals != NULL ? parse_object(r->vals) : NULL;
	a = json_object();
	json_object_set_new(a, "id", json_string(r->id));
	json_object_set_new(a, "fingerprint", json_string(r->fingerprint));
	json_object_set_new(a, "state", json_string(r->state));
	json_object_set_new(a, "firing", json_boolean(firing));
	json_object_set_new(a, "stale", json_boolean(r->stale));
	json_object_set_new(a, "starts_at", context_time(r->starts_at));
	json_object_set_new(a, "ends_at", context_time(r->ends_at));
	context_duration(
	    now - (r->starts_at > 0 ? r->starts_at : now), buf, sizeof(buf));
	json_object_set_new(a, "since", json_string(buf));

	list = json_array();
	if (vals != NULL) {
		v = xcalloc(json_object_size(vals) + 1, sizeof(*v));
		json_object_foreach(vals, k, x)
		{
			if (!json_is_number(x))
				continue;
			v[nv].ref = (char *)k;
			v[nv].v = json_number_value(x);
			context_number(v[nv].v, buf, sizeof(buf));
			json_array_append_new(list,
			    json_pack("{s:s,s:s}", "ref", k, "value", buf));
			nv++;
		}
	}
	context_mark_ends(list);
	json_object_set_new(a, "values", list);
	x = json_object_get(ann, "value");
	if (json_is_string(x)) {
		one.key = (char *)"value";
		one.value = (char *)json_string_value(x);
		annkv.v = &one;
		annkv.n = 1;
	}
	if (alert_value(v, nv, &cfg->grouping.value_ref, NULL, &annkv, &val)) {
		context_number(val, buf, sizeof(buf));
		json_object_set_new(a, "value", json_string(buf));
	} else {
		json_object_set_new(a, "value", json_string(""));
	}
	free(v);
	json_object_set_new(a, "value_string", json_string(r->value_string));
	json_object_set_new(a, "summary", string_of(ann, "summary"));
	json_object_set_new(a, "description", string_of(ann, "description"));

	/* Shown labels; finish() moves the common ones out. */
	list = json_object();
	json_object_foreach(labels, k, x)
	{
		if (!label_hidden(cfg, k) && json_is_string(x))
			json_object_set(list, k, x);
	}
	json_object_set_new(a, "_labels", list);
	json_object_set_new(a, "_annotations", ann);
	json_object_set_new(a, "_urls",
	    json_pack("{s:s,s:s,s:s,s:s}", "generator", r->generator_url,
	        "silence", r->silence_url, "dashboard", r->dashboard_url,
	        "panel", r->panel_url));
	json_array_append_new(alerts, a);
	json_decref(labels);
	json_decref(vals);
}

/* The links of an incident, from its first alert that has each. */
static json_t *
incident_links(json_t *alerts)
{
	static const struct {
		const char *name, *from, *key;
	} kinds[] = {
	    {"Runbook", "_annotations", "runbook_url"},
	    {"Panel", "_urls", "panel"},
	    {"Dashboard", "_urls", "dashboard"},
	    {"Silence", "_urls", "silence"},
	    {"Source", "_urls", "generator"},
	};
	json_t *links = json_array(), *a;
	size_t i;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		json_array_foreach(alerts, i, a)
		{
			const char *u = json_string_value(json_object_get(
			    json_object_get(a, kinds[k].from), kinds[k].key));
			if (u == NULL || !util_http_url(u))
				continue;
			json_array_append_new(links,
			    json_pack("{s:s,s:s,s:s}", "name", kinds[k].name,
			        "url", u, "id", kinds[k].key));
			break;
		}
	}
	context_mark_ends(links);
	return links;
}

void
context_finish(json_t *ctx, const struct config *cfg)
{
	json_t *alerts = json_object_get(ctx, "alerts");
	json_t *first = json_array_get(alerts, 0);
	json_t *common = json_array(), *a, *x;
	const char *k;
	size_t i;

	/* Labels equal on every listed alert are shown once, as fields. */
	if (first != NULL) {
		json_object_foreach(json_object_get(first, "_labels"), k, x)
		{
			int same = 1;
			json_t *b;
			size_t j;
			json_array_foreach(alerts, j, b)
			{
				if (!json_equal(
				        json_object_get(
				            json_object_get(b, "_labels"), k),
				        x)) {
					same = 0;
					break;
				}
			}
			if (same && json_array_size(common) < 10)
				json_array_append_new(common,
				    json_pack(
				        "{s:s,s:O}", "key", k, "value", x));
		}
	}
	context_mark_ends(common);
	json_object_set_new(ctx, "links", incident_links(alerts));
	json_object_set_new(ctx, "has_links",
	    json_boolean(json_array_size(json_object_get(ctx, "links")) > 0));
	json_array_foreach(alerts, i, a)
	{
		json_t *own = json_array();
		struct buf text = BUF_INIT;
		json_object_foreach(json_object_get(a, "_labels"), k, x)
		{
			size_t j;
			json_t *c;
			int is_common = 0;
			json_array_foreach(common, j, c)
			{
				if (strcmp(json_string_value(
				               json_object_get(c, "key")),
				        k) == 0)
					is_common = 1;
			}
			if (is_common)
				continue;
			json_array_append_new(
			    own, json_pack("{s:s,s:O}", "key", k, "value", x));
			if (text.len > 0)
				buf_adds(&text, ", ");
			buf_adds(&text, k);
			buf_addc(&text, '=');
			buf_adds(&text, json_string_value(x));
		}
		context_mark_ends(own);
		json_object_set_new(a, "labels", own);
		json_object_set_new(
		    a, "label_text", json_string(buf_str(&text)));
		buf_free(&text);
		json_object_del(a, "_labels");
		json_object_del(a, "_annotations");
		json_object_del(a, "_urls");
	}
	context_mark_ends(alerts);
	json_object_set_new(ctx, "common_labels", common);
	json_object_set_new(ctx, "has_common_labels",
	    json_boolean(json_array_size(common) > 0));
	json_object_set_new(ctx, "summary", string_of(first, "summary"));
	json_object_set_new(
	    ctx, "description", string_of(first, "description"));
	(void)cfg;
}

size_t
context_alerts(const json_t *ctx)
{
	return json_array_size(json_object_get(ctx, "alerts"));
}

void
context_cap(json_t *ctx, size_t cap)
{
	json_t *alerts = json_object_get(ctx, "alerts");
	json_int_t total = json_integer_value(json_object_get(
	    json_object_get(ctx, "counts"),
	    json_is_true(json_object_get(ctx, "firing")) ? "firing" : "total"));
	size_t n;

	while (json_array_size(alerts) > cap)
		json_array_remove(alerts, json_array_size(alerts) - 1);
	context_mark_ends(alerts);
	n = json_array_size(alerts);
	if (total < (json_int_t)n)
		total = (json_int_t)n;
	json_object_set_new(
	    ctx, "more_count", json_integer(total - (json_int_t)n));
	json_object_set_new(
	    ctx, "has_more", json_boolean(total > (json_int_t)n));
}

json_t *
context_sample(const struct config *cfg, const char *kind, int64_t now)
{
	struct store_incident inc;
	struct store_incident_counts counts = {.firing = 3, .resolved = 1};
	json_t *ctx;

	memset(&inc, 0, sizeof(inc));
	inc.id = 1;
	inc.key = "sample/Ingress5xx";
	inc.namespace = "sample";
	inc.alertname = "Ingress5xx";
	inc.labels = "{}";
	inc.open = 1;
	inc.channel = cfg->slack.default_channel;
	inc.severity = "critical";
	inc.opened_at = now - 3600000;
	inc.truncated = 2;
	ctx = context_begin(cfg, &inc, &counts, kind,
	    "{\"event\":\"joined\",\"count\":2}", now);
	for (int i = 0; i < 4; i++) {
		struct store_alert_row r;
		char id[64], labels[512];
		memset(&r, 0, sizeof(r));
		snprintf(id, sizeof(id), "grafana/1/%016x", i);
		snprintf(labels, sizeof(labels),
		    "{\"alertname\":\"Ingress5xx\",\"namespace\":\"sample\","
		    "\"code\":\"503\",\"pod\":\"web-%d <!channel> @here\","
		    "\"team\":\"<https://evil|click> &lt;\"}",
		    i);
		r.id = id;
		r.fingerprint = id + 10;
		r.state = i < 3 ? "firing" : "resolved";
		r.labels = labels;
		r.annotations = "{\"summary\":\"5xx above threshold *bold* "
		                "<!here>\",\"runbook_url\":\"https://runbooks."
		                "example/5xx\",\"description\":\"x\"}";
		r.vals = "{\"B\":1350.5,\"C\":1}";
		r.value_string = "";
		r.generator_url = "https://grafana.example/alerting/x/view";
		r.silence_url = "javascript:alert(1)";
		r.dashboard_url = r.panel_url = r.image_url = "";
		r.starts_at = now - 600000;
		context_add_alert(ctx, cfg, &r, now);
	}
	context_finish(ctx, cfg);
	return ctx;
}

void
context_set_mentions(json_t *ctx, json_t *targets)
{
	json_t *mentions = json_array(), *reasons = json_array(), *v, *x;
	struct buf text = BUF_INIT;
	const char *k;
	size_t i;

	json_object_foreach(targets, k, v)
	{
		json_array_append_new(mentions, json_string(k));
		if (text.len > 0)
			buf_addc(&text, ' ');
		buf_adds(&text, k);
		json_array_foreach(json_object_get(v, "rules"), i, x)
		{
			size_t j;
			json_t *r;
			int seen = 0;
			json_array_foreach(reasons, j, r)
			{
				if (json_equal(json_object_get(r, "rule"), x))
					seen = 1;
			}
			if (!seen && json_is_string(x))
				json_array_append_new(reasons,
				    json_pack("{s:O,s:s}", "rule", x, "why",
				        json_string_value(
				            json_object_get(v, "why"))
				            ? json_string_value(
				                  json_object_get(v, "why"))
				            : ""));
		}
	}
	context_mark_ends(reasons);
	json_object_set_new(ctx, "mentions", mentions);
	json_object_set_new(ctx, "mention_text", json_string(buf_str(&text)));
	json_object_set_new(ctx, "reasons", reasons);
	buf_free(&text);
}

/* URL templates: every value substituted is percent-encoded. */
static void
url_escape(struct buf *out, const char *s, size_t n)
{
	buf_url_esc(out, s, n);
}

static void
plain(struct buf *out, const char *s, size_t n)
{
	buf_add(out, s, n);
}

/* Renders a link template of the config; returns new or NULL. */
static char *
link_from_template(const char *tpl, json_t *vars)
{
	struct mustache *m;
	struct mustache_opts o;
	struct buf out = BUF_INIT;
	char err[128];

	if (tpl == NULL || *tpl == '\0')
		return NULL;
	m = mustache_compile(tpl, strlen(tpl), err, sizeof(err));
	if (m == NULL)
		return NULL;
	memset(&o, 0, sizeof(o));
	o.escape = url_escape;
	o.raw = plain;
	o.max_output = 3000;
	if (mustache_render(m, vars, &o, &out, err, sizeof(err)) != 0 ||
	    !util_http_url(buf_str(&out))) {
		buf_free(&out);
		mustache_free(m);
		return NULL;
	}
	mustache_free(m);
	return buf_steal(&out);
}

void
context_set_owners(json_t *ctx, const struct config *cfg,
    const struct catalog_entry *e, const char *source)
{
	json_t *owners = json_array(), *links = json_object_get(ctx, "links");
	json_t *first = json_array_get(json_object_get(ctx, "alerts"), 0);
	json_t *vars, *labels = json_object();
	struct buf text = BUF_INIT;
	static const struct {
		const char *name, *id;
		size_t off;
	} kinds[] = {
	    {"Project", "project", offsetof(struct config, links.project)},
	    {"Dashboard", "dashboard",
	        offsetof(struct config, links.dashboard)},
	    {"Logs", "logs", offsetof(struct config, links.logs)},
	};

	if (e != NULL) {
		for (size_t i = 0; i < e->nowners; i++)
			json_array_append_new(owners,
			    json_pack("{s:s,s:s}", "name", e->owners[i].name,
			        "slack_user", e->owners[i].slack_user));
		context_mark_ends(owners);
		json_object_set_new(ctx, "team",
		    e->team.code != NULL && *e->team.code != '\0'
		        ? json_pack("{s:s,s:s,s:s,s:s}", "code", e->team.code,
		              "name", e->team.name != NULL ? e->team.name : "",
		              "slack_usergroup",
		              e->team.slack_usergroup != NULL
		                  ? e->team.slack_usergroup
		                  : "",
		              "slack_channel",
		              e->team.slack_channel != NULL
		                  ? e->team.slack_channel
		                  : "")
		        : json_null());
		json_object_set_new(ctx, "project",
		    json_string(e->project != NULL ? e->project : ""));
		json_object_set_new(
		    ctx, "tier", json_string(e->tier != NULL ? e->tier : ""));
		if (e->team.name != NULL && *e->team.name != '\0')
			buf_adds(&text, e->team.name);
		for (size_t i = 0; i < e->nowners; i++) {
			buf_adds(&text,
			    text.len == 0 ? ""
			        : i == 0  ? ": "
			                  : ", ");
			buf_adds(&text,
			    *e->owners[i].name != '\0'
			        ? e->owners[i].name
			        : e->owners[i].slack_user);
		}
	}
	if (text.len == 0)
		buf_adds(&text, "owner unknown");
	else if (strcmp(source, "stale") == 0)
		buf_adds(&text, " (cached: the catalog is not answering)");
	json_object_set_new(ctx, "owners", owners);
	json_object_set_new(ctx, "owners_known", json_boolean(e != NULL));
	json_object_set_new(ctx, "owner_source", json_string(source));
	json_object_set_new(ctx, "owner_text", json_string(buf_str(&text)));
	buf_free(&text);

	/* Links: the entry's own win over the config's templates. */
	vars = json_object();
	json_object_set(vars, "namespace", json_object_get(ctx, "namespace"));
	json_object_set(vars, "alertname", json_object_get(ctx, "alertname"));
	json_object_set_new(vars, "project",
	    json_string(e != NULL && e->project != NULL ? e->project : ""));
	if (json_object_get(ctx, "team") != NULL)
		json_object_set(vars, "team", json_object_get(ctx, "team"));
	{
		json_t *ls = json_object_get(first, "labels");
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(ctx, "common_labels"), i, x)
		    json_object_set(labels,
		        json_string_value(json_object_get(x, "key")),
		        json_object_get(x, "value"));
		json_array_foreach(ls, i, x) json_object_set(labels,
		    json_string_value(json_object_get(x, "key")),
		    json_object_get(x, "value"));
	}
	json_object_set_new(vars, "labels", labels);
	if (first != NULL &&
	    json_is_string(json_object_get(first, "starts_at"))) {
		int64_t ms = 0;
		util_time_parse(
		    json_string_value(json_object_get(first, "starts_at")),
		    &ms);
		json_object_set_new(vars, "startsAt", json_integer(ms));
	}
	for (size_t k = 0, pos = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const char *url = NULL;
		char *made = NULL;
		if (e != NULL) {
			const char *eu = k == 0 ? e->links.project
			    : k == 1            ? e->links.dashboard
			                        : e->links.logs;
			if (eu != NULL && util_http_url(eu))
				url = eu;
		}
		if (url == NULL) {
			made = link_from_template(
			    *(char *const *)((const char *)cfg + kinds[k].off),
			    vars);
			url = made;
		}
		if (url != NULL)
			json_array_insert_new(links, pos++,
			    json_pack("{s:s,s:s,s:s}", "name", kinds[k].name,
			        "url", url, "id", kinds[k].id));
		free(made);
	}
	json_decref(vars);
	context_mark_ends(links);
	json_object_set_new(
	    ctx, "has_links", json_boolean(json_array_size(links) > 0));
}

void
context_set_buttons(json_t *ctx, json_t *buttons)
{
	if (!json_is_array(buttons)) {
		json_decref(buttons);
		return;
	}
	context_mark_ends(buttons);
	json_object_set_new(
	    ctx, "has_buttons", json_boolean(json_array_size(buttons) > 0));
	json_object_set_new(ctx, "buttons", buttons);
}
