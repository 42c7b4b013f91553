/*
 * test_webhook.c: webhook_parse/serialize/count_incidents against the shared
 * fixtures (real and constructed bodies of both dialects) and against inline
 * hostile bodies. Fixture tests skip when RELAY_SHARED is unset or missing.
 */
/* cmocka.h needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "limits.h"
#include "util.h"
#include "webhook.h"

/* 2030-01-01T00:00:00Z: after every fixture's endsAt. */
#define NOW_MS 1893456000000LL

static char ns_label[] = "namespace";
static char kns_label[] = "kubernetes_namespace";
static char *ns_v[] = {ns_label, kns_label};
static const struct strlist ns_labels = {ns_v, 2};

static const struct webhook_opts opts = {&ns_labels, "default", 10000, NOW_MS};

static char errbuf[512];

/* Returns new: the batch, or fails the test printing the reason. */
static struct alert_batch *
parse_ok(enum alert_source src, const char *body, size_t len,
    const struct webhook_opts *o)
{
	struct alert_batch *b;

	b = webhook_parse(src, body, len, o, errbuf, sizeof(errbuf));
	if (b == NULL)
		fail_msg("parse failed: %s", errbuf);
	return b;
}

static struct alert_batch *
parse_str(const char *body)
{
	return parse_ok(ALERT_SRC_GRAFANA, body, strlen(body), &opts);
}

/* Asserts that body is refused with exactly the reason want. */
static void
assert_refused(const char *body, size_t len, const char *want)
{
	struct alert_batch *b;

	b = webhook_parse(
	    ALERT_SRC_GRAFANA, body, len, &opts, errbuf, sizeof(errbuf));
	if (b != NULL) {
		alert_batch_free(b);
		fail_msg("accepted, wanted \"%s\"", want);
	}
	assert_string_equal(errbuf, want);
	assert_true(util_utf8_valid(errbuf, strlen(errbuf)));
}

static void
refused(const char *body, const char *want)
{
	assert_refused(body, strlen(body), want);
}

