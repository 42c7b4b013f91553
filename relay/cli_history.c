/*
 * cli_history.c: the history and digest commands; see cli_history.h.
 */
#include "cli_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "digest.h"
#include "history.h"
#include "render.h"
#include "store.h"
#include "store_history.h"
#include "util.h"

/* Events read per query while paging through a namespace's history. */
#define CLI_HISTORY_PAGE 500

/* The config and the migrated database of a command; 0 or an exit
 * status. */
static int
open_db(const struct cli_args *a, struct config **cfg, struct store **s)
{
	char err[1024];

	*s = NULL;
	*cfg = config_load(a->config, err, sizeof(err));
	if (*cfg == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 2;
	}
	*s = store_open((*cfg)->database, STORE_RW, err, sizeof(err));
	if (*s == NULL || store_migrate(*s, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		return 1;
	}
	return 0;
}

/* --since: a duration back from now (or an RFC 3339 time). */
static int
since_arg(const struct cli_args *a, int64_t now, int64_t dflt, int64_t *out)
{
	*out = dflt;
	if (a->since == NULL)
		return 0;
	if (history_time_arg(a->since, now, out) != 0) {
		fprintf(stderr,
		    "alert-delivery: --since: a duration (e.g. 24h) or an RFC "
		    "3339 time\n");
		return 2;
	}
	return 0;
}

struct page {
	int json;
	size_t n;        /* events printed */
	int64_t last_id; /* of the last one */
};

/* Prints s with control bytes as \xNN: stored text comes from webhooks and
 * must not drive the operator's terminal. */
static void
print_safe(const char *s, int width)
{
	int n = 0;

	for (; *s != '\0'; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			printf("\\x%02x", c);
			n += 3;
		} else {
			putchar(c);
		}
	}
	for (; n < width; n++)
		putchar(' ');
}

static int
print_event(void *arg, const struct store_event *e)
{
	struct page *p = arg;
	char t[40];

	p->last_id = e->id;
	if (p->json) {
		json_t *o = history_event_json(e);
		char *s = json_dumps(o, JSON_COMPACT);
		printf("%s\n  %s", p->n > 0 ? "," : "", s != NULL ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		util_time_format(e->time, t, sizeof(t));
		printf("%-24s %-16s ", t, e->kind);
		print_safe(e->alertname[0] != '\0' ? e->alertname : "-", 24);
		putchar(' ');
		print_safe(e->detail, 0);
		putchar('\n');
	}
	p->n++;
	return 0;
}

int
cli_history(const struct cli_args *a)
{
	struct config *cfg;
	struct store *s;
	struct store_event_filter f;
	struct page p = {a->json, 0, 0};
	int64_t now = util_now_ms();
	int rc = open_db(a, &cfg, &s), got;

	if (rc != 0)
		goto done;
	memset(&f, 0, sizeof(f));
	f.namespace = a->words[0];
	f.limit = CLI_HISTORY_PAGE;
	if ((rc = since_arg(a, now, 0, &f.since)) != 0)
		goto done;
	if (p.json)
		printf("{\"events\": [");
	else
		printf("%-24s %-16s %-24s %s\n", "TIME", "EVENT", "ALERT",
		    "DETAIL");
	do {
		size_t before = p.n;
		got = store_events_list(s, &f, print_event, &p);
		if (got < 0) {
			fprintf(
			    stderr, "alert-delivery: %s\n", store_errmsg(s));
			rc = 1;
			goto done;
		}
		f.before_id = p.last_id;
		if (p.n == before)
			break;
	} while ((size_t)got == f.limit);
	if (p.json)
		printf("%s]}\n", p.n > 0 ? "\n" : "");
done:
	store_close(s);
	config_free(cfg);
	return rc;
}

int
cli_digest(const struct cli_args *a)
{
	struct config *cfg;
	struct store *s;
	struct render *rd = NULL;
	char err[1024], *text = NULL, *blocks = NULL;
	int64_t now = util_now_ms(), from;
	int rc = open_db(a, &cfg, &s), empty;
	json_t *ctx = NULL;

	err[0] = '\0';
	if (rc != 0)
		goto done;
	if ((rc = since_arg(a, now,
	         now - (cfg->digest.every > 0 ? cfg->digest.every : 3600000),
	         &from)) != 0)
		goto done;
	rd = render_load(cfg->templates, err, sizeof(err));
	if (rd == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", err);
		rc = 2;
		goto done;
	}
	rc = 1;
	if (a->post) {
		int64_t id = -1;
		if (store_begin(s) == 0) {
			id = digest_queue(
			    s, cfg, rd, from, now, now, 0, err, sizeof(err));
			if (id > 0 && store_commit(s) != 0)
				id = -1;
			else if (id <= 0)
				store_rollback(s);
		}
		if (id <= 0) {
			fprintf(stderr, "alert-delivery: digest: %s\n",
			    id < 0 && err[0] != '\0' ? err : store_errmsg(s));
			goto done;
		}
		printf("digest queued as message %lld to %s; the daemon sends "
		       "it (or keeps it, in preview mode)\n",
		    (long long)id, cfg->slack.digest_channel);
		rc = 0;
		goto done;
	}
	ctx = digest_context(s, cfg, from, now, now, &empty);
	if (ctx == NULL) {
		fprintf(stderr, "alert-delivery: %s\n", store_errmsg(s));
		goto done;
	}
	if (digest_render(rd, ctx, &text, &blocks, err, sizeof(err)) != 0) {
		fprintf(stderr, "alert-delivery: digest: %s\n", err);
		goto done;
	}
	{
		json_t *msg = json_pack("[{s:s,s:s,s:s,s:o,s:n,s:[]}]", "kind",
		    "digest", "channel", cfg->slack.digest_channel, "text",
		    text, "blocks", json_loads(blocks, 0, NULL), "thread_of",
		    "mentions");
		char *out =
		    msg != NULL ? json_dumps(msg, JSON_INDENT(2)) : NULL;
		if (out == NULL) {
			fprintf(stderr,
			    "alert-delivery: digest: not a valid message\n");
			json_decref(msg);
			goto done;
		}
		printf("%s\n", out);
		free(out);
		json_decref(msg);
	}
	rc = 0;
done:
	json_decref(ctx);
	free(text);
	free(blocks);
	render_free(rd);
	store_close(s);
	config_free(cfg);
	return rc;
}
