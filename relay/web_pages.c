/*
 * web_pages.c: the overview, namespace, snoozes and rules pages (SPEC
 * section 11); see web.h. Every value written goes through web_h.
 */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>

#include "config.h"
#include "history.h"
#include "http_server.h"
#include "limits.h"
#include "log.h"
#include "matcher.h"
#include "relay.h"
#include "snooze.h"
#include "snoozer.h"
#include "store.h"
#include "store_history.h"
#include "store_snooze.h"
#include "util.h"
#include "web_auth.h"
#include "web_html.h"

#define HOUR_MS 3600000LL

/* The last 24 hours of fired counts of ns (NULL: all) for web_chart. */
struct hours {
	int64_t counts[24];
	int64_t last; /* start of the current hour */
};

static int
add_hour(void *arg, int64_t hour, int64_t n)
{
	struct hours *h = arg;
	int64_t i = 23 - (h->last - hour) / HOUR_MS;

	if (i >= 0 && i < 24)
		h->counts[i] += n;
	return 0;
}

static void
chart(struct relay *r, struct buf *b, const char *ns, int64_t now)
{
	struct hours h;

	memset(&h, 0, sizeof(h));
	h.last = now - now % HOUR_MS;
	if (store_fired_hourly(
	        r->store, ns, h.last - 23 * HOUR_MS, add_hour, &h) >= 0)
		web_chart(b, h.counts, h.last);
}

/* Team and owners from the catalog, as text. */
static void
owners_cells(struct relay *r, struct buf *b, const char *ns, int64_t now)
{
	json_t *o = history_owners(r, ns, now), *v;
	size_t i;

	buf_adds(b, "<td>");
	if (json_is_string(json_object_get(o, "team")))
		web_h(b, json_string_value(json_object_get(o, "team")));
	else
		buf_adds(b, "<span class=\"empty\">unknown</span>");
	buf_adds(b, "</td><td>");
	json_array_foreach(json_object_get(o, "owners"), i, v)
	{
		if (i > 0)
			buf_adds(b, ", ");
		web_h(b, json_string_value(v));
	}
	buf_adds(b, "</td>");
	json_decref(o);
}

/* ---- / ---- */

struct overview {
	struct relay *relay;
	struct buf rows;
	int64_t now;
	int64_t firing, snoozed, n;
};

static int
overview_row(void *arg, const struct store_namespace *n)
{
	struct overview *o = arg;
	struct buf *b = &o->rows;
	const char *cls = n->firing > n->snoozed ? "firing"
	    : n->firing > 0                      ? "snoozed"
	                                         : "quiet";

	o->n++;
	o->firing += n->firing;
	o->snoozed += n->snoozed;
	buf_printf(b, "<tr class=\"%s\"><td><a href=\"", cls);
	web_ns_href(b, n->namespace);
	buf_adds(b, "\">");
	web_h(b, n->namespace);
	buf_printf(b,
	    "</a></td><td class=\"num\">%lld</td>"
	    "<td class=\"num\">%lld</td><td>",
	    (long long)n->firing, (long long)n->snoozed);
	if (n->oldest_open > 0)
		web_dur(b, o->now - n->oldest_open);
	else
		buf_adds(b, "–");
	buf_printf(b, "</td><td class=\"num\">%lld</td>", (long long)n->fired);
	owners_cells(o->relay, b, n->namespace, o->now);
	buf_adds(b, "</tr>");
	return 0;
}