/* Asserts a refusal whose reason starts with prefix (jansson's wording). */
static void
refused_prefix(const char *body, size_t len, const char *prefix)
{
	struct alert_batch *b;

	b = webhook_parse(
	    ALERT_SRC_GRAFANA, body, len, &opts, errbuf, sizeof(errbuf));
	if (b != NULL) {
		alert_batch_free(b);
		fail_msg("accepted, wanted \"%s...\"", prefix);
	}
	if (strncmp(errbuf, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", wanted \"%s...\"", errbuf, prefix);
	assert_true(util_utf8_valid(errbuf, strlen(errbuf)));
}

static void
assert_kv_equal(const struct kvlist *x, const struct kvlist *y)
{
	assert_int_equal(x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {
		assert_string_equal(x->v[i].key, y->v[i].key);
		assert_string_equal(x->v[i].value, y->v[i].value);
	}
}

static void
assert_batch_equal(const struct alert_batch *x, const struct alert_batch *y)
{
	assert_int_equal(x->source, y->source);
	assert_string_equal(x->group_key, y->group_key);
	assert_string_equal(x->receiver, y->receiver);
	assert_string_equal(x->external_url, y->external_url);
	assert_int_equal(x->has_org, y->has_org);
	assert_int_equal(x->org_id, y->org_id);
	assert_int_equal(x->truncated, y->truncated);
	assert_int_equal(x->nalerts, y->nalerts);
	for (size_t i = 0; i < x->nalerts; i++) {
		const struct alert *a = &x->alerts[i], *b = &y->alerts[i];

		assert_string_equal(a->fingerprint, b->fingerprint);
		assert_int_equal(a->has_org, b->has_org);
		assert_int_equal(a->org_id, b->org_id);
		assert_int_equal(a->status, b->status);
		assert_int_equal(a->starts_at, b->starts_at);
		assert_int_equal(a->ends_at, b->ends_at);
		assert_string_equal(a->namespace, b->namespace);
		assert_string_equal(a->alertname, b->alertname);
		assert_kv_equal(&a->labels, &b->labels);
		assert_kv_equal(&a->annotations, &b->annotations);
		assert_int_equal(a->nvalues, b->nvalues);
		assert_true((a->values == NULL) == (b->values == NULL));
		for (size_t k = 0; k < a->nvalues; k++) {
			assert_string_equal(a->values[k].ref, b->values[k].ref);
			assert_memory_equal(
			    &a->values[k].v, &b->values[k].v, sizeof(double));
		}
		assert_string_equal(a->value_string, b->value_string);
		assert_string_equal(a->generator_url, b->generator_url);
		assert_string_equal(a->silence_url, b->silence_url);
		assert_string_equal(a->dashboard_url, b->dashboard_url);
		assert_string_equal(a->panel_url, b->panel_url);
		assert_string_equal(a->image_url, b->image_url);
	}
}

/* Serializes b, parses it back, checks equality and a stable text form. */
static void
assert_round_trip(const struct alert_batch *b, const struct webhook_opts *o)
{
	struct alert_batch *b2;
	char *s, *s2;

	s = webhook_serialize(b);
	b2 = parse_ok(b->source, s, strlen(s), o);
	assert_batch_equal(b, b2);
	s2 = webhook_serialize(b2);
	assert_string_equal(s, s2);
	free(s);
	free(s2);
	alert_batch_free(b2);
}

/* ---- fixtures ---- */

struct exp_alert {
	const char *ns, *name;
	enum alert_status st;
	const char *id;
};

struct exp_file {
	const char *path;
	enum alert_source src;
	size_t n;
	uint64_t truncated;
	struct exp_alert a[8];
};

#define F ALERT_FIRING
#define R ALERT_RESOLVED
#define G05 "指数大幅波动警告(日内涨跌幅>=3%)"

/*
 * What each fixture must give, read off the files: namespace from the
 * namespace (then kubernetes_namespace) label else "default"; alertname, or
 * rulename for DatasourceNoData; the identity with the top-level orgId
 * inherited by alerts without their own. am02 has no status (inferred firing:
 * endsAt is the zero time) and no fingerprint (computed over its labels).
 */
static const struct exp_file fixtures[] = {
    {"grafana/g01_docs_two_firing_no_namespace.json", ALERT_SRC_GRAFANA, 2, 0,
        {{"default", "High memory usage", F, "grafana/1/c6eadffa33fcdf37"},
            {"default", "High CPU usage", F, "grafana/1/bc97ff14869b13e3"}}},
    {"grafana/g02_single_firing_values_valuestring.json", ALERT_SRC_GRAFANA, 1,
        0, {{"default", "WebhookAlert", F, "grafana/1/15c59b0a380bd9f1"}}},
    {"grafana/g03_single_firing_default_payload_per_alert_orgid.json",
        ALERT_SRC_GRAFANA, 1, 0,
        {{"default", "alert1", F, "grafana/1/fac0861a85de433a"}}},
    {"grafana/g04_resolved_truncated_alerts_8.json", ALERT_SRC_GRAFANA, 1, 8,
        {{"default", "Offset above 50us ", R, "grafana/1/97a09e1046098984"}}},
    {"grafana/g05_resolved_8_alerts_values_null.json", ALERT_SRC_GRAFANA, 8, 0,
        {{"default", G05, R, "grafana/1/bb8d3817791f1853"},
            {"default", G05, R, "grafana/1/f9f689ecf815b623"},
            {"default", G05, R, "grafana/1/874d33e77630439d"},
            {"default", G05, R, "grafana/1/ccd833bee9f57035"},
            {"default", G05, R, "grafana/1/773c9f8b75a72ea7"},
            {"default", G05, R, "grafana/1/1760ac489e090bc9"},
            {"default", G05, R, "grafana/1/9e70c96ea4a02dea"},
            {"default", G05, R, "grafana/1/8695f2497325865a"}}},
    {"grafana/g06_constructed_firing_three_namespaces.json", ALERT_SRC_GRAFANA,
        3, 0,
        {{"checkout", "KubePodNotReady", F, "grafana/1/a82e4c1d9b7f3065"},
            {"kube-system", "KubePodNotReady", F, "grafana/1/c4d7e19a2f0b5d38"},
            {"payments", "KubePodNotReady", F, "grafana/1/3f1c9a2b7d4e8a01"}}},
    {"grafana/g07_constructed_mixed_firing_resolved_namespaces.json",
        ALERT_SRC_GRAFANA, 3, 0,
        {{"checkout", "HighErrorRate", F, "grafana/1/2cb03cca12d3dfd6"},
            {"payments", "HighErrorRate", R, "grafana/1/c61bcdfc6fe17cf3"},
            {"payments", "HighErrorRate", F, "grafana/1/9d4b4fc62fe1505d"}}},
    {"grafana/g08_constructed_missing_namespace_nodata.json", ALERT_SRC_GRAFANA,
        2, 0,
        {{"default", "Node disk pressure", F, "grafana/1/583e2e8d8fdc7002"},
            {"data-platform", "PVCAlmostFull", F,
                "grafana/1/7ef3e103df663eb2"}}},
    {"alertmanager/am01_resolved_single_namespace.json", ALERT_SRC_ALERTMANAGER,
        1, 0,
        {{"eric-eo-cm-ci406", "Deployment", R,
            "alertmanager/fbab788ec4c1018b"}}},
    {"alertmanager/am02_firing_single_trimmed_fields.json",
        ALERT_SRC_ALERTMANAGER, 1, 0,
        {{"default", "high_memory_load", F, "alertmanager/b29784719d6a11e6"}}},
    {"alertmanager/am03_firing_two_alerts_no_namespace.json",
        ALERT_SRC_ALERTMANAGER, 2, 0,
        {{"default", "服务异常告警", F, "alertmanager/3407d122c7e8c961"},
            {"default", "服务异常告警", F, "alertmanager/e069919362a06972"}}},
    {"alertmanager/am04_constructed_mixed_three_namespaces.json",
        ALERT_SRC_ALERTMANAGER, 3, 0,
        {{"checkout", "KubePodCrashLooping", F,
             "alertmanager/5a7d3e1c9f0b2846"},
            {"kube-system", "KubePodCrashLooping", R,
                "alertmanager/e9b1c3a5d7f02468"},
            {"payments", "KubePodCrashLooping", F,
                "alertmanager/0c1f5e9a7b3d2468"}}},
};
#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* Returns new: the file's bytes, or NULL (test skipped) without fixtures. */
static char *
fixture_read(const char *rel, size_t *len)
{
	const char *dir = getenv("RELAY_SHARED");
	char path[4096];
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/fixtures/%s", dir, rel);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

/* Returns new: the parsed fixture; skips the test when fixtures are absent. */
static struct alert_batch *
fixture_parse(const char *rel, enum alert_source src)
{
	struct alert_batch *b;
	size_t len = 0;
	char *body;

	if ((body = fixture_read(rel, &len)) == NULL) {
		print_message("RELAY_SHARED unset or %s missing\n", rel);
		skip();
	}
	b = parse_ok(src, body, len, &opts);
	free(body);
	return b;
}

static void
test_fixtures(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFIXTURES; f++) {
		const struct exp_file *e = &fixtures[f];
		struct alert_batch *b = fixture_parse(e->path, e->src);

		print_message("%s\n", e->path);
		assert_int_equal(b->nalerts, e->n);
		assert_int_equal(b->truncated, e->truncated);
		for (size_t i = 0; i < e->n; i++) {
			const struct alert *a = &b->alerts[i];
			char id[128];

			alert_id(e->src, a, id, sizeof(id));
			assert_string_equal(a->namespace, e->a[i].ns);
			assert_string_equal(a->alertname, e->a[i].name);
			assert_int_equal(a->status, e->a[i].st);
			assert_string_equal(id, e->a[i].id);
			/* Sorted, so kvlist_get works. */
			for (size_t k = 1; k < a->labels.n; k++)
				assert_true(strcmp(a->labels.v[k - 1].key,
				                a->labels.v[k].key) < 0);
		}
		alert_batch_free(b);
	}
}

static void
test_fixture_round_trip(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFIXTURES; f++) {
		struct alert_batch *b =
		    fixture_parse(fixtures[f].path, fixtures[f].src);

		assert_round_trip(b, &opts);
		alert_batch_free(b);
	}
}

static void
test_fixture_details(void **state)
{
	struct alert_batch *b;
	const struct alert *a;
	char fp[17];

	(void)state;
	b = fixture_parse(fixtures[0].path, ALERT_SRC_GRAFANA);
	a = &b->alerts[0];
	assert_int_equal(a->starts_at, 1634025063157LL); /* +02:00, .157076 */
	assert_int_equal(a->ends_at, 0);                 /* Go zero time */
	assert_int_equal(a->nvalues, 2);
	assert_string_equal(a->values[0].ref, "B");
	assert_true(a->values[0].v == 44.23943737541908);
	assert_string_equal(a->values[1].ref, "C");
	assert_true(a->values[1].v == 1.0);
	assert_string_equal(a->value_string, ""); /* absent in the docs */
	assert_string_equal(b->group_key, "{}:{}");
	alert_batch_free(b);

	b = fixture_parse(fixtures[1].path, ALERT_SRC_GRAFANA);
	a = &b->alerts[0];
	assert_int_equal(a->starts_at, 1704067200000LL);
	assert_string_equal(a->value_string, "[ var='A' labels={} value=1 ]");
	assert_int_equal(a->nvalues, 1);
	assert_int_equal(a->annotations.n, 0);
	assert_string_equal(
	    kvlist_get(&a->labels, "grafana_folder"), "default");
	alert_batch_free(b);

	b = fixture_parse(fixtures[2].path, ALERT_SRC_GRAFANA);
	a = &b->alerts[0];
	assert_int_equal(a->starts_at, 0);
	assert_true(a->has_org);
	assert_int_equal(a->org_id, 1);
	assert_null(a->values);
	/* The raw '&' and the \u0026 escape both decode to '&'. */
	assert_non_null(strstr(a->silence_url, "grafana&matcher="));
	alert_batch_free(b);

	b = fixture_parse(fixtures[3].path, ALERT_SRC_GRAFANA);
	a = &b->alerts[0];
	assert_int_equal(b->truncated, 8);
	assert_int_equal(a->ends_at, 1730383660007LL);
	assert_string_equal(
	    kvlist_get(&a->labels, "host.name"), "tvs1-ipcchi4");
	assert_string_equal(
	    kvlist_get(&a->labels, "alertname"), "Offset above 50us ");
	alert_batch_free(b);

	b = fixture_parse(fixtures[4].path, ALERT_SRC_GRAFANA);
	for (size_t i = 0; i < b->nalerts; i++) {
		assert_null(b->alerts[i].values);
		assert_int_equal(b->alerts[i].nvalues, 0);
		assert_non_null(strstr(b->alerts[i].value_string, "var='A'"));
		assert_string_equal(kvlist_get(&b->alerts[i].annotations,
		                        "grafana_state_reason"),
		    "Updated");
	}
	alert_batch_free(b);

	b = fixture_parse(fixtures[8].path, ALERT_SRC_ALERTMANAGER);
	assert_string_equal(b->receiver, "web\\.hook");
	assert_false(b->has_org);
	assert_false(b->alerts[0].has_org);
	assert_string_equal(b->alerts[0].generator_url,
	    "/metrics/viewer/graph?g0.expr=kube_deployment_spec_replicas%7B"
	    "namespace%3D%22eric-eo-cm-ci406%22%7D+%21%3D+kube_deployment_"
	    "status_replicas_available%7Bnamespace%3D%22eric-eo-cm-ci406%22"
	    "%7D&g0.tab=1");
	alert_batch_free(b);

	b = fixture_parse(fixtures[9].path, ALERT_SRC_ALERTMANAGER);
	a = &b->alerts[0];
	alert_fingerprint(&a->labels, fp);
	assert_string_equal(a->fingerprint, fp);
	assert_string_equal(a->generator_url, "");
	assert_int_equal(a->starts_at, 1520422401873LL);
	assert_int_equal(b->truncated, 0);
	alert_batch_free(b);

	/* Real Alertmanager fingerprints are alert_fingerprint() of labels. */
	b = fixture_parse(fixtures[10].path, ALERT_SRC_ALERTMANAGER);
	for (size_t i = 0; i < b->nalerts; i++) {
		alert_fingerprint(&b->alerts[i].labels, fp);
		assert_string_equal(b->alerts[i].fingerprint, fp);
	}
	alert_batch_free(b);
}

static void
test_fixture_incidents(void **state)
{
	static char pod[] = "pod", service[] = "service", code[] = "code";
	static char *v_pod[] = {pod}, *v_svc[] = {service}, *v_code[] = {code};
	static const struct strlist by_pod = {v_pod, 1}, by_svc = {v_svc, 1},
	                            by_code = {v_code, 1};
	static const struct {
		size_t fixture;
		const struct strlist *il;
		size_t want;
	} cases[] = {
	    {0, NULL, 2}, /* two alertnames */
	    {4, NULL, 1}, /* eight alerts, one rule, no namespace */
	    {4, &by_code, 8},
	    {5, NULL, 3}, /* three namespaces */
	    {5, &by_pod, 3},
	    {6, NULL, 2}, /* checkout, payments (the resolved one counts) */
	    {6, &by_svc, 3},
	    {7, NULL, 2}, /* NoData by its rulename, PVCAlmostFull */
	    {10, NULL, 1},
	    {11, NULL, 3},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct exp_file *e = &fixtures[cases[i].fixture];
		struct alert_batch *b = fixture_parse(e->path, e->src);

		assert_int_equal(
		    webhook_count_incidents(b, cases[i].il), cases[i].want);
		alert_batch_free(b);
	}
}

/* ---- inline bodies ---- */

static void
test_bad_json(void **state)
{
	(void)state;
	refused("", "invalid JSON: empty body");
	refused(" \r\n\t", "invalid JSON: empty body");
	assert_refused(NULL, 0, "invalid JSON: empty body");
	refused("{",
	    "invalid JSON: string or '}' expected near end of file at "
	    "line 1 column 1");
	refused("{\"alerts\":[],}",
	    "invalid JSON: string or '}' expected "
	    "near '}' at line 1 column 14");
	refused("{\"alerts\":[]} x",
	    "invalid JSON: end of file expected near "
	    "'x' at line 1 column 15");
	refused_prefix("{'alerts':[]}", 13, "invalid JSON: ");
	refused_prefix("{\"alerts\":[]}\0", 14, "invalid JSON: ");
	refused("{\"alerts\":[{\"values\":{\"A\":1e999}}]}",
	    "invalid JSON: real number overflow near '1e999' at line 1 column "
	    "31");
	refused_prefix(
	    "{\"truncatedAlerts\":99999999999999999999,\"alerts\":[]}", 52,
	    "invalid JSON: too big integer");
}

static void
test_bad_shape(void **state)
{
	(void)state;
	refused("[]", "body: must be a JSON object");
	refused("[{\"alerts\":[]}]", "body: must be a JSON object");
	refused("5", "body: must be a JSON object");
	refused("\"x\"", "body: must be a JSON object");
	refused("null", "body: must be a JSON object");
	refused("true", "body: must be a JSON object");
	refused("{}", "alerts: missing (legacy Grafana body?)");
	refused(
	    "{\"ruleName\":\"x\",\"evalMatches\":[],\"state\":\"alerting\"}",
	    "alerts: missing (legacy Grafana body?)");
	refused("{\"alerts\":{}}", "alerts: must be an array");
	refused("{\"alerts\":null}", "alerts: must be an array");
	refused("{\"alerts\":\"[]\"}", "alerts: must be an array");
	refused("{\"alerts\":[{}, 5]}", "alerts[1]: must be an object");
	refused("{\"alerts\":[[]]}", "alerts[0]: must be an object");
}

static void
test_utf8_and_nul(void **state)
{
	struct alert_batch *b;

	(void)state;
	refused("{\"alerts\":[{\"labels\":{\"a\":\"\\u0000\"}}]}",
	    "invalid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near "
	    "'\"\\u0000\"' at line 1 column 34");
	refused_prefix("{\"alerts\":[{\"labels\":{\"a\\u0000b\":\"x\"}}]}", 41,
	    "invalid JSON: NUL byte in object key not supported");
	refused_prefix("{\"alerts\":[],\"receiver\":\"a\\u0000\"}", 33,
	    "invalid JSON: \\u0000 is not allowed");
	/* A raw NUL inside a string. */
	assert_refused("{\"alerts\":[],\"receiver\":\"a\0b\"}", 30,
	    "invalid JSON: control character 0x0 near '\"a' at line 1 column "
	    "26");
	/* Invalid UTF-8: stray byte, overlong, surrogate, truncated, >
	 * U+10FFFF. The reason quotes the input and must itself stay valid
	 * UTF-8. */
	refused_prefix("{\"alerts\":[{\"labels\":{\"a\":\"\xff\"}}]}", 33,
	    "invalid JSON: unable to decode byte 0xff");
	refused_prefix("{\"alerts\":[{\"labels\":{\"a\":\"x\xc0\xaf\"}}]}", 35,
	    "invalid JSON: unable to decode byte 0xc0");
	refused_prefix("{\"alerts\":[{\"labels\":{\"a\":\"\xed\xa0\x80\"}}]}",
	    35, "invalid JSON: ");
	refused_prefix("{\"alerts\":[{\"labels\":{\"a\":\"\xe6\x97\"}}]}", 34,
	    "invalid JSON: ");
	refused_prefix(
	    "{\"alerts\":[{\"labels\":{\"a\":\"\xf4\x90\x80\x80\"}}]}", 36,
	    "invalid JSON: ");
	refused_prefix("{\"alerts\":[{\"labels\":{\"\xff\":\"a\"}}]}", 33,
	    "invalid JSON: ");
	/* A lone escaped surrogate is refused; a pair is one character. */
	refused_prefix("{\"alerts\":[{\"labels\":{\"a\":\"\\ud83d\"}}]}", 38,
	    "invalid JSON: ");
	b = parse_str("{\"alerts\":[{\"labels\":{\"a\":\"\\ud83d\\ude00\"}}]}");
	assert_string_equal(
	    kvlist_get(&b->alerts[0].labels, "a"), "\xf0\x9f\x98\x80");
	alert_batch_free(b);
}

/* Returns new: pre, n opening brackets, n closing ones, post. */
static char *
nest(const char *pre, size_t n, const char *post)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, pre);
	for (size_t i = 0; i < n; i++)
		buf_addc(&b, '[');
	for (size_t i = 0; i < n; i++)
		buf_addc(&b, ']');
	buf_adds(&b, post);
	return buf_steal(&b);
}

