/* Unit tests: digest periods (alignment, gaps, restarts, UTC math), the
 * digest's counts from stored history, and retention pruning. The clock is
 * an argument everywhere: no test waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert.h"
#include "config.h"
#include "digest.h"
#include "render.h"
#include "store.h"
#include "store_history.h"
#include "util.h"

#define S 1000LL
#define H (3600 * S)
/* 2026-03-29T00:00:00Z: Europe's clocks go forward an hour at 01:00Z. */
#define DST_DAY 1774742400000LL

static void
test_floor_alignment(void **state)
{
	(void)state;
	assert_int_equal(digest_floor(DST_DAY + 90 * 60 * S, H), DST_DAY + H);
	assert_int_equal(digest_floor(DST_DAY + H, H), DST_DAY + H);
	assert_int_equal(
	    digest_floor(DST_DAY + 17 * S, 10 * S), DST_DAY + 10 * S);
	/* Multiples since the epoch, not since the start of the day. */
	assert_int_equal(digest_floor(7 * H + 5, 7 * H), 7 * H);
	assert_int_equal(digest_floor(-5, 10), -10);
}

static void
test_due_first_start(void **state)
{
	int64_t from, to;

	(void)state;
	/* No period digested yet: none due; the current period's start is
	 * where the first one begins. */
	assert_int_equal(
	    digest_due(0, DST_DAY + 20 * 60 * S, H, &from, &to), 0);
	assert_int_equal(to, DST_DAY);
}

static void
test_due_each_boundary(void **state)
{
	int64_t from, to;

	(void)state;
	assert_int_equal(
	    digest_due(DST_DAY, DST_DAY + H - 1, H, &from, &to), 0);
	assert_int_equal(digest_due(DST_DAY, DST_DAY + H, H, &from, &to), 1);
	assert_int_equal(from, DST_DAY);
	assert_int_equal(to, DST_DAY + H);
	/* Once stored, the same period is not due again (a restart). */
	assert_int_equal(digest_due(to, DST_DAY + H + 1, H, &from, &to), 0);
}

static void
test_due_gap_whole(void **state)
{
	int64_t from, to;

	(void)state;
	/* Down from 00:00 to 03:30: one digest, 00:00 to 03:00. */
	assert_int_equal(
	    digest_due(DST_DAY, DST_DAY + 3 * H + 30 * 60 * S, H, &from, &to),
	    1);
	assert_int_equal(from, DST_DAY);
	assert_int_equal(to, DST_DAY + 3 * H);
	/* 10 s periods, 35 s down after 00:00:10: one digest to 00:00:40. */
	assert_int_equal(
	    digest_due(DST_DAY + 10 * S, DST_DAY + 45 * S, 10 * S, &from, &to),
	    1);
	assert_int_equal(to - from, 30 * S);
	/* A clock set back: nothing due, nothing repeated. */
	assert_int_equal(
	    digest_due(DST_DAY + 2 * H, DST_DAY + H, H, &from, &to), 0);
}

/* ---- with a database ---- */

struct fixture {
	char dir[64];
	struct store *s;
	struct config *cfg;
	struct render *rd;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512], path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_digest.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/relay.db", f->dir);
	f->s = store_open(path, STORE_RW, err, sizeof(err));
	f->cfg = config_load(NULL, err, sizeof(err));
	f->rd = render_load("", err, sizeof(err));
	if (f->s == NULL || store_migrate(f->s, err, sizeof(err)) != 0 ||
	    f->cfg == NULL || f->rd == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->s);
	config_free(f->cfg);
	render_free(f->rd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Stores alert fp of ns as firing (or resolved) at `at`, with its event. */
static void
put_alert(struct fixture *f, const char *fp, const char *ns, const char *name,
    int firing, int64_t at)
{
	struct kv labels[2] = {
	    {"alertname", (char *)name}, {"namespace", (char *)ns}};
	struct alert a;
	char id[64];

	memset(&a, 0, sizeof(a));
	a.fingerprint = (char *)fp;
	a.namespace = (char *)ns;
	a.alertname = (char *)name;
	a.labels.v = labels;
	a.labels.n = 2;
	a.status = firing ? ALERT_FIRING : ALERT_RESOLVED;
	a.value_string = a.generator_url = a.silence_url = "";
	a.dashboard_url = a.panel_url = a.image_url = "";
	a.starts_at = at;
	a.ends_at = firing ? 0 : at;
	snprintf(id, sizeof(id), "grafana/%s", fp);
	assert_int_equal(store_alert_put(f->s, id, ALERT_SRC_GRAFANA, "g", &a,
	                     at, at, 1, 0, 0, 0),
	    0);
	assert_int_equal(store_event_alert(f->s, id,
	                     firing ? "firing" : "resolved", at, NULL),
	    0);
}

static json_t *
ns_of(json_t *ctx, const char *ns)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(ctx, "namespaces"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "namespace")),
		        ns) == 0)
			return o;
	}
	return NULL;
}

