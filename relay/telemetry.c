/*
 * telemetry.c: /metrics; see telemetry.h.
 */
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "buf.h"
#include "catalog.h"
#include "http_server.h"
#include "metrics.h"
#include "outbox.h"
#include "relay.h"
#include "snooze.h"
#include "store.h"
#include "util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define P "alert_delivery_"

struct telemetry {
	struct metrics *hist; /* histograms live between scrapes */
	struct metrics_family *ingest;
	struct metrics_family *delivery;
	struct metrics_family *busy;
};

static const char *const task_names[TASK_COUNT] = {
    "request", "commit", "pipeline", "outbox", "answer", "tick", "sweep"};

struct telemetry *
telemetry_new(void)
{
	/* An acknowledgement is a commit: sub-millisecond to a few hundred. */
	static const double ack[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	    0.05, 0.1, 0.25, 0.5, 1, 2.5};
	/* Delivery includes rate limits, debounce and retries. */
	static const double del[] = {
	    0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800};
	struct telemetry *t = xcalloc(1, sizeof(*t));

	t->hist = metrics_new(NULL);
	t->ingest = metrics_histogram(t->hist, P "ingest_duration_seconds",
	    "Time from a webhook's arrival to its 202 (group commit included).",
	    NULL, ack, sizeof(ack) / sizeof(ack[0]));
	t->delivery = metrics_histogram(t->hist, P "delivery_latency_seconds",
	    "Time from a message being queued to Slack accepting it.", NULL,
	    del, sizeof(del) / sizeof(del[0]));
	t->busy = metrics_histogram(t->hist, P "loop_busy_seconds",
	    "How long one callback held the event loop, by task (webhook "
	    "answers wait behind it).",
	    (const char *[]){"task", NULL}, ack, sizeof(ack) / sizeof(ack[0]));
	return t;
}

void
telemetry_free(struct telemetry *t)
{
	if (t == NULL)
		return;
	metrics_free(t->hist);
	free(t);
}

void
telemetry_ingest(struct telemetry *t, double seconds)
{
	if (t != NULL)
		metrics_observe(t->ingest, NULL, seconds);
}

void
telemetry_delivery(struct telemetry *t, double seconds)
{
	if (t != NULL)
		metrics_observe(t->delivery, NULL, seconds);
}

void
telemetry_busy(struct telemetry *t, enum telemetry_task task, int64_t since_us)
{
	if (t != NULL && task < TASK_COUNT)
		metrics_observe(t->busy,
		    (const char *[]){task_names[task], NULL},
		    (double)(util_mono_us() - since_us) / 1e6);
}