void
web_overview(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct overview o;
	struct web_page p;

	if (web_guard(c) != 0)
		return;
	memset(&o, 0, sizeof(o));
	o.relay = r;
	o.now = relay_now(r);
	if (store_namespaces(r->store, o.now - 24 * HOUR_MS, LIMIT_API_LIST,
	        overview_row, &o) < 0) {
		buf_free(&o.rows);
		web_error(c, 503, store_errmsg(r->store));
		return;
	}
	web_page_begin(&p, c, "Overview", "overview", 1);
	buf_printf(&p.b,
	    "<h1>Overview</h1><p class=\"summary\"><strong>%lld</strong> "
	    "firing · <strong>%lld</strong> snoozed · %lld namespaces</p>",
	    (long long)o.firing, (long long)o.snoozed, (long long)o.n);
	chart(r, &p.b, NULL, o.now);
	if (o.n == 0)
		buf_adds(&p.b,
		    "<p class=\"empty\">Nothing fired in the last 24 "
		    "hours.</p>");
	else
		buf_printf(&p.b,
		    "<table class=\"namespaces\"><thead><tr><th>Namespace</th>"
		    "<th>Firing</th><th>Snoozed</th><th>Oldest firing</th>"
		    "<th>Fired 24 h</th><th>Team</th><th>Owners</th></tr>"
		    "</thead><tbody>%s</tbody></table>",
		    buf_str(&o.rows));
	buf_free(&o.rows);
	web_page_end(&p, 200);
}

/* ---- /namespaces/{ns} ---- */

struct ns_page {
	struct relay *relay;
	struct web_page *p;
	int64_t now;
	struct strlist alertnames; /* of open incidents, for the form */
	struct strlist snoozes;    /* ids holding its alerts */
	const char *label;  /* the label that names it (the config's), NULL */
	int failed;         /* a query inside a callback failed */
	int64_t last_event; /* id of the last timeline event shown */
	size_t events;      /* timeline events shown */
};

static void
labels_html(struct buf *b, const char *labels_json)
{
	json_t *j = json_loads(labels_json, 0, NULL), *v;
	const char *k;

	buf_adds(b, "<ul class=\"labels\">");
	json_object_foreach(j, k, v)
	{
		buf_adds(b, "<li><span class=\"k\">");
		web_h(b, k);
		buf_adds(b, "</span>=<span class=\"v\">");
		web_h(b, json_string_value(v));
		buf_adds(b, "</span></li>");
	}
	buf_adds(b, "</ul>");
	json_decref(j);
}

/* Which of grouping.namespace_labels an alert of the namespace has: the
 * label a snooze of the namespace must match. */
static int
find_label(void *arg, const struct store_alert_row *a)
{
	struct ns_page *n = arg;
	json_t *j = json_loads(a->labels, 0, NULL);
	const struct strlist *nl = &n->relay->cfg->grouping.namespace_labels;

	for (size_t i = 0; i < nl->n && n->label == NULL; i++)
		if (json_object_get(j, nl->v[i]) != NULL)
			n->label = nl->v[i];
	json_decref(j);
	return 1;
}

static int
alert_row(void *arg, const struct store_alert_row *a)
{
	struct ns_page *n = arg;
	struct buf *b = &n->p->b;
	char id[32];

	if (a->snoozed_by > 0) {
		snprintf(id, sizeof(id), "%lld", (long long)a->snoozed_by);
		if (!strlist_has(&n->snoozes, id))
			strlist_add(&n->snoozes, id);
	}
	buf_printf(b, "<tr class=\"%s\"><td>",
	    strcmp(a->state, "firing") == 0 ? "firing" : "resolved");
	web_h(b, a->state);
	buf_printf(b, "%s</td><td>", a->snoozed_by > 0 ? " (snoozed)" : "");
	labels_html(b, a->labels);
	buf_adds(b, "</td><td>");
	web_h(b, a->value_string[0] != '\0' ? a->value_string : a->vals);
	buf_adds(b, "</td><td>");
	web_time(b, a->starts_at);
	buf_adds(b, "</td><td>");
	{
		const char *urls[] = {a->generator_url, a->dashboard_url,
		    a->panel_url, a->silence_url};
		const char *names[] = {
		    "source", "dashboard", "panel", "silence"};
		for (size_t i = 0; i < 4; i++) {
			if (urls[i] == NULL || !util_http_url(urls[i]))
				continue;
			web_link(b, urls[i], names[i]);
			buf_adds(b, " ");
		}
	}
	buf_adds(b, "</td></tr>");
	return 0;
}

