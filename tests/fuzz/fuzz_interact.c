/*
 * fuzz_interact.c: libFuzzer target for interact.c. Each input is tried as a
 * form body (interact_parse), as payload JSON (interact_parse_payload, so the
 * fuzzer need not discover percent-encoding to explore the JSON side), and
 * as a button value and a response_url. A refusal must carry a reason; a
 * parsed click must hold only bounded, valid fields; a decoded value must
 * encode back to the same bytes. Seeds: tests/fuzz/corpus/interact/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interact.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_interact: %s\n", what);
	abort();
}

/* A string of the result: bounded and without control characters. */
static void
check_str(const char *s, size_t max)
{
	size_t i, n;

	if (s == NULL)
		fuzz_fail("NULL field");
	n = strlen(s);
	if (n > max || !util_utf8_valid(s, n))
		fuzz_fail("field too long or not UTF-8");
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fuzz_fail("control character in a field");
}

static void
check_value(const char *s)
{
	char act[INTERACT_ACTION_LEN], again[INTERACT_MAX_OPTION_VALUE + 1];
	int64_t id, ms;

	if (interact_value_decode(s, &id, act, sizeof(act)) == -1)
		return;
	if (id <= 0)
		fuzz_fail("decoded a non-positive id");
	if (interact_value_encode(id, act, again, sizeof(again)) == -1)
		fuzz_fail("decoded value does not encode");
	if (strcmp(again, s) != 0)
		fuzz_fail("value round trip differs");
	if (interact_action_ms(act, &ms) == 0 && ms < 0)
		fuzz_fail("negative snooze length");
}

static void
check_result(int rc, struct interact *ia, const char *err)
{
	char host[INTERACT_MAX_HOST + 1], act[INTERACT_ACTION_LEN];
	const char *why;
	int64_t id;

	if (rc != INTERACT_OK) {
		if (ia != NULL || err == NULL || err[0] == '\0')
			fuzz_fail("refusal without a reason, or with a result");
		return;
	}
	if (ia == NULL)
		fuzz_fail("OK without a result");
	check_str(ia->user_id, INTERACT_MAX_ID);
	check_str(ia->team_id, INTERACT_MAX_ID);
	check_str(ia->channel_id, INTERACT_MAX_ID);
	check_str(ia->user_name, INTERACT_MAX_NAME);
	check_str(ia->message_ts, INTERACT_MAX_TS);
	check_str(ia->action_ts, INTERACT_MAX_TS);
	check_str(ia->response_url, 3000);
	check_str(ia->action_id, INTERACT_MAX_ACTION_ID);
	check_str(ia->block_id, INTERACT_MAX_ACTION_ID);
	check_str(ia->value, INTERACT_MAX_VALUE);
	if (strchr("UW", ia->user_id[0]) == NULL || ia->team_id[0] != 'T' ||
	    strchr("CGD", ia->channel_id[0]) == NULL)
		fuzz_fail("id with a wrong prefix");
	if (interact_url_host(ia->response_url, host, sizeof(host)) == -1)
		fuzz_fail("accepted response_url has no host");
	check_value(ia->value);
	if (interact_click(ia, &id, act, sizeof(act), &why) == 0 && id <= 0)
		fuzz_fail("click with a non-positive id");
	interact_free(ia);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct interact *ia;
	const char *err;
	char *s, *field, host[INTERACT_MAX_HOST + 1];
	size_t n;
	int rc;

	err = NULL;
	rc = interact_form_field(
	    (const char *)data, size, "payload", &field, &n, &err);
	if (rc == 0) {
		if (field == NULL || n != strlen(field) || n > size)
			fuzz_fail("decoded field length");
		free(field);
	} else if (field != NULL || (rc == -1 && err == NULL))
		fuzz_fail("form refusal");

	err = NULL;
	rc = interact_parse((const char *)data, size, &ia, &err);
	check_result(rc, ia, err);
	err = NULL;
	rc = interact_parse_payload((const char *)data, size, &ia, &err);
	check_result(rc, ia, err);

	/* As C strings: values and URLs arrive NUL-terminated. */
	s = xstrndup((const char *)data, size);
	check_value(s);
	if (interact_url_host(s, host, sizeof(host)) == 0 &&
	    (host[0] == '\0' || strlen(host) > INTERACT_MAX_HOST ||
	        strcspn(host, "@[]:/\\%") != strlen(host)))
		fuzz_fail("odd host accepted");
	free(s);
	return 0;
}
