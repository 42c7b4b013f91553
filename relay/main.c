/*
 * main.c: argv, the relay context, signals, timers and the event loop.
 * This file alone creates and dispatches the event_base.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "catalog.h"
#include "cli.h"
#include "config.h"
#include "http_client.h"
#include "http_server.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "render.h"
#include "web_auth.h"
#include "history.h"
#include "reminder.h"
#include "rulebook.h"
#include "rules.h"
#include "relay.h"
#include "store.h"
#include "snooze.h"
#include "snoozer.h"
#include "telemetry.h"
#include "util.h"

/* How often the loop measures its own lag. */
#define LAG_PROBE_MS 250
/* SIGTERM: Slack calls in flight get this long to finish (SPEC section 3). */
#define STOP_GRACE_MS 10000

int64_t
relay_now(const struct relay *r)
{
	return util_now_ms() + r->clock_offset_ms;
}

struct loop_timers {
	struct relay *relay;
	struct event *sigterm, *sigint, *sighup;
	struct event *lag;
	int64_t lag_expected;
	struct event *drain; /* SIGTERM: waits for calls in flight */
	struct event *watch; /* notices rules changed by the CLI */
	int64_t stop_deadline;
};

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timers *t = arg;
	struct relay *r = t->relay;
	struct timeval tv = {0, 50000};

	if (outbox_inflight(r->outbox) == 0 ||
	    util_now_ms() >= t->stop_deadline) {
		if (outbox_inflight(r->outbox) > 0)
			log_event(LOG_WARN,
			    "calls still in flight at exit; they stay queued",
			    NULL);
		event_base_loopexit(r->base, NULL);
		return;
	}
	evtimer_add(t->drain, &tv);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct loop_timers *t = arg;
	struct relay *r = t->relay;

	if (r->stopping)
		return;
	r->stopping = 1;
	log_event(LOG_INFO, "stopping", "signal",
	    sig == SIGINT ? "INT" : "TERM", NULL);
	/* Stop accepting; commit and answer what was accepted; start no more
	 * Slack calls and give those in flight up to 10 s. Jobs and messages
	 * not done stay in the database for the next start. */
	http_server_stop(r->http);
	ingest_flush(r->ingest);
	outbox_stop(r->outbox);
	t->stop_deadline = util_now_ms() + STOP_GRACE_MS;
	t->drain = evtimer_new(r->base, on_drain, t);
	{
		/* A moment for requests already being read to finish. */
		struct timeval tv = {0, 100000};
		evtimer_add(t->drain, &tv);
	}
}

int
relay_reload(struct relay *r, char *err, size_t errlen)
{
	struct render *render;
	struct config *next = config_load(
	    r->cfg->path[0] != '\0' ? r->cfg->path : NULL, err, errlen);

	if (next == NULL)
		goto refused;
	render = render_load(next->templates, err, errlen);
	if (render == NULL || render_check(render, next, err, errlen) != 0) {
		render_free(render);
		config_free(next);
		goto refused;
	}
	if (catalog_reload(r->catalog, next, err, errlen) != 0) {
		render_free(render);
		config_free(next);
		goto refused;
	}
	render_free(r->render);
	r->render = render;
	/* Batches parsed under the old grouping are parsed again. */
	ingest_forget(r->ingest);
	if (strcmp(next->listen, r->cfg->listen) != 0 ||
	    strcmp(next->database, r->cfg->database) != 0)
		log_event(LOG_WARN,
		    "listen and database changes take effect at the next "
		    "restart",
		    NULL);
	/* Keep what needs a restart as it is running. */
	free(next->listen);
	next->listen = xstrdup(r->cfg->listen);
	free(next->listen_host);
	next->listen_host = xstrdup(r->cfg->listen_host);
	next->listen_port = r->cfg->listen_port;
	free(next->database);
	next->database = xstrdup(r->cfg->database);
	config_free(r->cfg);
	r->cfg = next;
	log_setup(next->log.level, next->log.format);
	http_server_apply_config(r->http);
	outbox_reload(r->outbox);
	log_event(LOG_INFO, "config reloaded", "path", next->path, NULL);
	return 0;
refused:
	log_event(LOG_ERROR, "reload refused; the old config stays", "error",
	    err, NULL);
	return -1;
}

static void
on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct loop_timers *t = arg;
	char err[1024];

	(void)relay_reload(t->relay, err, sizeof(err));
}