static int
incident_block(void *arg, const struct store_incident *i)
{
	struct ns_page *n = arg;
	struct buf *b = &n->p->b;
	int64_t id = i->id;

	if (!strlist_has(&n->alertnames, i->alertname))
		strlist_add(&n->alertnames, i->alertname);
	buf_printf(b, "<section class=\"incident%s\"><h3>",
	    i->snoozed ? " snoozed" : "");
	web_h(b, i->alertname);
	buf_adds(b, " <small>opened ");
	web_dur(b, n->now - i->opened_at);
	buf_adds(b, " ago · ");
	web_h(
	    b, i->channel[0] != '\0' ? i->channel : "(channel not pinned yet)");
	buf_printf(b,
	    "%s</small></h3><table class=\"alerts\"><thead><tr>"
	    "<th>State</th><th>Labels</th><th>Value</th>"
	    "<th>Since</th><th>Links</th></tr></thead><tbody>",
	    i->snoozed ? " · snoozed" : "");
	/* Strings of i are not used past here: the next query reuses them. */
	if (store_incident_alerts(
	        n->relay->store, id, LIMIT_WEB_ROWS, alert_row, n) < 0)
		return -1;
	buf_adds(b, "</tbody></table></section>");
	return 0;
}

static int
event_row(void *arg, const struct store_event *e)
{
	struct ns_page *n = arg;
	struct buf *b = &n->p->b;
	json_t *d = json_loads(e->detail, 0, NULL), *v;
	const char *k;

	n->last_event = e->id;
	n->events++;
	buf_adds(b, "<li><span class=\"when\">");
	web_time(b, e->time);
	buf_adds(b, "</span> <span class=\"kind ");
	web_h(b, e->kind);
	buf_adds(b, "\">");
	web_h(b, e->kind);
	buf_adds(b, "</span> ");
	web_h(b, e->alertname);
	json_object_foreach(d, k, v)
	{
		char *s =
		    json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
		buf_adds(b, " <span class=\"detail\">");
		web_h(b, k);
		buf_adds(b, "=");
		web_h(b, s != NULL ? s : json_string_value(v));
		buf_adds(b, "</span>");
		free(s);
	}
	buf_printf(b, "</li>");
	json_decref(d);
	return 0;
}

static int
ns_snooze_row(void *arg, const struct store_snooze *z)
{
	struct ns_page *n = arg;
	struct buf *b = &n->p->b;
	char id[32];

	snprintf(id, sizeof(id), "%lld", (long long)z->id);
	if (!strlist_has(&n->snoozes, id))
		return 0;
	buf_adds(b, "<li><code>");
	web_h(b, z->matchers);
	buf_adds(b, "</code> by ");
	web_h(b, z->author_name[0] != '\0' ? z->author_name : z->author);
	buf_adds(b, " until ");
	web_time(b, z->ends_at);
	if (z->reason[0] != '\0') {
		buf_adds(b, ": ");
		web_h(b, z->reason);
	}
	buf_adds(b, "</li>");
	return 0;
}

/* The snooze form of a namespace page. */
static void
ns_snooze_form(struct ns_page *n, const char *ns)
{
	struct buf action = BUF_INIT;
	struct buf *b = &n->p->b;

	web_ns_href(&action, ns);
	buf_adds(&action, "/snooze");
	buf_adds(b, "<h2>Snooze</h2>");
	web_form(n->p, buf_str(&action));
	buf_adds(b,
	    "<label>For <select name=\"duration\">"
	    "<option>1h</option><option selected>4h</option>"
	    "<option>24h</option><option>7d</option></select></label> "
	    "<label>Alert <select name=\"alertname\">"
	    "<option value=\"\">every alert</option>");
	for (size_t i = 0; i < n->alertnames.n; i++) {
		buf_adds(b, "<option>");
		web_h(b, n->alertnames.v[i]);
		buf_adds(b, "</option>");
	}
	buf_adds(b,
	    "</select></label> <label>Reason <input name=\"reason\" "
	    "required maxlength=\"1000\"></label> "
	    "<button>Snooze</button></form>");
	buf_free(&action);
}

