/*
 * test_interact.c: interact.c against the captured Slack bodies (button and
 * overflow clicks), Slack's documented example, hostile forms and payloads,
 * the button value encoding and the buttons handed to the template. Fixture
 * tests skip when RELAY_SHARED is unset or the files are missing.
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

#include <jansson.h>

#include "buf.h"
#include "interact.h"
#include "util.h"

/* Returns new: the bytes of $RELAY_SHARED/fixtures/slack/name, or NULL. */
static char *
fixture(const char *name, size_t *len)
{
	const char *dir = getenv("RELAY_SHARED");
	char path[4096];
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	if (dir == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/fixtures/slack/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.len > 0 ? buf_steal(&b) : NULL;
}

/* Returns new: the fixture as JSON, or NULL when it is missing. */
static json_t *
fixture_json(const char *name)
{
	size_t len;
	char *text = fixture(name, &len);
	json_t *j;

	if (text == NULL)
		return NULL;
	j = json_loadb(text, len, 0, NULL);
	free(text);
	assert_non_null(j);
	return j;
}

/* Borrowed: a string at a dotted path of j, failing the test when absent. */
static const char *
at(json_t *j, const char *path)
{
	char key[64];
	const char *p = path, *dot;

	while ((dot = strchr(p, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - p), p);
		j = strcmp(key, "0") == 0 ? json_array_get(j, 0)
		                          : json_object_get(j, key);
		p = dot + 1;
	}
	j = json_object_get(j, p);
	assert_true(json_is_string(j));
	return json_string_value(j);
}

/* Every extracted field against the payload JSON it came from. */
static void
check_fields(const struct interact *ia, json_t *p)
{
	json_t *act = json_array_get(json_object_get(p, "actions"), 0);
	json_t *sel = json_object_get(act, "selected_option");

	assert_string_equal(ia->user_id, at(p, "user.id"));
	assert_string_equal(ia->user_name,
	    json_object_get(json_object_get(p, "user"), "name") != NULL
	        ? at(p, "user.name")
	        : at(p, "user.username"));
	assert_string_equal(ia->team_id, at(p, "team.id"));
	assert_string_equal(ia->channel_id, at(p, "channel.id"));
	assert_string_equal(ia->channel_id, at(p, "container.channel_id"));
	assert_string_equal(ia->message_ts, at(p, "container.message_ts"));
	assert_string_equal(ia->message_ts, at(p, "message.ts"));
	assert_string_equal(ia->response_url, at(p, "response_url"));
	assert_string_equal(ia->action_id, at(p, "actions.0.action_id"));
	assert_string_equal(ia->block_id, at(p, "actions.0.block_id"));
	assert_string_equal(ia->action_ts, at(p, "actions.0.action_ts"));
	assert_string_equal(ia->value,
	    sel != NULL ? at(act, "selected_option.value")
	                : at(p, "actions.0.value"));
}

/* Returns new: the payload field of a fixture body, as JSON. */
static json_t *
body_payload(const char *body, size_t len)
{
	const char *err = NULL;
	char *text;
	size_t n;
	json_t *j;

	assert_int_equal(
	    interact_form_field(body, len, "payload", &text, &n, &err), 0);
	assert_int_equal(n, strlen(text));
	j = json_loadb(text, n, 0, NULL);
	free(text);
	assert_non_null(j);
	return j;
}

static void
test_fixture_button(void **state)
{
	size_t len;
	char *body = fixture("block_actions.button.body.urlencoded", &len);
	json_t *want = fixture_json("block_actions.button.payload.json");
	struct interact *ia = NULL;
	const char *err = NULL;
	json_t *got;
	char host[INTERACT_MAX_HOST + 1];

	if (body == NULL || want == NULL) {
		free(body);
		json_decref(want);
		skip();
	}
	/* The form decoding gives back exactly the pretty-printed fixture. */
	got = body_payload(body, len);
	assert_true(json_equal(got, want));
	assert_int_equal(interact_parse(body, len, &ia, &err), INTERACT_OK);
	check_fields(ia, want);
	assert_string_equal(ia->user_id, "U01NK1K9L68");
	assert_string_equal(ia->value, "click_me_123");
	/* The JSON escapes "\/" are gone. */
	assert_string_equal(ia->response_url,
	    "https://hooks.slack.com/actions/T01ND2P8N91/1762059566786/"
	    "SbuERthjFRJnSEB3FV9pGV7k");
	assert_int_equal(
	    interact_url_host(ia->response_url, host, sizeof(host)), 0);
	assert_string_equal(host, "hooks.slack.com");
	/* A button of someone else's: parsed, but not a click of ours. */
	{
		int64_t id;
		char act[INTERACT_ACTION_LEN];

		assert_int_equal(
		    interact_click(ia, &id, act, sizeof(act), &err), -1);
	}
	interact_free(ia);
	json_decref(got);
	json_decref(want);
	free(body);
}

/* No JSON fixture for this body: the payload is decoded and compared as JSON
 * with the shared parts of the button one, plus the values Python's parse_qs
 * gives for the overflow-specific fields. */
static void
test_fixture_overflow(void **state)
{
	size_t len;
	char *body = fixture("block_actions.overflow.body.urlencoded", &len);
	json_t *button = fixture_json("block_actions.button.payload.json");
	struct interact *ia = NULL;
	const char *err = NULL;
	json_t *p;

	if (body == NULL || button == NULL) {
		free(body);
		json_decref(button);
		skip();
	}
	p = body_payload(body, len);
	assert_true(json_equal(
	    json_object_get(p, "user"), json_object_get(button, "user")));
	assert_true(json_equal(json_object_get(p, "container"),
	    json_object_get(button, "container")));
	assert_int_equal(interact_parse(body, len, &ia, &err), INTERACT_OK);
	check_fields(ia, p);
	assert_string_equal(ia->action_id, "overflow-action");
	assert_string_equal(ia->block_id, "EZx");
	assert_string_equal(ia->value, "value-3");
	assert_string_equal(ia->action_ts, "1613575524.667509");
	assert_string_equal(ia->message_ts, "1613575038.002800");
	assert_string_equal(ia->response_url,
	    "https://hooks.slack.com/actions/T01ND2P8N91/1768228985828/"
	    "jq3PN09r7JqIYF2NnXYfp9bj");
	interact_free(ia);
	json_decref(p);
	json_decref(button);
	free(body);
}

/* Returns the interact_parse code of a JSON payload sent as a form. */
static int
parse_json(json_t *payload, struct interact **ia, const char **err)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	struct buf b = BUF_INIT;
	int rc;

	buf_adds(&b, "token=x&payload=");
	buf_url_esc(&b, text, strlen(text));
	buf_adds(&b, "&trigger_id=1.2.3");
	rc = interact_parse(b.data, b.len, ia, err);
	buf_free(&b);
	free(text);
	return rc;
}