/* The counters kept by the modules, as of now. */
static void
counters(struct relay *r, struct metrics *m)
{
	static const char *const sources[] = {"grafana", "alertmanager"};
	static const char *const codes[] = {
	    "202", "400", "401", "413", "415", "503"};
	static const char *const kinds[] = {
	    "root", "update", "reply", "reminder", "digest"};
	static const char *const methods[] = {
	    "chat.postMessage", "chat.update", "webhook"};
	static const char *const classes[] = {
	    "2xx", "429", "4xx", "5xx", "error", "auth"};
	const struct outbox_stats *os = outbox_stats(r->outbox);
	const struct catalog_stats *cs =
	    r->catalog != NULL ? catalog_stats(r->catalog) : NULL;
	struct metrics_family *f;

	f = metrics_counter(m, P "webhooks_received_total",
	    "Webhook requests by endpoint and answer.",
	    (const char *[]){"source", "code", NULL});
	for (int s = 0; s < 2; s++)
		for (int c = 0; c < 6; c++)
			metrics_add(f,
			    (const char *[]){sources[s], codes[c], NULL},
			    (double)r->stats.webhooks[s][c]);
	f = metrics_counter(m, P "alerts_received_total",
	    "Alerts accepted in webhook bodies.",
	    (const char *[]){"source", NULL});
	for (int s = 0; s < 2; s++)
		metrics_add(f, (const char *[]){sources[s], NULL},
		    (double)r->stats.alerts_received[s]);
	f = metrics_counter(m, P "alerts_truncated_total",
	    "Alerts a sender dropped (truncatedAlerts) or over "
	    "limits.max_alerts.",
	    NULL);
	metrics_add(f, NULL, (double)r->stats.alerts_truncated);
	f = metrics_counter(m, P "notifications_total",
	    "Slack messages by kind and result.",
	    (const char *[]){"kind", "result", NULL});
	for (int k = 0; k < 5; k++) {
		metrics_add(f, (const char *[]){kinds[k], "sent", NULL},
		    (double)os->sent[k]);
		metrics_add(f, (const char *[]){kinds[k], "failed", NULL},
		    (double)os->failed[k]);
		metrics_add(f, (const char *[]){kinds[k], "suppressed", NULL},
		    (double)r->stats.suppressed[k]);
	}
	f = metrics_counter(m, P "updates_collapsed_total",
	    "Root refreshes absorbed by one already queued (pending updates "
	    "collapse into the latest state).",
	    NULL);
	metrics_add(f, NULL, (double)r->stats.updates_collapsed);
	f = metrics_counter(m, P "slack_requests_total",
	    "Slack calls by method and answer class.",
	    (const char *[]){"method", "code", NULL});
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 6; k++)
			metrics_add(f,
			    (const char *[]){methods[i], classes[k], NULL},
			    (double)os->requests[i][k]);
	f = metrics_counter(m, P "catalog_lookups_total",
	    "Catalog answers by where they came from; error counts failed "
	    "requests.",
	    (const char *[]){"result", NULL});
	if (cs != NULL) {
		metrics_add(f, (const char *[]){"hit", NULL}, (double)cs->hit);
		metrics_add(
		    f, (const char *[]){"miss", NULL}, (double)cs->miss);
		metrics_add(
		    f, (const char *[]){"stale", NULL}, (double)cs->stale);
		metrics_add(
		    f, (const char *[]){"file", NULL}, (double)cs->file);
		metrics_add(
		    f, (const char *[]){"unknown", NULL}, (double)cs->unknown);
		metrics_add(
		    f, (const char *[]){"error", NULL}, (double)cs->error);
	}
	f = metrics_gauge(m, P "slack_auth_paused",
	    "1 while Slack refuses the token and sending is paused.", NULL);
	metrics_set(f, NULL, os->auth_paused);
}

/* What the database says now. */
static void
gauges(struct relay *r, struct metrics *m)
{
	struct metrics_family *f;
	int64_t now = relay_now(r), n = 0, age = 0;

	f = metrics_gauge(m, P "incidents_open", "Open incidents.", NULL);
	metrics_set(f, NULL, (double)store_incidents_open_count(r->store));
	store_messages_backlog(r->store, now, &n, &age);
	f = metrics_gauge(
	    m, P "outbox_pending", "Messages queued or being sent.", NULL);
	metrics_set(f, NULL, (double)n);
	f = metrics_gauge(m, P "outbox_oldest_age_seconds",
	    "Age of the oldest message not sent yet (0 when none).", NULL);
	metrics_set(f, NULL, (double)age / 1000.0);
	f = metrics_gauge(m, P "snoozes_active", "Snoozes in force.", NULL);
	metrics_set(f, NULL, (double)snooze_set_count(r->snoozes));
	f = metrics_gauge(m, P "watchdog_last_seen_timestamp_seconds",
	    "When a Watchdog alert last arrived (0: never since start).", NULL);
	metrics_set(f, NULL, (double)r->stats.watchdog_last_seen / 1000.0);
	f = metrics_gauge(m, P "jobs_pending",
	    "Accepted webhook bodies not processed yet.", NULL);
	metrics_set(f, NULL, (double)store_jobs_pending_count(r->store));
	f = metrics_gauge(m, P "event_loop_lag_seconds",
	    "The event loop's last measured delay.", NULL);
	metrics_set(f, NULL, (double)r->loop_lag_ms / 1000.0);
	f = metrics_gauge(m, P "build_info", "The relay's version.",
	    (const char *[]){"version", NULL});
	metrics_set(f, (const char *[]){PACKAGE_VERSION, NULL}, 1);
}

void
telemetry_handler(struct http_ctx *c)
{
	struct relay *r = c->relay;
	struct metrics *m = metrics_new(NULL);
	struct buf out = BUF_INIT;
	struct evbuffer *body = evbuffer_new();

	counters(r, m);
	gauges(r, m);
	metrics_write(m, &out);
	metrics_write(r->telemetry->hist, &out);
	metrics_write_process(&out);
	evbuffer_add(body, buf_str(&out), out.len);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", METRICS_CONTENT_TYPE);
	evhttp_send_reply(c->req, 200, "OK", body);
	evbuffer_free(body);
	buf_free(&out);
	metrics_free(m);
}
