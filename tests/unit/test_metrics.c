/* Unit tests: metrics.c (registry, exposition text, limits, promtool). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <sys/wait.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "metrics.h"

#define PROMTOOL "/usr/bin/promtool"
#define DROPPED "alert_delivery_metrics_series_dropped_total"

/* Labels and values as NULL-terminated compound literals. */
#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Returns new: the exposition of m (caller frees). */
static char *
render(const struct metrics *m)
{
	struct buf b = BUF_INIT;

	metrics_write(m, &b);
	return buf_steal(&b);
}

static void
test_small_registry(void **state)
{
	struct metrics *m = metrics_new(DROPPED);
	struct metrics_family *c, *g, *info;
	char *out;

	assert_non_null(m);
	c = metrics_counter(m, "alert_delivery_webhooks_received_total",
	    "Webhook requests by source and HTTP status.", L("source", "code"));
	g = metrics_gauge(m, "alert_delivery_outbox_pending",
	    "Messages waiting to be sent.", NULL);
	info = metrics_gauge(
	    m, "alert_delivery_build_info", "Build information.", L("version"));
	assert_non_null(c);
	assert_non_null(g);
	assert_non_null(info);
	/* Arrival order differs from output order: series are sorted. */
	assert_int_equal(metrics_inc(c, L("grafana", "200")), 0);
	assert_int_equal(metrics_inc(c, L("alertmanager", "400")), 0);
	assert_int_equal(metrics_add(c, L("grafana", "200"), 2), 0);
	assert_int_equal(metrics_add(c, L("grafana", "200"), 0.5), 0);
	assert_int_equal(metrics_set(g, NULL, 7), 0);
	assert_int_equal(metrics_add(g, NULL, -2), 0);
	assert_int_equal(metrics_set(info, L("1.2.3"), 1), 0);
	out = render(m);
	assert_string_equal(out,
	    "# HELP alert_delivery_webhooks_received_total Webhook requests by "
	    "source and HTTP status.\n"
	    "# TYPE alert_delivery_webhooks_received_total counter\n"
	    "alert_delivery_webhooks_received_total{source=\"alertmanager\","
	    "code=\"400\"} 1\n"
	    "alert_delivery_webhooks_received_total{source=\"grafana\","
	    "code=\"200\"} 3.5\n"
	    "# HELP alert_delivery_outbox_pending Messages waiting to be "
	    "sent.\n"
	    "# TYPE alert_delivery_outbox_pending gauge\n"
	    "alert_delivery_outbox_pending 5\n"
	    "# HELP alert_delivery_build_info Build information.\n"
	    "# TYPE alert_delivery_build_info gauge\n"
	    "alert_delivery_build_info{version=\"1.2.3\"} 1\n");
	free(out);
	assert_int_equal(metrics_dropped(m), 0);
	metrics_free(m);
	metrics_free(NULL);
}

