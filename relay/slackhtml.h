/*
 * slackhtml.h: Slack's Block Kit and mrkdwn drawn as HTML, the way Slack
 * shows them (header, sections, fields, context, buttons; *bold*,
 * _italic_, ~strike~, `code`, <url|links>, mentions as @names): the web
 * page's messages. Pure. The input is untrusted (stored blocks hold label
 * values): every character of it is HTML-escaped, and only http(s) URLs
 * become links.
 */
#ifndef SLACKHTML_H
#define SLACKHTML_H

#include <jansson.h>

#include "buf.h"

/* Appends the blocks (a JSON array, borrowed; anything else: nothing). */
void slackhtml_blocks(struct buf *b, json_t *blocks);

/* Appends a mrkdwn text. */
void slackhtml_mrkdwn(struct buf *b, const char *text);

/* Appends <a href="url">text</a> when url is http(s), else text; both
 * escaped. */
void slackhtml_link(struct buf *b, const char *url, const char *text);

#endif /* SLACKHTML_H */
