/*
 * cli_rules.c: the rules commands; see cli_rules.h.
 */
#include "cli_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "limits.h"
#include "rulebook.h"
#include "rules.h"
#include "store.h"
#include "store_rule.h"
#include "util.h"
#include "webhook.h"

static struct store *
open_db(const struct config *cfg, enum store_mode mode)
{
	char err[1024];
	struct store *s = store_open(cfg->database, mode, err, sizeof(err));

	if (s == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return NULL;
	}
	if (mode == STORE_RW && store_migrate(s, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		store_close(s);
		return NULL;
	}
	return s;
}

/* The rules the daemon would use: the database's, or the files' while the
 * database was never given any. */
struct ruleset *
cli_rules_current(const struct config *cfg, struct store *s)
{
	char err[1024];
	struct ruleset *set = NULL;

	if (s != NULL) {
		struct buf flag = BUF_INIT;
		int have = store_meta_get(s, "rules_imported", &flag);
		buf_free(&flag);
		if (have > 0)
			set = rulebook_load(s, err, sizeof(err));
		else if (have == 0)
			set = rules_load_dir(cfg->rules, err, sizeof(err));
		else
			snprintf(err, sizeof(err), "%s", store_errmsg(s));
	} else {
		set = rules_load_dir(cfg->rules, err, sizeof(err));
	}
	if (set == NULL)
		fprintf(stderr, "alert-delivery: %s\n", err);
	return set;
}

static int
list(const struct config *cfg)
{
	struct store *s =
	    access(cfg->database, F_OK) == 0 ? open_db(cfg, STORE_RO) : NULL;
	struct ruleset *set = cli_rules_current(cfg, s);

	if (set == NULL) {
		store_close(s);
		return 1;
	}
	printf("%-8s %-28s %s\n", "PRIORITY", "NAME", "RULE");
	for (size_t i = 0; i < ruleset_count(set); i++) {
		json_t *j = rule_to_json(ruleset_get(set, i));
		long long prio =
		    json_integer_value(json_object_get(j, "priority"));
		char *text;
		json_object_del(j, "name");
		json_object_del(j, "priority");
		text = json_dumps(j, JSON_COMPACT);
		printf("%-8lld %-28s %s\n", prio,
		    rule_name(ruleset_get(set, i)), text != NULL ? text : "");
		free(text);
		json_decref(j);
	}
	ruleset_free(set);
	store_close(s);
	return 0;
}

static int
import(const struct config *cfg, const char *dir)
{
	char err[1024];
	struct ruleset *set = rules_load_dir(dir, err, sizeof(err));
	struct buf diff = BUF_INIT;
	struct store *s;
	int rc = 1;

	if (set == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 2;
	}
	s = open_db(cfg, STORE_RW);
	if (s != NULL &&
	    rulebook_replace(s, set, &diff, util_now_ms(), err, sizeof(err)) ==
	        0) {
		printf("%s%zu rules imported from %s\n", buf_str(&diff),
		    ruleset_count(set), dir);
		rc = 0;
	} else if (s != NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
	}
	buf_free(&diff);
	ruleset_free(set);
	store_close(s);
	return rc;
}

static int export(const struct config *cfg)
{
	struct store *s =
	    access(cfg->database, F_OK) == 0 ? open_db(cfg, STORE_RO) : NULL;
	struct ruleset *set = cli_rules_current(cfg, s);
	struct buf out = BUF_INIT;

	if (set == NULL) {
		store_close(s);
		return 1;
	}
	rules_to_yaml(set, &out);
	fputs(buf_str(&out), stdout);
	buf_free(&out);
	ruleset_free(set);
	store_close(s);
	return 0;
}

static int
test(const struct config *cfg, const char *path)
{
	struct store *s =
	    access(cfg->database, F_OK) == 0 ? open_db(cfg, STORE_RO) : NULL;
	struct ruleset *set = cli_rules_current(cfg, s);
	char err[1024], *body = NULL;
	size_t len = 0;
	int rc = 1;
	json_t *out;

	if (set == NULL)
		goto done;
	body =
	    cli_read_file(path, LIMIT_MAX_BODY_DEFAULT, &len, err, sizeof(err));
	if (body == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		goto done;
	}
	out = rulebook_explain(
	    set, s, cfg, body, len, util_now_ms(), err, sizeof(err));
	if (out == NULL) {
		fprintf(stderr, "alert-delivery: %s: %s\n", path, err);
		rc = 2;
		goto done;
	}
	{
		char *text = json_dumps(out, JSON_INDENT(2));
		if (text != NULL)
			printf("%s\n", text);
		free(text);
	}
	json_decref(out);
	rc = 0;
done:
	free(body);
	ruleset_free(set);
	store_close(s);
	return rc;
}

int
cli_rules(const struct cli_args *a)
{
	char err[1024];
	struct config *cfg = config_load(a->config, err, sizeof(err));
	const char *verb = a->nwords > 0 ? a->words[0] : "";
	int rc = 2;

	if (cfg == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 2;
	}
	if (strcmp(verb, "list") == 0 && a->nwords == 1)
		rc = list(cfg);
	else if (strcmp(verb, "import") == 0 && a->nwords == 2)
		rc = import(cfg, a->words[1]);
	else if (strcmp(verb, "export") == 0 && a->nwords == 1)
		rc = export(cfg);
	else if (strcmp(verb, "test") == 0 && a->nwords == 2)
		rc = test(cfg, a->words[1]);
	else
		fprintf(stderr,
		    "alert-delivery: usage: alert-delivery rules "
		    "list|import DIR|export|test PAYLOAD.json\n");
	config_free(cfg);
	return rc;
}
