/*
 * slackhtml.c: Block Kit and mrkdwn as HTML; see slackhtml.h.
 */
#include "slackhtml.h"

#include <string.h>

#include "util.h"

static void
esc(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_html_esc(b, s, strlen(s));
}

void
slackhtml_link(struct buf *b, const char *url, const char *text)
{
	if (url == NULL || !util_http_url(url)) {
		esc(b, text);
		return;
	}
	buf_adds(b, "<a href=\"");
	esc(b, url);
	buf_adds(b, "\" rel=\"noopener noreferrer\">");
	esc(b, text);
	buf_adds(b, "</a>");
}

/* Slack's three entities back to characters (the text is escaped again
 * for HTML when written). */
static void
unentity(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '&') {
			if (n - i >= 4 && strncmp(s + i, "&lt;", 4) == 0) {
				buf_addc(out, '<');
				i += 3;
				continue;
			}
			if (n - i >= 4 && strncmp(s + i, "&gt;", 4) == 0) {
				buf_addc(out, '>');
				i += 3;
				continue;
			}
			if (n - i >= 5 && strncmp(s + i, "&amp;", 5) == 0) {
				buf_addc(out, '&');
				i += 4;
				continue;
			}
		}
		buf_addc(out, s[i]);
	}
}

/* Plain text (entities decoded) HTML-escaped, with *bold*, _italic_,
 * ~strike~ and `code` where their markers pair up within the text. */
static void
styled(struct buf *b, const char *s, size_t n)
{
	static const struct {
		char mark;
		const char *open, *close;
	} styles[] = {{'*', "<strong>", "</strong>"}, {'_', "<em>", "</em>"},
	    {'~', "<del>", "</del>"}, {'`', "<code>", "</code>"}};
	struct buf t = BUF_INIT;
	size_t i = 0;

	unentity(&t, s, n);
	while (i < t.len) {
		const char *p = t.data + i;
		size_t k, rest = t.len - i;
		int done = 0;
		for (k = 0; k < sizeof(styles) / sizeof(styles[0]); k++) {
			const char *end;
			if (*p != styles[k].mark || rest < 3 || p[1] == ' ')
				continue;
			end = memchr(p + 1, styles[k].mark, rest - 1);
			if (end == NULL || end == p + 1 || end[-1] == ' ' ||
			    memchr(p + 1, '\n', (size_t)(end - p - 1)) != NULL)
				continue;
			buf_adds(b, styles[k].open);
			buf_html_esc(b, p + 1, (size_t)(end - p - 1));
			buf_adds(b, styles[k].close);
			i += (size_t)(end - p) + 1;
			done = 1;
			break;
		}
		if (done)
			continue;
		if (*p == '\n')
			buf_adds(b, "<br>");
		else
			buf_html_esc(b, p, 1);
		i++;
	}
	buf_free(&t);
}

/* One <...> control of mrkdwn: a link, a user, a group, a channel or a
 * special mention. */
static void
control(struct buf *b, const char *s, size_t n)
{
	const char *bar = memchr(s, '|', n);
	size_t head = bar != NULL ? (size_t)(bar - s) : n;
	struct buf label = BUF_INIT, url = BUF_INIT;

	if (bar != NULL)
		unentity(&label, bar + 1, n - head - 1);
	if (n > 0 && (s[0] == '@' || s[0] == '#' || s[0] == '!')) {
		buf_adds(b, "<span class=\"mention\">");
		if (label.len > 0)
			buf_html_esc(b, label.data, label.len);
		else if (s[0] == '!' && head > 9 &&
		    strncmp(s, "!subteam^", 9) == 0) {
			buf_addc(b, '@');
			buf_html_esc(b, s + 9, head - 9);
		} else if (s[0] == '!') {
			buf_addc(b, '@');
			buf_html_esc(b, s + 1, head - 1);
		} else {
			buf_html_esc(b, s, head);
		}
		buf_adds(b, "</span>");
	} else {
		unentity(&url, s, head);
		slackhtml_link(b, buf_str(&url),
		    label.len > 0 ? buf_str(&label) : buf_str(&url));
	}
	buf_free(&label);
	buf_free(&url);
}

