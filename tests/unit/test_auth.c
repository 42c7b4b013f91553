/* Unit tests: auth.c (webhook tokens, Grafana HMAC, Slack v0 signatures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

static void
test_token(void **state)
{
	assert_true(auth_webhook_token("Bearer s3cret", "s3cret"));
	assert_true(auth_webhook_token("bearer s3cret", "s3cret"));
	assert_false(auth_webhook_token("Bearer s3cre", "s3cret"));
	assert_false(auth_webhook_token("Bearer s3cretx", "s3cret"));
	assert_false(auth_webhook_token(NULL, "s3cret"));
	assert_false(auth_webhook_token("", "s3cret"));
	/* base64("grafana:s3cret") and base64(":s3cret") */
	assert_true(auth_webhook_token("Basic Z3JhZmFuYTpzM2NyZXQ=", "s3cret"));
	assert_true(auth_webhook_token("Basic OnMzY3JldA==", "s3cret"));
	/* base64("grafana:wrong"), no colon, garbage */
	assert_false(
	    auth_webhook_token("Basic Z3JhZmFuYTp3cm9uZw==", "s3cret"));
	assert_false(auth_webhook_token("Basic czNjcmV0", "s3cret"));
	assert_false(auth_webhook_token("Basic !!!!", "s3cret"));
	assert_false(auth_webhook_token("Digest s3cret", "s3cret"));
	/* An empty configured token never matches. */
	assert_false(auth_webhook_token("Bearer ", ""));
}

/* Values computed independently with Python's hmac (notes/grafana-webhook.md).
 */
static void
test_grafana_hmac(void **state)
{
	const char *why = NULL;
	const char *body = "test message";
	const int64_t now = 1700000000;

	assert_int_equal(auth_grafana_hmac("secret",
	                     "3bcebf43c85d20bba6e3b6ba278af1d2ba3"
	                     "ab0d57de271b0ad30b833e851c5a6",
	                     0, NULL, body, strlen(body), now, &why),
	    0);
	assert_int_equal(auth_grafana_hmac("secret",
	                     "36fa366a807205a13fc507ea4413374566a"
	                     "d5808c7ca7653f94d121fe5e64c2d",
	                     1, "1700000000", body, strlen(body), now, &why),
	    0);
	assert_int_equal(auth_grafana_hmac("secret",
	                     "f9e66e179b6747ae54108f82f8ade8b3c25"
	                     "d76fd30afde6c395822c530196169",
	                     0, NULL, "", 0, now, &why),
	    0);
	/* Wrong body, wrong secret, uppercase hex, missing header. */
	assert_int_equal(auth_grafana_hmac("secret",
	                     "3bcebf43c85d20bba6e3b6ba278af1d2ba3"
	                     "ab0d57de271b0ad30b833e851c5a6",
	                     0, NULL, "test messagE", 12, now, &why),
	    -1);
	assert_string_equal(why, "signature mismatch");
	assert_int_equal(auth_grafana_hmac("secreT",
	                     "3bcebf43c85d20bba6e3b6ba278af1d2ba3"
	                     "ab0d57de271b0ad30b833e851c5a6",
	                     0, NULL, body, strlen(body), now, &why),
	    -1);
	assert_int_equal(auth_grafana_hmac("secret", NULL, 0, NULL, body,
	                     strlen(body), now, &why),
	    -1);
	assert_string_equal(why, "missing signature");
	/* Stale (6 minutes) and future timestamps. */
	assert_int_equal(
	    auth_grafana_hmac("secret",
	        "36fa366a807205a13fc507ea4413374566a"
	        "d5808c7ca7653f94d121fe5e64c2d",
	        1, "1700000000", body, strlen(body), now + 360, &why),
	    -1);
	assert_string_equal(why, "timestamp outside the 5 minute window");
	assert_int_equal(
	    auth_grafana_hmac("secret",
	        "36fa366a807205a13fc507ea4413374566a"
	        "d5808c7ca7653f94d121fe5e64c2d",
	        1, "1700000000", body, strlen(body), now - 360, &why),
	    -1);
	assert_int_equal(auth_grafana_hmac("secret",
	                     "36fa366a807205a13fc507ea4413374566a"
	                     "d5808c7ca7653f94d121fe5e64c2d",
	                     1, NULL, body, strlen(body), now, &why),
	    -1);
	assert_string_equal(why, "missing timestamp");
	assert_int_equal(auth_grafana_hmac("secret", "00", 1, "17e8", body,
	                     strlen(body), now, &why),
	    -1);
}