static void
test_nesting(void **state)
{
	struct alert_batch *b;
	struct buf o = BUF_INIT;
	char *s;

	(void)state;
	s = nest("", 10000, "");
	refused(s, "invalid JSON: nested deeper than 32 levels");
	free(s);
	s = nest("{\"alerts\":[{\"enrichments\":", 10000, "}]}");
	refused(s, "invalid JSON: nested deeper than 32 levels");
	free(s);
	/* Unbalanced: only openers. */
	for (size_t i = 0; i < 10000; i++)
		buf_adds(&o, "{\"a\":");
	refused(buf_str(&o), "invalid JSON: nested deeper than 32 levels");
	buf_free(&o);

	/* The body object counts as level 1: 31 more are fine, 32 not. */
	s = nest("{\"alerts\":[],\"x\":", 31, "}");
	b = parse_str(s);
	alert_batch_free(b);
	free(s);
	s = nest("{\"alerts\":[],\"x\":", 32, "}");
	refused(s, "invalid JSON: nested deeper than 32 levels");
	free(s);

	/* Brackets in strings are data, escaped quotes do not end them. */
	buf_adds(&o, "{\"alerts\":[{\"labels\":{\"a\":\"\\\\\\\"");
	for (size_t i = 0; i < 10000; i++)
		buf_adds(&o, "[{");
	buf_adds(&o, "\\\\\"}}],\"\\\"[[\":\"[[[\\\\\"}");
	b = parse_str(buf_str(&o));
	assert_int_equal(b->nalerts, 1);
	assert_int_equal(
	    strlen(kvlist_get(&b->alerts[0].labels, "a")), 2 + 20000 + 1);
	alert_batch_free(b);
	buf_free(&o);
}

