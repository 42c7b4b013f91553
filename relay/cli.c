/*
 * cli.c: argument parsing, help texts and the commands that run without the
 * event loop (check, migrate, backup, version); see cli.h.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* PACKAGE_VERSION comes from configure (DEFS). */
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

/* Option flags a command accepts. */
#define O_ONLINE 0x01
#define O_NODB 0x02
#define O_JSON 0x04
#define O_POST 0x08
#define O_SINCE 0x10
#define O_FOR 0x20
#define O_REASON 0x40

struct command {
	const char *name;
	unsigned opts;
	int min_words, max_words;
	const char *usage;
	const char *help;
};

static const struct command commands[] = {
    {"serve", 0, 0, 0, "serve [-c FILE]",
     "Runs the daemon in the foreground until SIGTERM or SIGINT.\n"
     "SIGHUP re-reads the config (and templates and catalog file)."},
    {"check", O_ONLINE, 0, 0, "check [-c FILE] [--online]",
     "Validates the config, templates, catalog file and rule files and\n"
     "exits 0 when serve would accept them, 2 otherwise (file:line: reason).\n"
     "--online also calls Slack auth.test and the catalog."},
    {"migrate", 0, 0, 0, "migrate [-c FILE]",
     "Applies the schema migrations to the database and exits."},
    {"backup", 0, 1, 1, "backup [-c FILE] FILE",
     "Writes a consistent copy of the database to FILE (VACUUM INTO),\n"
     "also while the daemon runs. FILE must not exist."},
    {"version", 0, 0, 0, "version", "Prints the version."},
};

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void
cli_help(const char *command)
{
	const struct command *c =
	    command != NULL ? find_command(command) : NULL;

	if (c != NULL) {
		printf("usage: alert-delivery %s\n\n%s\n", c->usage, c->help);
		if (strcmp(c->name, "version") != 0)
			printf("\n-c FILE  the config (default "
			       "$ALERT_DELIVERY_CONFIG, "
			       "else ./alert-delivery.yaml, else built-in "
			       "defaults)\n");
		return;
	}
	printf(
	    "usage: alert-delivery COMMAND [options]\n\n"
	    "Relays Grafana and Alertmanager webhooks to Slack, split per\n"
	    "namespace, with owners, mention rules, snoozes and a digest.\n\n"
	    "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %s\n", commands[i].usage);
	printf(
	    "\n'alert-delivery COMMAND --help' tells more about a command.\n");
}

/* Prints "alert-delivery: <what><arg>" and a hint; returns 2. */
static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "alert-delivery: %s%s (see 'alert-delivery --help')\n",
		what, arg);
	return 2;
}

/* Matches "--name", "--name=value" and, for value options, "--name value". */
static int
take_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

int
cli_parse(int argc, char **argv, struct cli_args *a)
{
	const struct command *cmd = NULL;
	unsigned seen = 0;
	int words_done = 0;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *v = NULL;
		int t;

		if (words_done || s[0] != '-' || s[1] == '\0') {
			if (a->command == NULL) {
				a->command = s;
				continue;
			}
			if (a->nwords == CLI_MAX_WORDS)
				return usage_error("too many arguments", "");
			a->words[a->nwords++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			words_done = 1;
			continue;
		}
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			a->help = 1;
			continue;
		}
		if (strcmp(s, "--version") == 0) {
			a->command = "version";
			continue;
		}
		if ((t = take_value(argc, argv, &i, "-c", &v)) != 0 ||
		    (t = take_value(argc, argv, &i, "--config", &v)) != 0) {
			if (t < 0)
				return usage_error("needs a file: ", s);
			a->config = v;
			continue;
		}
#define FLAG(str, bit, field)                                                  \
	if (strcmp(s, str) == 0) {                                             \
		a->field = 1;                                                  \
		seen |= bit;                                                   \
		continue;                                                      \
	}
		FLAG("--online", O_ONLINE, online)
		FLAG("--no-db", O_NODB, no_db)
		FLAG("--json", O_JSON, json)
		FLAG("--post", O_POST, post)
#undef FLAG
#define VALUE(str, bit, field)                                                 \
	if ((t = take_value(argc, argv, &i, str, &v)) != 0) {                  \
		if (t < 0)                                                     \
			return usage_error("needs a value: ", str);            \
		a->field = v;                                                  \
		seen |= bit;                                                   \
		continue;                                                      \
	}
		VALUE("--since", O_SINCE, since)
		VALUE("--for", O_FOR, for_)
		VALUE("--reason", O_REASON, reason)
#undef VALUE
		return usage_error("unknown option ", s);
	}
	if (a->command == NULL) {
		a->help = 1;
		return 0;
	}
	cmd = find_command(a->command);
	if (cmd == NULL)
		return usage_error("unknown command ", a->command);
	if (a->help)
		return 0;
	if (seen & ~cmd->opts)
		return usage_error("an option does not fit: alert-delivery ",
				   cmd->usage);
	if (a->nwords < cmd->min_words || a->nwords > cmd->max_words)
		return usage_error("usage: alert-delivery ", cmd->usage);
	return 0;
}

