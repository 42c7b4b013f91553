/*
 * digest.c: the periodic digest; see digest.h.
 */
#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "context.h"
#include "render.h"
#include "store.h"
#include "store_history.h"
#include "util.h"

/* Outbox priority: digests go after every incident message. */
#define DIGEST_PRIORITY (-10)

int64_t
digest_floor(int64_t t, int64_t every)
{
	int64_t r = t % every;

	return r < 0 ? t - r - every : t - r;
}

int
digest_due(int64_t last, int64_t now, int64_t every, int64_t *from, int64_t *to)
{
	int64_t end = digest_floor(now, every);

	*from = last;
	*to = end;
	if (last <= 0)
		return 0;
	/* A clock set back, or a longer period since the last one: the
	 * next boundary after last comes first. */
	return end > last;
}

/*
 * "2026-11-27 10:00" (seconds when the period has them); with date 0 only
 * the time of day.
 */
static void
period_time(int64_t ms, int date, int seconds, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char day[48] = "";

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (date)
		snprintf(day, sizeof(day), "%04d-%02d-%02d ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
	if (seconds)
		snprintf(buf, len, "%s%02d:%02d:%02d", day, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, len, "%s%02d:%02d", day, tm.tm_hour, tm.tm_min);
}

static json_t *
period_json(int64_t from, int64_t to)
{
	char a[40], b[40], len[32];
	int seconds = from % 60000 != 0 || to % 60000 != 0;
	/* The end's date only when it differs from the start's. */
	int same_day = from / 86400000 == (to - 1) / 86400000;

	period_time(from, 1, seconds, a, sizeof(a));
	period_time(to, !same_day, seconds, b, sizeof(b));
	context_duration(to - from, len, sizeof(len));
	return json_pack("{s:s,s:s,s:o,s:o,s:s}", "from", a, "to", b,
	    "from_time", context_time(from), "to_time", context_time(to),
	    "length", len);
}

struct build {
	const struct config *cfg;
	int64_t now;
	json_t *list; /* namespaces */
	json_int_t total, fired, resolved, firing, snoozed;
};

static int
add_namespace(void *arg, const struct store_digest_ns *n)
{
	struct build *b = arg;
	char url[1024], longest[32];

	b->total++;
	b->fired += n->fired;
	b->resolved += n->resolved;
	b->firing += n->firing;
	b->snoozed += n->snoozed;
	if (json_array_size(b->list) >= DIGEST_MAX_NAMESPACES)
		return 0; /* counted, not listed */
	context_namespace_url(b->cfg, n->namespace, url, sizeof(url));
	longest[0] = '\0';
	if (n->firing > 0 && n->oldest_start > 0 && n->oldest_start < b->now)
		context_duration(
		    b->now - n->oldest_start, longest, sizeof(longest));
	json_array_append_new(b->list,
	    json_pack("{s:s,s:I,s:I,s:I,s:I,s:s,s:s}", "namespace",
	        n->namespace, "fired", (json_int_t)n->fired, "resolved",
	        (json_int_t)n->resolved, "firing", (json_int_t)n->firing,
	        "snoozed", (json_int_t)n->snoozed, "longest", longest, "url",
	        url));
	return 0;
}

static int
add_noisy(void *arg, const char *alertname, int64_t n, int64_t namespaces)
{
	json_array_append_new(arg,
	    json_pack("{s:s,s:I,s:I}", "alertname", alertname, "count",
	        (json_int_t)n, "namespaces", (json_int_t)namespaces));
	return 0;
}

/* Sets the counts that say how many namespaces were left out. */
static void
set_more(json_t *ctx, size_t listed)
{
	json_int_t total = json_integer_value(
	    json_object_get(json_object_get(ctx, "totals"), "namespaces"));
	json_int_t more =
	    total > (json_int_t)listed ? total - (json_int_t)listed : 0;

	json_object_set_new(ctx, "more_count", json_integer(more));
	json_object_set_new(ctx, "has_more", json_boolean(more > 0));
}

/* The context from what the queries gave (namespaces and noisiest
 * stolen). */
static json_t *
assemble(const struct config *cfg, const struct build *b, json_t *noisiest,
    int64_t failed, int64_t from, int64_t to, int empty)
{
	json_t *ctx = json_object();

	context_mark_ends(b->list);
	context_mark_ends(noisiest);
	json_object_set_new(ctx, "kind", json_string("digest"));
	json_object_set_new(ctx, "period", period_json(from, to));
	json_object_set_new(ctx, "totals",
	    json_pack("{s:I,s:I,s:I,s:I,s:I}", "namespaces", b->total, "fired",
	        b->fired, "resolved", b->resolved, "firing", b->firing,
	        "snoozed", b->snoozed));
	json_object_set_new(ctx, "namespaces", b->list);
	json_object_set_new(
	    ctx, "has_namespaces", json_boolean(json_array_size(b->list) > 0));
	json_object_set_new(ctx, "noisiest", noisiest);
	json_object_set_new(
	    ctx, "has_noisiest", json_boolean(json_array_size(noisiest) > 0));
	json_object_set_new(ctx, "failed", json_integer((json_int_t)failed));
	json_object_set_new(ctx, "has_failed", json_boolean(failed > 0));
	json_object_set_new(ctx, "empty", json_boolean(empty));
	json_object_set_new(ctx, "public_url", json_string(cfg->public_url));
	set_more(ctx, json_array_size(b->list));
	return ctx;
}

json_t *
digest_context(struct store *s, const struct config *cfg, int64_t from,
    int64_t to, int64_t now, int *empty)
{
	struct build b;
	json_t *noisiest = json_array();
	int64_t failed, events;

	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.now = now;
	b.list = json_array();
	if (store_digest_namespaces(s, from, to, add_namespace, &b) < 0 ||
	    store_digest_noisiest(
	        s, from, to, DIGEST_NOISIEST, add_noisy, noisiest) < 0 ||
	    (failed = store_events_count(s, "failed", from, to)) < 0 ||
	    (events = store_events_count(s, NULL, from, to)) < 0) {
		json_decref(b.list);
		json_decref(noisiest);
		return NULL;
	}
	*empty = events == 0 && b.firing == 0;
	return assemble(cfg, &b, noisiest, failed, from, to, *empty);
}

json_t *
digest_sample(const struct config *cfg, int64_t now)
{
	struct build b;
	json_t *noisiest = json_array();
	int64_t to = digest_floor(now, 3600000);

	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.now = now;
	b.list = json_array();
	for (int i = 0; i < DIGEST_MAX_NAMESPACES + 3; i++) {
		struct store_digest_ns n;
		char ns[96];
		snprintf(
		    ns, sizeof(ns), "ns-%d *bold* <!channel> <https://x|y>", i);
		n.namespace = ns;
		n.fired = 100 - i;
		n.resolved = i;
		n.firing = i % 3;
		n.snoozed = i % 2;
		n.oldest_start = now - 3600000 * (int64_t)(i + 1);
		add_namespace(&b, &n);
	}
	for (int i = 0; i < DIGEST_NOISIEST; i++)
		add_noisy(noisiest, "Ingress5xx <!here> `x`", 10 - i, 2);
	return assemble(cfg, &b, noisiest, 3, to - 3600000, to, 0);
}

/* Keeps the first n namespaces (render_fit's cap). */
static void
cap_namespaces(json_t *ctx, size_t n)
{
	json_t *list = json_object_get(ctx, "namespaces");

	while (json_array_size(list) > n)
		json_array_remove(list, json_array_size(list) - 1);
	context_mark_ends(list);
	set_more(ctx, json_array_size(list));
}

int
digest_render(const struct render *rd, json_t *ctx, char **text, char **blocks,
    char *err, size_t errlen)
{
	return render_fit(rd, "digest", ctx,
	    json_array_size(json_object_get(ctx, "namespaces")), cap_namespaces,
	    text, blocks, err, errlen);
}

int64_t
digest_queue(struct store *s, const struct config *cfg, const struct render *rd,
    int64_t from, int64_t to, int64_t now, int skip_empty, char *err,
    size_t errlen)
{
	struct store_message m;
	char *text = NULL, *blocks = NULL, detail[128], a[40], b[40];
	int empty = 0;
	int64_t id = -1;
	json_t *ctx = digest_context(s, cfg, from, to, now, &empty);

	if (ctx == NULL) {
		snprintf(err, errlen, "database: %s", store_errmsg(s));
		return -1;
	}
	if (empty && skip_empty) {
		json_decref(ctx);
		return 0;
	}
	if (digest_render(rd, ctx, &text, &blocks, err, errlen) != 0) {
		id = -2; /* the template's fault: retrying cannot help */
		goto done;
	}
	memset(&m, 0, sizeof(m));
	m.kind = "digest";
	m.template = "digest";
	m.channel = cfg->slack.digest_channel;
	util_time_format(from, a, sizeof(a));
	util_time_format(to, b, sizeof(b));
	snprintf(detail, sizeof(detail),
	    "{\"event\":\"digest\",\"from\":\"%s\",\"to\":\"%s\"}", a, b);
	m.detail = detail;
	m.text = text;
	m.blocks = blocks;
	m.priority = DIGEST_PRIORITY;
	m.created_at = now;
	m.not_before = now;
	id = store_message_add(s, &m);
	if (id < 0)
		snprintf(err, errlen, "database: %s", store_errmsg(s));
done:
	free(text);
	free(blocks);
	json_decref(ctx);
	return id;
}
