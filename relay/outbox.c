/*
 * outbox.c: rendering and sending of queued messages; see outbox.h.
 */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "catalog.h"
#include "config.h"
#include "context.h"
#include "history.h"
#include "http_client.h"
#include "limits.h"
#include "log.h"
#include "mention.h"
#include "outbox_due.h"
#include "ratelimit.h"
#include "relay.h"
#include "render.h"
#include "slack.h"
#include "store.h"
#include "telemetry.h"
#include "store_rule.h"
#include "store_snooze.h"
#include "interact.h"
#include "util.h"

/* Messages looked at per turn: a turn stays well under a millisecond. */
#define OUTBOX_BATCH 32
/* Slack calls in flight at once. */
#define OUTBOX_MAX_INFLIGHT 8
/* Channels with their own bucket; the least recently used goes first. */
#define OUTBOX_MAX_CHANNELS 512
/* How often a paused token is tried again (SPEC Appendix B). */
#define OUTBOX_AUTH_PROBE_MS (5 * 60 * 1000)
/* Slack's answers are small; anything larger is not Slack. */
#define OUTBOX_MAX_RESPONSE (256 * 1024)

enum method { M_POST, M_UPDATE, M_WEBHOOK };
static const char *const method_names[] = {
    "chat.postMessage", "chat.update", "webhook"};

struct channel_bucket {
	char name[96];
	struct bucket b;
	int64_t used;
};

struct outbox {
	struct relay *relay;
	struct event *run;
	struct event *timer; /* the next due message or token */
	struct event *probe; /* auth.test while the token is refused */
	struct bucket workspace, update;
	struct channel_bucket *channels;
	size_t nchannels;
	unsigned inflight;
	int stopping;
	uint32_t rng;
	struct outbox_stats stats;
};

/* A call in flight. */
struct call {
	struct outbox *outbox;
	int64_t id;
	int64_t incident_id;
	int64_t thread_of;
	int64_t created_at;
	int attempts;
	int plain;
	int is_root;
	int kind;
	enum method method;
	char channel[96];
};

static const char *const kind_names[] = {
    "root", "update", "reply", "reminder", "digest"};

static int
kind_index(const char *kind)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(kind, kind_names[i]) == 0)
			return i;
	return 2;
}

/* Fails message d for good, in its history too. 0 or -1. */
static int
give_up(
    struct relay *r, const struct outbox_due *d, const char *why, int64_t now)
{
	if (store_message_failed(r->store, d->id, why) != 0)
		return -1;
	return history_message(r, d->id, d->kind, now, NULL, NULL, why, 0);
}

static uint32_t
next_random(struct outbox *o)
{
	/* xorshift: jitter needs spread, not secrecy. */
	o->rng ^= o->rng << 13;
	o->rng ^= o->rng >> 17;
	o->rng ^= o->rng << 5;
	return o->rng;
}

/* ---- sending ---- */

static struct bucket *
channel_bucket(struct outbox *o, const char *name, int64_t now)
{
	const struct config *cfg = o->relay->cfg;
	struct channel_bucket *cb = NULL;

	for (size_t i = 0; i < o->nchannels; i++)
		if (strcmp(o->channels[i].name, name) == 0)
			cb = &o->channels[i];
	if (cb == NULL) {
		if (o->nchannels < OUTBOX_MAX_CHANNELS) {
			o->channels = xrealloc(o->channels,
			    (o->nchannels + 1) * sizeof(*o->channels));
			cb = &o->channels[o->nchannels++];
		} else {
			cb = &o->channels[0];
			for (size_t i = 1; i < o->nchannels; i++)
				if (o->channels[i].used < cb->used)
					cb = &o->channels[i];
		}
		snprintf(cb->name, sizeof(cb->name), "%s", name);
		/* Slack: one message per second per channel, short bursts. */
		bucket_init(&cb->b, cfg->slack.rate_per_channel, 3, now);
	}
	bucket_set(&cb->b, cfg->slack.rate_per_channel, 3);
	cb->used = now;
	return &cb->b;
}

/* When a message may go: 0 now, else the ms to wait. */
static int64_t
wait_for_tokens(
    struct outbox *o, enum method m, const char *channel, int64_t now)
{
	const struct config *cfg = o->relay->cfg;
	int64_t w = 0, x;

	if (o->stats.paused_until[m] > now)
		return o->stats.paused_until[m] - now;
	if (m == M_UPDATE) {
		bucket_set(&o->update, cfg->slack.rate_update, 3);
		return bucket_wait(&o->update, now);
	}
	bucket_set(&o->workspace, cfg->slack.rate_workspace,
	    cfg->slack.rate_workspace > 3 ? cfg->slack.rate_workspace : 3);
	w = bucket_wait(&o->workspace, now);
	x = bucket_wait(
	    channel_bucket(o, m == M_WEBHOOK ? "" : channel, now), now);
	return x > w ? x : w;
}

