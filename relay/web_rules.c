/*
 * web_rules.c: GET /rules, the rules in evaluation order (read-only), and
 * POST /rules, a webhook body explained against them the way `rules test`
 * does; see web.h.
 */
#include "web.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>

#include "http_server.h"
#include "relay.h"
#include "rulebook.h"
#include "rules.h"
#include "web_auth.h"
#include "web_html.h"

static void
json_cell(struct buf *b, json_t *v)
{
	char *s = v == NULL     ? NULL
	    : json_is_string(v) ? NULL
	                        : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	buf_adds(b, "<td>");
	if (v != NULL)
		web_h(b, s != NULL ? s : json_string_value(v));
	buf_adds(b, "</td>");
	free(s);
}

static void
explanation(struct buf *b, json_t *out)
{
	static const char *const cols[] = {"alert", "status", "matched",
	    "mentions", "decided_by", "channel", "remind_every", "silent"};
	size_t i;
	json_t *o;

	buf_adds(b, "<table class=\"explain\"><thead><tr>");
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		buf_printf(b, "<th>%s</th>", cols[k]);
	buf_adds(b, "</tr></thead><tbody>");
	json_array_foreach(out, i, o)
	{
		buf_adds(b, "<tr>");
		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
			json_cell(b, json_object_get(o, cols[k]));
		buf_adds(b, "</tr>");
	}
	buf_adds(b, "</tbody></table>");
}

void
web_rules(struct http_ctx *c)
{
	static const char *const cols[] = {"name", "priority", "matchers",
	    "when", "mention", "channel", "remind_every", "silent", "continue"};
	struct relay *r = c->relay;
	struct web_page p;
	struct evkeyvalq form;
	json_t *rules, *o, *out = NULL;
	const char *payload = NULL;
	char err[512];
	size_t i;
	int code = 200;

	if (web_guard(c) != 0)
		return;
	TAILQ_INIT(&form);
	if (evhttp_request_get_command(c->req) == EVHTTP_REQ_POST) {
		if (web_read_form(c, &form) != 0)
			return;
		payload = evhttp_find_header(&form, "payload");
		if (payload == NULL)
			payload = "";
		out = rulebook_explain(r->rules, r->store, r->cfg, payload,
		    strlen(payload), relay_now(r), err, sizeof(err));
		if (out == NULL)
			code = 400;
	}
	web_page_begin(&p, c, "Rules", "rules", 0);
	buf_adds(&p.b,
	    "<h1>Rules</h1><p>In evaluation order (priority, then "
	    "name). Change them with <code>alert-delivery rules "
	    "import</code> or the API.</p><table class=\"rules\">"
	    "<thead><tr>");
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		buf_printf(&p.b, "<th>%s</th>", cols[k]);
	buf_adds(&p.b, "</tr></thead><tbody>");
	rules = rules_to_json(r->rules);
	json_array_foreach(rules, i, o)
	{
		buf_adds(&p.b, "<tr>");
		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
			json_cell(&p.b, json_object_get(o, cols[k]));
		buf_adds(&p.b, "</tr>");
	}
	json_decref(rules);
	buf_adds(&p.b, "</tbody></table><h2>Test a payload</h2>");
	if (code == 400) {
		web_error_p(&p.b, err);
	} else if (out != NULL) {
		explanation(&p.b, out);
	}
	web_form(&p, "/rules");
	buf_adds(&p.b,
	    "<label>A Grafana or Alertmanager webhook body<textarea "
	    "name=\"payload\" rows=\"10\" required>");
	web_h(&p.b, payload);
	buf_adds(&p.b, "</textarea></label><button>Explain</button></form>");
	json_decref(out);
	evhttp_clear_headers(&form);
	web_page_end(&p, code);
}
