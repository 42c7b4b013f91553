/*
 * slack.c: Slack request bodies and answers; see slack.h.
 */
#include "slack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ratelimit.h"

/* Default pause when a 429 carries no Retry-After (SPEC Appendix B). */
#define SLACK_RETRY_AFTER_DEFAULT 30

static json_t *
message_object(const struct slack_msg *m)
{
	json_t *o = json_object(), *blocks = NULL;

	json_object_set_new(
	    o, "text", json_string(m->text != NULL ? m->text : ""));
	if (!m->plain && m->blocks != NULL && *m->blocks != '\0')
		blocks = json_loads(m->blocks, 0, NULL);
	if (json_is_array(blocks))
		json_object_set_new(o, "blocks", blocks);
	else
		json_decref(blocks);
	return o;
}

char *
slack_api_body(const struct slack_msg *m)
{
	json_t *o = message_object(m);
	char *s;

	json_object_set_new(o, "channel", json_string(m->channel));
	if (m->ts != NULL)
		json_object_set_new(o, "ts", json_string(m->ts));
	if (m->thread_ts != NULL) {
		json_object_set_new(o, "thread_ts", json_string(m->thread_ts));
		if (m->broadcast)
			json_object_set_new(o, "reply_broadcast", json_true());
	}
	/* A label must never become a mention, a link or a ping. */
	json_object_set_new(o, "parse", json_string("none"));
	json_object_set_new(o, "link_names", json_false());
	if (m->ts == NULL) {
		json_object_set_new(o, "unfurl_links", json_false());
		json_object_set_new(o, "unfurl_media", json_false());
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

char *
slack_webhook_body(const struct slack_msg *m)
{
	json_t *o = message_object(m);
	char *s;

	json_object_set_new(o, "unfurl_links", json_false());
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int
in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static void
classify_error(const char *e, struct slack_result *out)
{
	static const char *const transient[] = {"internal_error",
	    "service_unavailable", "request_timeout", "team_added_to_org",
	    "update_failed", NULL};
	static const char *const auth[] = {"invalid_auth", "not_authed",
	    "account_inactive", "token_revoked", "token_expired",
	    "missing_scope", "not_allowed_token_type", "invalid_token",
	    "no_team", "team_disabled", NULL};
	static const char *const channel[] = {"channel_not_found",
	    "not_in_channel", "is_archived", "channel_is_archived", NULL};
	static const char *const blocks[] = {"invalid_blocks",
	    "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long",
	    "no_text", "invalid_payload", NULL};
	static const char *const gone[] = {"message_not_found",
	    "cant_update_message", "edit_window_closed", NULL};

	snprintf(out->error, sizeof(out->error), "%s", e);
	if (strcmp(e, "ratelimited") == 0 || strcmp(e, "rate_limited") == 0) {
		out->outcome = SLACK_RATELIMITED;
		out->retry_ms = SLACK_RETRY_AFTER_DEFAULT * 1000;
	} else if (in(e, transient))
		out->outcome = SLACK_RETRY;
	else if (strcmp(e, "fatal_error") == 0)
		out->outcome = SLACK_RETRY_ONCE;
	else if (in(e, auth))
		out->outcome = SLACK_AUTH;
	else if (in(e, channel))
		out->outcome = SLACK_CHANNEL;
	else if (in(e, blocks))
		out->outcome = SLACK_BLOCKS;
	else if (in(e, gone))
		out->outcome = SLACK_GONE;
	else
		out->outcome = SLACK_FAILED;
}

/* Copies a string member into dst when it is a short printable string. */
static void
copy_member(json_t *o, const char *key, char *dst, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	dst[0] = '\0';
	if (v == NULL || strlen(v) >= len)
		return;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"')
			return;
	snprintf(dst, len, "%s", v);
}

void
slack_classify(
    int webhook, const struct http_response *r, struct slack_result *out)
{
	json_t *j;

	memset(out, 0, sizeof(*out));
	if (!r->ok) {
		out->outcome = SLACK_RETRY;
		snprintf(out->error, sizeof(out->error), "%s",
		    r->error != NULL ? r->error : "transport error");
		return;
	}
	if (r->status == 429) {
		out->outcome = SLACK_RATELIMITED;
		out->retry_ms =
		    retry_after_ms(r->retry_after, SLACK_RETRY_AFTER_DEFAULT);
		snprintf(out->error, sizeof(out->error), "ratelimited");
		return;
	}
	if (r->status >= 500) {
		out->outcome = SLACK_RETRY;
		snprintf(out->error, sizeof(out->error), "HTTP %ld", r->status);
		return;
	}
	if (webhook) {
		/* Incoming webhooks answer "ok", or a plain-text error code
		 * with a 4xx status. */
		char code[64];
		size_t n = r->body_len < sizeof(code) - 1 ? r->body_len
		                                          : sizeof(code) - 1;
		memcpy(code, r->body, n);
		code[n] = '\0';
		code[strcspn(code, "\r\n ")] = '\0';
		if (r->status == 200) {
			out->outcome = SLACK_OK;
			return;
		}
		classify_error(code[0] != '\0' ? code : "http_error", out);
		if (out->outcome == SLACK_FAILED)
			snprintf(out->error, sizeof(out->error), "HTTP %ld %s",
			    r->status, code);
		return;
	}
	j = json_loadb(r->body, r->body_len, 0, NULL);
	if (!json_is_object(j) || !json_is_boolean(json_object_get(j, "ok"))) {
		/* Not Slack's JSON (a proxy's page, an empty body): the answer
		 * is unknown, so try again. */
		out->outcome = SLACK_RETRY;
		snprintf(out->error, sizeof(out->error),
		    "HTTP %ld: not a Slack API answer", r->status);
		json_decref(j);
		return;
	}
	if (json_is_true(json_object_get(j, "ok"))) {
		out->outcome = SLACK_OK;
		copy_member(j, "channel", out->channel, sizeof(out->channel));
		copy_member(j, "ts", out->ts, sizeof(out->ts));
	} else {
		const char *e = json_string_value(json_object_get(j, "error"));
		classify_error(e != NULL ? e : "unknown_error", out);
		if (out->outcome == SLACK_RATELIMITED)
			out->retry_ms = retry_after_ms(
			    r->retry_after, SLACK_RETRY_AFTER_DEFAULT);
	}
	json_decref(j);
}

static int
slack_id(const char *s, const char *prefixes)
{
	size_t n = strlen(s);

	if (n < 2 || n > 32 || strchr(prefixes, s[0]) == NULL)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

int
slack_user_id(const char *s)
{
	return slack_id(s, "UW");
}

int
slack_group_id(const char *s)
{
	return slack_id(s, "S");
}

void
slack_auth_test_request(struct http_request *req, char *url, size_t urllen,
    const char *api_url, const char *token, int64_t timeout_ms,
    size_t max_response)
{
	snprintf(url, urllen, "%s/auth.test", api_url);
	memset(req, 0, sizeof(*req));
	req->method = "POST";
	req->url = url;
	req->bearer = token;
	req->content_type = "application/json; charset=utf-8";
	req->body = "{}";
	req->body_len = 2;
	req->timeout_ms = timeout_ms;
	req->max_response = max_response;
}
