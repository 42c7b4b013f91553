/*
 * cli_snooze.c: the snooze commands; see cli_snooze.h.
 */
#include "cli_snooze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "snooze.h"
#include "store.h"
#include "store_snooze.h"
#include "util.h"

static int
print_one(void *arg, const struct store_snooze *z)
{
	char start[40], end[40];
	json_t *m = json_loads(z->matchers, 0, NULL);
	char *ms = m != NULL ? json_dumps(m, JSON_COMPACT) : NULL;

	util_time_format(z->starts_at, start, sizeof(start));
	util_time_format(z->ends_at, end, sizeof(end));
	printf("%-5lld %-22s %-22s %-14s %s%s%s\n", (long long)z->id, start,
	    end, z->author_name[0] != '\0' ? z->author_name : z->author,
	    ms != NULL ? ms : z->matchers, z->reason[0] != '\0' ? "  # " : "",
	    z->reason);
	free(ms);
	json_decref(m);
	return 0;
}

int
cli_snooze(const struct cli_args *a)
{
	char err[1024];
	struct config *cfg = config_load(a->config, err, sizeof(err));
	const char *verb = a->nwords > 0 ? a->words[0] : "";
	struct store *s = NULL;
	int rc = 2;

	if (cfg == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 2;
	}
	s = store_open(cfg->database, STORE_RW, err, sizeof(err));
	if (s == NULL || store_migrate(s, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		rc = 1;
		goto done;
	}
	if (strcmp(verb, "list") == 0 && a->nwords == 1) {
		printf("%-5s %-22s %-22s %-14s %s\n", "ID", "STARTS", "ENDS",
		    "BY", "MATCHERS");
		rc =
		    store_snoozes_each(s, 0, 1000, print_one, NULL) < 0 ? 1 : 0;
	} else if (strcmp(verb, "add") == 0 && a->nwords >= 2) {
		struct snooze_spec spec;
		int64_t now = util_now_ms(), dur, id;

		memset(&spec, 0, sizeof(spec));
		if (a->for_ == NULL || snooze_duration(a->for_, &dur) != 0) {
			fprintf(stderr,
			    "alert-delivery: snooze add needs --for "
			    "DURATION (e.g. 4h)\n");
			goto done;
		}
		spec.matchers = &a->words[1];
		spec.nmatchers = (size_t)a->nwords - 1;
		spec.starts_at = now;
		spec.ends_at = now + dur;
		spec.author = "cli";
		spec.reason = a->reason;
		if (snooze_validate(&spec, now, err, sizeof(err)) != 0) {
			fprintf(stderr, "alert-delivery: %s\n", err);
			goto done;
		}
		if (store_begin(s) != 0 ||
		    (id = store_snooze_add(s, &spec, now)) < 0 ||
		    store_commit(s) != 0) {
			fprintf(
			    stderr, "alert-delivery: %s\n", store_errmsg(s));
			rc = 1;
			goto done;
		}
		printf("snooze %lld added\n", (long long)id);
		rc = 0;
	} else if (strcmp(verb, "remove") == 0 && a->nwords == 2) {
		long long id;
		const char *e;
		int ended;

		if (util_strtonum(a->words[1], 1, INT64_MAX, &id, &e) != 0) {
			fprintf(
			    stderr, "alert-delivery: remove: ID is %s\n", e);
			goto done;
		}
		if (store_begin(s) != 0 ||
		    (ended = store_snooze_end(s, id, "cli", util_now_ms())) <
		        0 ||
		    store_commit(s) != 0) {
			fprintf(
			    stderr, "alert-delivery: %s\n", store_errmsg(s));
			rc = 1;
			goto done;
		}
		if (!ended) {
			fprintf(stderr,
			    "alert-delivery: no snooze %lld in force\n", id);
			rc = 1;
			goto done;
		}
		printf("snooze %lld ended\n", id);
		rc = 0;
	} else {
		fprintf(stderr,
		    "alert-delivery: usage: alert-delivery snooze "
		    "list|add MATCHER... --for DURATION [--reason "
		    "TEXT]|remove ID\n");
	}
done:
	store_close(s);
	config_free(cfg);
	return rc;
}
