/* Unit tests: incident.c (snapshot classification, incident keys). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "incident.h"

/* Every case of SPEC section 5 that classification decides. */
static void
test_classify_table(void **state)
{
	static const struct {
		const char *what;
		struct incident_prev prev;
		enum alert_status status;
		int64_t starts_at;
		enum incident_change want;
	} cases[] = {
	    {"first firing", {0, 0, 0, 0}, ALERT_FIRING, 1000, INCIDENT_FIRING},
	    {"re-send, same episode", {1, 1, 1000, 1}, ALERT_FIRING, 1000,
	        INCIDENT_NONE},
	    {"new startsAt: new episode", {1, 1, 1000, 1}, ALERT_FIRING, 2000,
	        INCIDENT_FIRING},
	    {"no startsAt sent: same episode", {1, 1, 1000, 1}, ALERT_FIRING, 0,
	        INCIDENT_NONE},
	    {"firing after resolved", {1, 0, 1000, 0}, ALERT_FIRING, 1000,
	        INCIDENT_FIRING},
	    {"incident closed meanwhile (stale)", {1, 1, 1000, 0}, ALERT_FIRING,
	        1000, INCIDENT_FIRING},
	    {"resolves", {1, 1, 1000, 1}, ALERT_RESOLVED, 1000,
	        INCIDENT_RESOLVED},
	    {"resolved again (re-send)", {1, 0, 1000, 0}, ALERT_RESOLVED, 1000,
	        INCIDENT_NONE},
	    {"resolved, never seen firing", {0, 0, 0, 0}, ALERT_RESOLVED, 1000,
	        INCIDENT_UNSEEN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct alert a;
		memset(&a, 0, sizeof(a));
		a.status = cases[i].status;
		a.starts_at = cases[i].starts_at;
		if (incident_classify(&cases[i].prev, &a) != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].what,
			    incident_classify(&cases[i].prev, &a),
			    cases[i].want);
	}
}

static void
test_key(void **state)
{
	struct kv labels[3] = {
	    {"alertname", "A"}, {"cluster", "eu/1"}, {"namespace", "chat"}};
	char *il[] = {"cluster", "region"};
	struct strlist incident_labels = {il, 2};
	struct alert a;
	struct buf b = BUF_INIT;

	memset(&a, 0, sizeof(a));
	a.namespace = "chat";
	a.alertname = "Ingress5xx";
	a.labels.v = labels;
	a.labels.n = 3;
	incident_key(&a, &incident_labels, &b);
	/* Present labels only; '/' inside a part is escaped. */
	assert_string_equal(buf_str(&b), "chat/Ingress5xx/cluster=eu\\/1");
	buf_reset(&b);
	incident_labels_json(&a, &incident_labels, &b);
	assert_string_equal(buf_str(&b), "{\"cluster\":\"eu/1\"}");
	buf_reset(&b);
	/* Parts that differ must never make the same key. */
	a.namespace = "a/b";
	a.alertname = "c";
	incident_key(&a, NULL, &b);
	assert_string_equal(buf_str(&b), "a\\/b/c");
	buf_free(&b);
}

static void
test_priority(void **state)
{
	assert_true(
	    incident_priority("critical", 0) > incident_priority("warning", 0));
	assert_true(
	    incident_priority("warning", 1) > incident_priority("warning", 0));
	assert_int_equal(incident_priority(NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify_table),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_priority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