static void
test_wrong_types(void **state)
{
	(void)state;
	refused("{\"orgId\":\"1\",\"alerts\":[]}", "orgId: must be an integer");
	refused("{\"orgId\":1.5,\"alerts\":[]}", "orgId: must be an integer");
	refused("{\"truncatedAlerts\":-1,\"alerts\":[]}",
	    "truncatedAlerts: must be a non-negative integer");
	refused("{\"truncatedAlerts\":\"3\",\"alerts\":[]}",
	    "truncatedAlerts: must be a non-negative integer");
	refused("{\"truncatedAlerts\":1.0,\"alerts\":[]}",
	    "truncatedAlerts: must be a non-negative integer");
	refused("{\"groupKey\":5,\"alerts\":[]}", "groupKey: must be a string");
	refused(
	    "{\"receiver\":[],\"alerts\":[]}", "receiver: must be a string");
	refused("{\"externalURL\":{},\"alerts\":[]}",
	    "externalURL: must be a string");
	refused("{\"version\":4,\"alerts\":[]}", "version: must be a string");
	refused("{\"status\":true,\"alerts\":[]}", "status: must be a string");

	refused("{\"alerts\":[{\"labels\":{\"a\":5}}]}",
	    "alerts[0].labels.a: must be a string");
	refused("{\"alerts\":[{},{},{},{\"labels\":{\"namespace\":null}}]}",
	    "alerts[3].labels.namespace: must be a string");
	refused("{\"alerts\":[{\"labels\":[]}]}",
	    "alerts[0].labels: must be an object");
	refused("{\"alerts\":[{\"labels\":\"a=b\"}]}",
	    "alerts[0].labels: must be an object");
	refused("{\"alerts\":[{\"annotations\":{\"s\":{}}}]}",
	    "alerts[0].annotations.s: must be a string");
	refused("{\"alerts\":[{\"values\":{\"A\":\"1\"}}]}",
	    "alerts[0].values.A: must be a number");
	refused("{\"alerts\":[{\"values\":{\"A\":true}}]}",
	    "alerts[0].values.A: must be a number");
	refused("{\"alerts\":[{\"values\":[1]}]}",
	    "alerts[0].values: must be an object or null");
	refused("{\"alerts\":[{\"values\":\"A=1\"}]}",
	    "alerts[0].values: must be an object or null");
	refused("{\"alerts\":[{\"startsAt\":1700000000}]}",
	    "alerts[0].startsAt: must be a string");
	refused("{\"alerts\":[{\"status\":1}]}",
	    "alerts[0].status: must be a string");
	refused("{\"alerts\":[{\"status\":\"pending\"}]}",
	    "alerts[0].status: must be \"firing\" or \"resolved\"");
	refused("{\"alerts\":[{\"status\":\"FIRING\"}]}",
	    "alerts[0].status: must be \"firing\" or \"resolved\"");
	refused("{\"alerts\":[{\"fingerprint\":123}]}",
	    "alerts[0].fingerprint: must be a string");
	refused("{\"alerts\":[{\"fingerprint\":\"abc-def\"}]}",
	    "alerts[0].fingerprint: must be 1-64 letters or digits");
	refused("{\"alerts\":[{\"fingerprint\":\"../../etc\"}]}",
	    "alerts[0].fingerprint: must be 1-64 letters or digits");
	refused("{\"alerts\":[{\"orgId\":\"1\"}]}",
	    "alerts[0].orgId: must be an integer");
	refused("{\"alerts\":[{\"generatorURL\":5}]}",
	    "alerts[0].generatorURL: must be a string");
	refused("{\"alerts\":[{\"valueString\":[]}]}",
	    "alerts[0].valueString: must be a string");
	refused("{\"alerts\":[{\"imageURL\":false}]}",
	    "alerts[0].imageURL: must be a string");
}

