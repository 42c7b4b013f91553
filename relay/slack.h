/*
 * slack.h: the Slack side of delivery: request bodies for chat.postMessage,
 * chat.update and incoming webhooks, and the reading of Slack's answers into
 * what the outbox does next (SPEC Appendix B). Pure: no I/O.
 */
#ifndef SLACK_H
#define SLACK_H

#include <stddef.h>
#include <stdint.h>

#include "http_client.h"

enum slack_outcome {
	SLACK_OK,          /* delivered */
	SLACK_RATELIMITED, /* pause the method for retry_ms, then retry */
	SLACK_RETRY,       /* transient: retry with backoff */
	SLACK_RETRY_ONCE,  /* fatal_error: retry once, may duplicate */
	SLACK_AUTH,        /* token problem: pause all sending */
	SLACK_CHANNEL,     /* channel_not_found, not_in_channel, is_archived */
	SLACK_BLOCKS,      /* the blocks were refused: send plain text once */
	SLACK_GONE,        /* update: the root is gone, post a new one */
	SLACK_FAILED,      /* anything else: give up, keep the error */
};

struct slack_result {
	enum slack_outcome outcome;
	char error[128];  /* Slack's error code or a transport reason */
	char channel[64]; /* channel id of a posted message */
	char ts[64];      /* ts of a posted message */
	int64_t retry_ms; /* SLACK_RATELIMITED */
};

/* What to send. */
struct slack_msg {
	const char *channel; /* name or id; ignored for webhooks */
	const char *text;
	const char *blocks;    /* JSON array text, NULL or "" for none */
	const char *thread_ts; /* reply: the root's ts */
	const char *ts;        /* chat.update: the message's ts */
	int broadcast;         /* reply_broadcast */
	int plain;             /* leave the blocks out (after a block error) */
};

/* Returns new: the JSON body of a Web API call (postMessage when m->ts is
 * NULL, else update) with parse none, link_names false and no unfurling. */
char *slack_api_body(const struct slack_msg *m);

/* Returns new: the JSON body of an incoming-webhook post. */
char *slack_webhook_body(const struct slack_msg *m);

/* Reads a Web API answer (webhook = 0) or an incoming webhook's (1). */
void slack_classify(
    int webhook, const struct http_response *r, struct slack_result *out);

/* Valid Slack ids for mentions: U/W users, S user groups. */
int slack_user_id(const char *s);
int slack_group_id(const char *s);

/*
 * Fills req for auth.test at api_url with token (both borrowed, as is url,
 * the caller's buffer of urllen bytes that receives the address).
 */
void slack_auth_test_request(struct http_request *req, char *url, size_t urllen,
    const char *api_url, const char *token, int64_t timeout_ms,
    size_t max_response);

#endif /* SLACK_H */