static void
take_tokens(struct outbox *o, enum method m, const char *channel, int64_t now)
{
	if (m == M_UPDATE) {
		bucket_take(&o->update, now);
		return;
	}
	bucket_take(&o->workspace, now);
	bucket_take(channel_bucket(o, m == M_WEBHOOK ? "" : channel, now), now);
}

static void call_done(void *arg, const struct http_response *resp);

/* Starts the Slack call of a rendered message. */
static int
start_call(struct outbox *o, const struct outbox_due *d, enum method m,
    const char *text, const char *blocks)
{
	const struct config *cfg = o->relay->cfg;
	struct http_request req;
	struct slack_msg sm;
	struct call *c = xcalloc(1, sizeof(*c));
	char url[1100], *body;
	int rc;

	c->outbox = o;
	c->id = d->id;
	c->incident_id = d->incident_id;
	c->thread_of = d->thread_of;
	c->created_at = d->created_at;
	c->attempts = d->attempts;
	c->plain = d->plain;
	c->kind = kind_index(d->kind);
	c->is_root = c->kind == 0;
	c->method = m;
	snprintf(c->channel, sizeof(c->channel), "%s", d->channel);

	memset(&sm, 0, sizeof(sm));
	sm.channel = m == M_POST ? d->channel : d->root_channel;
	sm.text = text;
	sm.blocks = blocks;
	sm.plain = d->plain;
	if (m == M_UPDATE)
		sm.ts = d->root_ts;
	else if (m == M_POST && d->thread_of > 0) {
		sm.channel = d->root_channel;
		sm.thread_ts = d->root_ts;
		/* Reminders are meant to be seen in the channel. */
		sm.broadcast = strcmp(d->kind, "reminder") == 0;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.timeout_ms = cfg->slack.timeout;
	req.max_response = OUTBOX_MAX_RESPONSE;
	req.cancel = free; /* at exit; the message is queued again at start */
	if (m == M_WEBHOOK) {
		body = slack_webhook_body(&sm);
		req.url = cfg->slack.webhook_url;
		req.content_type = "application/json";
	} else {
		body = slack_api_body(&sm);
		snprintf(url, sizeof(url), "%s/%s", cfg->slack.api_url,
		    method_names[m]);
		req.url = url;
		req.content_type = "application/json; charset=utf-8";
		req.bearer = cfg->slack.bot_token;
	}
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	rc = body != NULL &&
	        http_client_start(o->relay->http_client, &req, call_done, c) ==
	            0
	    ? 0
	    : -1;
	free(body);
	if (rc != 0) {
		free(c);
		return -1;
	}
	o->inflight++;
	return 0;
}

/* One turn: picks what may go now and starts it. */
static void
dispatch(struct outbox *o)
{
	struct relay *r = o->relay;
	const struct config *cfg = r->cfg;
	struct outbox_due_list l = {NULL, 0};
	struct outbox_due **go = NULL;
	char **texts = NULL, **blocks = NULL, **mentions = NULL;
	enum method *methods = NULL;
	size_t ngo = 0;
	int64_t now = relay_now(r), wake = 0;
	int64_t deadline = util_mono_us() + LIMIT_TURN_US;
	int webhook = cfg->slack.bot_token[0] == '\0';
	int rc = 0, stopped = 0;

	if (o->stopping || o->stats.auth_paused ||
	    o->inflight >= OUTBOX_MAX_INFLIGHT)
		return;
	if (store_begin(r->store) != 0)
		goto retry;
	/* No channel can take more than OUTBOX_MAX_INFLIGHT calls in a turn:
	 * more rows of it would only crowd out other channels. */
	if (store_messages_sendable(r->store, now, OUTBOX_BATCH,
	        OUTBOX_MAX_INFLIGHT, outbox_due_collect, &l) < 0)
		rc = -1;
	go = xcalloc(l.n + 1, sizeof(*go));
	texts = xcalloc(l.n + 1, sizeof(*texts));
	blocks = xcalloc(l.n + 1, sizeof(*blocks));
	mentions = xcalloc(l.n + 1, sizeof(*mentions));
	methods = xcalloc(l.n + 1, sizeof(*methods));
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct outbox_due *d = &l.v[i];
		enum method m = webhook              ? M_WEBHOOK
		    : strcmp(d->kind, "update") == 0 ? M_UPDATE
		                                     : M_POST;
		char err[512];
		int64_t w;
		int ok;

		if (o->inflight + ngo >= OUTBOX_MAX_INFLIGHT)
			break;
		if (ngo > 0 && util_mono_us() > deadline) {
			stopped = 1; /* the rest next turn, after I/O */
			break;
		}
		if (m == M_WEBHOOK && strcmp(d->kind, "update") == 0) {
			/* An incoming webhook cannot edit what it posted. */
			rc = store_message_skipped(r->store, d->id,
			    "incoming webhooks cannot update messages");
			continue;
		}
		if (now - d->created_at > cfg->slack.give_up_after) {
			rc = give_up(
			    r, d, "gave up: slack.give_up_after passed", now);
			o->stats.failed[kind_index(d->kind)]++;
			continue;
		}
		ok = outbox_due_pin(r, d, now);
		if (ok == 2)
			continue; /* waiting for the catalog */
		if (ok < 0) {
			rc = -1;
			break;
		}
		w = wait_for_tokens(o, m, d->channel, now);
		if (w > 0) {
			if (wake == 0 || now + w < wake)
				wake = now + w;
			continue;
		}
		ok = outbox_due_render(r, d, now, &texts[ngo], &blocks[ngo],
		    &mentions[ngo], err, sizeof(err));
		if (ok != 1) {
			/* A partial rendering is not kept. */
			free(texts[ngo]);
			free(blocks[ngo]);
			free(mentions[ngo]);
			texts[ngo] = blocks[ngo] = mentions[ngo] = NULL;
		}
		if (ok == 2)
			continue; /* waiting for the catalog */
		if (ok < 0) {
			rc = -1;
			break;
		}
		if (ok == 0) {
			log_event(LOG_ERROR, "message cannot be rendered",
			    "error", err, NULL);
			rc = give_up(r, d, err, now);
			o->stats.failed[kind_index(d->kind)]++;
			continue;
		}
		if (store_message_sending(r->store, d->id, texts[ngo],
		        blocks[ngo],
		        mentions[ngo] != NULL ? mentions[ngo] : "[]") != 0) {
			rc = -1;
			break;
		}
		take_tokens(o, m, d->channel, now);
		methods[ngo] = m;
		go[ngo++] = d;
	}
	if (rc == 0 && store_commit(r->store) == 0) {
		for (size_t i = 0; i < ngo; i++)
			if (start_call(o, go[i], methods[i], texts[i],
			        blocks[i]) != 0) {
				/* Stays 'sending' only until the next start:
				 * put it back now. */
				if (store_begin(r->store) == 0) {
					store_message_retry(r->store, go[i]->id,
					    now + 1000, "could not start", 0);
					store_commit(r->store);
				}
			}
	} else {
		store_rollback(r->store);
		wake = now + 1000;
	}
	for (size_t i = 0; i <= ngo && i < l.n; i++) {
		free(texts[i]);
		free(blocks[i]);
		free(mentions[i]);
	}
	free(go);
	free(texts);
	free(blocks);
	free(mentions);
	free(methods);
	if ((l.n == OUTBOX_BATCH || stopped) &&
	    o->inflight < OUTBOX_MAX_INFLIGHT && ngo > 0) {
		outbox_due_free(&l);
		event_active(o->run, EV_TIMEOUT, 1);
		return;
	}
	outbox_due_free(&l);
	/* Sleep until the next due message or token. */
	{
		int64_t next = store_messages_next_send(r->store);
		if (next > 0 && next > now && (wake == 0 || next < wake))
			wake = next;
		if (next > 0 && next <= now && wake == 0 && ngo == 0 &&
		    o->inflight == 0)
			wake = now + 1000; /* due but blocked (thread order) */
	}
	if (wake > 0) {
		struct timeval tv;
		int64_t d = wake - now < 1 ? 1 : wake - now;
		tv.tv_sec = d / 1000;
		tv.tv_usec = d % 1000 * 1000;
		evtimer_del(o->timer);
		evtimer_add(o->timer, &tv);
	}
	return;
retry : {
	struct timeval tv = {1, 0};
	evtimer_add(o->timer, &tv);
}
}