static void
test_values(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
	    {0, "0"},
	    {-0.0, "-0"},
	    {42, "42"},
	    {-7, "-7"},
	    {1e6, "1000000"},
	    {9007199254740992.0, "9007199254740992"},
	    {18014398509481984.0, "18014398509481984"},
	    {1e17, "1e+17"},
	    {1e300, "1e+300"},
	    {0.1, "0.1"},
	    {0.005, "0.005"},
	    {2.5, "2.5"},
	    {-1.5, "-1.5"},
	    {1e-07, "1e-07"},
	    {1.0 / 3, "0.3333333333333333"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {NAN, "NaN"},
	    {INFINITY, "+Inf"},
	    {-INFINITY, "-Inf"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics *m = metrics_new(NULL);
		struct metrics_family *g = metrics_gauge(m, "v", "V.", NULL);
		char want[128], *out;

		assert_int_equal(metrics_set(g, NULL, cases[i].v), 0);
		snprintf(want, sizeof(want),
		    "# HELP v V.\n# TYPE v gauge\nv %s\n", cases[i].want);
		out = render(m);
		assert_string_equal(out, want);
		free(out);
		metrics_free(m);
	}
}

static void
test_escaping(void **state)
{
	struct metrics *m = metrics_new(NULL);
	struct metrics_family *c;
	char long_value[301], *out, *p;
	const char *want_long;

	c = metrics_counter(
	    m, "esc_total", "Line one\nback\\slash \"quoted\"", L("v"));
	assert_non_null(c);
	assert_int_equal(metrics_inc(c, L("a\"b\\c\nd")), 0);
	assert_int_equal(metrics_inc(c,
	                     L("\xff"
	                       "ok")),
	    0);
	assert_int_equal(metrics_inc(c, L("caf\xc3\xa9")), 0);
	memset(long_value, 'z', 300);
	long_value[300] = '\0';
	assert_int_equal(metrics_inc(c, L(long_value)), 0);
	out = render(m);
	assert_non_null(strstr(out,
	    "# HELP esc_total Line one\\nback\\\\slash "
	    "\"quoted\"\n"));
	assert_non_null(strstr(out, "esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
	assert_non_null(strstr(out, "esc_total{v=\"?ok\"} 1\n"));
	assert_non_null(strstr(out, "esc_total{v=\"caf\xc3\xa9\"} 1\n"));
	/* A long value is cut to METRICS_MAX_LABEL_VALUE bytes. */
	assert_non_null(p = strstr(out, "esc_total{v=\"zzz"));
	want_long = p + strlen("esc_total{v=\"");
	assert_int_equal(strcspn(want_long, "\""), METRICS_MAX_LABEL_VALUE);
	free(out);
	metrics_free(m);
}

static void
test_histogram(void **state)
{
	static const double bounds[] = {0.005, 0.5, 1, 2.5, INFINITY};
	struct metrics *m = metrics_new(NULL);
	struct metrics_family *h, *h0;
	char *out;

	h = metrics_histogram(m, "alert_delivery_ingest_duration_seconds",
	    "Time to ingest one webhook.", L("source"), bounds, 5);
	h0 = metrics_histogram(m, "lat_seconds", "Latency.", NULL, NULL, 0);
	assert_non_null(h);
	assert_non_null(h0);
	/* Upper bounds are inclusive. */
	assert_int_equal(metrics_observe(h, L("grafana"), 0.5), 0);
	assert_int_equal(metrics_observe(h, L("grafana"), 0.25), 0);
	assert_int_equal(metrics_observe(h, L("grafana"), 1), 0);
	assert_int_equal(metrics_observe(h, L("grafana"), 4), 0);
	assert_int_equal(metrics_observe(h0, NULL, NAN), 0);
	assert_int_equal(metrics_add(h, L("grafana"), 1), -1);
	assert_int_equal(metrics_set(h, L("grafana"), 1), -1);
	out = render(m);
	assert_string_equal(out,
	    "# HELP alert_delivery_ingest_duration_seconds Time to ingest one "
	    "webhook.\n"
	    "# TYPE alert_delivery_ingest_duration_seconds histogram\n"
	    "alert_delivery_ingest_duration_seconds_bucket{source=\"grafana\","
	    "le=\"0.005\"} 0\n"
	    "alert_delivery_ingest_duration_seconds_bucket{source=\"grafana\","
	    "le=\"0.5\"} 2\n"
	    "alert_delivery_ingest_duration_seconds_bucket{source=\"grafana\","
	    "le=\"1\"} 3\n"
	    "alert_delivery_ingest_duration_seconds_bucket{source=\"grafana\","
	    "le=\"2.5\"} 3\n"
	    "alert_delivery_ingest_duration_seconds_bucket{source=\"grafana\","
	    "le=\"+Inf\"} 4\n"
	    "alert_delivery_ingest_duration_seconds_sum{source=\"grafana\"} "
	    "5.75\n"
	    "alert_delivery_ingest_duration_seconds_count{source=\"grafana\"} "
	    "4\n"
	    "# HELP lat_seconds Latency.\n"
	    "# TYPE lat_seconds histogram\n"
	    "lat_seconds_bucket{le=\"+Inf\"} 1\n"
	    "lat_seconds_sum NaN\n"
	    "lat_seconds_count 1\n");
	free(out);
	/* Bounds must be finite and strictly increasing; "le" is reserved. */
	assert_null(metrics_histogram(
	    m, "a_seconds", "A.", NULL, (const double[]){1, 0.5}, 2));
	assert_null(metrics_histogram(
	    m, "b_seconds", "B.", NULL, (const double[]){1, 1}, 2));
	assert_null(metrics_histogram(
	    m, "c_seconds", "C.", NULL, (const double[]){NAN}, 1));
	assert_null(metrics_histogram(
	    m, "d_seconds", "D.", L("le"), (const double[]){1}, 1));
	metrics_free(m);
}

static void
test_series_limit(void **state)
{
	struct metrics *m = metrics_new(DROPPED);
	struct metrics_family *c =
	    metrics_counter(m, "alert_delivery_test_total", "Test.", L("id"));
	char id[16], *out, *p;
	size_t lines = 0;

	assert_non_null(c);
	for (int i = METRICS_MAX_SERIES - 1; i >= 0; i--) {
		snprintf(id, sizeof(id), "%03d", i);
		assert_int_equal(metrics_inc(c, L(id)), 0);
	}
	assert_int_equal(metrics_inc(c, L("new")), -1);
	assert_int_equal(metrics_inc(c, L("newer")), -1);
	assert_int_equal(metrics_dropped(m), 2);
	/* Existing series keep counting. */
	assert_int_equal(metrics_inc(c, L("000")), 0);
	out = render(m);
	assert_non_null(strstr(out,
	    "# TYPE " DROPPED " counter\n" DROPPED
	    "{family=\"alert_delivery_test_total\"} 2\n"));
	assert_non_null(p = strstr(out,
	                    "alert_delivery_test_total{id=\"000\"} 2\n"
	                    "alert_delivery_test_total{id=\"001\"} 1\n"));
	for (p = out; (p = strstr(p, "\nalert_delivery_test_total{")) != NULL;
	     p++)
		lines++;
	assert_int_equal(lines, METRICS_MAX_SERIES);
	assert_null(strstr(out, "new"));
	free(out);
	metrics_free(m);
}

static void
test_invalid(void **state)
{
	struct metrics *m = metrics_new(DROPPED);
	struct metrics_family *c, *g;

	assert_null(metrics_new("bad name_total"));
	assert_null(metrics_new("not_a_counter"));
	assert_null(metrics_counter(m, "1abc_total", "X.", NULL));
	assert_null(metrics_counter(m, "a-b_total", "X.", NULL));
	assert_null(metrics_counter(m, "", "X.", NULL));
	assert_null(metrics_counter(m, NULL, "X.", NULL));
	assert_null(metrics_counter(m, "requests", "X.", NULL));
	assert_null(metrics_gauge(m, "queue_total", "X.", NULL));
	assert_null(metrics_counter(m, "nohelp_total", "", NULL));
	assert_null(metrics_counter(m, DROPPED, "Twice.", NULL));
	assert_null(metrics_counter(m, "l1_total", "X.", L("__name")));
	assert_null(metrics_counter(m, "l2_total", "X.", L("a b")));
	assert_null(metrics_counter(m, "l3_total", "X.", L("a", "a")));
	assert_null(metrics_counter(m, "l4_total", "X.", L("quantile")));
	assert_null(metrics_counter(m, "l5_total", "X.",
	    L("a", "b", "c", "d", "e", "f", "g", "h", "i")));
	assert_non_null(
	    metrics_gauge(m, "ns:sub_ratio", "Colons allowed.", NULL));

	c = metrics_counter(m, "ok_total", "X.", L("a", "b"));
	g = metrics_gauge(m, "ok_gauge_value", "X.", NULL);
	assert_non_null(c);
	assert_non_null(g);
	assert_int_equal(metrics_inc(c, L("x")), -1);
	assert_int_equal(metrics_inc(c, L("x", "y", "z")), -1);
	assert_int_equal(metrics_inc(c, NULL), -1);
	assert_int_equal(metrics_add(c, L("x", "y"), -1), -1);
	assert_int_equal(metrics_add(c, L("x", "y"), NAN), -1);
	assert_int_equal(metrics_add(c, L("x", "y"), INFINITY), -1);
	assert_int_equal(metrics_set(c, L("x", "y"), 1), -1);
	assert_int_equal(metrics_observe(c, L("x", "y"), 1), -1);
	assert_int_equal(metrics_inc(g, L("x")), -1);
	assert_int_equal(metrics_add(g, NULL, -3), 0);
	assert_int_equal(metrics_inc(NULL, NULL), -1);
	assert_int_equal(metrics_set(NULL, NULL, 1), -1);
	assert_int_equal(metrics_observe(NULL, NULL, 1), -1);
	/* Refused updates are not series-limit drops. */
	assert_int_equal(metrics_dropped(m), 0);
	metrics_free(m);
}

static void
test_process(void **state)
{
	static const char *const names[] = {"process_cpu_seconds_total",
	    "process_open_fds", "process_max_fds",
	    "process_virtual_memory_bytes", "process_resident_memory_bytes",
	    "process_start_time_seconds"};
	struct buf b = BUF_INIT;

	assert_int_equal(metrics_write_process(&b), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[128];
		const char *p;

		snprintf(line, sizeof(line), "\n%s ", names[i]);
		p = strstr(buf_str(&b), line);
		if (p == NULL)
			fail_msg("%s missing", names[i]);
		if (i > 0 && !(strtod(p + strlen(line), NULL) > 0))
			fail_msg("%s not positive", names[i]);
	}
	buf_free(&b);
}

/* Every kind of family, odd label values and process metrics together must
 * satisfy promtool's parser and linter. */
static void
test_promtool(void **state)
{
	static const double bounds[] = {0.005, 0.01, 0.1, 1, 10};
	char path[] = "/tmp/test_metrics.XXXXXX", cmd[128], lint[256];
	struct metrics *m;
	struct metrics_family *c, *g, *h, *lim;
	struct buf b = BUF_INIT;
	FILE *fp, *pp;
	size_t n;
	int fd, status;

	if (access(PROMTOOL, X_OK) != 0) {
		skip();
		return;
	}
	m = metrics_new(DROPPED);
	c = metrics_counter(m, "alert_delivery_notifications_total",
	    "Slack notifications by kind and result.\nSecond line \\.",
	    L("kind", "result"));
	g = metrics_gauge(m, "alert_delivery_outbox_oldest_age_seconds",
	    "Age of the oldest pending message.", NULL);
	h = metrics_histogram(m, "alert_delivery_delivery_latency_seconds",
	    "Time from ingest to Slack.", L("kind"), bounds, 5);
	lim =
	    metrics_counter(m, "alert_delivery_lim_total", "Limited.", L("v"));
	assert_non_null(c);
	assert_non_null(g);
	assert_non_null(h);
	assert_non_null(lim);
	metrics_inc(c, L("root", "sent"));
	metrics_add(c, L("reply", "failed\"\\\n\xfe"), 3);
	metrics_set(g, NULL, 0.25);
	metrics_observe(h, L("root"), 0.003);
	metrics_observe(h, L("root"), 42);
	metrics_observe(h, L("update"), NAN);
	for (int i = 0; i <= METRICS_MAX_SERIES; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%d", i);
		metrics_inc(lim, L(v));
	}
	metrics_write(m, &b);
	assert_int_equal(metrics_write_process(&b), 0);
	metrics_free(m);

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(fwrite(b.data, 1, b.len, fp), b.len);
	assert_int_equal(fclose(fp), 0);
	buf_free(&b);

	snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < %s 2>&1", path);
	assert_non_null(pp = popen(cmd, "r"));
	n = fread(lint, 1, sizeof(lint) - 1, pp);
	lint[n] = '\0';
	status = pclose(pp);
	unlink(path);
	if (n > 0)
		fail_msg("promtool: %s", lint);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_registry),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_series_limit),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_process),
	    cmocka_unit_test(test_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
