/*
 * cli.c: argument parsing, help texts and the commands that run without the
 * event loop (check, migrate, backup, version); see cli.h.
 */
#include "cli.h"
#include "cli_history.h"
#include "cli_online.h"
#include "cli_rules.h"
#include "cli_snooze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "config.h"
#include "buf.h"
#include "catalog.h"
#include "limits.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "relay.h"
#include "render.h"
#include "rules.h"
#include "webhook.h"
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
        "exits 0 when serve would accept them, 2 otherwise (file:line: "
        "reason).\n"
        "--online also calls Slack auth.test and the catalog."},
    {"migrate", 0, 0, 0, "migrate [-c FILE]",
        "Applies the schema migrations to the database and exits."},
    {"backup", 0, 1, 1, "backup [-c FILE] FILE",
        "Writes a consistent copy of the database to FILE (VACUUM INTO),\n"
        "also while the daemon runs. FILE must not exist."},
    {"render", O_NODB, 1, 1, "render [-c FILE] [--no-db] PAYLOAD.json",
        "Prints, as a JSON array, the Slack messages this webhook body would\n"
        "cause now (one object per Slack call, in order). Reads the database\n"
        "read-only when it exists (state of incidents and alerts), or nothing\n"
        "with --no-db; never writes and never uses the network. The dialect\n"
        "comes from the body's \"version\" (\"4\": Alertmanager, else "
        "Grafana)."},
    {"rules", 0, 1, 2,
        "rules [-c FILE] list|import DIR|export|test PAYLOAD.json",
        "Rules live in the database (the daemon notices changes within 2 s).\n"
        "  list                the rules in evaluation order\n"
        "  import DIR          replaces them with DIR's *.yaml files, all or\n"
        "                      nothing, and prints what changed (+ ~ -)\n"
        "  export              prints them as YAML that imports back\n"
        "  test PAYLOAD.json   per alert of a webhook body: the rules that\n"
        "                      match and why, mentions, channel, reminder"},
    {"snooze", O_FOR | O_REASON, 1, CLI_MAX_WORDS,
        "snooze [-c FILE] list|add MATCHER... --for DURATION [--reason "
        "TEXT]|remove ID",
        "Snoozes, in the database (the daemon notices within 2 s).\n"
        "  list       the snoozes in force: who, what, until when, why\n"
        "  add        one matcher per argument, Alertmanager syntax\n"
        "             (namespace=\"chat\" alertname=~\"Ingress.*\"), for at\n"
        "             most 30 days\n"
        "  remove ID  ends a snooze now"},
    {"digest", O_SINCE | O_POST, 0, 0,
        "digest [-c FILE] [--since DURATION] [--post]",
        "Prints the digest of the last digest.every (or --since, e.g. 24h)\n"
        "as the JSON of the Slack message. --post queues it in the outbox\n"
        "instead, to slack.digest_channel: the running daemon sends it\n"
        "within 2 s (or keeps it, in preview mode). Out of band: the\n"
        "scheduled digests go on as before."},
    {"history", O_SINCE | O_JSON, 1, 1,
        "history [-c FILE] NAMESPACE [--since DURATION] [--json]",
        "Prints a namespace's events, newest first: alerts firing and\n"
        "resolved, messages posted, updated or failed, mentions, snoozes.\n"
        "--since limits them (a duration back from now, or an RFC 3339\n"
        "time); --json prints {\"events\": [...]} as the API does."},
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
		return usage_error(
		    "an option does not fit: alert-delivery ", cmd->usage);
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
	struct render *render;
	int rc;

	if (cfg == NULL)
		return 2;
	if (config_check_exposure(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s: %s\n",
		    cfg->path[0] != '\0' ? cfg->path : "(defaults)", err);
		config_free(cfg);
		return 2;
	}
	render = render_load(cfg->templates, err, sizeof(err));
	if (render == NULL ||
	    render_check(render, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		render_free(render);
		config_free(cfg);
		return 2;
	}
	render_free(render);
	{
		/* The catalog file, offline (no API call). */
		struct catalog *cat = catalog_new(
		    NULL, NULL, NULL, cfg, NULL, NULL, err, sizeof(err));
		if (cat == NULL) {
			fprintf(stderr, "alert-delivery: %s\n", err);
			config_free(cfg);
			return 2;
		}
		catalog_free(cat);
	}
	{
		struct ruleset *set =
		    rules_load_dir(cfg->rules, err, sizeof(err));
		if (set == NULL) {
			fprintf(stderr, "alert-delivery: %s\n", err);
			config_free(cfg);
			return 2;
		}
		ruleset_free(set);
	}
	printf("%s: ok%s\n",
	    cfg->path[0] != '\0' ? cfg->path : "built-in defaults",
	    config_preview(cfg) ? " (preview mode: nothing is sent to Slack)"
	                        : "");
	rc = a->online ? cli_online_check(cfg) : 0;
	config_free(cfg);
	return rc;
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

char *
cli_read_file(
    const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path,
			    max);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

enum alert_source
cli_dialect(json_t *body)
{
	json_t *v =
	    json_is_object(body) ? json_object_get(body, "version") : NULL;

	return json_is_string(v) && strcmp(json_string_value(v), "4") == 0
	    ? ALERT_SRC_ALERTMANAGER
	    : ALERT_SRC_GRAFANA;
}

struct render_out {
	json_t *list;
	int64_t after; /* messages with a larger id are this payload's */
	struct relay *relay;
};

static int
render_row(void *arg, const struct store_message *m)
{
	struct render_out *o = arg;
	struct store_incident inc;
	json_t *blocks, *msg;
	char key[512] = "", ns[256] = "";

	if (m->id <= o->after)
		return 0;
	if (m->incident_id > 0 &&
	    store_incident_get(o->relay->store, m->incident_id, &inc) == 1) {
		snprintf(key, sizeof(key), "%s", inc.key);
		snprintf(ns, sizeof(ns), "%s", inc.namespace);
	}
	blocks = json_loads(m->blocks, 0, NULL);
	{
		json_t *detail = json_loads(m->detail, 0, NULL);
		json_t *dec = json_object_get(detail, "decisions");
		json_t *mentions = json_loads(m->mentions, 0, NULL);
		msg = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:O,s:s}",
		    "kind", m->kind, "incident", key, "namespace", ns,
		    "channel", m->channel, "text", m->text, "blocks",
		    blocks != NULL ? blocks : json_array(), "thread_of",
		    m->thread_of > 0 ? json_string(key) : json_null(),
		    "mentions",
		    json_is_array(mentions) ? mentions : json_array(),
		    "decisions", json_is_array(dec) ? dec : json_array(),
		    "state", m->state);
		if (!json_is_array(mentions))
			json_decref(mentions);
		json_decref(detail);
	}
	if (msg != NULL)
		json_array_insert_new(o->list, 0, msg);
	return 0;
}