static void
count_request(struct outbox *o, enum method m, const struct http_response *r,
    const struct slack_result *res)
{
	int k;

	if (!r->ok)
		k = 4;
	else if (r->status == 429)
		k = 1;
	else if (res->outcome == SLACK_AUTH)
		k = 5;
	else if (r->status >= 500)
		k = 3;
	else if (r->status >= 400)
		k = 2;
	else
		k = 0;
	o->stats.requests[m][k]++;
}

/* Applies Slack's answer (SPEC Appendix B). 0 or -1 (database). */
static int
apply_answer(struct outbox *o, struct call *c, const struct slack_result *res,
    int64_t now)
{
	struct relay *r = o->relay;
	const struct config *cfg = r->cfg;
	struct store *s = r->store;
	int64_t next;

	switch (res->outcome) {
	case SLACK_OK:
		o->stats.sent[c->kind]++;
		telemetry_delivery(
		    r->telemetry, (double)(now - c->created_at) / 1000.0);
		if (store_message_posted(
		        s, c->id, res->channel, res->ts, now) != 0 ||
		    history_message(r, c->id, kind_names[c->kind], now,
		        res->channel, res->ts, NULL, 0) != 0)
			return -1;
		if (c->is_root && c->incident_id > 0 && c->method == M_POST)
			return store_incident_set_slack(
			    s, c->incident_id, res->channel, res->ts);
		return 0;
	case SLACK_RATELIMITED:
		o->stats.paused_until[c->method] = now + res->retry_ms;
		return store_message_retry(
		    s, c->id, now + res->retry_ms, res->error, 1);
	case SLACK_AUTH:
		if (!o->stats.auth_paused) {
			struct timeval tv = {OUTBOX_AUTH_PROBE_MS / 1000, 0};
			log_event(LOG_ERROR,
			    "Slack refuses the token: sending paused, nothing "
			    "is "
			    "lost; fix slack.bot_token and reload",
			    "error", res->error, NULL);
			o->stats.auth_paused = 1;
			evtimer_add(o->probe, &tv);
		}
		return store_message_retry(s, c->id, 0, res->error, 0);
	case SLACK_CHANNEL:
		if (c->is_root && c->incident_id > 0 &&
		    strcmp(c->channel, cfg->slack.default_channel) != 0) {
			/* Once, to the default channel, which is then pinned.
			 */
			log_event(LOG_WARN,
			    "channel refused; using the default", "channel",
			    c->channel, "error", res->error, NULL);
			if (store_incident_set_channel(s, c->incident_id,
			        cfg->slack.default_channel) != 0 ||
			    store_message_set_channel(
			        s, c->id, cfg->slack.default_channel) != 0)
				return -1;
			return store_message_retry(
			    s, c->id, now, res->error, 1);
		}
		break;
	case SLACK_BLOCKS:
		if (!c->plain) {
			log_event(LOG_WARN,
			    "blocks refused; sending plain text", "error",
			    res->error, NULL);
			if (store_message_set_plain(s, c->id) != 0)
				return -1;
			return store_message_retry(
			    s, c->id, now, res->error, 1);
		}
		break;
	case SLACK_GONE:
		if (c->method == M_UPDATE && c->incident_id > 0) {
			/* The root cannot be edited: post a new one and pin it.
			 */
			struct store_message m;
			struct store_incident inc;
			char channel[96];
			int64_t root;

			if (store_incident_get(s, c->incident_id, &inc) != 1)
				return -1;
			snprintf(channel, sizeof(channel), "%s", inc.channel);
			memset(&m, 0, sizeof(m));
			m.incident_id = c->incident_id;
			m.kind = "root";
			m.template = "root";
			m.channel = channel;
			m.priority = 10;
			m.created_at = now;
			m.not_before = now;
			root = store_message_add(s, &m);
			if (root < 0 ||
			    store_incident_set_root(s, c->incident_id, root) !=
			        0 ||
			    store_messages_rethread(s, c->thread_of, root) != 0)
				return -1;
			return store_message_skipped(s, c->id, res->error);
		}
		break;
	case SLACK_RETRY_ONCE:
		if (c->attempts == 0) {
			next = now +
			    backoff_ms(cfg->slack.retry_base,
			        cfg->slack.retry_max, 0, next_random(o));
			return store_message_retry(
			    s, c->id, next, res->error, 1);
		}
		break;
	case SLACK_RETRY:
		if (now - c->created_at <= cfg->slack.give_up_after) {
			next = now +
			    backoff_ms(cfg->slack.retry_base,
			        cfg->slack.retry_max, c->attempts,
			        next_random(o));
			return store_message_retry(
			    s, c->id, next, res->error, 1);
		}
		break;
	case SLACK_FAILED: break;
	}
	o->stats.failed[c->kind]++;
	log_event(LOG_WARN, "message failed", "method", method_names[c->method],
	    "error", res->error, NULL);
	if (store_message_failed(s, c->id, res->error) != 0)
		return -1;
	return history_message(r, c->id, kind_names[c->kind], now, c->channel,
	    NULL, res->error, 0);
}