static json_int_t
num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void
test_counts_per_period(void **state)
{
	struct fixture *f = *state;
	int64_t t0 = DST_DAY; /* the period is [t0, t0 + H) */
	json_t *ctx, *chat, *billing;
	int empty = -1;

	put_alert(f, "00000000000000a1", "chat", "Ingress5xx", 1, t0 + 10 * S);
	put_alert(f, "00000000000000a2", "chat", "Ingress5xx", 1, t0 + 20 * S);
	put_alert(f, "00000000000000a3", "chat", "Latency", 1, t0 + 30 * S);
	put_alert(f, "00000000000000b1", "billing", "Ingress5xx", 1, t0 - H);
	put_alert(
	    f, "00000000000000b1", "billing", "Ingress5xx", 0, t0 + 5 * S);
	/* After the period: not counted in it. */
	put_alert(f, "00000000000000c1", "later", "Late", 1, t0 + H + S);
	/* Ended before it: not listed at all. */
	put_alert(f, "00000000000000d1", "old", "Old", 1, t0 - 2 * H);
	put_alert(f, "00000000000000d1", "old", "Old", 0, t0 - H);

	setenv("TZ", "Europe/Berlin", 1); /* UTC whatever the local zone */
	tzset();
	ctx = digest_context(f->s, f->cfg, t0, t0 + H, t0 + H, &empty);
	assert_non_null(ctx);
	assert_false(empty);
	chat = ns_of(ctx, "chat");
	billing = ns_of(ctx, "billing");
	assert_non_null(chat);
	assert_non_null(billing);
	assert_null(ns_of(ctx, "old"));
	assert_int_equal(num(chat, "fired"), 3);
	assert_int_equal(num(chat, "resolved"), 0);
	assert_int_equal(num(chat, "firing"), 3);
	assert_int_equal(num(billing, "fired"), 0);
	assert_int_equal(num(billing, "resolved"), 1);
	assert_int_equal(num(billing, "firing"), 0);
	/* Most active first. */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(ctx, "namespaces"), 0),
	        "namespace")),
	    "chat");
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(ctx, "period"), "from")),
	    "2026-03-29 00:00");
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(ctx, "period"), "to")),
	    "01:00");
	{
		json_t *top =
		    json_array_get(json_object_get(ctx, "noisiest"), 0);
		assert_string_equal(
		    json_string_value(json_object_get(top, "alertname")),
		    "Ingress5xx");
		assert_int_equal(num(top, "count"), 2);
	}
	json_decref(ctx);
	unsetenv("TZ");
	tzset();

	/* A period with no events and nothing firing is empty. */
	put_alert(f, "00000000000000a1", "chat", "Ingress5xx", 0, t0 + 2 * H);
	put_alert(f, "00000000000000a2", "chat", "Ingress5xx", 0, t0 + 2 * H);
	put_alert(f, "00000000000000a3", "chat", "Latency", 0, t0 + 2 * H);
	put_alert(f, "00000000000000c1", "later", "Late", 0, t0 + 2 * H);
	ctx = digest_context(
	    f->s, f->cfg, t0 + 3 * H, t0 + 4 * H, t0 + 4 * H, &empty);
	assert_non_null(ctx);
	assert_true(empty);
	json_decref(ctx);
	assert_int_equal(digest_queue(f->s, f->cfg, f->rd, t0 + 3 * H,
	                     t0 + 4 * H, t0 + 4 * H, 1, (char[64]){0}, 64),
	    0);
}

static void
test_many_namespaces_fit(void **state)
{
	struct fixture *f = *state;
	char *text = NULL, *blocks = NULL, err[256];
	json_t *ctx, *b;
	int empty;

	for (int i = 0; i < 120; i++) {
		char fp[17], ns[300];
		snprintf(fp, sizeof(fp), "%016x", i + 1);
		/* Long, hostile names: the message still fits Block Kit. */
		snprintf(ns, sizeof(ns), "ns-%03d-%0240d<!channel>", i, 0);
		put_alert(f, fp, ns, "A", 1, DST_DAY + i);
	}
	ctx = digest_context(
	    f->s, f->cfg, DST_DAY, DST_DAY + H, DST_DAY + H, &empty);
	assert_non_null(ctx);
	assert_int_equal(
	    digest_render(f->rd, ctx, &text, &blocks, err, sizeof(err)), 0);
	b = json_loads(blocks, 0, NULL);
	assert_true(json_array_size(b) <= 50);
	assert_non_null(strstr(blocks, "more namespaces"));
	assert_null(strstr(blocks, "<!channel>"));
	json_decref(b);
	json_decref(ctx);
	free(text);
	free(blocks);
}

static int
count_event(void *arg, const struct store_event *e)
{
	assert_string_equal(e->alertname, "New");
	(*(int *)arg)++;
	return 0;
}

static void
test_prune(void **state)
{
	struct fixture *f = *state;
	int n = 0;
	struct store_prune p;
	int64_t now = DST_DAY + 10 * H;
	struct store_event_filter flt;

	put_alert(f, "00000000000000e1", "chat", "Old", 1, DST_DAY);
	put_alert(f, "00000000000000e1", "chat", "Old", 0, DST_DAY + S);
	put_alert(f, "00000000000000e2", "chat", "New", 1, now - S);
	/* Retention 1 h, batch 1: one old event per call, never a new one. */
	assert_int_equal(
	    store_prune(f->s, now - H, now - H, now - 48 * H, 1, &p), 0);
	assert_int_equal(p.events, 1);
	assert_int_equal(p.alerts, 1); /* the resolved one */
	assert_int_equal(
	    store_prune(f->s, now - H, now - H, now - 48 * H, 100, &p), 0);
	assert_int_equal(p.events, 1);
	assert_int_equal(p.alerts, 0);
	assert_int_equal(
	    store_prune(f->s, now - H, now - H, now - 48 * H, 100, &p), 0);
	assert_int_equal(p.events, 0);
	memset(&flt, 0, sizeof(flt));
	flt.namespace = "chat";
	flt.limit = 10;
	/* What is left: the new alert's firing event. */
	assert_int_equal(store_events_list(f->s, &flt, count_event, &n), 1);
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_floor_alignment),
	    cmocka_unit_test(test_due_first_start),
	    cmocka_unit_test(test_due_each_boundary),
	    cmocka_unit_test(test_due_gap_whole),
	    cmocka_unit_test_setup_teardown(
	        test_counts_per_period, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_many_namespaces_fit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
