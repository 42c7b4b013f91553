/*
 * ingest.c: webhook endpoints with group commit; see ingest.h.
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "alert.h"
#include "auth.h"
#include "config.h"
#include "http_server.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "relay.h"
#include "store.h"
#include "telemetry.h"
#include "util.h"
#include "webhook.h"

/* An accepted batch waiting for the group commit. */
struct pending {
	TAILQ_ENTRY(pending) entry;
	struct evhttp_request *req;
	enum alert_source src;
	char *json; /* canonical batch (webhook_serialize) */
	char *group_key;
	size_t nalerts;
	size_t incidents;
	uint64_t truncated;
	int64_t received_at;
	int64_t t0_us;             /* arrival, for the ingest histogram */
	int64_t job;               /* its row, once committed */
	struct alert_batch *batch; /* the parsed body, owned */
	char id[24];
};

/* A committed batch kept parsed for the pipeline (ingest_take). */
struct parsed {
	TAILQ_ENTRY(parsed) entry;
	int64_t job;
	struct alert_batch *batch; /* owned */
};

struct ingest {
	struct relay *relay;
	TAILQ_HEAD(, pending) queue;
	size_t queued;
	struct event *flush;
	TAILQ_HEAD(, parsed) parsed; /* in job order */
	size_t parsed_alerts;
};

/* Index into relay_stats.webhooks[src][...] for a status code. */
static int
code_class(int code)
{
	switch (code) {
	case 400: return 1;
	case 401: return 2;
	case 413: return 3;
	case 415: return 4;
	}
	return code >= 500 ? 5 : code < 300 ? 0 : 1;
}

static void
count_reply(struct relay *r, enum alert_source src, int code)
{
	r->stats.webhooks[src][code_class(code)]++;
}

static void
pending_free(struct pending *p)
{
	alert_batch_free(p->batch);
	free(p->json);
	free(p->group_key);
	free(p);
}

/* Keeps a committed batch for the pipeline while the bound allows. */
static void
keep_parsed(struct ingest *in, struct pending *p)
{
	struct parsed *x;

	if (p->batch == NULL ||
	    in->parsed_alerts + p->batch->nalerts > LIMIT_PARSED_ALERTS)
		return;
	x = xcalloc(1, sizeof(*x));
	x->job = p->job;
	x->batch = p->batch;
	p->batch = NULL;
	in->parsed_alerts += x->batch->nalerts;
	TAILQ_INSERT_TAIL(&in->parsed, x, entry);
}

static void
parsed_free(struct ingest *in, struct parsed *x)
{
	TAILQ_REMOVE(&in->parsed, x, entry);
	in->parsed_alerts -= x->batch->nalerts;
	alert_batch_free(x->batch);
	free(x);
}

struct alert_batch *
ingest_take(struct ingest *in, int64_t job)
{
	struct parsed *x;
	struct alert_batch *b;

	if (in == NULL)
		return NULL;
	/* Jobs are applied in id order: older entries were applied without
	 * it (a rolled-back turn parses again) and are dropped. */
	while ((x = TAILQ_FIRST(&in->parsed)) != NULL && x->job < job)
		parsed_free(in, x);
	if (x == NULL || x->job != job)
		return NULL;
	b = x->batch;
	x->batch = NULL;
	TAILQ_REMOVE(&in->parsed, x, entry);
	in->parsed_alerts -= b->nalerts;
	free(x);
	return b;
}

