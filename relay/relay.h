/*
 * relay.h: struct relay, the daemon's one shared context. main.c owns it and
 * the event loop; every handler receives it. There are no other mutable
 * globals (the log sink aside).
 */
#ifndef RELAY_H
#define RELAY_H

#include <stdint.h>

#include <event2/event.h>

struct config;
struct store;
struct http_server;
struct ingest;
struct pipeline;
struct outbox;
struct render;
struct http_client;
struct ruleset;
struct catalog;
struct telemetry;
struct snooze_set;
struct web;

/* Event priorities (lower runs first; see main.c). */
#define RELAY_PRIO_LEVELS 5
#define RELAY_PRIO_IO 2     /* libevent's default for 5 levels */
#define RELAY_PRIO_COMMIT 3 /* ingest's group commit: the 202s */
#define RELAY_PRIO_WORK 4   /* pipeline and outbox turns */

/* Counters kept until they are exported by /metrics. */
struct relay_stats {
	uint64_t webhooks[2][6]; /* [source][class: 2xx,400,401,413,415,5xx] */
	uint64_t alerts_received[2];
	uint64_t alerts_truncated;
	uint64_t jobs_processed;
	int64_t watchdog_last_seen; /* Unix ms */
	uint64_t suppressed[5];     /* messages not posted (silent), by kind */
	uint64_t updates_collapsed; /* refreshes absorbed by a queued one */
};

struct relay {
	struct config *cfg; /* current config; replaced whole on reload */
	struct event_base *base;
	struct store *store;
	struct http_server *http;
	struct ingest *ingest;
	struct pipeline *pipeline;
	struct outbox *outbox;
	struct render *render; /* templates; replaced whole on reload */
	struct http_client *http_client; /* Slack and the catalog */
	struct ruleset *rules;       /* from the database; replaced on change */
	struct catalog *catalog;     /* owners of namespaces */
	struct telemetry *telemetry; /* latency histograms for /metrics */
	struct snooze_set *snoozes;  /* snoozes in force, from the database */
	struct web *web;             /* web page sessions and CSRF secret */
	int64_t started_at;          /* Unix ms */
	int64_t clock_offset_ms;     /* tests shift the clock
	                                (ALERT_DELIVERY_CLOCK_OFFSET) */
	int stopping;
	int migrated;         /* schema current: ready to serve */
	int64_t loop_lag_ms;  /* last measured event-loop delay */
	int64_t prune_at;     /* next retention turn (Unix ms; history.c) */
	int64_t jobs_pending; /* committed bodies not processed yet */
	uint64_t next_request_id;
	struct relay_stats stats;
};

/* The relay's clock (Unix ms): the wall clock plus the test offset. */
int64_t relay_now(const struct relay *r);

/*
 * Re-reads the config file, templates and catalog file, validates them and
 * swaps them in (SIGHUP and POST /-/reload). 0, or -1 with err set and the
 * old config still in place; both outcomes are logged.
 */
int relay_reload(struct relay *r, char *err, size_t errlen);

#endif /* RELAY_H */