static void
test_docs_example(void **state)
{
	json_t *p = fixture_json("block_actions.slack-docs-example.json");
	struct interact *ia = NULL;
	const char *err = NULL;
	char *text;

	if (p == NULL)
		skip();
	text = json_dumps(p, 0);
	/* Directly, and through the form like Slack sends it. */
	assert_int_equal(
	    interact_parse_payload(text, strlen(text), &ia, &err), INTERACT_OK);
	check_fields(ia, p);
	assert_string_equal(ia->user_name, "jtorrance"); /* only username */
	assert_string_equal(ia->block_id, "=qXel");
	interact_free(ia);
	assert_int_equal(parse_json(p, &ia, &err), INTERACT_OK);
	check_fields(ia, p);
	interact_free(ia);
	free(text);
	json_decref(p);
}

/* A minimal valid payload, built inline so these tests need no fixture. */
static json_t *
base_payload(void)
{
	json_t *p = json_pack("{s:s, s:{s:s, s:s}, s:{s:s}, s:{s:s},"
	                      " s:{s:s}, s:s, s:[{s:s, s:s, s:s, s:s}]}",
	    "type", "block_actions", "user", "id", "U024BE7LH", "username",
	    "ann", "team", "id", "T1DC2JH3J", "channel", "id", "C024BE7LR",
	    "container", "message_ts", "1531420618.000200", "response_url",
	    "https://hooks.slack.com/actions/T1/2/x", "actions", "action_id",
	    "snooze_4h", "block_id", "snooze", "value", "v1:42:4h", "action_ts",
	    "1531420700.123456");

	assert_non_null(p);
	return p;
}

/* Sets path (one or two levels) of a fresh base payload to v (stolen; NULL
 * deletes) and expects rc with reason why (NULL: any). */