static struct config *
load_config(const struct cli_args *a)
{
	char err[1024];
	struct config *cfg = config_load(a->config, err, sizeof(err));

	if (cfg == NULL)
		fprintf(stderr, "alert-delivery: %s\n", err);
	return cfg;
}

static int
cmd_check(const struct cli_args *a)
{
	char err[1024];
	struct config *cfg = load_config(a);

	if (cfg == NULL)
		return 2;
	if (config_check_exposure(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s: %s\n",
			cfg->path[0] != '\0' ? cfg->path : "(defaults)", err);
		config_free(cfg);
		return 2;
	}
	printf("%s: ok%s\n",
	       cfg->path[0] != '\0' ? cfg->path : "built-in defaults",
	       config_preview(cfg) ? " (preview mode: nothing is sent to Slack)"
				   : "");
	config_free(cfg);
	return 0;
}

static int
open_store(const struct config *cfg, struct store **out)
{
	char err[1024];

	*out = store_open(cfg->database, STORE_RW, err, sizeof(err));
	if (*out == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 1;
	}
	if (store_migrate(*out, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		store_close(*out);
		*out = NULL;
		return 1;
	}
	return 0;
}

static int
cmd_migrate(const struct cli_args *a)
{
	struct config *cfg = load_config(a);
	struct store *s = NULL;
	int have, newest, rc;

	if (cfg == NULL)
		return 2;
	rc = open_store(cfg, &s);
	if (rc == 0) {
		store_schema_version(s, &have, &newest);
		printf("%s: schema version %d\n", cfg->database, have);
		store_close(s);
	}
	config_free(cfg);
	return rc;
}

static int
cmd_backup(const struct cli_args *a)
{
	struct config *cfg = load_config(a);
	struct store *s = NULL;
	char err[1024];
	int rc;

	if (cfg == NULL)
		return 2;
	rc = open_store(cfg, &s);
	if (rc == 0) {
		if (store_backup(s, a->words[0], err, sizeof(err)) != 0) {
			fprintf(stderr, "alert-delivery: %s\n", err);
			rc = 1;
		} else {
			printf("%s: backup of %s written\n", a->words[0],
			       cfg->database);
		}
		store_close(s);
	}
	config_free(cfg);
	return rc;
}

int
cli_run(const struct cli_args *a)
{
	log_setup(LOG_WARN, LOG_LOGFMT);
	if (strcmp(a->command, "version") == 0) {
		printf("alert-delivery %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(a->command, "check") == 0)
		return cmd_check(a);
	if (strcmp(a->command, "migrate") == 0)
		return cmd_migrate(a);
	if (strcmp(a->command, "backup") == 0)
		return cmd_backup(a);
	return usage_error("unknown command ", a->command);
}