static void
test_tolerated(void **state)
{
	struct alert_batch *b;
	const struct alert *a;

	(void)state;
	/* Nulls read as absent; unknown fields of any shape are ignored. */
	b = parse_str("{\"alerts\":[{\"labels\":null,\"annotations\":null,"
	              "\"values\":{\"A\":null},\"startsAt\":null,"
	              "\"fingerprint\":\"\",\"enrichments\":{\"x\":[1,{}]},"
	              "\"ruleUID\":\"u\"}],\"groupKey\":null,\"orgId\":null,"
	              "\"title\":5,\"message\":[],\"notification_reason\":"
	              "\"unknown\",\"routeLabels\":{},\"appVersion\":\"12\"}");
	a = &b->alerts[0];
	assert_int_equal(a->labels.n, 0);
	assert_null(a->values);
	assert_string_equal(a->namespace, "default");
	assert_string_equal(a->alertname, "unknown");
	assert_string_equal(a->fingerprint, "cbf29ce484222325"); /* FNV basis */
	assert_false(b->has_org);
	assert_string_equal(b->group_key, "");
	assert_string_equal(b->receiver, "");
	alert_batch_free(b);

	b = parse_str("{\"alerts\":[]}");
	assert_int_equal(b->nalerts, 0);
	assert_int_equal(webhook_count_incidents(b, NULL), 0);
	alert_batch_free(b);

	/* Fingerprints keep their case; 64 characters is the bound. */
	b = parse_str("{\"alerts\":[{\"fingerprint\":\"AbC\"},{\"fingerprint\":"
	              "\"0123456789012345678901234567890123456789012345678901"
	              "234567890123\"}]}");
	assert_string_equal(b->alerts[0].fingerprint, "AbC");
	alert_batch_free(b);
	refused("{\"alerts\":[{\"fingerprint\":\"012345678901234567890123456789"
	        "01234567890123456789012345678901234\"}]}",
	    "alerts[0].fingerprint: must be 1-64 letters or digits");
}

static void
test_limits(void **state)
{
	struct alert_batch *b;
	struct buf o = BUF_INIT;

	(void)state;
	/* 1024 labels fine, 1025 not. */
	buf_adds(&o, "{\"alerts\":[{\"labels\":{");
	for (int i = 0; i < LIMIT_LABELS_PER_ALERT; i++)
		buf_printf(&o, "%s\"l%d\":\"v\"", i ? "," : "", i);
	buf_adds(&o, "}}]}");
	b = parse_str(buf_str(&o));
	assert_int_equal(b->alerts[0].labels.n, LIMIT_LABELS_PER_ALERT);
	assert_string_equal(kvlist_get(&b->alerts[0].labels, "l999"), "v");
	alert_batch_free(b);
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"labels\":{");
	for (int i = 0; i <= LIMIT_LABELS_PER_ALERT; i++)
		buf_printf(&o, "%s\"l%d\":\"v\"", i ? "," : "", i);
	buf_adds(&o, "}}]}");
	refused(buf_str(&o), "alerts[0].labels: more than 1024 labels");
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"annotations\":{");
	for (int i = 0; i <= LIMIT_LABELS_PER_ALERT; i++)
		buf_printf(&o, "%s\"a%d\":\"v\"", i ? "," : "", i);
	buf_adds(&o, "}}]}");
	refused(
	    buf_str(&o), "alerts[0].annotations: more than 1024 annotations");

	/* Label names: empty, 1024 bytes fine, 1025 not (quoted cut to 64). */
	refused("{\"alerts\":[{\"labels\":{\"\":\"x\"}}]}",
	    "alerts[0].labels: empty name");
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"labels\":{\"");
	for (int i = 0; i < LIMIT_LABEL_NAME; i++)
		buf_addc(&o, 'n');
	buf_adds(&o, "\":\"x\"}}]}");
	b = parse_str(buf_str(&o));
	alert_batch_free(b);
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"labels\":{\"");
	for (int i = 0; i <= LIMIT_LABEL_NAME; i++)
		buf_addc(&o, 'n');
	buf_adds(&o, "\":\"x\"}}]}");
	refused(buf_str(&o),
	    "alerts[0].labels.nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
	    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn: name longer "
	    "than 1024 bytes");

	/* Values: 1 MiB fine, 10 MiB refused by the limit. */
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"labels\":{\"x\":\"");
	buf_reserve(&o, LIMIT_LABEL_VALUE);
	memset(o.data + o.len, 'v', LIMIT_LABEL_VALUE);
	o.len += LIMIT_LABEL_VALUE;
	buf_adds(&o, "\"}}]}");
	b = parse_str(buf_str(&o));
	assert_int_equal(
	    strlen(kvlist_get(&b->alerts[0].labels, "x")), LIMIT_LABEL_VALUE);
	alert_batch_free(b);
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"labels\":{\"x\":\"");
	buf_reserve(&o, 10u << 20);
	memset(o.data + o.len, 'v', 10u << 20);
	o.len += 10u << 20;
	buf_adds(&o, "\"}}]}");
	refused(
	    buf_str(&o), "alerts[0].labels.x: value longer than 1048576 bytes");

	/* values: 256 entries fine, 257 not. */
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"values\":{");
	for (int i = 0; i <= LIMIT_VALUES_PER_ALERT; i++)
		buf_printf(&o, "%s\"R%d\":%d", i ? "," : "", i, i);
	buf_adds(&o, "}}]}");
	refused(buf_str(&o), "alerts[0].values: more than 256 entries");

	/* URLs over LIMIT_URL are dropped, not refused; 3000 bytes kept. */
	buf_reset(&o);
	buf_adds(&o, "{\"externalURL\":\"https://");
	for (int i = 0; i < LIMIT_URL; i++)
		buf_addc(&o, 'u');
	buf_adds(&o, "\",\"alerts\":[{\"generatorURL\":\"https://");
	for (int i = 8; i < LIMIT_URL; i++)
		buf_addc(&o, 'u');
	buf_adds(&o, "\",\"silenceURL\":\"https://");
	for (int i = 8; i <= LIMIT_URL; i++)
		buf_addc(&o, 'u');
	buf_adds(&o, "\"}]}");
	b = parse_str(buf_str(&o));
	assert_string_equal(b->external_url, "");
	assert_int_equal(strlen(b->alerts[0].generator_url), LIMIT_URL);
	assert_string_equal(b->alerts[0].silence_url, "");
	alert_batch_free(b);

	/* groupKey is a storage key: refused past its bound. */
	buf_reset(&o);
	buf_adds(&o, "{\"groupKey\":\"");
	for (int i = 0; i <= LIMIT_GROUP_KEY; i++)
		buf_addc(&o, 'k');
	buf_adds(&o, "\",\"alerts\":[]}");
	refused(buf_str(&o), "groupKey: longer than 8192 bytes");

	/* valueString is display-only: cut on a UTF-8 boundary. */
	buf_reset(&o);
	buf_adds(&o, "{\"alerts\":[{\"valueString\":\"x");
	for (size_t i = 0; i < LIMIT_LABEL_VALUE / 3 + 10; i++)
		buf_adds(&o, "\xe2\x82\xac");
	buf_adds(&o, "\"}]}");
	b = parse_str(buf_str(&o));
	assert_true(strlen(b->alerts[0].value_string) <= LIMIT_LABEL_VALUE);
	assert_true(strlen(b->alerts[0].value_string) > LIMIT_LABEL_VALUE - 3);
	assert_true(util_utf8_valid(
	    b->alerts[0].value_string, strlen(b->alerts[0].value_string)));
	assert_round_trip(b, &opts);
	alert_batch_free(b);
	buf_free(&o);
}