static void
namespace_page(
    struct http_ctx *c, const char *ns, const char *error, int error_code)
{
	struct relay *r = c->relay;
	struct web_page p;
	struct ns_page n;
	struct store_incident_filter f;
	struct store_event_filter ef;
	const char *before = http_query(c, "before");
	long long id = 0;
	const char *e;
	int ok;

	if (before != NULL &&
	    util_strtonum(before, 1, INT64_MAX, &id, &e) != 0) {
		web_error(c, 400, "before: an event id");
		return;
	}
	memset(&n, 0, sizeof(n));
	n.relay = r;
	n.p = &p;
	n.now = relay_now(r);
	web_page_begin(&p, c, ns, NULL, error == NULL);
	buf_adds(&p.b, "<h1>");
	web_h(&p.b, ns);
	buf_adds(&p.b,
	    "</h1><table class=\"owners\"><tr><th>Team</th>"
	    "<th>Owners</th></tr><tr>");
	owners_cells(r, &p.b, ns, n.now);
	buf_adds(&p.b, "</tr></table>");
	if (error != NULL) {
		web_error_p(&p.b, error);
	}
	chart(r, &p.b, ns, n.now);
	buf_adds(&p.b, "<h2>Open incidents</h2>");
	memset(&f, 0, sizeof(f));
	f.namespace = ns;
	f.state = 1;
	f.limit = LIMIT_WEB_ROWS;
	ok = store_incidents_list(r->store, &f, incident_block, &n);
	if (n.failed)
		ok = -1;
	if (ok == 0)
		buf_adds(&p.b, "<p class=\"empty\">None.</p>");
	ns_snooze_form(&n, ns);
	buf_adds(&p.b, "<h2>Snoozes</h2><ul class=\"snoozes\">");
	if (ok >= 0)
		ok = store_snoozes_each(
		    r->store, 0, LIMIT_API_LIST, ns_snooze_row, &n);
	buf_adds(&p.b, "</ul><h2>Timeline</h2><ol class=\"timeline\">");
	memset(&ef, 0, sizeof(ef));
	ef.namespace = ns;
	ef.before_id = id;
	ef.limit = LIMIT_WEB_ROWS;
	if (ok >= 0)
		ok = store_events_list(r->store, &ef, event_row, &n);
	buf_adds(&p.b, "</ol>");
	if (n.events == LIMIT_WEB_ROWS) {
		/* The next page: events before the last one shown. */
		buf_adds(&p.b, "<p><a href=\"");
		web_ns_href(&p.b, ns);
		buf_printf(&p.b, "?before=%lld\">Older events</a></p>",
		    (long long)n.last_event);
	}
	if (ok < 0) {
		web_error_p(&p.b, store_errmsg(r->store));
	}
	strlist_free(&n.alertnames);
	strlist_free(&n.snoozes);
	web_page_end(&p, error != NULL ? error_code : ok < 0 ? 503 : 200);
}

/* The matcher of label name = value, quoted (returns new). */
static char *
equal_matcher(const char *name, const char *value)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, name);
	buf_adds(&b, "=");
	matcher_quote(&b, value);
	return buf_steal(&b);
}

/* Creates a snooze from a form; NULL on success, else why (static or in
 * err) and *status (400 invalid, 503 the database). */
static const char *
snooze_from_form(struct relay *r, struct evkeyvalq *form,
    const char *const *matchers, size_t n, char *err, size_t errlen,
    int *status)
{
	struct snooze_spec spec;
	const char *dur = evhttp_find_header(form, "duration");
	const char *reason = evhttp_find_header(form, "reason");
	int64_t ms, now = relay_now(r);

	*status = 400;
	if (dur == NULL || snooze_duration(dur, &ms) != 0)
		return "duration: e.g. 4h";
	if (reason == NULL || *reason == '\0')
		return "reason: say why, for the people who will see it";
	memset(&spec, 0, sizeof(spec));
	spec.matchers = matchers;
	spec.nmatchers = n;
	spec.starts_at = now;
	spec.ends_at = now + ms;
	spec.author = "web";
	spec.reason = reason;
	if (snoozer_create(r, &spec, status, err, errlen) < 0)
		return err;
	return NULL;
}