static void
expect(const char *obj, const char *key, json_t *v, int rc, const char *why)
{
	json_t *p = base_payload(), *o = p;
	struct interact *ia = NULL;
	const char *err = NULL;

	if (obj != NULL)
		o = strcmp(obj, "actions[0]") == 0
		    ? json_array_get(json_object_get(p, "actions"), 0)
		    : json_object_get(p, obj);
	if (v == NULL)
		json_object_del(o, key);
	else
		json_object_set_new(o, key, v);
	assert_int_equal(parse_json(p, &ia, &err), rc);
	if (rc == INTERACT_OK) {
		assert_non_null(ia);
	} else {
		assert_null(ia);
		assert_non_null(err);
		if (why != NULL)
			assert_string_equal(err, why);
	}
	interact_free(ia);
	json_decref(p);
}

static void
test_payload_fields(void **state)
{
	char big[INTERACT_MAX_VALUE + 2];
	json_t *p = base_payload();
	struct interact *ia = NULL;
	const char *err = NULL;
	int64_t id;
	char act[INTERACT_ACTION_LEN];

	assert_int_equal(parse_json(p, &ia, &err), INTERACT_OK);
	assert_string_equal(ia->user_name, "ann");
	assert_int_equal(interact_click(ia, &id, act, sizeof(act), &err), 0);
	assert_int_equal(id, 42);
	assert_string_equal(act, "4h");
	/* A value moved under another of our buttons is not obeyed. */
	free(ia->action_id);
	ia->action_id = xstrdup("unsnooze");
	assert_int_equal(interact_click(ia, &id, act, sizeof(act), &err), -1);
	interact_free(ia);
	json_decref(p);

	expect(NULL, "type", json_string("view_submission"),
	    INTERACT_UNSUPPORTED, "unsupported interaction type");
	expect(NULL, "type", json_string("interactive_message"),
	    INTERACT_UNSUPPORTED, NULL);
	expect(NULL, "type", NULL, INTERACT_ERR, "type: missing");
	expect(NULL, "actions", NULL, INTERACT_ERR, "actions: missing");
	expect(NULL, "actions", json_array(), INTERACT_ERR, NULL);
	expect(NULL, "actions", json_string("x"), INTERACT_ERR, NULL);
	expect(NULL, "actions", json_pack("[i]", 1), INTERACT_ERR,
	    "actions[0]: not an object");
	expect(NULL, "user", NULL, INTERACT_ERR, "user.id: missing");
	expect("user", "id", json_string("U123>"), INTERACT_ERR,
	    "user.id: not a Slack user id");
	expect("user", "id", json_string("<@U123>"), INTERACT_ERR, NULL);
	expect("user", "id", json_string(">U123"), INTERACT_ERR, NULL);
	expect("user", "id", json_string("u123"), INTERACT_ERR, NULL);
	expect("user", "id", json_integer(7), INTERACT_ERR, NULL);
	expect("user", "id", json_string("W0123ABC"), INTERACT_OK, NULL);
	expect("user", "id",
	    json_string("U0123456789012345678901234567890123456789"),
	    INTERACT_ERR, NULL);
	expect("user", "name", json_string("a\nb"), INTERACT_ERR, NULL);
	expect("team", "id", json_string("C024BE7LR"), INTERACT_ERR,
	    "team.id: not a Slack team id");
	expect(NULL, "team", json_null(), INTERACT_ERR, "team.id: missing");
	expect("channel", "id", json_string("G8PSS9T3V"), INTERACT_OK, NULL);
	expect("channel", "id", json_string("D8PSS9T3V"), INTERACT_OK, NULL);
	expect("channel", "id", json_string("C1&x"), INTERACT_ERR, NULL);
	expect(NULL, "channel", NULL, INTERACT_ERR, "channel.id: missing");
	expect("container", "message_ts", json_string("1531420618"),
	    INTERACT_ERR, "message_ts: not a Slack timestamp");
	expect("container", "message_ts", json_string("1.2.3"), INTERACT_ERR,
	    NULL);
	expect(
	    "container", "message_ts", json_string("-1.5"), INTERACT_ERR, NULL);
	expect(NULL, "container", NULL, INTERACT_ERR, "message_ts: missing");
	expect(NULL, "response_url", json_string("http://hooks.slack.com/a"),
	    INTERACT_ERR, "response_url: not an https URL");
	expect(NULL, "response_url",
	    json_string("https://hooks.slack.com@evil.example/a"), INTERACT_ERR,
	    NULL);
	expect(
	    NULL, "response_url", NULL, INTERACT_ERR, "response_url: missing");
	expect("actions[0]", "action_id", NULL, INTERACT_ERR,
	    "actions[0].action_id: missing");
	expect("actions[0]", "action_id", json_string(""), INTERACT_ERR, NULL);
	expect(
	    "actions[0]", "block_id", json_string("a\x01"), INTERACT_ERR, NULL);
	expect(
	    "actions[0]", "action_ts", json_string("now"), INTERACT_ERR, NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect("actions[0]", "value", json_string(big), INTERACT_ERR,
	    "actions[0].value: invalid");
	big[INTERACT_MAX_VALUE] = '\0';
	expect("actions[0]", "value", json_string(big), INTERACT_OK, NULL);
	big[INTERACT_MAX_ACTION_ID + 1] = '\0';
	expect("actions[0]", "action_id", json_string(big), INTERACT_ERR, NULL);
	/* No value at all (a button without one): parsed, empty. */
	expect("actions[0]", "value", NULL, INTERACT_OK, NULL);
	expect("actions[0]", "value", json_pack("{s:s}", "x", "y"),
	    INTERACT_ERR, NULL);
}

/* Raw bodies and payload texts that are not well-formed. */
static void
test_malformed(void **state)
{
	static const struct {
		const char *body;
		const char *why;
	} bad[] = {
	    {"payload=%zz", "form: bad escape or NUL byte"},
	    {"payload=%4", "form: bad escape or NUL byte"},
	    {"payload=%", "form: bad escape or NUL byte"},
	    {"payload=%7B%00%7D", "form: bad escape or NUL byte"},
	    {"a=%g0&payload=%7B%7D", "form: bad escape or NUL byte"},
	    {"%zz=1&payload=%7B%7D", "form: bad escape or NUL byte"},
	    {"payload=%7B%7D&payload=%7B%7D", "form: field repeated"},
	    {"token=abc&team_id=T1", "payload: missing"},
	    {"", "payload: missing"},
	    {"payloadx=%7B%7D", "payload: missing"},
	    {"payload", "payload: not JSON"},
	    {"payload=", "payload: not JSON"},
	    {"payload=not+json", "payload: not JSON"},
	    {"payload=%7B%22type%22%3A", "payload: not JSON"},
	    {"payload=%5B1%2C2%5D", "payload: not an object"},
	    {"payload=%22block_actions%22", "payload: not an object"},
	    {"payload={\"type\":\"block_actions\"}", "user.id: missing"},
	    {"payload={\"type\":\"a\",\"type\":\"b\"}", "payload: not JSON"},
	    {"payload={\"type\":\"\\u0000\"}", "payload: not JSON"},
	    {"payload={\"type\":\"\xff\"}", "payload: not JSON"},
	};
	struct interact *ia = NULL;
	const char *err;
	struct buf b = BUF_INIT;
	char *out;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		assert_int_equal(
		    interact_parse(bad[i].body, strlen(bad[i].body), &ia, &err),
		    INTERACT_ERR);
		assert_null(ia);
		assert_string_equal(err, bad[i].why);
	}
	/* A truncated escape at the very end of an unterminated buffer: ASan
	 * sees any read past it. */
	for (i = 1; i <= 2; i++) {
		const char *t = i == 1 ? "payload=%" : "payload=%4";
		char *exact = malloc(strlen(t));

		memcpy(exact, t, strlen(t));
		assert_int_equal(
		    interact_parse(exact, strlen(t), &ia, &err), INTERACT_ERR);
		free(exact);
	}
	/* '+' is a space, escapes are case-insensitive, '=' in a value. */
	assert_int_equal(interact_form_field("x=1&payload=a+b%2b%2Fc=d", 24,
	                     "payload", &out, &n, &err),
	    0);
	assert_string_equal(out, "a b+/c=d");
	free(out);
	assert_int_equal(
	    interact_form_field("payload&x", 9, "payload", &out, &n, &err), 0);
	assert_string_equal(out, "");
	free(out);
	/* The length counts, not a NUL: the field past it is not seen. */
	assert_int_equal(
	    interact_form_field("a=1&payload=2", 4, "payload", &out, &n, &err),
	    1);
	assert_null(out);
	/* Nested past the depth limit, and over the size limit. */
	buf_adds(&b, "payload=");
	for (i = 0; i < 100; i++)
		buf_adds(&b, "%5B");
	assert_int_equal(
	    interact_parse(b.data, b.len, &ia, &err), INTERACT_ERR);
	assert_string_equal(err, "payload: nested too deep");
	buf_reset(&b);
	buf_adds(&b, "payload=");
	while (b.len <= INTERACT_MAX_BODY)
		buf_adds(&b, "aaaaaaaaaaaaaaaa");
	assert_int_equal(
	    interact_parse(b.data, b.len, &ia, &err), INTERACT_ERR);
	assert_string_equal(err, "body: too large");
	buf_free(&b);
}