void
ingest_forget(struct ingest *in)
{
	struct parsed *x;

	if (in == NULL)
		return;
	while ((x = TAILQ_FIRST(&in->parsed)) != NULL)
		parsed_free(in, x);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ingest *in = arg;
	struct relay *r = in->relay;
	struct pending *p;
	size_t n = 0;
	int64_t t0 = util_mono_us();
	int began = store_begin(r->store) == 0, ok = began;

	/* One transaction for every request of this loop turn (up to the
	 * batch limit): the commit is the costly part, so share it. */
	TAILQ_FOREACH(p, &in->queue, entry)
	{
		struct store_job j;

		if (n == LIMIT_COMMIT_BATCH || !ok)
			break;
		memset(&j, 0, sizeof(j));
		j.received_at = p->received_at;
		j.source = p->src;
		j.group_key = p->group_key;
		j.nalerts = p->nalerts;
		j.truncated = p->truncated;
		j.body = p->json;
		j.body_len = strlen(p->json);
		if ((p->job = store_job_add(r->store, &j)) < 0)
			ok = 0;
		n++;
	}
	if (!began) /* answer this batch 503 rather than wait for the lock */
		n = in->queued < LIMIT_COMMIT_BATCH ? in->queued
		                                    : LIMIT_COMMIT_BATCH;
	if (ok)
		ok = store_commit(r->store) == 0;
	else if (began)
		store_rollback(r->store);
	if (ok)
		r->jobs_pending += (int64_t)n;
	if (!ok)
		log_event(LOG_ERROR, "webhook commit failed", "error",
		    store_errmsg(r->store), NULL);

	while (n-- > 0 && (p = TAILQ_FIRST(&in->queue)) != NULL) {
		char num[32];

		TAILQ_REMOVE(&in->queue, p, entry);
		in->queued--;
		if (ok) {
			keep_parsed(in, p);
			http_reply_json(p->req, 202,
			    json_pack("{s:I,s:I}", "accepted",
			        (json_int_t)p->nalerts, "incidents",
			        (json_int_t)p->incidents));
			count_reply(r, p->src, 202);
			telemetry_ingest(r->telemetry,
			    (double)(util_mono_us() - p->t0_us) / 1e6);
			snprintf(num, sizeof(num), "%zu", p->nalerts);
			log_event(LOG_DEBUG, "webhook accepted", "req", p->id,
			    "source", alert_source_name(p->src), "alerts", num,
			    NULL);
		} else {
			http_reply_error(
			    p->req, 503, "database cannot commit; retry later");
			count_reply(r, p->src, 503);
		}
		pending_free(p);
	}
	if (!TAILQ_EMPTY(&in->queue))
		event_active(in->flush, EV_TIMEOUT, 1);
	if (ok)
		pipeline_kick(r->pipeline);
	telemetry_busy(r->telemetry, TASK_COMMIT, t0);
}

void
ingest_flush(struct ingest *in)
{
	while (!TAILQ_EMPTY(&in->queue))
		flush_cb(-1, 0, in);
	event_del(in->flush);
}

struct ingest *
ingest_new(struct relay *r)
{
	struct ingest *in = xcalloc(1, sizeof(*in));

	in->relay = r;
	TAILQ_INIT(&in->queue);
	TAILQ_INIT(&in->parsed);
	in->flush = event_new(r->base, -1, 0, flush_cb, in);
	/* Lower priority than I/O: every request readable in this turn is
	 * parsed and queued before the commit runs. */
	event_priority_set(in->flush, RELAY_PRIO_COMMIT);
	return in;
}

void
ingest_free(struct ingest *in)
{
	struct pending *p;

	if (in == NULL)
		return;
	while ((p = TAILQ_FIRST(&in->queue)) != NULL) {
		TAILQ_REMOVE(&in->queue, p, entry);
		http_reply_error(p->req, 503, "shutting down");
		pending_free(p);
	}
	ingest_forget(in);
	if (in->flush != NULL)
		event_free(in->flush);
	free(in);
}

/* 1 when the Content-Type is JSON or absent. */
static int
json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || *ct == '\0')
		return 1;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void
