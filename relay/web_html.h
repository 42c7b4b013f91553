/*
 * web_html.h: building the web page's HTML (SPEC section 11): the layout
 * every page shares, HTML escaping of every value, the 24 h chart as
 * server-rendered SVG, forms with their CSRF field, and the replies with
 * a strict Content-Security-Policy. The pages are web_pages.c and
 * web_slack.c; sessions and CSRF are web_auth.c.
 */
#ifndef WEB_HTML_H
#define WEB_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct http_ctx;

struct web_page {
	struct buf b;
	struct http_ctx *c;
	char csrf[65]; /* the token forms carry */
};

/*
 * Starts a page: the document head, the navigation (active: "overview",
 * "snoozes", "rules", "messages" or NULL) and <main>. refresh: the page
 * reloads its <main> every 15 s with app.js (without flicker; never while
 * a form is being filled in).
 */
void web_page_begin(struct web_page *p, struct http_ctx *c, const char *title,
    const char *active, int refresh);
/* Closes the page, sends it with status code and frees it. */
void web_page_end(struct web_page *p, int code);

/* Sends a short page that says msg (escaped) with status code. */
void web_error(struct http_ctx *c, int code, const char *msg);

/* Appends s (NULL: nothing) HTML-escaped. */
void web_h(struct buf *b, const char *s);
/* Appends the page of namespace ns: /namespaces/<percent-encoded>. */
void web_ns_href(struct buf *b, const char *ns);
/* Appends <a href="url">text</a> when url is http(s), else text; both
 * escaped. */
void web_link(struct buf *b, const char *url, const char *text);
/* Appends a <time> of Unix ms (UTC), or "–" for 0. */
void web_time(struct buf *b, int64_t ms);
/* Appends a short duration ("5m", "2h10m"). */
void web_dur(struct buf *b, int64_t ms);

/* Appends <p class="error">msg</p>, msg escaped. */
void web_error_p(struct buf *b, const char *msg);

/* Answers a form that worked: 303 See Other to where (a fixed, safe
 * path), the page that shows the result. */
void web_see_other(struct http_ctx *c, const char *where);

/* Opens a POST form to action (already a safe path) with the CSRF
 * field; close it with "</form>". */
void web_form(struct web_page *p, const char *action);

/*
 * Appends an SVG bar chart of 24 hourly counts (the last is the current
 * hour, which starts at last_hour), readable without JS: bars with
 * <title>s and an axis every 6 hours.
 */
void web_chart(struct buf *b, const int64_t counts[24], int64_t last_hour);

/* GET /static/{app.css,app.js}: the page's assets, compiled in. */
void web_static(struct http_ctx *c);

#endif /* WEB_HTML_H */