static void
test_url_host(void **state)
{
	static const char *good[][2] = {
	    {"https://hooks.slack.com/actions/T1/2/x", "hooks.slack.com"},
	    {"HTTPS://Hooks.Slack.COM/a", "hooks.slack.com"},
	    {"https://hooks.slack.com", "hooks.slack.com"},
	    {"https://hooks.slack.com:443/a?b#c", "hooks.slack.com"},
	    {"https://127.0.0.1:8443/x", "127.0.0.1"},
	};
	static const char *bad[] = {
	    "http://hooks.slack.com/a",
	    "ftp://hooks.slack.com/a",
	    "https://",
	    "https:///a",
	    "https://user@hooks.slack.com/a",
	    "https://hooks.slack.com@evil.example/a",
	    "https://evil.example\\@hooks.slack.com/a",
	    "https://[::1]/a",
	    "https://hooks%2eslack.com/a",
	    "https://hooks.slack.com:/a",
	    "https://hooks.slack.com:0/a",
	    "https://hooks.slack.com:99999/a",
	    "https://hooks.slack.com:44x/a",
	    "https://hooks.slack.com /a",
	    "https://hooks.slack.com/a b",
	    "https://hooks.slack.com/\n",
	    "//hooks.slack.com/a",
	};
	char host[INTERACT_MAX_HOST + 1], tiny[8];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(
		    interact_url_host(good[i][0], host, sizeof(host)), 0);
		assert_string_equal(host, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (interact_url_host(bad[i], host, sizeof(host)) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(host, "");
	}
	assert_int_equal(interact_url_host(NULL, host, sizeof(host)), -1);
	assert_int_equal(
	    interact_url_host("https://hooks.slack.com/", tiny, sizeof(tiny)),
	    -1);
	assert_int_equal(interact_url_host("https://a.bc/", tiny, 5), 0);
	assert_string_equal(tiny, "a.bc");
}

static void
test_value(void **state)
{
	static const char *acts[] = {"1h", "4h", "24h", "resolved", "unsnooze"};
	static const int64_t ids[] = {1, 42, 1700000000, INT64_MAX};
	static const char *bad[] = {
	    "",
	    "v1",
	    "v1:",
	    "v1:42",
	    "v1:42:",
	    "v1::1h",
	    "v2:42:1h",
	    "V1:42:1h",
	    "v1:042:1h",
	    "v1:0:1h",
	    "v1:-1:1h",
	    "v1:+1:1h",
	    "v1: 1:1h",
	    "v1:4 2:1h",
	    "v1:42:2h",
	    "v1:42:1H",
	    "v1:42:1h ",
	    "v1:42:1h:x",
	    "v1:42:unsnoozed",
	    "v1:9223372036854775808:1h",
	    "v1:99999999999999999999:1h",
	    "click_me_123",
	    "value-3",
	    "v1:42:resolved\n",
	};
	char buf[INTERACT_MAX_OPTION_VALUE + 1], act[INTERACT_ACTION_LEN];
	char long_value[128];
	int64_t id, ms;
	size_t i, j;

	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		for (j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
			assert_int_equal(interact_value_encode(
			                     ids[j], acts[i], buf, sizeof(buf)),
			    0);
			assert_true(strlen(buf) <= INTERACT_MAX_OPTION_VALUE);
			assert_int_equal(
			    interact_value_decode(buf, &id, act, sizeof(act)),
			    0);
			assert_true(id == ids[j]);
			assert_string_equal(act, acts[i]);
		}
	assert_int_equal(interact_value_encode(42, "4h", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "v1:42:4h");
	/* Longest value: still far under the option limit. */
	assert_int_equal(
	    interact_value_encode(INT64_MAX, "unsnooze", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "v1:9223372036854775807:unsnooze");
	/* Refusals: id, action, room. */
	assert_int_equal(interact_value_encode(0, "1h", buf, sizeof(buf)), -1);
	assert_int_equal(interact_value_encode(-5, "1h", buf, sizeof(buf)), -1);
	assert_int_equal(interact_value_encode(1, "2h", buf, sizeof(buf)), -1);
	assert_int_equal(interact_value_encode(1, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(interact_value_encode(12345, "1h", buf, 8), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (interact_value_decode(bad[i], &id, act, sizeof(act)) != -1)
			fail_msg("decoded %s", bad[i]);
	assert_int_equal(
	    interact_value_decode(NULL, &id, act, sizeof(act)), -1);
	assert_int_equal(
	    interact_value_decode("v1:1:resolved", &id, act, 8), -1);
	/* Over 75 bytes, whatever it looks like. */
	snprintf(long_value, sizeof(long_value), "v1:%0*d1:1h", 80, 0);
	assert_int_equal(
	    interact_value_decode(long_value, &id, act, sizeof(act)), -1);
	/* Durations. */
	assert_int_equal(interact_action_ms("1h", &ms), 0);
	assert_true(ms == 3600000);
	assert_int_equal(interact_action_ms("24h", &ms), 0);
	assert_true(ms == 86400000);
	assert_int_equal(interact_action_ms("resolved", &ms), 0);
	assert_true(ms == 0);
	assert_int_equal(interact_action_ms("unsnooze", &ms), -1);
	assert_int_equal(interact_action_ms("2h", &ms), -1);
	assert_int_equal(interact_action_ms(NULL, &ms), -1);
}

/* The buttons within Block Kit's limits, and each a click of ours. */
static void
check_buttons(json_t *list, int64_t incident, size_t want)
{
	struct interact ia = {0};
	const char *k, *err;
	json_t *o, *v, *o2;
	size_t i, j;
	int64_t id;
	char act[INTERACT_ACTION_LEN];

	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), want);
	json_array_foreach(list, i, o)
	{
		json_object_foreach(o, k, v)
		{
			assert_true(json_is_string(v));
			assert_true(strcmp(k, "text") == 0 ||
			    strcmp(k, "action_id") == 0 ||
			    strcmp(k, "value") == 0 || strcmp(k, "style") == 0);
		}
		assert_in_range(
		    json_string_length(json_object_get(o, "text")), 1, 75);
		assert_in_range(
		    json_string_length(json_object_get(o, "action_id")), 1,
		    255);
		assert_in_range(json_string_length(json_object_get(o, "value")),
		    1, INTERACT_MAX_OPTION_VALUE);
		if ((v = json_object_get(o, "style")) != NULL)
			assert_true(
			    strcmp(json_string_value(v), "primary") == 0 ||
			    strcmp(json_string_value(v), "danger") == 0);
		json_array_foreach(list, j, o2)
		{
			if (j != i)
				assert_string_not_equal(
				    at(o, "action_id"), at(o2, "action_id"));
		}
		/* The template puts value and action_id in unescaped. */
		assert_int_equal(
		    strcspn(at(o, "value"), "\"\\<>&"), strlen(at(o, "value")));
		ia.action_id = (char *)at(o, "action_id");
		ia.value = (char *)at(o, "value");
		assert_int_equal(
		    interact_click(&ia, &id, act, sizeof(act), &err), 0);
		assert_true(id == incident);
	}
}

static void
test_buttons(void **state)
{
	json_t *b;

	b = interact_buttons(7, 0);
	check_buttons(b, 7, 4);
	assert_string_equal(at(json_array_get(b, 0), "value"), "v1:7:1h");
	assert_string_equal(
	    at(json_array_get(b, 3), "action_id"), "snooze_resolved");
	json_decref(b);
	b = interact_buttons(INT64_MAX, 1);
	check_buttons(b, INT64_MAX, 1);
	assert_string_equal(at(json_array_get(b, 0), "text"), "Unsnooze");
	json_decref(b);
	assert_null(interact_buttons(0, 0));
	assert_null(interact_buttons(-1, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_button),
	    cmocka_unit_test(test_fixture_overflow),
	    cmocka_unit_test(test_docs_example),
	    cmocka_unit_test(test_payload_fields),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_url_host),
	    cmocka_unit_test(test_value),
	    cmocka_unit_test(test_buttons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