static void
test_many_alerts(void **state)
{
	struct webhook_opts o = opts;
	struct alert_batch *b;
	struct buf body = BUF_INIT;

	(void)state;
	buf_adds(&body, "{\"truncatedAlerts\":5,\"alerts\":[");
	for (int i = 0; i < 100000; i++)
		buf_printf(&body,
		    "%s{\"labels\":{\"alertname\":\"A\",\"namespace\":\"n%d\","
		    "\"i\":\"%d\"},\"startsAt\":\"2024-01-01T00:00:00Z\"}",
		    i ? "," : "", i % 7, i);
	buf_adds(&body, "]}");

	b = parse_ok(ALERT_SRC_GRAFANA, body.data, body.len, &o);
	assert_int_equal(b->nalerts, 10000);
	assert_int_equal(b->truncated, 5 + 90000);
	assert_string_equal(kvlist_get(&b->alerts[9999].labels, "i"), "9999");
	assert_int_equal(webhook_count_incidents(b, NULL), 7);
	assert_round_trip(b, &o);
	alert_batch_free(b);

	/* max_alerts 0 means the default bound, not "none". */
	o.max_alerts = 0;
	b = parse_ok(ALERT_SRC_GRAFANA, body.data, body.len, &o);
	assert_int_equal(b->nalerts, LIMIT_MAX_ALERTS_DEFAULT);
	alert_batch_free(b);

	o.max_alerts = 100000;
	b = parse_ok(ALERT_SRC_GRAFANA, body.data, body.len, &o);
	assert_int_equal(b->nalerts, 100000);
	assert_int_equal(b->truncated, 5);
	alert_batch_free(b);

	/* Alerts past the bound are not even looked at. */
	o.max_alerts = 1;
	b = parse_ok(
	    ALERT_SRC_GRAFANA, "{\"alerts\":[{}, 5, \"junk\"]}", 26, &o);
	assert_int_equal(b->nalerts, 1);
	assert_int_equal(b->truncated, 2);
	alert_batch_free(b);
	buf_free(&body);
}

static void
test_truncated_saturates(void **state)
{
	struct webhook_opts o = opts;
	struct alert_batch *b;

	(void)state;
	o.max_alerts = 1;
	b = parse_ok(ALERT_SRC_GRAFANA,
	    "{\"truncatedAlerts\":9223372036854775807,\"alerts\":[{},{}]}", 56,
	    &o);
	assert_int_equal(b->truncated, INT64_MAX);
	assert_round_trip(b, &o);
	alert_batch_free(b);
}

/* Parses {"alerts":[{}, {}, {"startsAt": t}]}; returns -1 on refusal. */
static int
parse_time_at(const char *t, int64_t *ms)
{
	struct alert_batch *b;
	char body[256];
	int n;

	n = snprintf(body, sizeof(body),
	    "{\"alerts\":[{},{},{\"startsAt\":\"%s\"}]}", t);
	b = webhook_parse(
	    ALERT_SRC_GRAFANA, body, (size_t)n, &opts, errbuf, sizeof(errbuf));
	if (b == NULL)
		return -1;
	*ms = b->alerts[2].starts_at;
	alert_batch_free(b);
	return 0;
}

static void
test_timestamps(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} good[] = {
	    {"2024-01-01T00:00:00Z", 1704067200000LL},
	    {"2024-01-01T00:00:00z", 1704067200000LL},
	    {"2024-01-01t00:00:00Z", 1704067200000LL},
	    {"2024-01-01T02:00:00+02:00", 1704067200000LL},
	    {"2023-12-31T22:00:00-02:00", 1704067200000LL},
	    {"2024-01-01T00:00:00+00:00", 1704067200000LL},
	    {"2024-01-01T00:00:00-00:00", 1704067200000LL},
	    {"2024-01-01T05:30:00+05:30", 1704067200000LL},
	    {"2024-01-01T00:00:00.1Z", 1704067200100LL},
	    {"2024-01-01T00:00:00.12Z", 1704067200120LL},
	    {"2024-01-01T00:00:00.123Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.1234Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.12345Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.123456Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.1234567Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.12345678Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.123456789Z", 1704067200123LL},
	    {"2024-01-01T00:00:00.000000000Z", 1704067200000LL},
	    {"2021-10-12T09:51:03.157076+02:00", 1634025063157LL},
	    {"2018-03-07T06:33:21.873077559-05:00", 1520422401873LL},
	    {"2016-12-31T23:59:60Z", 1483228799000LL}, /* leap second */
	    {"2024-02-29T12:00:00Z", 1709208000000LL},
	    {"0001-01-01T00:00:00Z", 0},
	    {"1969-12-31T23:59:59Z", 0},
	    {"9999-12-31T23:59:59.999Z", 253402300799999LL},
	};
	static const char *const bad[] = {
	    "2024-13-01T00:00:00Z",
	    "2024-00-01T00:00:00Z",
	    "2023-02-29T00:00:00Z",
	    "2024-04-31T00:00:00Z",
	    "2024-01-01T24:00:00Z",
	    "2024-01-01T00:60:00Z",
	    "2024-01-01T00:00:61Z",
	    "yesterday",
	    "2024-01-01",
	    "2024-01-01T00:00:00",
	    "2024-01-01T00:00:00Zjunk",
	    "2024-01-01T00:00:00Z ",
	    " 2024-01-01T00:00:00Z",
	    "2024-01-01T00:00:00.Z",
	    "2024-01-01T00:00:00.1234567890Z",
	    "2024-01-01T00:00:00+2:00",
	    "2024-01-01T00:00:00+0200",
	    "2024-01-01T00:00:00+24:00",
	    "2024-1-01T00:00:00Z",
	    "1704067200",
	    "",
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse_time_at(good[i].s, &ms) == -1)
			fail_msg("%s refused: %s", good[i].s, errbuf);
		if (ms != good[i].ms)
			fail_msg("%s: %lld, wanted %lld", good[i].s,
			    (long long)ms, (long long)good[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_time_at(bad[i], &ms) == 0)
			fail_msg("%s accepted as %lld", bad[i], (long long)ms);
		assert_string_equal(
		    errbuf, "alerts[2].startsAt: not an RFC 3339 time");
	}
	/* Past year 9999 in UTC: could not be written back. */
	assert_int_equal(parse_time_at("9999-12-31T23:59:59-23:59", &ms), -1);
	assert_string_equal(errbuf, "alerts[2].startsAt: after year 9999");
	refused("{\"alerts\":[{\"endsAt\":\"never\"}]}",
	    "alerts[0].endsAt: not an RFC 3339 time");
}