static void
call_done(void *arg, const struct http_response *resp)
{
	struct call *c = arg;
	struct outbox *o = c->outbox;
	struct relay *r = o->relay;
	struct slack_result res;
	int64_t now = relay_now(r), t0 = util_mono_us();

	o->inflight--;
	slack_classify(c->method == M_WEBHOOK, resp, &res);
	count_request(o, c->method, resp, &res);
	if (store_begin(r->store) != 0 || apply_answer(o, c, &res, now) != 0 ||
	    store_commit(r->store) != 0) {
		/* The message stays 'sending' and goes again at the next
		 * start: the documented duplicate at a failure here. */
		store_rollback(r->store);
		log_event(LOG_ERROR, "cannot record Slack's answer", "error",
		    store_errmsg(r->store), NULL);
	}
	free(c);
	outbox_kick(o);
	telemetry_busy(r->telemetry, TASK_ANSWER, t0);
}

static void
probe_done(void *arg, const struct http_response *resp)
{
	struct outbox *o = arg;
	struct slack_result res;

	o->inflight--;
	slack_classify(0, resp, &res);
	if (res.outcome == SLACK_OK) {
		log_event(
		    LOG_INFO, "Slack accepts the token again: sending", NULL);
		o->stats.auth_paused = 0;
		outbox_kick(o);
	} else {
		struct timeval tv = {OUTBOX_AUTH_PROBE_MS / 1000, 0};
		evtimer_add(o->probe, &tv);
	}
}