static void
on_lag(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timers *t = arg;
	int64_t now = util_now_ms();

	{
		const char *sql = store_idle_check(t->relay->store);
		if (sql != NULL)
			log_event(LOG_WARN, "statement left busy; reset", "sql",
			    sql, NULL);
	}
	if (t->lag_expected > 0)
		t->relay->loop_lag_ms =
		    now > t->lag_expected ? now - t->lag_expected : 0;
	t->lag_expected = now + LAG_PROBE_MS;
}

static void watch_changed(struct relay *r);

/* The CLI and other processes write rules to the database directly:
 * notice it (SPEC section 2: within 2 seconds) and load them again. */
static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timers *t = arg;
	struct relay *r = t->relay;
	int64_t t0 = util_mono_us();

	snoozer_tick(r);
	reminder_tick(r);
	history_tick(r);
	if (store_changed(r->store))
		watch_changed(r);
	telemetry_busy(r->telemetry, TASK_TICK, t0);
}

/* Another process changed the database: reload what it may have changed. */
static void
watch_changed(struct relay *r)
{
	struct ruleset *set;
	char err[1024];

	/* A digest queued by `digest --post`. */
	outbox_kick(r->outbox);
	/* Snoozes added or removed by the CLI. The WAL being emptied by the
	 * checkpointer also counts as a change: compare before applying. */
	snoozer_refresh(r, "{\"by\":\"cli\"}");
	set = rulebook_load(r->store, err, sizeof(err));
	if (set == NULL) {
		log_event(LOG_ERROR,
		    "rules in the database do not load; the old "
		    "ones stay",
		    "error", err, NULL);
		return;
	}
	if (rulebook_same(r->rules, set)) {
		ruleset_free(set);
		return;
	}
	ruleset_free(r->rules);
	r->rules = set;
	log_event(LOG_INFO, "rules reloaded from the database", NULL);
}

/* A catalog answer came in: messages waiting for it can be rendered. */
static void
catalog_ready(void *arg, const char *ns)
{
	struct relay *r = arg;

	if (r->outbox != NULL)
		outbox_kick(r->outbox);
}