static void
test_status_inference(void **state)
{
	struct alert_batch *b;

	(void)state;
	b = parse_str(
	    "{\"alerts\":["
	    "{\"endsAt\":\"2024-01-01T00:00:00Z\"}," /* past: resolved */
	    "{\"endsAt\":\"2099-01-01T00:00:00Z\"}," /* future: firing */
	    "{\"endsAt\":\"0001-01-01T00:00:00Z\"}," /* zero: firing */
	    "{},"                                    /* none: firing */
	    "{\"endsAt\":\"2030-01-01T00:00:00Z\"}," /* == now: resolved */
	    "{\"status\":\"firing\",\"endsAt\":\"2024-01-01T00:00:00Z\"},"
	    "{\"status\":\"resolved\"}]}");
	assert_int_equal(b->alerts[0].status, ALERT_RESOLVED);
	assert_int_equal(b->alerts[1].status, ALERT_FIRING);
	assert_int_equal(b->alerts[2].status, ALERT_FIRING);
	assert_int_equal(b->alerts[3].status, ALERT_FIRING);
	assert_int_equal(b->alerts[4].status, ALERT_RESOLVED);
	assert_int_equal(b->alerts[5].status, ALERT_FIRING);
	assert_int_equal(b->alerts[6].status, ALERT_RESOLVED);
	assert_int_equal(b->alerts[6].ends_at, 0);
	assert_round_trip(b, &opts);
	alert_batch_free(b);
}

static void
test_namespace_alertname_org(void **state)
{
	struct webhook_opts o = opts;
	struct alert_batch *b;
	char id[128];

	(void)state;
	b = parse_str(
	    "{\"orgId\":7,\"alerts\":["
	    "{\"labels\":{\"namespace\":\"a\",\"kubernetes_namespace\":\"b\"}},"
	    "{\"labels\":{\"namespace\":\"\",\"kubernetes_namespace\":\"b\"}},"
	    "{\"labels\":{\"kubernetes_namespace\":\"b\"}},"
	    "{\"labels\":{\"namespace\":\"\"},\"orgId\":3},"
	    "{\"labels\":{\"alertname\":\"DatasourceError\",\"rulename\":\"R\"}"
	    ","
	    "\"fingerprint\":\"ab\"},"
	    "{\"labels\":{\"alertname\":\"DatasourceNoData\"}},"
	    "{\"labels\":{\"alertname\":\"DatasourceNoData\",\"rulename\":\"\"}"
	    "},"
	    "{\"labels\":{\"alertname\":\"\"}},"
	    "{\"labels\":{\"alertname\":\"X\",\"rulename\":\"R\"}}]}");
	assert_string_equal(b->alerts[0].namespace, "a");
	assert_string_equal(b->alerts[1].namespace, "b");
	assert_string_equal(b->alerts[2].namespace, "b");
	assert_string_equal(b->alerts[3].namespace, "default");
	assert_string_equal(b->alerts[4].alertname, "R");
	assert_string_equal(b->alerts[5].alertname, "DatasourceNoData");
	assert_string_equal(b->alerts[6].alertname, "DatasourceNoData");
	assert_string_equal(b->alerts[7].alertname, "unknown");
	assert_string_equal(b->alerts[8].alertname, "X");
	/* Per-alert orgId wins over the top-level one. */
	assert_int_equal(b->alerts[0].org_id, 7);
	assert_int_equal(b->alerts[3].org_id, 3);
	alert_id(ALERT_SRC_GRAFANA, &b->alerts[4], id, sizeof(id));
	assert_string_equal(id, "grafana/7/ab");
	assert_round_trip(b, &opts);
	alert_batch_free(b);

	/* No namespace labels configured, no default: "" rather than NULL. */
	o.namespace_labels = NULL;
	o.default_namespace = NULL;
	b = parse_ok(ALERT_SRC_ALERTMANAGER,
	    "{\"alerts\":[{\"labels\":{\"namespace\":\"a\"},\"orgId\":2}]}",
	    strlen("{\"alerts\":[{\"labels\":{\"namespace\":\"a\"},\"orgId\":2}"
	           "]}"),
	    &o);
	assert_string_equal(b->alerts[0].namespace, "");
	assert_false(b->has_org);
	assert_true(b->alerts[0].has_org);
	alert_batch_free(b);

	/* NULL opts and NULL err are tolerated. */
	b = webhook_parse(
	    ALERT_SRC_GRAFANA, "{\"alerts\":[{}]}", 15, NULL, NULL, 0);
	assert_non_null(b);
	assert_string_equal(b->alerts[0].namespace, "");
	alert_batch_free(b);
	assert_null(webhook_parse(ALERT_SRC_GRAFANA, "{", 1, NULL, NULL, 0));
}

static void
test_values(void **state)
{
	struct alert_batch *b;
	const struct alert *a;

	(void)state;
	b = parse_str(
	    "{\"alerts\":[{\"values\":{\"A\":1e+06,\"B\":0.1,\"C\":-0,"
	    "\"D\":5e-324,\"E\":1.7976931348623157e308,"
	    "\"F\":9007199254740993,\"G\":-3,\"H\":null,"
	    "\"I\":0.016666666666666666,\"J\":1E-7}},"
	    "{\"values\":{\"A\":null}},{\"values\":{}}]}");
	a = &b->alerts[0];
	assert_int_equal(a->nvalues, 9);
	assert_string_equal(a->values[0].ref, "A");
	assert_true(a->values[0].v == 1e6);
	assert_true(a->values[1].v == 0.1);
	assert_true(a->values[2].v == 0.0);
	assert_true(a->values[3].v == 5e-324);
	assert_true(a->values[4].v == 1.7976931348623157e308);
	assert_true(a->values[5].v == 9007199254740992.0);
	assert_true(a->values[6].v == -3.0);
	assert_string_equal(a->values[7].ref, "I");
	assert_true(a->values[7].v == 0.016666666666666666);
	assert_true(a->values[8].v == 1e-7);
	assert_null(b->alerts[1].values);
	assert_null(b->alerts[2].values);
	assert_round_trip(b, &opts);
	alert_batch_free(b);
}