void
slackhtml_mrkdwn(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i), *gt;
		size_t upto = lt != NULL ? (size_t)(lt - s) : n;
		styled(b, s + i, upto - i);
		if (lt == NULL)
			break;
		gt = memchr(lt, '>', n - upto);
		if (gt == NULL) {
			styled(b, lt, n - upto);
			break;
		}
		control(b, lt + 1, (size_t)(gt - lt - 1));
		i = (size_t)(gt - s) + 1;
	}
}

/* A text object (plain_text or mrkdwn). */
static void
text_object(struct buf *b, json_t *t)
{
	const char *type = json_string_value(json_object_get(t, "type"));
	const char *s = json_string_value(json_object_get(t, "text"));

	if (s == NULL)
		return;
	if (type != NULL && strcmp(type, "mrkdwn") == 0)
		slackhtml_mrkdwn(b, s);
	else
		esc(b, s);
}

static void
button(struct buf *b, json_t *e)
{
	const char *url = json_string_value(json_object_get(e, "url"));
	struct buf label = BUF_INIT;

	text_object(&label, json_object_get(e, "text"));
	if (url != NULL && util_http_url(url)) {
		buf_adds(b, "<a class=\"bk-button\" href=\"");
		esc(b, url);
		buf_adds(b, "\" rel=\"noopener noreferrer\">");
	} else {
		buf_adds(b, "<span class=\"bk-button\">");
	}
	buf_add(b, label.data != NULL ? label.data : "", label.len);
	buf_adds(b, url != NULL && util_http_url(url) ? "</a>" : "</span>");
	buf_free(&label);
}

static void
block(struct buf *b, json_t *bl)
{
	const char *type = json_string_value(json_object_get(bl, "type"));
	json_t *x;
	size_t i;

	if (type == NULL)
		return;
	if (strcmp(type, "header") == 0) {
		buf_adds(b, "<div class=\"bk-header\">");
		text_object(b, json_object_get(bl, "text"));
		buf_adds(b, "</div>");
	} else if (strcmp(type, "section") == 0) {
		buf_adds(b, "<div class=\"bk-section\">");
		if ((x = json_object_get(bl, "text")) != NULL) {
			buf_adds(b, "<div>");
			text_object(b, x);
			buf_adds(b, "</div>");
		}
		if (json_array_size(json_object_get(bl, "fields")) > 0) {
			buf_adds(b, "<div class=\"bk-fields\">");
			json_array_foreach(json_object_get(bl, "fields"), i, x)
			{
				buf_adds(b, "<div>");
				text_object(b, x);
				buf_adds(b, "</div>");
			}
			buf_adds(b, "</div>");
		}
		x = json_object_get(bl, "accessory");
		if (x != NULL &&
		    strcmp(json_string_value(json_object_get(x, "type")) != NULL
		            ? json_string_value(json_object_get(x, "type"))
		            : "",
		        "button") == 0)
			button(b, x);
		buf_adds(b, "</div>");
	} else if (strcmp(type, "context") == 0) {
		buf_adds(b, "<div class=\"bk-context\">");
		json_array_foreach(json_object_get(bl, "elements"), i, x)
		{
			buf_adds(b, "<span>");
			if (json_object_get(x, "text") != NULL)
				text_object(b, x);
			else
				esc(b,
				    json_string_value(
				        json_object_get(x, "alt_text")));
			buf_adds(b, "</span>");
		}
		buf_adds(b, "</div>");
	} else if (strcmp(type, "actions") == 0) {
		buf_adds(b, "<div class=\"bk-actions\">");
		json_array_foreach(json_object_get(bl, "elements"), i, x)
		{
			button(b, x);
		}
		buf_adds(b, "</div>");
	} else if (strcmp(type, "divider") == 0) {
		buf_adds(b, "<hr>");
	} else if (strcmp(type, "image") == 0) {
		buf_adds(b, "<div class=\"bk-context\">[image: ");
		slackhtml_link(b,
		    json_string_value(json_object_get(bl, "image_url")),
		    json_string_value(json_object_get(bl, "alt_text")));
		buf_adds(b, "]</div>");
	}
}

void
slackhtml_blocks(struct buf *b, json_t *blocks)
{
	size_t i;
	json_t *bl;

	json_array_foreach(blocks, i, bl)
	{
		block(b, bl);
	}
}
