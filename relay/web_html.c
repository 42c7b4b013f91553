/*
 * web_html.c: the page layout, escaping helpers, the chart and the
 * replies; see web_html.h.
 */
#include "web_html.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "context.h"
#include "embedded.h"
#include "http_server.h"
#include "slackhtml.h"
#include "util.h"
#include "web_auth.h"

/* No inline script or style may run: assets come from /static only. The
 * chart is inline SVG with presentation attributes (no style). */
#define WEB_CSP                                                                \
	"default-src 'none'; script-src 'self'; style-src 'self'; "            \
	"img-src 'self'; connect-src 'self'; form-action 'self'; "             \
	"frame-ancestors 'none'; base-uri 'none'"

static void
common_headers(struct evkeyvalq *h, const char *type)
{
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Content-Security-Policy", WEB_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
}

static void
send_html(struct http_ctx *c, int code, struct buf *b)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);

	common_headers(h, "text/html; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(out, b->data != NULL ? b->data : "", b->len);
	evhttp_send_reply(c->req, code, NULL, out);
	evbuffer_free(out);
}

void
web_h(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_html_esc(b, s, strlen(s));
}

void
web_ns_href(struct buf *b, const char *ns)
{
	buf_adds(b, "/namespaces/");
	buf_url_esc(b, ns, strlen(ns));
}

void
web_link(struct buf *b, const char *url, const char *text)
{
	slackhtml_link(b, url, text);
}

void
web_time(struct buf *b, int64_t ms)
{
	char iso[40];

	if (ms <= 0) {
		buf_adds(b, "–");
		return;
	}
	util_time_format(ms, iso, sizeof(iso));
	/* "2026-11-27T10:00:01.250Z" shown as "2026-11-27 10:00:01". */
	buf_printf(
	    b, "<time datetime=\"%s\">%.10s %.8s</time>", iso, iso, iso + 11);
}

void
web_dur(struct buf *b, int64_t ms)
{
	char d[32];

	context_duration(ms, d, sizeof(d));
	buf_adds(b, d);
}

void
web_error_p(struct buf *b, const char *msg)
{
	buf_adds(b, "<p class=\"error\">");
	web_h(b, msg);
	buf_adds(b, "</p>");
}

void
web_see_other(struct http_ctx *c, const char *where)
{
	evhttp_add_header(
	    evhttp_request_get_output_headers(c->req), "Location", where);
	evhttp_send_reply(c->req, 303, "See Other", NULL);
}

void
web_form(struct web_page *p, const char *action)
{
	buf_printf(&p->b,
	    "<form method=\"post\" action=\"%s\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
	    action, p->csrf);
}

void
web_page_begin(struct web_page *p, struct http_ctx *c, const char *title,
    const char *active, int refresh)
{
	static const struct {
		const char *id, *href, *label;
	} nav[] = {
	    {"overview", "/", "Overview"},
	    {"snoozes", "/snoozes", "Snoozes"},
	    {"rules", "/rules", "Rules"},
	    {"messages", "/messages", "Messages"},
	};

	memset(p, 0, sizeof(*p));
	p->c = c;
	web_csrf(c, p->csrf);
	buf_adds(&p->b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>");
	web_h(&p->b, title);
	buf_adds(&p->b,
	    " · alert-delivery</title>"
	    "<link rel=\"stylesheet\" href=\"/static/app.css\">"
	    "<script src=\"/static/app.js\" defer></script>"
	    "</head>");
	buf_printf(&p->b,
	    "<body%s><header><nav><span class=\"brand\">"
	    "alert-delivery</span>",
	    refresh ? " data-refresh=\"15\"" : "");
	for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++)
		buf_printf(&p->b, "<a href=\"%s\"%s>%s</a>", nav[i].href,
		    active != NULL && strcmp(active, nav[i].id) == 0
		        ? " class=\"active\" aria-current=\"page\""
		        : "",
		    nav[i].label);
	if (web_logged_in(c)) {
		web_form(p, "/logout");
		buf_adds(
		    &p->b, "<button class=\"link\">Log out</button></form>");
	}
	buf_adds(&p->b, "</nav></header><main>");
}