static int
newest_id(void *arg, const struct store_message *m)
{
	*(int64_t *)arg = m->id;
	return 1;
}

/*
 * render: the pipeline and the renderer, run against an in-memory copy of
 * the database, so that nothing is written and the output is exactly what
 * the daemon would queue.
 */
static int
cmd_render(const struct cli_args *a)
{
	struct config *cfg = load_config(a);
	struct relay r;
	struct webhook_opts opts;
	struct alert_batch *b = NULL;
	struct store_job j;
	struct store_message_filter f = {NULL, 1};
	struct render_out out = {NULL, 0, NULL};
	char err[1024], *body = NULL, *canon = NULL, *text;
	size_t len = 0;
	json_t *probe;
	int rc = 1;

	memset(&r, 0, sizeof(r));
	if (cfg == NULL)
		return 2;
	r.cfg = cfg;
	r.render = render_load(cfg->templates, err, sizeof(err));
	if (r.render == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		rc = 2;
		goto done;
	}
	body = cli_read_file(
	    a->words[0], LIMIT_MAX_BODY_DEFAULT, &len, err, sizeof(err));
	if (body == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		goto done;
	}
	r.store = store_open(":memory:", STORE_RW, err, sizeof(err));
	if (r.store == NULL || store_migrate(r.store, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		goto done;
	}
	if (!a->no_db && access(cfg->database, F_OK) == 0 &&
	    store_import_readonly(r.store, cfg->database, err, sizeof(err)) !=
	        0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		goto done;
	}
	r.rules = cli_rules_current(cfg, r.store);
	if (r.rules == NULL)
		goto done;
	/* Owners from the cache copy and the file: never the network. */
	r.catalog =
	    catalog_new(NULL, NULL, r.store, cfg, NULL, NULL, err, sizeof(err));
	if (r.catalog == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		rc = 2;
		goto done;
	}
	memset(&j, 0, sizeof(j));
	probe = json_loadb(body, len, 0, NULL);
	j.source = cli_dialect(probe);
	json_decref(probe);
	memset(&opts, 0, sizeof(opts));
	opts.namespace_labels = &cfg->grouping.namespace_labels;
	opts.default_namespace = cfg->grouping.default_namespace;
	opts.max_alerts = (size_t)cfg->limits.max_alerts;
	opts.now = relay_now(&r);
	b = webhook_parse(j.source, body, len, &opts, err, sizeof(err));
	if (b == NULL) {
		fprintf(stderr, "alert-delivery: %s: %s\n", a->words[0], err);
		rc = 2;
		goto done;
	}
	canon = webhook_serialize(b);
	j.received_at = opts.now;
	j.group_key = b->group_key;
	j.nalerts = b->nalerts;
	j.truncated = b->truncated;
	j.body = canon;
	j.body_len = strlen(canon);
	if (store_messages_list(r.store, &f, newest_id, &out.after) < 0 ||
	    store_begin(r.store) != 0 || store_job_add(r.store, &j) < 0 ||
	    store_commit(r.store) != 0 || pipeline_run_once(&r, 1) < 0 ||
	    outbox_render_due(&r, INT64_MAX, 100000, 0) < 0) {
		fprintf(stderr, "alert-delivery: %s\n", store_errmsg(r.store));
		goto done;
	}
	out.list = json_array();
	out.relay = &r;
	f.limit = 100000;
	if (store_messages_list(r.store, &f, render_row, &out) < 0) {
		fprintf(stderr, "alert-delivery: %s\n", store_errmsg(r.store));
		goto done;
	}
	text = json_dumps(out.list, JSON_INDENT(2));
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	rc = 0;
done:
	json_decref(out.list);
	alert_batch_free(b);
	free(canon);
	free(body);
	catalog_free(r.catalog);
	store_close(r.store);
	render_free(r.render);
	ruleset_free(r.rules);
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
	if (strcmp(a->command, "render") == 0)
		return cmd_render(a);
	if (strcmp(a->command, "rules") == 0)
		return cli_rules(a);
	if (strcmp(a->command, "snooze") == 0)
		return cli_snooze(a);
	if (strcmp(a->command, "history") == 0)
		return cli_history(a);
	if (strcmp(a->command, "digest") == 0)
		return cli_digest(a);
	return usage_error("unknown command ", a->command);
}