/* POST /namespaces/{ns}/snooze */
static void
namespace_snooze(struct http_ctx *c, const char *ns)
{
	struct relay *r = c->relay;
	struct evkeyvalq form;
	struct store_alert_filter f;
	struct ns_page n;
	const char *alertname, *why;
	char *ms[2] = {NULL, NULL}, err[512];
	size_t nm = 1;
	int status;

	if (web_read_form(c, &form) != 0)
		return;
	/* The label the namespace came from, as its alerts carry it. */
	memset(&n, 0, sizeof(n));
	n.relay = r;
	memset(&f, 0, sizeof(f));
	f.namespace = ns;
	f.limit = 1;
	store_alerts_list(r->store, &f, find_label, &n);
	ms[0] = equal_matcher(n.label != NULL ? n.label : "namespace", ns);
	alertname = evhttp_find_header(&form, "alertname");
	if (alertname != NULL && *alertname != '\0')
		ms[nm++] = equal_matcher("alertname", alertname);
	why = snooze_from_form(
	    r, &form, (const char *const *)ms, nm, err, sizeof(err), &status);
	if (why != NULL) {
		namespace_page(c, ns, why, status);
	} else {
		struct buf to = BUF_INIT;
		web_ns_href(&to, ns);
		web_see_other(c, buf_str(&to));
		buf_free(&to);
	}
	free(ms[0]);
	free(ms[1]);
	evhttp_clear_headers(&form);
}

void
web_namespace(struct http_ctx *c)
{
	static const char suffix[] = "/snooze";
	size_t n = strlen(c->tail), k = sizeof(suffix) - 1;

	if (web_guard(c) != 0)
		return;
	if (evhttp_request_get_command(c->req) == EVHTTP_REQ_POST) {
		char *ns;
		if (n <= k || strcmp(c->tail + n - k, suffix) != 0) {
			web_error(c, 404, "no such form");
			return;
		}
		ns = xstrndup(c->tail, n - k);
		namespace_snooze(c, ns);
		free(ns);
		return;
	}
	if (n > LIMIT_LABEL_NAME * 4) {
		web_error(c, 404, "no such namespace");
		return;
	}
	namespace_page(c, c->tail, NULL, 0);
}

/* ---- /snoozes ---- */

static int
snooze_row(void *arg, const struct store_snooze *z)
{
	struct web_page *p = arg;
	json_t *ms = json_loads(z->matchers, 0, NULL), *v;
	char action[64];
	size_t i;

	buf_printf(&p->b, "<tr><td>%lld</td><td>", (long long)z->id);
	json_array_foreach(ms, i, v)
	{
		buf_adds(&p->b, "<code>");
		web_h(&p->b, json_string_value(v));
		buf_adds(&p->b, "</code> ");
	}
	json_decref(ms);
	buf_adds(&p->b, "</td><td>");
	web_h(&p->b, z->author_name[0] != '\0' ? z->author_name : z->author);
	buf_adds(&p->b, "</td><td>");
	web_h(&p->b, z->reason);
	buf_adds(&p->b, "</td><td>");
	web_time(&p->b, z->ends_at);
	buf_adds(&p->b, "</td><td>");
	snprintf(action, sizeof(action), "/snoozes/%lld/end", (long long)z->id);
	web_form(p, action);
	buf_adds(&p->b, "<button>End</button></form></td></tr>");
	return 0;
}