static void
test_serialize(void **state)
{
	struct alert_batch *b;
	char *s;

	(void)state;
	b = parse_str("{\"alerts\":[{\"labels\":{\"b\":\"2\",\"a\":\"1\"},"
	              "\"fingerprint\":\"abc\",\"status\":\"resolved\"}]}");
	s = webhook_serialize(b);
	assert_string_equal(s,
	    "{\"version\":\"1\",\"groupKey\":\"\",\"receiver\":\"\","
	    "\"status\":\"resolved\",\"externalURL\":\"\","
	    "\"truncatedAlerts\":0,\"alerts\":[{\"status\":\"resolved\","
	    "\"labels\":{\"a\":\"1\",\"b\":\"2\"},\"annotations\":{},"
	    "\"startsAt\":\"0001-01-01T00:00:00Z\","
	    "\"endsAt\":\"0001-01-01T00:00:00Z\",\"fingerprint\":\"abc\","
	    "\"values\":null,\"valueString\":\"\",\"generatorURL\":\"\","
	    "\"silenceURL\":\"\",\"dashboardURL\":\"\",\"panelURL\":\"\","
	    "\"imageURL\":\"\"}]}");
	free(s);
	alert_batch_free(b);

	b = parse_str("{\"orgId\":1,\"groupKey\":\"{}:{a=\\\"\\u00e9\\\"}\","
	              "\"alerts\":[{\"orgId\":2,\"values\":{\"A\":1.5},"
	              "\"startsAt\":\"2024-01-01T00:00:00.5+01:00\","
	              "\"endsAt\":\"2024-01-01T00:00:01Z\","
	              "\"annotations\":{\"d\":\"<&>\\u2028\"}}]}");
	s = webhook_serialize(b);
	assert_non_null(strstr(s, "\"groupKey\":\"{}:{a=\\\"\xc3\xa9\\\"}\""));
	assert_non_null(strstr(s, "\"orgId\":1,\"alerts\""));
	assert_non_null(strstr(s,
	    "\"startsAt\":\"2023-12-31T23:00:00.500Z\","
	    "\"endsAt\":\"2024-01-01T00:00:01Z\""));
	assert_non_null(strstr(s, "\"orgId\":2,\"values\":{\"A\":1.5}"));
	free(s);
	assert_round_trip(b, &opts);
	alert_batch_free(b);

	/* Every control character, quotes and backslashes survive. */
	{
		struct buf o = BUF_INIT;

		buf_adds(&o,
		    "{\"receiver\":\"a\\\\.b\",\"alerts\":[{\"labels\":{"
		    "\"k\\\"\\\\\\n\":\"");
		for (int c = 1; c < 0x20; c++)
			buf_printf(&o, "\\u%04x", c);
		buf_adds(&o,
		    "\\u007f\\\"\\\\/\\/ \\ud83d\\ude00 \xe6\x97\xa5\"}}]}");
		b = parse_str(buf_str(&o));
		assert_int_equal(
		    strlen(kvlist_get(&b->alerts[0].labels, "k\"\\\n")),
		    31 + 1 + 2 + 2 + 1 + 4 + 1 + 3);
		assert_round_trip(b, &opts);
		alert_batch_free(b);
		buf_free(&o);
	}
}

static void
test_error_text(void **state)
{
	struct buf o = BUF_INIT;
	struct alert_batch *b;
	char small[24];

	(void)state;
	/* A long non-ASCII name is cut to 64 bytes, on a character boundary. */
	buf_adds(&o, "{\"alerts\":[{\"labels\":{\"");
	for (int i = 0; i < 30; i++)
		buf_adds(&o, "\xe6\x97\xa5");
	buf_adds(&o, "\":5}}]}");
	b = webhook_parse(
	    ALERT_SRC_GRAFANA, o.data, o.len, &opts, errbuf, sizeof(errbuf));
	assert_null(b);
	assert_int_equal(strlen(errbuf),
	    strlen("alerts[0].labels.") + 63 + strlen(": must be a string"));
	assert_true(util_utf8_valid(errbuf, strlen(errbuf)));
	/* A small err buffer: cut, still valid UTF-8, still terminated. */
	b = webhook_parse(
	    ALERT_SRC_GRAFANA, o.data, o.len, &opts, small, sizeof(small));
	assert_null(b);
	assert_true(strlen(small) <= sizeof(small) - 1);
	assert_true(strlen(small) >= sizeof(small) - 3);
	assert_true(util_utf8_valid(small, strlen(small)));
	assert_memory_equal(
	    small, "alerts[0].labels.\xe6\x97\xa5\xe6\x97\xa5", strlen(small));
	buf_free(&o);
}

static void
test_count_incidents(void **state)
{
	static char pod[] = "pod", zone[] = "zone";
	static char *v[] = {pod, zone};
	const struct strlist il = {v, 2};
	struct alert_batch *b;

	(void)state;
	b = parse_str(
	    "{\"alerts\":["
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"x\"}},"
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"x\",\"c\":\"1\"}}"
	    ","
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"x\",\"pod\":\"\"}"
	    "},"
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"x\",\"pod\":"
	    "\"p\"}},"
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"x\",\"zone\":"
	    "\"p\"}},"
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"x\",\"pod\":"
	    "\"p\","
	    "\"zone\":\"z\"}},"
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"y\"}},"
	    "{\"labels\":{\"alertname\":\"Ax\",\"namespace\":\"\"}},"
	    "{\"labels\":{\"alertname\":\"A\",\"namespace\":\"xdefault\"}},"
	    "{\"labels\":{\"alertname\":\"DatasourceNoData\",\"rulename\":"
	    "\"A\","
	    "\"namespace\":\"y\"}}]}");
	/* (x,A) (y,A) (default,Ax) (xdefault,A): NoData counts as rule A. */
	assert_int_equal(webhook_count_incidents(b, NULL), 4);
	/* x splits: none, pod="", pod=p, zone=p, pod=p+zone=z. */
	assert_int_equal(webhook_count_incidents(b, &il), 8);
	alert_batch_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_fixture_round_trip),
	    cmocka_unit_test(test_fixture_details),
	    cmocka_unit_test(test_fixture_incidents),
	    cmocka_unit_test(test_bad_json),
	    cmocka_unit_test(test_bad_shape),
	    cmocka_unit_test(test_utf8_and_nul),
	    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_tolerated),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_many_alerts),
	    cmocka_unit_test(test_truncated_saturates),
	    cmocka_unit_test(test_timestamps),
	    cmocka_unit_test(test_status_inference),
	    cmocka_unit_test(test_namespace_alertname_org),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_serialize),
	    cmocka_unit_test(test_error_text),
	    cmocka_unit_test(test_count_incidents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
