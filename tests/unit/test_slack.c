/* Unit tests: slack.c (bodies, Appendix B) and ratelimit.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ratelimit.h"
#include "slack.h"

static void
answer(int webhook, int ok, long status, const char *body,
    const char *retry_after, struct slack_result *out)
{
	struct http_response r;

	memset(&r, 0, sizeof(r));
	r.ok = ok;
	r.status = status;
	r.body = body;
	r.body_len = strlen(body);
	r.retry_after = retry_after;
	r.error = ok ? NULL : "Connection refused";
	slack_classify(webhook, &r, out);
}

/* Every row of SPEC Appendix B. */
static void
test_appendix_b(void **state)
{
	static const struct {
		long status;
		const char *body;
		enum slack_outcome want;
	} cases[] = {
	    {200, "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1.2\"}", SLACK_OK},
	    {429, "{\"ok\":false,\"error\":\"ratelimited\"}",
	        SLACK_RATELIMITED},
	    {200, "{\"ok\":false,\"error\":\"rate_limited\"}",
	        SLACK_RATELIMITED},
	    {500, "", SLACK_RETRY},
	    {503, "<html>", SLACK_RETRY},
	    {200, "{\"ok\":false,\"error\":\"internal_error\"}", SLACK_RETRY},
	    {200, "{\"ok\":false,\"error\":\"service_unavailable\"}",
	        SLACK_RETRY},
	    {200, "{\"ok\":false,\"error\":\"request_timeout\"}", SLACK_RETRY},
	    {200, "{\"ok\":false,\"error\":\"team_added_to_org\"}",
	        SLACK_RETRY},
	    {200, "{\"ok\":false,\"error\":\"update_failed\"}", SLACK_RETRY},
	    {200, "{\"ok\":false,\"error\":\"fatal_error\"}", SLACK_RETRY_ONCE},
	    {200, "{\"ok\":false,\"error\":\"invalid_auth\"}", SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"not_authed\"}", SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"account_inactive\"}", SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"token_revoked\"}", SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"token_expired\"}", SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"missing_scope\"}", SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"not_allowed_token_type\"}",
	        SLACK_AUTH},
	    {200, "{\"ok\":false,\"error\":\"channel_not_found\"}",
	        SLACK_CHANNEL},
	    {200, "{\"ok\":false,\"error\":\"not_in_channel\"}", SLACK_CHANNEL},
	    {200, "{\"ok\":false,\"error\":\"is_archived\"}", SLACK_CHANNEL},
	    {200, "{\"ok\":false,\"error\":\"invalid_blocks\"}", SLACK_BLOCKS},
	    {200, "{\"ok\":false,\"error\":\"invalid_blocks_format\"}",
	        SLACK_BLOCKS},
	    {200, "{\"ok\":false,\"error\":\"msg_too_long\"}", SLACK_BLOCKS},
	    {200, "{\"ok\":false,\"error\":\"msg_blocks_too_long\"}",
	        SLACK_BLOCKS},
	    {200, "{\"ok\":false,\"error\":\"no_text\"}", SLACK_BLOCKS},
	    {200, "{\"ok\":false,\"error\":\"message_not_found\"}", SLACK_GONE},
	    {200, "{\"ok\":false,\"error\":\"cant_update_message\"}",
	        SLACK_GONE},
	    {200, "{\"ok\":false,\"error\":\"edit_window_closed\"}",
	        SLACK_GONE},
	    {200, "{\"ok\":false,\"error\":\"too_many_attachments\"}",
	        SLACK_FAILED},
	    {200, "not json", SLACK_RETRY},
	    {200, "", SLACK_RETRY},
	    {200, "{\"ok\":\"yes\"}", SLACK_RETRY},
	};
	struct slack_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		answer(0, 1, cases[i].status, cases[i].body, NULL, &r);
		if (r.outcome != cases[i].want)
			fail_msg("%ld %s: got %d, want %d", cases[i].status,
			    cases[i].body, r.outcome, cases[i].want);
	}
	answer(0, 1, 200, "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1.2\"}",
	    NULL, &r);
	assert_string_equal(r.channel, "C1");
	assert_string_equal(r.ts, "1.2");
	answer(0, 0, 0, "", NULL, &r);
	assert_int_equal(r.outcome, SLACK_RETRY);
	assert_string_equal(r.error, "Connection refused");
}

static void
test_retry_after(void **state)
{
	struct slack_result r;

	answer(0, 1, 429, "", "2", &r);
	assert_int_equal(r.outcome, SLACK_RATELIMITED);
	assert_int_equal(r.retry_ms, 2000);
	answer(0, 1, 429, "", NULL, &r);
	assert_int_equal(r.retry_ms, 30000); /* SPEC default */
	answer(0, 1, 429, "", "soon", &r);
	assert_int_equal(r.retry_ms, 30000);
}

