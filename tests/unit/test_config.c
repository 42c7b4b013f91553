/*
 * test_config.c: the YAML configuration loader against SPEC section 3.
 * Most cases go through config_load_buffer (no files); the file-based ones
 * (paths, $ALERT_DELIVERY_CONFIG, size limit) write under a mkdtemp folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "limits.h"

#define NAME "/etc/ad/c.yaml"
/* relay/limits.h shadows <limits.h> under -Irelay, so no PATH_MAX here. */
#define PATHLEN 4096

static struct config *
load(const char *yaml, char *err, size_t errlen)
{
	err[0] = '\0';
	return config_load_buffer(yaml, strlen(yaml), NAME, err, errlen);
}

static void
assert_list(const struct strlist *l, const char *const *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

/* Every default of SPEC section 3, with paths under dir. */
static void
assert_defaults(const struct config *c, const char *dir)
{
	static const char *const hosts[] = {"hooks.slack.com", "slack.com"};
	static const char *const ns[] = {
	    "namespace", "kubernetes_namespace", "exported_namespace"};
	static const char *const inc[] = {"cluster"};
	static const char *const hidden[] = {
	    "__name__", "grafana_folder", "__alert_rule_uid__"};
	static const char *const refs[] = {"B", "A"};
	char want[PATHLEN];

	assert_string_equal(c->listen, "127.0.0.1:9095");
	assert_string_equal(c->listen_host, "127.0.0.1");
	assert_int_equal(c->listen_port, 9095);
	assert_string_equal(c->public_url, "http://127.0.0.1:9095");
	snprintf(want, sizeof(want), "%s/var/alert-delivery.db", dir);
	assert_string_equal(c->database, want);
	assert_string_equal(c->templates, "");
	snprintf(want, sizeof(want), "%s/rules", dir);
	assert_string_equal(c->rules, want);
	assert_string_equal(c->auth.webhook_token, "");
	assert_string_equal(c->auth.webhook_hmac_secret, "");
	assert_string_equal(
	    c->auth.webhook_hmac_header, "X-Grafana-Alerting-Signature");
	assert_string_equal(c->auth.webhook_hmac_timestamp_header, "");
	assert_string_equal(c->auth.admin_token, "");
	assert_true(c->limits.max_body == 32u * 1024 * 1024);
	assert_int_equal(c->limits.max_alerts, 10000);
	assert_string_equal(c->slack.api_url, "https://slack.com/api");
	assert_string_equal(c->slack.bot_token, "");
	assert_string_equal(c->slack.webhook_url, "");
	assert_string_equal(c->slack.signing_secret, "");
	assert_int_equal(c->slack.allowed_team_ids.n, 0);
	assert_list(&c->slack.response_url_hosts, hosts, 2);
	assert_string_equal(c->slack.default_channel, "#alerts");
	assert_string_equal(c->slack.digest_channel, "#alerts-digest");
	assert_string_equal(c->slack.fallback_mention, "");
	assert_true(c->slack.rate_per_channel == 1.0);
	assert_true(c->slack.rate_workspace == 5.0);
	assert_true(c->slack.rate_update == 0.8);
	assert_int_equal(c->slack.update_debounce, 30000);
	assert_int_equal(c->slack.timeout, 10000);
	assert_int_equal(c->slack.retry_base, 1000);
	assert_int_equal(c->slack.retry_max, 300000);
	assert_int_equal(c->slack.give_up_after, 86400000);
	assert_string_equal(c->catalog.file, "");
	assert_string_equal(c->catalog.url, "");
	assert_int_equal(c->catalog.ttl, 600000);
	assert_int_equal(c->catalog.timeout, 2000);
	assert_string_equal(c->links.project, "");
	assert_string_equal(c->links.dashboard, "");
	assert_string_equal(c->links.logs, "");
	assert_list(&c->grouping.namespace_labels, ns, 3);
	assert_string_equal(c->grouping.default_namespace, "cluster");
	assert_list(&c->grouping.incident_labels, inc, 1);
	assert_list(&c->grouping.hidden_labels, hidden, 3);
	assert_list(&c->grouping.value_ref, refs, 2);
	assert_int_equal(c->grouping.resolve_after, 12 * 3600000LL);
	assert_int_equal(c->grouping.reopen_window, 600000);
	assert_int_equal(c->reminders.default_every, 4 * 3600000LL);
	assert_int_equal(c->digest.every, 3600000);
	assert_int_equal(c->digest.skip_empty, 1);
	assert_int_equal(c->retention, 30 * 86400000LL);
	assert_int_equal(c->log.level, LOG_INFO);
	assert_int_equal(c->log.format, LOG_LOGFMT);
	assert_int_equal(config_preview(c), 1);
}

static void
test_empty_is_defaults(void **state)
{
	static const char *const empty[] = {
	    "",
	    "\n",
	    "# only a comment\n\n# and another\n",
	    "---\n",
	    "~\n",
	    "--- # comment\n...\n",
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		struct config *c = load(empty[i], err, sizeof(err));

		if (c == NULL)
			fail_msg("case %zu: %s", i, err);
		assert_string_equal(c->path, NAME);
		assert_defaults(c, "/etc/ad");
		config_free(c);
	}
}

static void
test_defaults_function(void **state)
{
	struct config *c;
	char cwd[PATHLEN];

	(void)state;
	c = config_defaults("/srv/ad");
	assert_non_null(c);
	assert_string_equal(c->path, "");
	assert_defaults(c, "/srv/ad");
	config_free(c);

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	c = config_defaults(NULL);
	assert_defaults(c, cwd);
	config_free(c);
	config_free(NULL);
}

static const char full[] =
    "# every key, none at its default\n"
    "listen: 0.0.0.0:8080\n"
    "public_url: https://relay.example/\n"
    "database: /var/lib/ad/ad.db\n"
    "templates: tpl\n"
    "rules: ./my-rules\n"
    "auth:\n"
    "  webhook_token: wt\n"
    "  webhook_hmac_secret: 'hs'\n"
    "  webhook_hmac_header: X-Sig\n"
    "  webhook_hmac_timestamp_header: X-Ts\n"
    "  admin_token: \"at\"\n"
    "limits:\n"
    "  max_body: 512KiB\n"
    "  max_alerts: 50\n"
    "slack:\n"
    "  api_url: http://127.0.0.1:4000/api/\n"
    "  bot_token: xoxb-1\n"
    "  webhook_url: https://hooks.slack.com/services/T/B/X\n"
    "  signing_secret: ss\n"
    "  allowed_team_ids: [T1, T2]\n"
    "  response_url_hosts:\n"
    "    - hooks.example\n"
    "  default_channel: \"#ops\"\n"
    "  digest_channel: \"#ops-digest\"\n"
    "  fallback_mention: \"@oncall\"\n"
    "  rate_per_channel: 0.5\n"
    "  rate_workspace: 10\n"
    "  rate_update: 0\n"
    "  update_debounce: 0\n"
    "  timeout: 1500ms\n"
    "  retry_base: 2s\n"
    "  retry_max: 1h30m\n"
    "  give_up_after: 2d\n"
    "catalog:\n"
    "  file: catalog.yaml\n"
    "  url: http://katalog/api/v1/namespaces/{namespace}\n"
    "  ttl: 0\n"
    "  timeout: 3s\n"
    "links:\n"
    "  project: https://kontrol.example/projects/{{project}}\n"
    "  dashboard: d\n"
    "  logs: l\n"
    "grouping:\n"
    "  namespace_labels: [ns]\n"
    "  default_namespace: none\n"
    "  incident_labels: []\n"
    "  hidden_labels: [a, \"b\"]\n"
    "  value_ref: [C]\n"
    "  resolve_after: 1h\n"
    "  reopen_window: 0\n"
    "reminders:\n"
    "  default_every: 0\n"
    "digest:\n"
    "  every: 1d\n"
    "  skip_empty: false\n"
    "retention: 1w\n"
    "log:\n"
    "  level: debug\n"
    "  format: json\n";

static void
test_every_key(void **state)
{
	static const char *const teams[] = {"T1", "T2"};
	static const char *const hosts[] = {"hooks.example", "127.0.0.1"};
	static const char *const ns[] = {"ns"};
	static const char *const hidden[] = {"a", "b"};
	static const char *const refs[] = {"C"};
	struct config *c;
	char err[512];

	(void)state;
	c = load(full, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->listen, "0.0.0.0:8080");
	assert_string_equal(c->listen_host, "0.0.0.0");
	assert_int_equal(c->listen_port, 8080);
	assert_string_equal(c->public_url, "https://relay.example");
	assert_string_equal(c->database, "/var/lib/ad/ad.db");
	assert_string_equal(c->templates, "/etc/ad/tpl");
	assert_string_equal(c->rules, "/etc/ad/my-rules");
	assert_string_equal(c->auth.webhook_token, "wt");
	assert_string_equal(c->auth.webhook_hmac_secret, "hs");
	assert_string_equal(c->auth.webhook_hmac_header, "X-Sig");
	assert_string_equal(c->auth.webhook_hmac_timestamp_header, "X-Ts");
	assert_string_equal(c->auth.admin_token, "at");
	assert_true(c->limits.max_body == 512 * 1024);
	assert_int_equal(c->limits.max_alerts, 50);
	assert_string_equal(c->slack.api_url, "http://127.0.0.1:4000/api");
	assert_string_equal(c->slack.bot_token, "xoxb-1");
	assert_string_equal(
	    c->slack.webhook_url, "https://hooks.slack.com/services/T/B/X");
	assert_string_equal(c->slack.signing_secret, "ss");
	assert_list(&c->slack.allowed_team_ids, teams, 2);
	assert_list(&c->slack.response_url_hosts, hosts, 2);
	assert_string_equal(c->slack.default_channel, "#ops");
	assert_string_equal(c->slack.digest_channel, "#ops-digest");
	assert_string_equal(c->slack.fallback_mention, "@oncall");
	assert_true(c->slack.rate_per_channel == 0.5);
	assert_true(c->slack.rate_workspace == 10.0);
	assert_true(c->slack.rate_update == 0.0);
	assert_int_equal(c->slack.update_debounce, 0);
	assert_int_equal(c->slack.timeout, 1500);
	assert_int_equal(c->slack.retry_base, 2000);
	assert_int_equal(c->slack.retry_max, 5400000);
	assert_int_equal(c->slack.give_up_after, 2 * 86400000LL);
	assert_string_equal(c->catalog.file, "/etc/ad/catalog.yaml");
	assert_string_equal(
	    c->catalog.url, "http://katalog/api/v1/namespaces/{namespace}");
	assert_int_equal(c->catalog.ttl, 0);
	assert_int_equal(c->catalog.timeout, 3000);
	assert_string_equal(
	    c->links.project, "https://kontrol.example/projects/{{project}}");
	assert_string_equal(c->links.dashboard, "d");
	assert_string_equal(c->links.logs, "l");
	assert_list(&c->grouping.namespace_labels, ns, 1);
	assert_string_equal(c->grouping.default_namespace, "none");
	assert_int_equal(c->grouping.incident_labels.n, 0);
	assert_list(&c->grouping.hidden_labels, hidden, 2);
	assert_list(&c->grouping.value_ref, refs, 1);
	assert_int_equal(c->grouping.resolve_after, 3600000);
	assert_int_equal(c->grouping.reopen_window, 0);
	assert_int_equal(c->reminders.default_every, 0);
	assert_int_equal(c->digest.every, 86400000);
	assert_int_equal(c->digest.skip_empty, 0);
	assert_int_equal(c->retention, 7 * 86400000LL);
	assert_int_equal(c->log.level, LOG_DEBUG);
	assert_int_equal(c->log.format, LOG_JSON);
	assert_int_equal(config_preview(c), 0);
	assert_int_equal(config_check_exposure(c, err, sizeof(err)), 0);
	config_free(c);
}

static void
test_null_values_keep_defaults(void **state)
{
	struct config *c;
	char err[512];

	(void)state;
	c = load("listen:\nauth:\nslack:\n  timeout: ~\n  "
	         "response_url_hosts: null\ngrouping:\n  value_ref:\n",
	    err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_defaults(c, "/etc/ad");
	config_free(c);
}

static void
test_public_url_follows_listen(void **state)
{
	struct config *c;
	char err[512];

	(void)state;
	c = load("listen: 10.0.0.1:7000\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->public_url, "http://10.0.0.1:7000");
	config_free(c);
	c = load(
	    "listen: \"[::1]:7000\"\npublic_url: \"\"\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->public_url, "http://[::1]:7000");
	config_free(c);
}

static void
test_listen_forms(void **state)
{
	static const struct {
		const char *yaml, *host;
		int port;
	} t[] = {
	    {"listen: \"[::1]:9095\"", "::1", 9095},
	    {"listen: '[::]:1'", "::", 1},
	    {"listen: \"[fe80::1:2]:65535\"", "fe80::1:2", 65535},
	    {"listen: localhost:80", "localhost", 80},
	    {"listen: relay-1.example.com:443", "relay-1.example.com", 443},
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct config *c = load(t[i].yaml, err, sizeof(err));

		if (c == NULL)
			fail_msg("%s: %s", t[i].yaml, err);
		assert_string_equal(c->listen_host, t[i].host);
		assert_int_equal(c->listen_port, t[i].port);
		config_free(c);
	}
}

static void
test_env(void **state)
{
	struct config *c;
	char err[512];

	(void)state;
	setenv("AD_TEST_TOKEN", "s3cr3t", 1);
	setenv("AD_TEST_EMPTY", "", 1);
	setenv("AD_TEST_PORT", "9999", 1);
	setenv("AD_TEST_INJECT", "${AD_TEST_TOKEN}", 1);
	unsetenv("AD_TEST_UNSET");
	c = load("listen: 127.0.0.1:${AD_TEST_PORT}\n"
	         "auth:\n"
	         "  admin_token: ${AD_TEST_TOKEN}\n"
	         "  webhook_token: \"x${AD_TEST_UNSET:-fallback}y\"\n"
	         "  webhook_hmac_secret: ${AD_TEST_EMPTY:-was-empty}\n"
	         "  webhook_hmac_timestamp_header: ${AD_TEST_EMPTY}\n"
	         "slack:\n"
	         "  signing_secret: pa$$word$\n"
	         "  bot_token: a$b ${AD_TEST_INJECT}\n"
	         "  fallback_mention: ${AD_TEST_UNSET:-}\n"
	         "  allowed_team_ids: [\"${AD_TEST_TOKEN}\", T]\n"
	         "digest:\n"
	         "  skip_empty: ${AD_TEST_UNSET:-false}\n",
	    err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->listen_port, 9999);
	assert_string_equal(c->auth.admin_token, "s3cr3t");
	assert_string_equal(c->auth.webhook_token, "xfallbacky");
	assert_string_equal(c->auth.webhook_hmac_secret, "was-empty");
	assert_string_equal(c->auth.webhook_hmac_timestamp_header, "");
	assert_string_equal(c->slack.signing_secret, "pa$word$");
	/* An environment value is not substituted again. */
	assert_string_equal(c->slack.bot_token, "a$b ${AD_TEST_TOKEN}");
	assert_string_equal(c->slack.fallback_mention, "");
	assert_string_equal(c->slack.allowed_team_ids.v[0], "s3cr3t");
	assert_int_equal(c->digest.skip_empty, 0);
	config_free(c);

	/* Keys are not substituted. */
	assert_null(load("${AD_TEST_PORT}: 1\n", err, sizeof(err)));
	assert_string_equal(err, NAME ":1: ${AD_TEST_PORT}: unknown key");
	unsetenv("AD_TEST_TOKEN");
	unsetenv("AD_TEST_EMPTY");
	unsetenv("AD_TEST_PORT");
	unsetenv("AD_TEST_INJECT");
}

static void
test_paths(void **state)
{
	struct config *c;
	char err[512];

	(void)state;
	c = load("database: db/x.db\ntemplates: ./t\nrules: /abs/rules\n"
	         "catalog:\n  file: ../cat.json\n",
	    err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->database, "/etc/ad/db/x.db");
	assert_string_equal(c->templates, "/etc/ad/t");
	assert_string_equal(c->rules, "/abs/rules");
	assert_string_equal(c->catalog.file, "/etc/ad/../cat.json");
	config_free(c);

	c = load("templates: \"\"\nrules: \"\"\ncatalog:\n  file: ''\n", err,
	    sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->templates, "");
	assert_string_equal(c->rules, "");
	assert_string_equal(c->catalog.file, "");
	config_free(c);
}

/* Every class of error: exact "FILE:LINE: KEY: reason". */
static void
test_errors(void **state)
{
	static const struct {
		const char *yaml, *err;
	} t[] = {
	    /* Unknown and duplicate keys. */
	    {"foo: 1\n", ":1: foo: unknown key"},
	    {"slack:\n  tiemout: 5s\n", ":2: slack.tiemout: unknown key"},
	    {"slack.timeout: 5s\n", ":1: slack.timeout: unknown key"},
	    {"auth:\n  auth: {}\n", ":2: auth.auth: unknown key"},
	    {"listen: a:1\nlisten: b:2\n",
	        ":2: listen: duplicate key (first at line 1)"},
	    {"slack:\n  timeout: 1s\nslack:\n  timeout: 2s\n",
	        ":3: slack: duplicate key (first at line 1)"},
	    {"slack:\n  timeout: 1s\n  timeout: 2s\n",
	        ":3: slack.timeout: duplicate key (first at line 2)"},
	    {"? [a]\n: b\n", ":1: keys must be strings"},
	    {"slack:\n  {a: b}: c\n", ":2: slack: keys must be strings"},
	    /* Types. */
	    {"listen: [a]\n",
	        ":1: listen: expected a single value, got a list"},
	    {"auth:\n  admin_token: {a: b}\n",
	        ":2: auth.admin_token: expected a single value, got a "
	        "mapping"},
	    {"slack: 5\n", ":1: slack: expected a mapping, got a single value"},
	    {"log: [a]\n", ":1: log: expected a mapping, got a list"},
	    {"grouping:\n  hidden_labels: foo\n",
	        ":2: grouping.hidden_labels: expected a list (e.g. [a, b]), "
	        "got a single value"},
	    {"grouping:\n  hidden_labels:\n    - a\n    - [b]\n",
	        ":4: grouping.hidden_labels: list items must be non-empty "
	        "strings"},
	    {"grouping:\n  value_ref: [a, ~]\n",
	        ":2: grouping.value_ref: list items must be non-empty "
	        "strings"},
	    {"grouping:\n  value_ref: [a, \"\"]\n",
	        ":2: grouping.value_ref: list items must be non-empty "
	        "strings"},
	    {"- a\n- b\n",
	        ":1: expected a mapping of keys at the top level, got a list"},
	    {"hello\n",
	        ":1: expected a mapping of keys at the top level, got "
	        "a single value"},
	    {"a: b\n---\nc: d\n", ":2: more than one YAML document"},
	    {"a: b\n---\n", ":2: more than one YAML document"},
	    {"--- {a: b}\n--- [\n", ":2: more than one YAML document"},
	    {"auth:\n  admin_token: \"a\\0b\"\n",
	        ":2: auth.admin_token: contains a NUL byte"},
	    /* Durations. */
	    {"slack:\n  timeout: 5x\n",
	        ":2: slack.timeout: bad duration \"5x\" (e.g. 30s, 5m, 1h30m)"},
	    {"slack:\n  timeout: -5s\n",
	        ":2: slack.timeout: bad duration \"-5s\" (e.g. 30s, 5m, "
	        "1h30m)"},
	    {"slack:\n  timeout: 10\n",
	        ":2: slack.timeout: bad duration \"10\" (e.g. 30s, 5m, "
	        "1h30m)"},
	    {"retention: 101y\n",
	        ":1: retention: \"101y\" is too long (at most 100y)"},
	    {"slack:\n  timeout: 99999999999999999w\n",
	        ":2: slack.timeout: bad duration \"99999999999999999w\" (e.g. "
	        "30s, 5m, 1h30m)"},
	    {"limits:\n  max_body: 2GiB\n",
	        ":2: limits.max_body: must be at most 1GiB"},
	    {"slack:\n  timeout: 0\n",
	        ":2: slack.timeout: must be more than 0"},
	    {"retention: 0s\n", ":1: retention: must be more than 0"},
	    {"slack:\n  retry_base: 10m\n",
	        ":2: slack.retry_base: 10m is more than slack.retry_max (5m)"},
	    {"slack:\n  retry_max: 500ms\n",
	        ":2: slack.retry_max: 500ms is less than slack.retry_base "
	        "(1s)"},
	    {"digest:\n  every: 1500ms\n",
	        ":2: digest.every: \"1500ms\" is not a whole number of "
	        "seconds"},
	    /* Numbers and sizes. */
	    {"slack:\n  rate_per_channel: -1\n",
	        ":2: slack.rate_per_channel: must not be negative (0 = "
	        "unlimited)"},
	    {"slack:\n  rate_update: nan\n",
	        ":2: slack.rate_update: bad number \"nan\" (per second, e.g. 1 "
	        "or 0.8)"},
	    {"slack:\n  rate_workspace: 0x10\n",
	        ":2: slack.rate_workspace: bad number \"0x10\" (per second, "
	        "e.g. 1 or 0.8)"},
	    {"slack:\n  rate_workspace: \"\"\n",
	        ":2: slack.rate_workspace: bad number \"\" (per second, e.g. 1 "
	        "or 0.8)"},
	    {"limits:\n  max_body: 12XB\n",
	        ":2: limits.max_body: bad size \"12XB\" (e.g. 512KiB, 32MiB)"},
	    {"limits:\n  max_body: 0\n",
	        ":2: limits.max_body: must be more than 0"},
	    {"limits:\n  max_alerts: 0\n",
	        ":2: limits.max_alerts: \"0\" is not a whole number in "
	        "1..2147483647"},
	    {"limits:\n  max_alerts: 1.5\n",
	        ":2: limits.max_alerts: \"1.5\" is not a whole number in "
	        "1..2147483647"},
	    {"digest:\n  skip_empty: yes\n",
	        ":2: digest.skip_empty: expected true or false, got \"yes\""},
	    /* Enums. */
	    {"log:\n  level: verbose\n",
	        ":2: log.level: unknown level \"verbose\" "
	        "(debug|info|warn|error)"},
	    {"log:\n  format: xml\n",
	        ":2: log.format: unknown format \"xml\" (logfmt|json)"},
	    /* listen. */
	    {"listen: 127.0.0.1\n",
	        ":1: listen: expected host:port, got \"127.0.0.1\""},
	    {"listen: 127.0.0.1:0\n",
	        ":1: listen: port in \"127.0.0.1:0\" is not a number in "
	        "1..65535"},
	    {"listen: 127.0.0.1:65536\n",
	        ":1: listen: port in \"127.0.0.1:65536\" is not a number in "
	        "1..65535"},
	    {"listen: \"127.0.0.1:\"\n",
	        ":1: listen: port in \"127.0.0.1:\" is not a number in "
	        "1..65535"},
	    {"listen: ::1:9095\n",
	        ":1: listen: an IPv6 address needs brackets, e.g. [::1]:9095"},
	    {"listen: \"[::1]\"\n",
	        ":1: listen: expected [IPv6]:port, got \"[::1]\""},
	    {"listen: \"[zz]:1\"\n",
	        ":1: listen: bad IPv6 address in \"[zz]:1\""},
	    {"listen: \":9095\"\n",
	        ":1: listen: missing host in \":9095\" (0.0.0.0:PORT listens "
	        "on every address)"},
	    {"listen: \"a b:1\"\n", ":1: listen: bad host in \"a b:1\""},
	    {"listen: \"\"\n", ":1: listen: must not be empty"},
	    /* URLs. */
	    {"slack:\n  api_url: ftp://x\n",
	        ":2: slack.api_url: must be an http:// or https:// URL"},
	    {"slack:\n  api_url: \"\"\n",
	        ":2: slack.api_url: must not be empty"},
	    {"public_url: http://\n", ":1: public_url: URL has no host"},
	    {"public_url: \"http:// x\"\n",
	        ":1: public_url: URL must not contain spaces or control "
	        "characters"},
	    {"catalog:\n  url: katalog/api\n",
	        ":2: catalog.url: must be an http:// or https:// URL"},
	    {"slack:\n  webhook_url: hooks.slack.com/x\n",
	        ":2: slack.webhook_url: must be an http:// or https:// URL"},
	    /* Required strings. */
	    {"database: \"\"\n", ":1: database: must not be empty"},
	    {"slack:\n  default_channel: ''\n",
	        ":2: slack.default_channel: must not be empty"},
	    /* Environment. */
	    {"templates: ${AD_TEST_UNSET}\n",
	        ":1: templates: environment variable AD_TEST_UNSET is not set "
	        "(write ${AD_TEST_UNSET:-default} for a default)"},
	    {"grouping:\n  value_ref:\n    - ${AD_TEST_UNSET}\n",
	        ":3: grouping.value_ref: environment variable AD_TEST_UNSET "
	        "is not set (write ${AD_TEST_UNSET:-default} for a default)"},
	    {"templates: ${1X}\n",
	        ":1: templates: expected ${NAME} or ${NAME:-default}"},
	    {"templates: ${X\n",
	        ":1: templates: unterminated ${ (write $$ for a literal $)"},
	    {"templates: ${X:y}\n",
	        ":1: templates: expected ${NAME} or ${NAME:-default}"},
	    /* YAML syntax, with libyaml's own line. */
	    {"slack:\n  timeout: [1s\n",
	        ":3: syntax error: did not find expected ',' or ']' (while "
	        "parsing a flow sequence at line 2)"},
	    {"a: b\n  c: d\n",
	        ":2: syntax error: mapping values are not allowed in this "
	        "context"},
	    {"a: *x\n", ":1: syntax error: found undefined alias"},
	    {"a:\n  - [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n",
	        ":2: nested more than 16 levels deep"},
	    {"a: 1\nb: \xff\n",
	        ":2: syntax error: invalid leading UTF-8 octet"},
	    {"a:\tb: c\n\t\n",
	        ":1: syntax error: mapping values are not allowed in this "
	        "context"},
	};
	char err[512], want[512];

	(void)state;
	unsetenv("AD_TEST_UNSET");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct config *c = load(t[i].yaml, err, sizeof(err));

		snprintf(want, sizeof(want), "%s%s", NAME, t[i].err);
		if (c != NULL) {
			config_free(c);
			fail_msg("case %zu loaded: %s", i, t[i].yaml);
		}
		if (strcmp(err, want) != 0)
			fail_msg("case %zu\n got: %s\nwant: %s", i, err, want);
	}
}

/* The example of SPEC section 3 states every default. */
static void
test_spec_example(void **state)
{
	const char *src = getenv("RELAY_SRCDIR");
	char path[PATHLEN], err[512];
	struct config *c;

	(void)state;
	snprintf(path, sizeof(path),
	    "%s/tests/fuzz/corpus/config/"
	    "spec-example.yaml",
	    src != NULL ? src : ".");
	if (access(path, R_OK) != 0)
		skip();
	c = config_load(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	config_free(c);
	/* The same text from memory, so that paths resolve to /etc/ad. */
	{
		FILE *fp = fopen(path, "r");
		char buf[8192];
		size_t n;

		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		c = config_load_buffer(buf, n, NAME, err, sizeof(err));
		assert_non_null(c);
		assert_defaults(c, "/etc/ad");
		config_free(c);
	}
}

/* Deep nesting is refused fast: libyaml is quadratic in flow depth. */
static void
test_deep_nesting(void **state)
{
	size_t depth = 1000000, n = 3 + 2 * depth + 1;
	char *data = malloc(n + 1), err[512];

	(void)state;
	assert_non_null(data);
	memcpy(data, "a: ", 3);
	memset(data + 3, '[', depth);
	memset(data + 3 + depth, ']', depth);
	data[n - 1] = '\n';
	data[n] = '\0';
	assert_null(config_load_buffer(data, n, NAME, err, sizeof(err)));
	assert_string_equal(err, NAME ":1: nested more than 16 levels deep");
	free(data);
}

/* Anchors and aliases work, within bounds (libyaml is quadratic in them). */
static void
test_anchors(void **state)
{
	static const char *const want[] = {"a", "b"};
	struct buf b = BUF_INIT;
	struct config *c;
	char err[512];

	(void)state;
	c = load("grouping:\n  hidden_labels: &l [a, b]\n  value_ref: *l\n"
	         "  default_namespace: &ns x\n"
	         "links:\n  logs: *ns\n",
	    err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_list(&c->grouping.value_ref, want, 2);
	assert_string_equal(c->links.logs, "x");
	config_free(c);

	buf_adds(&b, "links:\n  logs: [");
	for (int i = 0; i < 1001; i++)
		buf_printf(&b, "%s&a%d x", i > 0 ? ", " : "", i);
	buf_adds(&b, "]\n");
	assert_null(load(buf_str(&b), err, sizeof(err)));
	assert_string_equal(err, NAME ":2: more than 1000 anchors");
	buf_reset(&b);
	buf_adds(&b, "links:\n  logs: &a x\n  project: [");
	for (int i = 0; i < 10001; i++)
		buf_adds(&b, "*a, ");
	buf_adds(&b, "]\n");
	assert_null(load(buf_str(&b), err, sizeof(err)));
	assert_string_equal(err, NAME ":3: more than 10000 aliases");
	buf_free(&b);
}

/* Secrets and secret-bearing URLs never reach an error line. */
static void
test_no_secret_in_errors(void **state)
{
	static const char *const t[] = {
	    "slack:\n  webhook_url: ftp://SECRET@hooks\n",
	    "slack:\n  webhook_url: \"https://h/SECRET x\"\n",
	    "auth:\n  admin_token: [SECRET]\n",
	    "catalog:\n  url: SECRET\n",
	    "slack:\n  api_url: \"http://SECRET\\0\"\n",
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_null(load(t[i], err, sizeof(err)));
		assert_non_null(strstr(err, NAME ":"));
		if (strstr(err, "SECRET") != NULL)
			fail_msg("case %zu leaks: %s", i, err);
	}
}

/* Hostile keys and values cannot forge a second line in err. */
static void
test_error_is_one_line(void **state)
{
	char err[512];

	(void)state;
	assert_null(load("\"a\\nb\": 1\n", err, sizeof(err)));
	assert_string_equal(err, NAME ":1: a?b: unknown key");
	assert_null(load("slack:\n  timeout: \"1s\\n2\"\n", err, sizeof(err)));
	assert_null(strchr(err, '\n'));
	/* A tiny err buffer is cut, never overrun. */
	assert_null(load("foo: 1\n", err, 8));
	assert_string_equal(err, "/etc/ad");
}

static void
test_exposure(void **state)
{
	static const struct {
		const char *listen, *hook, *hmac, *admin, *err;
	} t[] = {
	    {"127.0.0.1:9095", "", "", "", NULL},
	    {"127.1.2.3:9095", "", "", "", NULL},
	    {"localhost:9095", "", "", "", NULL},
	    {"\"[::1]:9095\"", "", "", "", NULL},
	    {"0.0.0.0:9095", "", "", "",
	        "listen 0.0.0.0:9095 is not loopback: set auth.webhook_token "
	        "(or auth.webhook_hmac_secret) and auth.admin_token"},
	    {"0.0.0.0:9095", "w", "", "",
	        "listen 0.0.0.0:9095 is not loopback: set auth.admin_token"},
	    {"0.0.0.0:9095", "", "", "a",
	        "listen 0.0.0.0:9095 is not loopback: set auth.webhook_token "
	        "(or auth.webhook_hmac_secret)"},
	    {"0.0.0.0:9095", "w", "", "a", NULL},
	    {"0.0.0.0:9095", "", "h", "a", NULL},
	    {"\"[::]:9095\"", "", "h", "",
	        "listen [::]:9095 is not loopback: set auth.admin_token"},
	    {"10.0.0.1:80", "", "", "a",
	        "listen 10.0.0.1:80 is not loopback: set auth.webhook_token "
	        "(or auth.webhook_hmac_secret)"},
	    {"relay.example:80", "w", "", "",
	        "listen relay.example:80 is not loopback: set "
	        "auth.admin_token"},
	};
	char yaml[512], err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct config *c;
		int rc;

		snprintf(yaml, sizeof(yaml),
		    "listen: %s\nauth:\n  webhook_token: \"%s\"\n"
		    "  webhook_hmac_secret: \"%s\"\n  admin_token: \"%s\"\n",
		    t[i].listen, t[i].hook, t[i].hmac, t[i].admin);
		c = load(yaml, err, sizeof(err));
		if (c == NULL)
			fail_msg("case %zu: %s", i, err);
		err[0] = '\0';
		rc = config_check_exposure(c, err, sizeof(err));
		config_free(c);
		if (t[i].err == NULL) {
			if (rc != 0)
				fail_msg("case %zu refused: %s", i, err);
		} else {
			assert_int_equal(rc, -1);
			if (strcmp(err, t[i].err) != 0)
				fail_msg("case %zu\n got: %s\nwant: %s", i, err,
				    t[i].err);
		}
	}
}

static void
test_preview(void **state)
{
	static const struct {
		const char *yaml;
		int preview;
	} t[] = {
	    {"", 1},
	    {"slack:\n  bot_token: x\n", 0},
	    {"slack:\n  webhook_url: https://hooks.slack.com/x\n", 0},
	    {"slack:\n  signing_secret: x\n", 1},
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct config *c = load(t[i].yaml, err, sizeof(err));

		assert_non_null(c);
		assert_int_equal(config_preview(c), t[i].preview);
		config_free(c);
	}
}

/* Files: a temp folder, removed by teardown. */
struct files {
	char dir[PATHLEN]; /* realpath'd mkdtemp folder */
	char cwd[PATHLEN]; /* to come back to */
};

static int
files_setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/test_config.XXXXXX";

	char *real;

	if (f == NULL || mkdtemp(tmpl) == NULL ||
	    (real = realpath(tmpl, NULL)) == NULL ||
	    getcwd(f->cwd, PATHLEN) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s", real);
	free(real);
	*state = f;
	return 0;
}

static int
files_teardown(void **state)
{
	struct files *f = *state;
	char cmd[PATHLEN + 16];

	if (chdir(f->cwd) == -1)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Writes dir/name and returns its path in out. */
static void
write_file(const struct files *f, const char *name, const char *data,
    size_t len, char *out, size_t outlen)
{
	FILE *fp;
	int n = snprintf(out, outlen, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < outlen);
	fp = fopen(out, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_file_paths(void **state)
{
	struct files *f = *state;
	struct config *c;
	char path[PATHLEN], want[PATHLEN + 32], err[512];
	const char *yaml = "database: db/x.db\nrules: ./r\n";

	write_file(f, "c.yaml", yaml, strlen(yaml), path, sizeof(path));
	c = config_load(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->path, path);
	snprintf(want, sizeof(want), "%s/db/x.db", f->dir);
	assert_string_equal(c->database, want);
	snprintf(want, sizeof(want), "%s/r", f->dir);
	assert_string_equal(c->rules, want);
	config_free(c);

	/* A relative config path still gives absolute paths. */
	assert_int_equal(chdir(f->dir), 0);
	c = config_load("c.yaml", err, sizeof(err));
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/db/x.db", f->dir);
	assert_string_equal(c->database, want);
	config_free(c);

	/* File errors name the file; errors inside it its line too. */
	assert_null(config_load("/nonexistent/x.yaml", err, sizeof(err)));
	assert_string_equal(
	    err, "/nonexistent/x.yaml: No such file or directory");
	write_file(f, "bad.yaml", "a: 1\n", 5, path, sizeof(path));
	assert_null(config_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: a: unknown key", path);
	assert_string_equal(err, want);
	assert_null(config_load(f->dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: Is a directory", f->dir);
	assert_string_equal(err, want);
}

static void
test_file_too_large(void **state)
{
	struct files *f = *state;
	struct config *c;
	size_t n = LIMIT_CONFIG_FILE + 1;
	char *data = malloc(n), path[PATHLEN], want[PATHLEN + 64], err[512];

	assert_non_null(data);
	/* A comment: valid YAML, only too long. */
	memset(data, ' ', n);
	data[0] = '#';
	write_file(f, "big.yaml", data, n - 1, path, sizeof(path));
	c = config_load(path, err, sizeof(err));
	assert_non_null(c);
	config_free(c);
	write_file(f, "big.yaml", data, n, path, sizeof(path));
	free(data);
	assert_null(config_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than %u bytes", path,
	    LIMIT_CONFIG_FILE);
	assert_string_equal(err, want);
}

static void
test_default_file_lookup(void **state)
{
	struct files *f = *state;
	struct config *c;
	char path[PATHLEN], want[PATHLEN + 32], err[512];
	const char *yaml = "listen: 127.0.0.1:1234\n";

	assert_int_equal(chdir(f->dir), 0);
	unsetenv("ALERT_DELIVERY_CONFIG");

	/* Nothing: built-in defaults against the current folder. */
	c = config_load(NULL, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->path, "");
	assert_defaults(c, f->dir);
	config_free(c);

	/* ./alert-delivery.yaml when it exists. */
	write_file(
	    f, "alert-delivery.yaml", yaml, strlen(yaml), path, sizeof(path));
	c = config_load(NULL, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->path, "./alert-delivery.yaml");
	assert_int_equal(c->listen_port, 1234);
	snprintf(want, sizeof(want), "%s/var/alert-delivery.db", f->dir);
	assert_string_equal(c->database, want);
	config_free(c);

	/* $ALERT_DELIVERY_CONFIG wins, and must exist. */
	yaml = "listen: 127.0.0.1:4321\n";
	write_file(f, "env.yaml", yaml, strlen(yaml), path, sizeof(path));
	setenv("ALERT_DELIVERY_CONFIG", path, 1);
	c = config_load(NULL, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->listen_port, 4321);
	config_free(c);
	setenv("ALERT_DELIVERY_CONFIG", "/nonexistent/env.yaml", 1);
	assert_null(config_load(NULL, err, sizeof(err)));
	assert_string_equal(
	    err, "/nonexistent/env.yaml: No such file or directory");
	unsetenv("ALERT_DELIVERY_CONFIG");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_is_defaults),
	    cmocka_unit_test(test_defaults_function),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_null_values_keep_defaults),
	    cmocka_unit_test(test_public_url_follows_listen),
	    cmocka_unit_test(test_listen_forms),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_spec_example),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_anchors),
	    cmocka_unit_test(test_no_secret_in_errors),
	    cmocka_unit_test(test_error_is_one_line),
	    cmocka_unit_test(test_exposure),
	    cmocka_unit_test(test_preview),
	    cmocka_unit_test_setup_teardown(
	        test_file_paths, files_setup, files_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_file_too_large, files_setup, files_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_default_file_lookup, files_setup, files_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
