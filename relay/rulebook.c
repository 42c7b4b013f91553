/*
 * rulebook.c: rules in the database; see rulebook.h.
 */
#include "rulebook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "config.h"
#include "store.h"
#include "store_rule.h"
#include "util.h"
#include "webhook.h"

/* The flag that says the database was given rules (files or API). */
#define RULES_IMPORTED "rules_imported"

struct load_ctx {
	struct ruleset *set;
	char *err;
	size_t errlen;
	int failed;
};

static int
load_one(void *arg, const char *name, const char *body)
{
	struct load_ctx *l = arg;
	json_t *j = json_loads(body, 0, NULL);
	struct rule *r =
	    j != NULL ? rule_from_json(j, NULL, l->err, l->errlen) : NULL;

	json_decref(j);
	if (r == NULL || ruleset_add(l->set, r, l->err, l->errlen) != 0) {
		if (j == NULL)
			snprintf(l->err, l->errlen,
			    "rule %s: stored body is not JSON", name);
		l->failed = 1;
		return 1;
	}
	return 0;
}

struct ruleset *
rulebook_load(struct store *s, char *err, size_t errlen)
{
	struct load_ctx l = {ruleset_new(), err, errlen, 0};

	if (store_rules_each(s, load_one, &l) < 0) {
		snprintf(err, errlen, "rules: %s", store_errmsg(s));
		l.failed = 1;
	}
	if (l.failed) {
		ruleset_free(l.set);
		return NULL;
	}
	ruleset_sort(l.set);
	return l.set;
}

static const struct rule *
find(const struct ruleset *set, const char *name)
{
	for (size_t i = 0; i < ruleset_count(set); i++)
		if (strcmp(rule_name(ruleset_get(set, i)), name) == 0)
			return ruleset_get(set, i);
	return NULL;
}

/* Appends "+ a", "~ b", "- c" lines: what replacing old by new does. */
static void
diff_sets(
    const struct ruleset *old, const struct ruleset *new, struct buf *diff)
{
	for (size_t i = 0; i < ruleset_count(new); i++) {
		const struct rule *n = ruleset_get(new, i), *o;
		o = find(old, rule_name(n));
		if (o == NULL) {
			buf_printf(diff, "+ %s\n", rule_name(n));
		} else {
			json_t *a = rule_to_json(o), *b = rule_to_json(n);
			if (!json_equal(a, b))
				buf_printf(diff, "~ %s\n", rule_name(n));
			json_decref(a);
			json_decref(b);
		}
	}
	for (size_t i = 0; i < ruleset_count(old); i++)
		if (find(new, rule_name(ruleset_get(old, i))) == NULL)
			buf_printf(
			    diff, "- %s\n", rule_name(ruleset_get(old, i)));
}

int
rulebook_same(const struct ruleset *a, const struct ruleset *b)
{
	struct buf diff = BUF_INIT;
	int same;

	if (a == NULL || b == NULL)
		return a == b;
	diff_sets(a, b, &diff);
	same = diff.len == 0;
	buf_free(&diff);
	return same;
}

int
rulebook_replace(struct store *s, const struct ruleset *set, struct buf *diff,
    int64_t now, char *err, size_t errlen)
{
	struct ruleset *old = NULL;
	int rc = -1;

	if (diff != NULL) {
		old = rulebook_load(s, err, errlen);
		if (old == NULL)
			return -1;
	}
	if (store_begin(s) != 0)
		goto done;
	if (store_rules_clear(s) != 0)
		goto fail;
	for (size_t i = 0; i < ruleset_count(set); i++) {
		const struct rule *r = ruleset_get(set, i);
		json_t *j = rule_to_json(r);
		char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		int ok = body != NULL &&
		    store_rule_put(s, rule_name(r), body, now) == 0;
		free(body);
		json_decref(j);
		if (!ok)
			goto fail;
	}
	if (store_meta_put(s, RULES_IMPORTED, "1") != 0)
		goto fail;
	if (store_commit(s) != 0)
		goto done;
	if (diff != NULL)
		diff_sets(old, set, diff);
	rc = 0;
	goto done;
fail:
	store_rollback(s);
done:
	if (rc != 0)
		snprintf(err, errlen, "rules: %s", store_errmsg(s));
	ruleset_free(old);
	return rc;
}

int
rulebook_bootstrap(
    struct store *s, const char *dir, int64_t now, char *err, size_t errlen)
{
	struct buf flag = BUF_INIT;
	struct ruleset *set;
	int have = store_meta_get(s, RULES_IMPORTED, &flag), rc;