static void
test_webhook_answers(void **state)
{
	struct slack_result r;

	answer(1, 1, 200, "ok", NULL, &r);
	assert_int_equal(r.outcome, SLACK_OK);
	answer(1, 1, 400, "invalid_payload", NULL, &r);
	assert_int_equal(r.outcome, SLACK_BLOCKS);
	answer(1, 1, 404, "channel_not_found", NULL, &r);
	assert_int_equal(r.outcome, SLACK_CHANNEL);
	answer(1, 1, 403, "action_prohibited", NULL, &r);
	assert_int_equal(r.outcome, SLACK_FAILED);
	answer(1, 1, 500, "rollup_error", NULL, &r);
	assert_int_equal(r.outcome, SLACK_RETRY);
	answer(1, 1, 429, "", "1", &r);
	assert_int_equal(r.outcome, SLACK_RATELIMITED);
}

static void
test_bodies(void **state)
{
	struct slack_msg m;
	json_t *j;
	char *s;

	memset(&m, 0, sizeof(m));
	m.channel = "#alerts";
	m.text = "hi <!channel>";
	m.blocks = "[{\"type\":\"divider\"}]";
	m.thread_ts = "1.2";
	m.broadcast = 1;
	s = slack_api_body(&m);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(j, "parse")), "none");
	assert_true(json_is_false(json_object_get(j, "link_names")));
	assert_true(json_is_true(json_object_get(j, "reply_broadcast")));
	assert_string_equal(
	    json_string_value(json_object_get(j, "thread_ts")), "1.2");
	assert_int_equal(json_array_size(json_object_get(j, "blocks")), 1);
	json_decref(j);
	free(s);
	/* An update carries ts; plain leaves the blocks out. */
	m.thread_ts = NULL;
	m.ts = "3.4";
	m.plain = 1;
	s = slack_api_body(&m);
	j = json_loads(s, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "ts")), "3.4");
	assert_null(json_object_get(j, "blocks"));
	assert_null(json_object_get(j, "thread_ts"));
	json_decref(j);
	free(s);
}

static void
test_ids(void **state)
{
	assert_true(slack_user_id("U024BE7LH"));
	assert_true(slack_user_id("W0123"));
	assert_false(slack_user_id("U0 12"));
	assert_false(slack_user_id("U0>"));
	assert_false(slack_user_id("S0123"));
	assert_true(slack_group_id("SAZ94GDB8"));
	assert_false(slack_group_id("S"));
	assert_false(slack_group_id("Saz"));
}

static void
test_bucket(void **state)
{
	struct bucket b;
	int64_t t = 1000000;

	bucket_init(&b, 1, 3, t);
	for (int i = 0; i < 3; i++) {
		assert_true(bucket_ready(&b, t));
		bucket_take(&b, t);
	}
	assert_false(bucket_ready(&b, t));
	assert_in_range(bucket_wait(&b, t), 990, 1010);
	assert_false(bucket_ready(&b, t + 500));
	assert_true(bucket_ready(&b, t + 1000));
	/* Refill stops at the burst. */
	assert_true(bucket_ready(&b, t + 100000));
	for (int i = 0; i < 3; i++)
		bucket_take(&b, t + 100000);
	assert_false(bucket_ready(&b, t + 100000));
	/* 0 = unlimited. */
	bucket_init(&b, 0, 3, t);
	for (int i = 0; i < 100; i++) {
		assert_true(bucket_ready(&b, t));
		bucket_take(&b, t);
	}
	assert_int_equal(bucket_wait(&b, t), 0);
}

static void
test_backoff(void **state)
{
	/* Doubles from base, capped, with jitter in [d/2, d). */
	assert_in_range(backoff_ms(1000, 300000, 0, 0), 500, 500);
	assert_in_range(backoff_ms(1000, 300000, 0, 0xffffffff), 500, 999);
	assert_in_range(backoff_ms(1000, 300000, 3, 0x80000000), 4000, 8000);
	assert_in_range(
	    backoff_ms(1000, 300000, 30, 0xffffffff), 150000, 300000);
	assert_int_equal(retry_after_ms("7", 30), 7000);
	assert_int_equal(retry_after_ms(NULL, 30), 30000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_appendix_b),
	    cmocka_unit_test(test_retry_after),
	    cmocka_unit_test(test_webhook_answers),
	    cmocka_unit_test(test_bodies),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_bucket),
	    cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
