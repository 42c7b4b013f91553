/*
 * fuzz_rules: rule files (YAML) through rules_parse_file; a set that parses
 * is exported to YAML and must parse back to the same rules, and is
 * evaluated against a few alerts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "log.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *s = ruleset_new(), *back;
	struct buf yaml = BUF_INIT;
	char err[1024];

	log_setup(LOG_ERROR, LOG_LOGFMT);
	if (size > 1 << 16)
		goto done;
	if (rules_parse_file(
	        s, (const char *)data, size, "fuzz", err, sizeof(err)) != 0)
		goto done;
	ruleset_sort(s);
	rules_to_yaml(s, &yaml);
	back = ruleset_new();
	if (rules_parse_file(back, buf_str(&yaml), yaml.len, "export", err,
	        sizeof(err)) != 0)
		abort(); /* export must import back */
	ruleset_sort(back);
	{
		json_t *a = rules_to_json(s), *b = rules_to_json(back);
		if (!json_equal(a, b))
			abort();
		json_decref(a);
		json_decref(b);
	}
	ruleset_free(back);
	{
		struct kv kvs[3] = {{"alertname", "Ingress5xx"},
		    {"code", "503"}, {"namespace", "chat"}};
		struct kvlist labels = {kvs, 3};
		struct alert_value v[2] = {{"B", 1300}, {"C", 1}};
		struct rule_input in;
		struct rule_decision d;

		memset(&in, 0, sizeof(in));
		in.labels = &labels;
		in.values = v;
		in.nvalues = 2;
		in.notifications = 2;
		rules_decide(s, &in, &d);
	}
done:
	buf_free(&yaml);
	ruleset_free(s);
	return 0;
}
