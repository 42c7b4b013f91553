/*
 * fuzz_webhook.c: libFuzzer target for webhook_parse. Any input must be
 * refused with a valid UTF-8 reason or parsed; a parsed batch must survive
 * webhook_serialize and parse back to the same alerts. Seeds: the shared
 * fixtures in tests/fuzz/corpus/webhook/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "util.h"
#include "webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_webhook: %s: %s\n", what, detail);
	abort();
}

static void
check_same(const struct alert_batch *a, const struct alert_batch *b)
{
	if (a->nalerts != b->nalerts)
		fuzz_fail("round trip", "alert count differs");
	if (a->truncated != b->truncated)
		fuzz_fail("round trip", "truncated count differs");
	for (size_t i = 0; i < a->nalerts; i++) {
		const struct alert *x = &a->alerts[i], *y = &b->alerts[i];

		if (strcmp(x->fingerprint, y->fingerprint) != 0)
			fuzz_fail("round trip", x->fingerprint);
		if (x->status != y->status || x->starts_at != y->starts_at ||
		    x->ends_at != y->ends_at || x->has_org != y->has_org ||
		    x->org_id != y->org_id)
			fuzz_fail("round trip", "status, times or org differ");
		if (strcmp(x->namespace, y->namespace) != 0 ||
		    strcmp(x->alertname, y->alertname) != 0)
			fuzz_fail(
			    "round trip", "namespace or alertname differ");
		if (x->labels.n != y->labels.n || x->nvalues != y->nvalues)
			fuzz_fail("round trip", "labels or values differ");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char ns[] = "namespace", pod[] = "pod";
	static char *nsv[] = {ns}, *podv[] = {pod};
	static const struct strlist nsl = {nsv, 1}, il = {podv, 1};
	/* A small max_alerts keeps executions fast and exercises truncation. */
	static const struct webhook_opts opts = {
	    &nsl, "default", 64, 1700000000000LL};
	static const enum alert_source srcs[] = {
	    ALERT_SRC_GRAFANA, ALERT_SRC_ALERTMANAGER};
	char err[256];

	for (size_t s = 0; s < 2; s++) {
		struct alert_batch *b, *b2;
		char *json;

		b = webhook_parse(
		    srcs[s], (const char *)data, size, &opts, err, sizeof(err));
		if (b == NULL) {
			if (err[0] == '\0' ||
			    !util_utf8_valid(err, strlen(err)))
				fuzz_fail("refusal", "empty or invalid reason");
			continue;
		}
		if (webhook_count_incidents(b, &il) > b->nalerts)
			fuzz_fail("incidents", "more incidents than alerts");
		json = webhook_serialize(b);
		b2 = webhook_parse(
		    srcs[s], json, strlen(json), &opts, err, sizeof(err));
		if (b2 == NULL)
			fuzz_fail("re-parse refused", err);
		check_same(b, b2);
		alert_batch_free(b2);
		alert_batch_free(b);
		free(json);
	}
	return 0;
}