void
web_page_end(struct web_page *p, int code)
{
	buf_adds(&p->b, "</main></body></html>\n");
	send_html(p->c, code, &p->b);
	buf_free(&p->b);
}

void
web_error(struct http_ctx *c, int code, const char *msg)
{
	struct web_page p;
	char title[32];

	snprintf(title, sizeof(title), "%d", code);
	web_page_begin(&p, c, title, NULL, 0);
	buf_printf(&p.b, "<h1>%d</h1><p class=\"error\">", code);
	web_h(&p.b, msg);
	buf_adds(&p.b, "</p>");
	web_page_end(&p, code);
}

void
web_chart(struct buf *b, const int64_t counts[24], int64_t last_hour)
{
	/* 24 bars of 24 px in a 600 x 150 box, bars up to 110 px high. */
	int64_t max = 1, total = 0;

	for (int i = 0; i < 24; i++) {
		if (counts[i] > max)
			max = counts[i];
		total += counts[i];
	}
	buf_printf(b,
	    "<figure class=\"chart\"><svg viewBox=\"0 0 620 150\" "
	    "role=\"img\" aria-label=\"Alerts fired per hour, last 24 "
	    "hours: %lld in all\" xmlns=\"http://www.w3.org/2000/svg\">",
	    (long long)total);
	buf_adds(b,
	    "<line x1=\"24\" y1=\"120\" x2=\"620\" y2=\"120\" "
	    "stroke=\"#999\" stroke-width=\"1\"/>");
	buf_printf(b,
	    "<text x=\"20\" y=\"14\" text-anchor=\"end\" font-size=\"10\" "
	    "fill=\"#666\">%lld</text>",
	    (long long)max);
	for (int i = 0; i < 24; i++) {
		int64_t h = (110 * counts[i] + max - 1) / max;
		int64_t hour = last_hour - (int64_t)(23 - i) * 3600000;
		char iso[40];
		util_time_format(hour, iso, sizeof(iso));
		buf_printf(b,
		    "<rect class=\"bar\" x=\"%d\" y=\"%lld\" width=\"20\" "
		    "height=\"%lld\" fill=\"#d9534f\"><title>%.13s:00 UTC: "
		    "%lld fired</title></rect>",
		    28 + i * 24, (long long)(120 - h), (long long)h, iso,
		    (long long)counts[i]);
		if (i % 6 == 0 || i == 23)
			buf_printf(b,
			    "<text x=\"%d\" y=\"136\" font-size=\"10\" "
			    "fill=\"#666\">%.5s</text>",
			    28 + i * 24, iso + 11);
	}
	buf_adds(b,
	    "</svg><figcaption>Alerts fired per hour (UTC), last 24 "
	    "hours</figcaption></figure>");
}

void
web_static(struct http_ctx *c)
{
	static const struct {
		const char *name, *file, *type;
	} assets[] = {
	    {"app.css", "web/app.css", "text/css; charset=utf-8"},
	    {"app.js", "web/app.js", "text/javascript; charset=utf-8"},
	};

	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		if (strcmp(c->tail, assets[i].name) != 0)
			continue;
		for (const struct embedded_file *f = embedded_files;
		     f->name != NULL; f++) {
			struct evbuffer *out;
			struct evkeyvalq *h;
			if (strcmp(f->name, assets[i].file) != 0)
				continue;
			out = evbuffer_new();
			h = evhttp_request_get_output_headers(c->req);
			common_headers(h, assets[i].type);
			evhttp_add_header(h, "Cache-Control", "max-age=300");
			evbuffer_add(out, f->data, f->len);
			evhttp_send_reply(c->req, 200, "OK", out);
			evbuffer_free(out);
			return;
		}
	}
	http_reply_error(c->req, 404, "no such file");
}
