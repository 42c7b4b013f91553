/*
 * web_slack.c: GET /messages, recent messages drawn the way Slack shows
 * Block Kit (header, sections, fields, context, buttons; mrkdwn bold,
 * italics, code and links; mentions as @names), with their delivery
 * state. In preview mode this is where a new user sees the output. The
 * stored blocks are untrusted text: everything is HTML-escaped, and only
 * http(s) links become links.
 */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"
#include "limits.h"
#include "relay.h"
#include "slackhtml.h"
#include "store.h"
#include "util.h"
#include "web_auth.h"
#include "web_html.h"

static const char *
state_name(const char *s)
{
	if (strcmp(s, "queued") == 0 || strcmp(s, "sending") == 0)
		return "pending";
	return s;
}

static int
message_card(void *arg, const struct store_message *m)
{
	struct buf *b = arg;
	json_t *blocks = json_loads(m->blocks, 0, NULL);

	buf_adds(b, "<article class=\"message ");
	web_h(b, state_name(m->state));
	buf_adds(b, "\"><div class=\"meta\"><span class=\"kind\">");
	web_h(b, m->kind);
	buf_adds(b, "</span> ");
	web_h(b, m->channel);
	buf_adds(b, " · <span class=\"state\">");
	web_h(b, state_name(m->state));
	buf_adds(b, "</span> · ");
	web_time(b, m->posted_at > 0 ? m->posted_at : m->created_at);
	if (m->thread_of > 0)
		buf_printf(
		    b, " · in the thread of #%lld", (long long)m->thread_of);
	if (m->error != NULL) {
		buf_adds(b, " · <span class=\"error\">");
		web_h(b, m->error);
		buf_adds(b, "</span>");
	}
	buf_adds(b, "</div><div class=\"slack\">");
	if (json_array_size(blocks) == 0 || m->plain) {
		buf_adds(b, "<div class=\"bk-section\">");
		slackhtml_mrkdwn(b, m->text);
		buf_adds(b, "</div>");
	} else {
		slackhtml_blocks(b, blocks);
	}
	buf_adds(b, "</div></article>");
	json_decref(blocks);
	return 0;
}

void
web_messages(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct store_message_filter f;
	struct web_page p;
	struct buf cards = BUF_INIT;
	int n;

	if (web_guard(c) != 0)
		return;
	memset(&f, 0, sizeof(f));
	f.namespace = http_query(c, "namespace");
	if (f.namespace != NULL && *f.namespace == '\0')
		f.namespace = NULL;
	f.limit = LIMIT_WEB_ROWS / 2;
	n = store_messages_list(r->store, &f, message_card, &cards);
	web_page_begin(&p, c, "Messages", "messages", 1);
	buf_adds(&p.b,
	    "<h1>Messages</h1><p>The newest first, as Slack shows "
	    "them");
	if (f.namespace != NULL) {
		buf_adds(&p.b, " (namespace ");
		web_h(&p.b, f.namespace);
		buf_adds(&p.b, ")");
	}
	buf_adds(&p.b, ".</p>");
	if (n == 0)
		buf_adds(&p.b, "<p class=\"empty\">No messages yet.</p>");
	buf_add(&p.b, cards.data != NULL ? cards.data : "", cards.len);
	buf_free(&cards);
	web_page_end(&p, n < 0 ? 503 : 200);
}