static int
serve(const struct cli_args *a)
{
	struct relay r;
	struct loop_timers t;
	struct event_config *ec = NULL;
	char err[1024];
	const char *off;
	int rc = 1;

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	r.cfg = config_load(a->config, err, sizeof(err));
	if (r.cfg == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 2;
	}
	if (config_check_exposure(r.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: refusing to start: %s\n", err);
		config_free(r.cfg);
		return 2;
	}
	log_setup(r.cfg->log.level, r.cfg->log.format);
	/* Tests move the relay's clock instead of waiting for it. */
	off = getenv("ALERT_DELIVERY_CLOCK_OFFSET");
	if (off != NULL && *off != '\0') {
		int neg = *off == '-';
		if (util_duration_parse(off + neg, &r.clock_offset_ms) != 0) {
			fprintf(stderr,
			    "alert-delivery: ALERT_DELIVERY_CLOCK_OFFSET: "
			    "not a duration\n");
			config_free(r.cfg);
			return 2;
		}
		if (neg)
			r.clock_offset_ms = -r.clock_offset_ms;
	}
	r.started_at = relay_now(&r);
	r.render = render_load(r.cfg->templates, err, sizeof(err));
	if (r.render == NULL ||
	    render_check(r.render, r.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		render_free(r.render);
		config_free(r.cfg);
		return 2;
	}

	r.store = store_open(r.cfg->database, STORE_RW, err, sizeof(err));
	if (r.store == NULL) {
		log_event(
		    LOG_ERROR, "cannot open the database", "error", err, NULL);
		goto done;
	}
	if (store_migrate(r.store, err, sizeof(err)) != 0) {
		log_event(LOG_ERROR, "cannot migrate the database", "error",
		    err, NULL);
		goto done;
	}
	if (rulebook_bootstrap(
	        r.store, r.cfg->rules, relay_now(&r), err, sizeof(err)) != 0 ||
	    (r.rules = rulebook_load(r.store, err, sizeof(err))) == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		rc = 2;
		goto done;
	}
	if (snoozer_reload(&r) != 0) {
		log_event(LOG_ERROR, "cannot load snoozes", "error",
		    store_errmsg(r.store), NULL);
		goto done;
	}
	store_changed(r.store); /* the baseline for on_watch */
	r.jobs_pending = store_jobs_pending_count(r.store);
	if (r.jobs_pending < 0)
		r.jobs_pending = 0;
	history_start(&r);
	r.migrated = 1;
	store_checkpointer_start(r.store, 1000);

	ec = event_config_new();
	/* By default libevent runs every callback of the active priority,
	 * including those that activate themselves again, before it polls:
	 * a work turn that "yields" by event_active() would run again at
	 * once, and a backlog would hold the loop until it is gone. Poll
	 * after each commit and work callback instead. */
	if (ec == NULL ||
	    event_config_set_max_dispatch_interval(
	        ec, NULL, 1, RELAY_PRIO_COMMIT) != 0) {
		log_event(LOG_ERROR, "cannot configure the event loop", NULL);
		goto done;
	}
	r.base = event_base_new_with_config(ec);
	if (r.base == NULL) {
		log_event(LOG_ERROR, "cannot create the event loop", NULL);
		goto done;
	}
	/* libevent gives every event the middle priority unless told:
	 * RELAY_PRIO_IO (2) for sockets and timers; the group commit that
	 * acknowledges webhooks runs after the I/O of a turn
	 * (RELAY_PRIO_COMMIT), processing and rendering turns only when
	 * nothing else waits (RELAY_PRIO_WORK). */
	event_base_priority_init(r.base, RELAY_PRIO_LEVELS);
	r.http_client = http_client_new(r.base);
	if (r.http_client == NULL) {
		log_event(LOG_ERROR, "cannot set up libcurl", NULL);
		goto done;
	}
	/* Calls in flight at a crash go out again: Slack may see them twice
	 * (the documented edge), never lose them. */
	if (store_messages_recover(r.store) != 0) {
		log_event(LOG_ERROR, "cannot recover the outbox", "error",
		    store_errmsg(r.store), NULL);
		goto done;
	}
	r.telemetry = telemetry_new();
	r.pipeline = pipeline_new(&r);
	r.outbox = outbox_new(&r);
	r.catalog = catalog_new(r.base, r.http_client, r.store, r.cfg,
	    catalog_ready, &r, err, sizeof(err));
	if (r.catalog == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		rc = 2;
		goto done;
	}
	r.ingest = ingest_new(&r);
	r.web = web_new();
	if (r.web == NULL) {
		log_event(LOG_ERROR, "no randomness for the web page", NULL);
		goto done;
	}
	r.http = http_server_new(&r, err, sizeof(err));
	if (r.http == NULL) {
		log_event(LOG_ERROR, "cannot listen", "error", err, NULL);
		goto done;
	}

	signal(SIGPIPE, SIG_IGN);
	t.relay = &r;
	t.sigterm = evsignal_new(r.base, SIGTERM, on_stop, &t);
	t.sigint = evsignal_new(r.base, SIGINT, on_stop, &t);
	t.sighup = evsignal_new(r.base, SIGHUP, on_reload, &t);
	t.lag = event_new(r.base, -1, EV_PERSIST, on_lag, &t);
	t.watch = event_new(r.base, -1, EV_PERSIST, on_watch, &t);
	evsignal_add(t.sigterm, NULL);
	evsignal_add(t.sigint, NULL);
	evsignal_add(t.sighup, NULL);
	{
		struct timeval tv = {0, LAG_PROBE_MS * 1000};
		evtimer_add(t.lag, &tv);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		evtimer_add(t.watch, &tv);
	}
	/* Jobs accepted before a crash or stop are applied now, and messages
	 * queued then are rendered. */
	pipeline_kick(r.pipeline);
	outbox_kick(r.outbox);

	log_event(LOG_INFO, "listening", "listen", r.cfg->listen, "database",
	    r.cfg->database, "mode",
	    config_preview(r.cfg) ? "preview" : "slack", NULL);
	event_base_dispatch(r.base);
	rc = 0;
	log_event(LOG_INFO, "stopped", NULL);
done:
	if (t.sigterm != NULL) {
		event_free(t.sigterm);
		event_free(t.sigint);
		event_free(t.sighup);
		event_free(t.lag);
		event_free(t.watch);
	}
	if (t.drain != NULL)
		event_free(t.drain);
	ingest_free(r.ingest);
	web_free(r.web);
	http_server_free(r.http);
	catalog_free(r.catalog);
	telemetry_free(r.telemetry);
	pipeline_free(r.pipeline);
	outbox_free(r.outbox);
	http_client_free(r.http_client);
	render_free(r.render);
	ruleset_free(r.rules);
	snooze_set_free(r.snoozes);
	if (r.base != NULL)
		event_base_free(r.base);
	if (ec != NULL)
		event_config_free(ec);
	store_close(r.store);
	config_free(r.cfg);
	libevent_global_shutdown();
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(argc, argv, &a);

	if (rc != 0)
		return rc;
	if (a.help) {
		cli_help(a.command);
		return 0;
	}
	if (strcmp(a.command, "serve") == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = serve(&a);
		curl_global_cleanup();
		return rc;
	}
	return cli_run(&a);
}
