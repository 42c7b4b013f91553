/*
 * telemetry.h: the relay's own health as Prometheus metrics (SPEC section
 * 13): counters kept by the modules, gauges read from the database at
 * scrape time, the two latency histograms, build info and process metrics.
 */
#ifndef TELEMETRY_H
#define TELEMETRY_H

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

/* GET /metrics. */
void telemetry_handler(struct http_ctx *c);

#endif /* TELEMETRY_H */