static void
probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *o = arg;
	const struct config *cfg = o->relay->cfg;
	struct http_request req;
	char url[1100];

	if (o->stopping)
		return;
	slack_auth_test_request(&req, url, sizeof(url), cfg->slack.api_url,
	    cfg->slack.bot_token, cfg->slack.timeout, OUTBOX_MAX_RESPONSE);
	if (http_client_start(o->relay->http_client, &req, probe_done, o) == 0)
		o->inflight++;
}

static void
run_turn(struct outbox *o)
{
	struct relay *r = o->relay;

	if (config_preview(r->cfg)) {
		int64_t now = relay_now(r), next;
		int n = outbox_render_due(r, now, OUTBOX_BATCH, LIMIT_TURN_US);
		struct timeval tv;

		if (n == OUTBOX_BATCH) {
			event_active(o->run, EV_TIMEOUT, 1);
			return;
		}
		next = n < 0 ? now + 1000 : store_messages_next_due(r->store);
		evtimer_del(o->timer);
		if (next <= 0)
			return;
		if (next < now)
			next = now;
		tv.tv_sec = (next - now) / 1000;
		tv.tv_usec = (next - now) % 1000 * 1000;
		evtimer_add(o->timer, &tv);
		return;
	}
	dispatch(o);
}

static void
run_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *o = arg;
	int64_t t0 = util_mono_us();

	run_turn(o);
	telemetry_busy(o->relay->telemetry, TASK_OUTBOX, t0);
}

struct outbox *
outbox_new(struct relay *r)
{
	struct outbox *o = xcalloc(1, sizeof(*o));
	int64_t now = relay_now(r);

	o->relay = r;
	o->rng = (uint32_t)now | 1;
	o->run = event_new(r->base, -1, 0, run_cb, o);
	event_priority_set(o->run, RELAY_PRIO_WORK);
	o->timer = evtimer_new(r->base, run_cb, o);
	o->probe = evtimer_new(r->base, probe_cb, o);
	bucket_init(&o->workspace, r->cfg->slack.rate_workspace, 3, now);
	bucket_init(&o->update, r->cfg->slack.rate_update, 3, now);
	return o;
}

void
outbox_free(struct outbox *o)
{
	if (o == NULL)
		return;
	event_free(o->run);
	event_free(o->timer);
	event_free(o->probe);
	free(o->channels);
	free(o);
}

void
outbox_kick(struct outbox *o)
{
	event_active(o->run, EV_TIMEOUT, 1);
}

void
outbox_reload(struct outbox *o)
{
	if (o->stats.auth_paused) {
		o->stats.auth_paused = 0;
		evtimer_del(o->probe);
	}
	outbox_kick(o);
}

void
outbox_stop(struct outbox *o)
{
	o->stopping = 1;
	evtimer_del(o->timer);
	evtimer_del(o->probe);
}

unsigned
outbox_inflight(const struct outbox *o)
{
	return o->inflight;
}

const struct outbox_stats *
outbox_stats(const struct outbox *o)
{
	return &o->stats;
}