static void
snoozes_page(struct http_ctx *c, const char *error, int code)
{
	struct relay *r = c->relay;
	struct web_page p;
	int n;

	web_page_begin(&p, c, "Snoozes", "snoozes", 0);
	buf_adds(&p.b, "<h1>Snoozes</h1>");
	if (error != NULL) {
		web_error_p(&p.b, error);
	}
	buf_adds(&p.b,
	    "<table class=\"snoozes\"><thead><tr><th>#</th>"
	    "<th>Matchers</th><th>By</th><th>Why</th>"
	    "<th>Until</th><th></th></tr></thead><tbody>");
	n = store_snoozes_each(r->store, 0, LIMIT_API_LIST, snooze_row, &p);
	buf_adds(&p.b, "</tbody></table>");
	if (n == 0)
		buf_adds(&p.b, "<p class=\"empty\">No snooze in force.</p>");
	buf_adds(&p.b, "<h2>New snooze</h2>");
	web_form(&p, "/snoozes");
	buf_adds(&p.b,
	    "<label>Matchers, one per line (Alertmanager syntax)<textarea "
	    "name=\"matchers\" rows=\"3\" required "
	    "placeholder='namespace=\"chat\""
	    "&#10;alertname=~\"Ingress.*\"'></textarea></label>"
	    "<label>For <input name=\"duration\" value=\"4h\" required "
	    "size=\"6\"></label> <label>Reason <input name=\"reason\" required "
	    "maxlength=\"1000\"></label> <button>Snooze</button></form>");
	web_page_end(&p, n < 0 ? 503 : code);
}

void
web_snoozes(struct http_ctx *c)
{
	int status = 400;
	struct evkeyvalq form;
	const char *text, *why;
	char *copy, *line, err[512];
	const char *ms[SNOOZE_MAX_MATCHERS];
	size_t n = 0;

	if (web_guard(c) != 0)
		return;
	if (evhttp_request_get_command(c->req) != EVHTTP_REQ_POST) {
		snoozes_page(c, NULL, 200);
		return;
	}
	if (web_read_form(c, &form) != 0)
		return;
	text = evhttp_find_header(&form, "matchers");
	copy = xstrdup(text != NULL ? text : "");
	why = NULL;
	/* One matcher per line; blank lines skipped. */
	for (line = copy; *line != '\0';) {
		size_t len = strcspn(line, "\r\n");
		char *next = line + len + strspn(line + len, "\r\n");
		line[len] = '\0';
		line += strspn(line, " \t");
		if (*line != '\0') {
			if (n == SNOOZE_MAX_MATCHERS) {
				why = "matchers: too many";
				break;
			}
			ms[n++] = line;
		}
		line = next;
	}
	if (why == NULL && n == 0)
		why = "matchers: at least one";
	if (why == NULL)
		why = snooze_from_form(
		    c->relay, &form, ms, n, err, sizeof(err), &status);
	if (why != NULL) {
		snoozes_page(c, why, status);
	} else {
		web_see_other(c, "/snoozes");
	}
	free(copy);
	evhttp_clear_headers(&form);
}

void
web_snooze_end(struct http_ctx *c)
{
	struct evkeyvalq form;
	long long id;
	const char *e;
	char num[32];
	size_t n;
	int rc;

	if (web_guard(c) != 0)
		return;
	n = strcspn(c->tail, "/");
	if (n >= sizeof(num) || strcmp(c->tail + n, "/end") != 0) {
		web_error(c, 404, "no such form");
		return;
	}
	memcpy(num, c->tail, n);
	num[n] = '\0';
	if (util_strtonum(num, 1, INT64_MAX, &id, &e) != 0) {
		web_error(c, 404, "no such snooze");
		return;
	}
	if (web_read_form(c, &form) != 0)
		return;
	evhttp_clear_headers(&form);
	rc = snoozer_end(c->relay, id, "web");
	if (rc < 0) {
		web_error(c, 503, store_errmsg(c->relay->store));
		return;
	}
	if (rc == 0) {
		snoozes_page(c, "That snooze is not in force.", 404);
		return;
	}
	web_see_other(c, "/snoozes");
}