	buf_free(&flag);
	if (have < 0) {
		snprintf(err, errlen, "rules: %s", store_errmsg(s));
		return -1;
	}
	if (have > 0)
		return 0; /* deleting every rule later must not re-import */
	set = rules_load_dir(dir, err, errlen);
	if (set == NULL)
		return -1;
	rc = rulebook_replace(s, set, NULL, now, err, errlen);
	ruleset_free(set);
	return rc;
}

struct fires_ctx {
	struct store *store;
	const char *id;
	int64_t now;
	int new_episode;
};

static int64_t
fires_of(void *arg, int64_t window)
{
	struct fires_ctx *f = arg;
	int64_t n = 0;

	if (f->store != NULL) {
		n = store_episode_count(f->store, f->id, f->now - window);
		if (n < 0)
			return -1;
	}
	return n + f->new_episode;
}

json_t *
rulebook_explain(struct ruleset *set, struct store *s, const struct config *cfg,
    const char *body, size_t len, int64_t now, char *err, size_t errlen)
{
	struct webhook_opts opts;
	struct alert_batch *b;
	json_t *probe = json_loadb(body, len, 0, NULL), *out, *v;
	enum alert_source src = ALERT_SRC_GRAFANA;

	/* The dialect: "version": "4" is Alertmanager's. */
	v = json_is_object(probe) ? json_object_get(probe, "version") : NULL;
	if (json_is_string(v) && strcmp(json_string_value(v), "4") == 0)
		src = ALERT_SRC_ALERTMANAGER;
	json_decref(probe);
	memset(&opts, 0, sizeof(opts));
	opts.namespace_labels = &cfg->grouping.namespace_labels;
	opts.default_namespace = cfg->grouping.default_namespace;
	opts.max_alerts = (size_t)cfg->limits.max_alerts;
	opts.now = now;
	b = webhook_parse(src, body, len, &opts, err, errlen);
	if (b == NULL)
		return NULL;
	out = json_array();
	for (size_t i = 0; i < b->nalerts; i++) {
		const struct alert *a = &b->alerts[i];
		struct rule_input in;
		struct rule_decision d;
		struct fires_ctx f;
		struct store_alert_prev prev;
		char id[160], every[32];
		json_t *hits = json_array(), *mentions = json_array(), *o;

		alert_id(b->source, a, id, sizeof(id));
		memset(&prev, 0, sizeof(prev));
		if (s != NULL)
			store_alert_prev(s, id, &prev);
		f.store = s;
		f.id = id;
		f.now = now;
		f.new_episode = a->status == ALERT_FIRING &&
		    !(prev.found && prev.firing &&
		        (a->starts_at == 0 || prev.starts_at == a->starts_at));
		memset(&in, 0, sizeof(in));
		in.labels = &a->labels;
		in.annotations = &a->annotations;
		in.values = a->values;
		in.nvalues = a->nvalues;
		in.default_value_ref = &cfg->grouping.value_ref;
		in.notifications = f.new_episode ? 1 : prev.notifications + 1;
		in.fires = fires_of;
		in.fires_arg = &f;
		rules_decide(set, &in, &d);
		for (size_t k = 0; k < d.nhits; k++)
			json_array_append_new(hits,
			    json_pack("{s:s,s:s}", "rule", d.hits[k].rule,
			        "why", d.hits[k].why));
		for (size_t k = 0; k < d.nmentions; k++)
			json_array_append_new(mentions,
			    json_pack("{s:s,s:s,s:s}", "mention",
			        d.mentions[k].item, "rule", d.mentions[k].rule,
			        "why", d.mentions[k].why));
		util_duration_format(d.remind_every >= 0
		        ? d.remind_every
		        : cfg->reminders.default_every,
		    every, sizeof(every));
		o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:b}",
		    "alert", id, "namespace", a->namespace, "alertname",
		    a->alertname, "status",
		    a->status == ALERT_FIRING ? "firing" : "resolved",
		    "matched", hits, "mentions", mentions, "decided_by",
		    d.rule != NULL ? json_string(d.rule) : json_null(),
		    "channel",
		    d.channel != NULL ? d.channel
		                      : "(catalog team, else default)",
		    "remind_every", every, "silent", d.silent);
		json_array_append_new(out, o);
	}
	alert_batch_free(b);
	return out;
}