handle(struct http_ctx *c, enum alert_source src)
{
	struct relay *r = c->relay;
	const struct config *cfg = r->cfg;
	struct evkeyvalq *hdr = evhttp_request_get_input_headers(c->req);
	struct evbuffer *inbuf = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(inbuf);
	const char *body;
	struct alert_batch *b = NULL;
	struct webhook_opts opts;
	struct pending *p;
	char err[512];
	int code;

	if (r->ingest == NULL) {
		code = 503;
		http_reply_error(c->req, code, "shutting down");
		goto done;
	}
	if (cfg->auth.webhook_token[0] != '\0' &&
	    !auth_webhook_token(evhttp_find_header(hdr, "Authorization"),
	        cfg->auth.webhook_token)) {
		code = 401;
		http_reply_error(c->req, code,
		    "webhook token required (Bearer or basic auth password)");
		goto done;
	}
	/* Alertmanager cannot sign: beyond loopback it needs the token even
	 * when Grafana's HMAC is what let the relay start. */
	if (src == ALERT_SRC_ALERTMANAGER &&
	    cfg->auth.webhook_token[0] == '\0' &&
	    !config_listen_loopback(cfg)) {
		code = 401;
		http_reply_error(c->req, code,
		    "set auth.webhook_token: this relay listens beyond "
		    "loopback");
		goto done;
	}
	if (r->jobs_pending + (int64_t)r->ingest->queued >=
	    cfg->limits.max_pending) {
		char retry[16];
		code = 503;
		snprintf(retry, sizeof(retry), "%d", LIMIT_PENDING_RETRY_SEC);
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Retry-After", retry);
		http_reply_error(c->req, code,
		    "backlog full: %lld bodies not processed yet; retry later",
		    (long long)r->jobs_pending);
		goto done;
	}
	if (len > cfg->limits.max_body) {
		code = 413;
		http_reply_error(c->req, code, "body over limits.max_body");
		goto done;
	}
	body = len > 0 ? (const char *)evbuffer_pullup(inbuf, -1) : "";
	if (src == ALERT_SRC_GRAFANA &&
	    cfg->auth.webhook_hmac_secret[0] != '\0') {
		const char *why = NULL;
		int use_ts = cfg->auth.webhook_hmac_timestamp_header[0] != '\0';
		const char *ts = use_ts
		    ? evhttp_find_header(
		          hdr, cfg->auth.webhook_hmac_timestamp_header)
		    : NULL;
		if (auth_grafana_hmac(cfg->auth.webhook_hmac_secret,
		        evhttp_find_header(hdr, cfg->auth.webhook_hmac_header),
		        use_ts, ts, body, len, relay_now(r) / 1000,
		        &why) != 0) {
			code = 401;
			http_reply_error(
			    c->req, code, "HMAC signature: %s", why);
			goto done;
		}
	}
	if (!json_content_type(evhttp_find_header(hdr, "Content-Type"))) {
		code = 415;
		http_reply_error(
		    c->req, code, "Content-Type must be application/json");
		goto done;
	}
	if (len == 0) {
		code = 400;
		http_reply_error(c->req, code, "empty body");
		goto done;
	}

	memset(&opts, 0, sizeof(opts));
	opts.namespace_labels = &cfg->grouping.namespace_labels;
	opts.default_namespace = cfg->grouping.default_namespace;
	opts.max_alerts = (size_t)cfg->limits.max_alerts;
	opts.now = relay_now(r);
	b = webhook_parse(src, body, len, &opts, err, sizeof(err));
	if (b == NULL) {
		code = 400;
		http_reply_error(c->req, code, "%s", err);
		log_event(LOG_INFO, "webhook refused", "req", c->id, "source",
		    alert_source_name(src), "reason", err, NULL);
		goto done;
	}

	r->stats.alerts_received[src] += b->nalerts;
	r->stats.alerts_truncated += b->truncated;
	for (size_t i = 0; i < b->nalerts; i++)
		if (strcmp(b->alerts[i].alertname, "Watchdog") == 0)
			r->stats.watchdog_last_seen = opts.now;

	p = xcalloc(1, sizeof(*p));
	p->req = c->req;
	p->src = src;
	p->json = webhook_serialize(b);
	p->group_key = xstrdup(b->group_key);
	p->nalerts = b->nalerts;
	p->incidents =
	    webhook_count_incidents(b, &cfg->grouping.incident_labels);
	p->truncated = b->truncated;
	p->received_at = opts.now;
	p->t0_us = c->t0_us;
	memcpy(p->id, c->id, sizeof(p->id));
	p->batch = b; /* kept for the pipeline after the commit */
	TAILQ_INSERT_TAIL(&r->ingest->queue, p, entry);
	if (r->ingest->queued++ == 0)
		event_active(r->ingest->flush, EV_TIMEOUT, 1);
	return; /* answered by flush_cb */
done:
	count_reply(r, src, code);
}

void
ingest_grafana(struct http_ctx *c)
{
	handle(c, ALERT_SRC_GRAFANA);
}

void
ingest_alertmanager(struct http_ctx *c)
{
	handle(c, ALERT_SRC_ALERTMANAGER);
}
