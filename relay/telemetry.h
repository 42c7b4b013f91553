/*
 * telemetry.h: the relay's own health as Prometheus metrics (SPEC section
 * 13): counters kept by the modules, gauges read from the database at
 * scrape time, the two latency histograms, build info and process metrics.
 */
#ifndef TELEMETRY_H
#define TELEMETRY_H

#include <stdint.h>

struct relay;
struct http_ctx;
struct telemetry;

/* Returns new (free with telemetry_free). */
struct telemetry *telemetry_new(void);
void telemetry_free(struct telemetry *t);

/* Seconds from a webhook's arrival to its 202. */
void telemetry_ingest(struct telemetry *t, double seconds);
/* Seconds from a message being queued to Slack accepting it. */
void telemetry_delivery(struct telemetry *t, double seconds);

/*
 * Event-loop work: how long one callback held the loop, by task. A turn
 * that runs long delays every webhook answer behind it, so this is where
 * acknowledgement latency is explained. since_us is util_mono_us() taken
 * when the callback began.
 */
enum telemetry_task {
	TASK_REQUEST,  /* an HTTP request handler */
	TASK_COMMIT,   /* the webhook group commit */
	TASK_PIPELINE, /* a turn of job application */
	TASK_OUTBOX,   /* a turn of rendering and starting Slack calls */
	TASK_ANSWER,   /* recording one Slack answer */
	TASK_TICK,     /* the 1 s tick: snoozes, reminders, history, digest */
	TASK_SWEEP,    /* the staleness sweep */
	TASK_COUNT
};
void telemetry_busy(
    struct telemetry *t, enum telemetry_task task, int64_t since_us);

/* GET /metrics. */
void telemetry_handler(struct http_ctx *c);

#endif /* TELEMETRY_H */