static const char slack_body[] =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain="
    "testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id="
    "U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
    "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."
    "47445629121.803a0bc887a14d10d2c447fce8b6703c";
static const char slack_sig[] =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
static const char slack_secret[] = "8f742231b10e8888abcd99yyyzzz85a5";

/* Slack's own published example, with the clock pinned as its SDKs do. */
static void
test_slack_official(void **state)
{
	const char *why = NULL;

	assert_int_equal(strlen(slack_body), 362);
	assert_int_equal(
	    auth_slack_signature(slack_secret, "1531420618", slack_sig,
	        slack_body, strlen(slack_body), 1531420618, &why),
	    0);
	/* Altered body. */
	assert_int_equal(
	    auth_slack_signature(slack_secret, "1531420618", slack_sig,
	        slack_body, strlen(slack_body) - 1, 1531420618, &why),
	    -1);
	/* Real clock: far outside the window. */
	assert_int_equal(
	    auth_slack_signature(slack_secret, "1531420618", slack_sig,
	        slack_body, strlen(slack_body), 1531420618 + 301, &why),
	    -1);
	assert_string_equal(why, "timestamp outside the 5 minute window");
	/* Unknown version. */
	assert_int_equal(auth_slack_signature(slack_secret, "1531420618",
	                     "v1="
	                     "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd275"
	                     "19666489c69b503",
	                     slack_body, strlen(slack_body), 1531420618, &why),
	    -1);
	assert_string_equal(why, "unknown signature version");
}

/* Reads a whole file; returns new or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		} else if (data != NULL) {
			data[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

/*
 * Every record of the shared vector file, when it is there. Bodies are
 * literal, "<A1 body>" (+ suffix), "(zero bytes)" or "file NAME".
 */
static void
test_slack_vector_file(void **state)
{
	const char *shared = getenv("RELAY_SHARED");
	char path[4096], line[8192];
	char secret[256] = "", ts[64] = "";
	char *body = NULL;
	size_t blen = 0;
	int checked = 0;
	FILE *f;

	if (shared == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/fixtures/slack/signature-vectors.txt",
	    shared);
	f = fopen(path, "r");
	if (f == NULL)
		skip();
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, ':');
		line[strcspn(line, "\n")] = '\0';
		if (v == NULL)
			continue;
		v++;
		v += strspn(v, " ");
		if (strncmp(line, "secret:", 7) == 0) {
			snprintf(secret, sizeof(secret), "%s", v);
		} else if (strncmp(line, "timestamp:", 10) == 0) {
			snprintf(ts, sizeof(ts), "%s", v);
		} else if (strncmp(line, "body:", 5) == 0) {
			free(body);
			body = NULL;
			if (strncmp(v, "<A1 body>", 9) == 0) {
				const char *extra = v + 9;
				size_t n = strcspn(extra, " ");
				blen = strlen(slack_body) + n;
				body = malloc(blen + 1);
				memcpy(body, slack_body, strlen(slack_body));
				memcpy(body + strlen(slack_body), extra, n);
				body[blen] = '\0';
			} else if (strncmp(v, "(zero bytes)", 12) == 0) {
				body = strdup("");
				blen = 0;
			} else if (strncmp(v, "file ", 5) == 0) {
				char fp[4096];
				int n = (int)strcspn(v + 5, " ");
				snprintf(fp, sizeof(fp),
				    "%s/fixtures/slack/%.*s", shared, n, v + 5);
				body = slurp(fp, &blen);
				assert_non_null(body);
			} else {
				body = strdup(v);
				blen = strlen(body);
			}
		} else if (strncmp(line, "signature:", 10) == 0 &&
		    body != NULL) {
			const char *why = NULL;
			long long t = strtoll(ts, NULL, 10);
			if (auth_slack_signature(
			        secret, ts, v, body, blen, t, &why) != 0)
				fail_msg("vector %s/%zu bytes failed: %s", ts,
				    blen, why);
			/* One byte more must fail. */
			if (blen > 0 &&
			    auth_slack_signature(
			        secret, ts, v, body, blen - 1, t, &why) == 0)
				fail_msg("vector %s accepted a cut body", ts);
			checked++;
			free(body);
			body = NULL;
		}
	}
	free(body);
	fclose(f);
	assert_true(checked >= 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_grafana_hmac),
	    cmocka_unit_test(test_slack_official),
	    cmocka_unit_test(test_slack_vector_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
