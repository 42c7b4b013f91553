/*
 * rules.c: rule parsing, ordering and evaluation; see rules.h.
 */
#include "rules.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"
#include "log.h"
#include "matcher.h"
#include "slack.h"
#include "yamltree.h"

/* A rule file larger than this is not a rule file. */
#define RULES_MAX_FILE (8u * 1024 * 1024)
/* Matchers per rule and mention items per rule. */
#define RULE_MAX_MATCHERS 32
#define RULE_MAX_MENTION 32
/* `window` defaults to a day (SPEC section 8). */
#define RULE_DEFAULT_WINDOW (24 * 3600 * 1000LL)

struct rule {
	char *name;
	char *origin;
	struct matcher *matchers[RULE_MAX_MATCHERS];
	char *matcher_src[RULE_MAX_MATCHERS];
	size_t nmatchers;
	struct expr *when;
	int64_t window;
	int has_window;
	struct strlist mention;
	int has_mention;
	char *channel;
	int64_t remind_every; /* -1: not set */
	int silent;
	int has_silent;
	int cont;
	long long priority;
	struct strlist value_ref;
	int limit_logged;
};

struct ruleset {
	struct rule **v;
	size_t n;
};

const char *
rule_name(const struct rule *r)
{
	return r->name;
}

void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nmatchers; i++) {
		matcher_free(r->matchers[i]);
		free(r->matcher_src[i]);
	}
	expr_free(r->when);
	strlist_free(&r->mention);
	strlist_free(&r->value_ref);
	free(r->channel);
	free(r->name);
	free(r->origin);
	free(r);
}

int
rules_mention_valid(const char *item)
{
	size_t n = strlen(item);
	char id[64];

	if (strcmp(item, "team") == 0 || strcmp(item, "owners") == 0 ||
	    strcmp(item, "here") == 0)
		return 1;
	if (n > 3 && n < 40 && strncmp(item, "<@", 2) == 0 &&
	    item[n - 1] == '>') {
		snprintf(id, sizeof(id), "%.*s", (int)(n - 3), item + 2);
		return slack_user_id(id);
	}
	if (n > 12 && n < 50 && strncmp(item, "<!subteam^", 10) == 0 &&
	    item[n - 1] == '>') {
		snprintf(id, sizeof(id), "%.*s", (int)(n - 11), item + 10);
		return slack_group_id(id);
	}
	return 0;
}

/* Reads a list of strings (or one string when one_ok). 0 or -1. */
static int
string_list(
    json_t *v, struct strlist *out, int one_ok, size_t max, const char **why)
{
	size_t i;
	json_t *x;

	if (one_ok && json_is_string(v)) {
		strlist_add(out, json_string_value(v));
		return 0;
	}
	if (!json_is_array(v)) {
		*why = "must be a list of strings";
		return -1;
	}
	if (json_array_size(v) > max) {
		*why = "too many items";
		return -1;
	}
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x)) {
			*why = "must be a list of strings";
			return -1;
		}
		strlist_add(out, json_string_value(x));
	}
	return 0;
}

/* A boolean, also from YAML's text. */
static int
boolean(json_t *v, int *out)
{
	const char *s = json_string_value(v);

	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (s != NULL && strcmp(s, "true") == 0)
		*out = 1;
	else if (s != NULL && strcmp(s, "false") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
duration(json_t *v, int64_t *out)
{
	return json_is_string(v)
	    ? util_duration_parse(json_string_value(v), out)
	    : -1;
}

struct rule *
rule_from_json(json_t *j, const char *origin, char *err, size_t errlen)
{
	static const char *const known[] = {"name", "matchers", "when",
	    "window", "mention", "channel", "remind_every", "silent",
	    "continue", "priority", "value_ref", NULL};
	struct rule *r = xcalloc(1, sizeof(*r));
	const char *name, *why = NULL, *key;
	char sub[256];
	json_t *v;

	r->remind_every = -1;
	r->window = RULE_DEFAULT_WINDOW;
	if (!json_is_object(j)) {
		snprintf(err, errlen, "a rule must be a mapping");
		goto fail;
	}
	name = json_string_value(json_object_get(j, "name"));
	if (name == NULL || *name == '\0' || strlen(name) > 200) {
		snprintf(
		    err, errlen, "rule: name is missing (a non-empty text)");
		goto fail;
	}
	r->name = xstrdup(name);
	r->origin = origin != NULL ? xstrdup(origin) : NULL;
	json_object_foreach(j, key, v)
	{
		int ok = 0;
		for (size_t i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				ok = 1;
		if (!ok) {
			snprintf(err, errlen, "rule %s: unknown field %s", name,
			    key);
			goto fail;
		}
	}
	if ((v = json_object_get(j, "matchers")) != NULL && !json_is_null(v)) {
		struct strlist l = {NULL, 0};
		if (string_list(v, &l, 1, RULE_MAX_MATCHERS, &why) != 0) {
			strlist_free(&l);
			snprintf(
			    err, errlen, "rule %s: matchers: %s", name, why);
			goto fail;
		}
		for (size_t i = 0; i < l.n; i++) {
			struct matcher *m =
			    matcher_parse(l.v[i], sub, sizeof(sub));
			if (m == NULL) {
				snprintf(err, errlen, "rule %s: matcher %s: %s",
				    name, l.v[i], sub);
				strlist_free(&l);
				goto fail;
			}
			r->matchers[r->nmatchers] = m;
			r->matcher_src[r->nmatchers++] = xstrdup(l.v[i]);
		}
		strlist_free(&l);
	}
	if ((v = json_object_get(j, "when")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			snprintf(
			    err, errlen, "rule %s: when: must be a text", name);
			goto fail;
		}
		r->when = expr_parse(json_string_value(v), sub, sizeof(sub));
		if (r->when == NULL) {
			snprintf(err, errlen, "rule %s: %s", name, sub);
			goto fail;
		}
	}
	if ((v = json_object_get(j, "window")) != NULL && !json_is_null(v)) {
		if (duration(v, &r->window) != 0 || r->window <= 0) {
			snprintf(err, errlen, "rule %s: window: not a duration",
			    name);
			goto fail;
		}
		r->has_window = 1;
	}
	if ((v = json_object_get(j, "mention")) != NULL && !json_is_null(v)) {
		if (string_list(v, &r->mention, 1, RULE_MAX_MENTION, &why) !=
		    0) {
			snprintf(
			    err, errlen, "rule %s: mention: %s", name, why);
			goto fail;
		}
		for (size_t i = 0; i < r->mention.n; i++)
			if (!rules_mention_valid(r->mention.v[i])) {
				snprintf(err, errlen,
				    "rule %s: mention: %s is not team, owners, "
				    "here, "
				    "<@U…> or <!subteam^S…>",
				    name, r->mention.v[i]);
				goto fail;
			}
		r->has_mention = 1;
	}
	if ((v = json_object_get(j, "channel")) != NULL && !json_is_null(v)) {
		const char *c = json_string_value(v);
		if (c == NULL || *c == '\0' || strlen(c) > 80 ||
		    strpbrk(c, " <>&\"") != NULL) {
			snprintf(err, errlen,
			    "rule %s: channel: not a channel name", name);
			goto fail;
		}
		r->channel = xstrdup(c);
	}
	if ((v = json_object_get(j, "remind_every")) != NULL &&
	    !json_is_null(v) && duration(v, &r->remind_every) != 0) {
		snprintf(
		    err, errlen, "rule %s: remind_every: not a duration", name);
		goto fail;
	}
	if ((v = json_object_get(j, "silent")) != NULL && !json_is_null(v)) {
		if (boolean(v, &r->silent) != 0) {
			snprintf(err, errlen, "rule %s: silent: true or false",
			    name);
			goto fail;
		}
		r->has_silent = 1;
	}
	if ((v = json_object_get(j, "continue")) != NULL && !json_is_null(v) &&
	    boolean(v, &r->cont) != 0) {
		snprintf(err, errlen, "rule %s: continue: true or false", name);
		goto fail;
	}
	if ((v = json_object_get(j, "priority")) != NULL && !json_is_null(v)) {
		const char *e;
		if (json_is_integer(v))
			r->priority = json_integer_value(v);
		else if (!json_is_string(v) ||
		    util_strtonum(json_string_value(v), -1000000, 1000000,
		        &r->priority, &e) != 0) {
			snprintf(err, errlen,
			    "rule %s: priority: a whole number", name);
			goto fail;
		}
		if (r->priority < -1000000 || r->priority > 1000000) {
			snprintf(err, errlen, "rule %s: priority: out of range",
			    name);
			goto fail;
		}
	}
	if ((v = json_object_get(j, "value_ref")) != NULL && !json_is_null(v) &&
	    string_list(v, &r->value_ref, 1, 16, &why) != 0) {
		snprintf(err, errlen, "rule %s: value_ref: %s", name, why);
		goto fail;
	}
	return r;
fail:
	rule_free(r);
	return NULL;
}

json_t *
rule_to_json(const struct rule *r)
{
	json_t *o = json_object(), *l;
	char d[64];

	json_object_set_new(o, "name", json_string(r->name));
	l = json_array();
	for (size_t i = 0; i < r->nmatchers; i++)
		json_array_append_new(l, json_string(r->matcher_src[i]));
	json_object_set_new(o, "matchers", l);
	if (r->when != NULL)
		json_object_set_new(
		    o, "when", json_string(expr_source(r->when)));
	if (r->has_window) {
		util_duration_format(r->window, d, sizeof(d));
		json_object_set_new(o, "window", json_string(d));
	}
	if (r->has_mention) {
		l = json_array();
		for (size_t i = 0; i < r->mention.n; i++)
			json_array_append_new(l, json_string(r->mention.v[i]));
		json_object_set_new(o, "mention", l);
	}
	if (r->channel != NULL)
		json_object_set_new(o, "channel", json_string(r->channel));
	if (r->remind_every >= 0) {
		util_duration_format(r->remind_every, d, sizeof(d));
		json_object_set_new(o, "remind_every", json_string(d));
	}
	if (r->has_silent)
		json_object_set_new(o, "silent", json_boolean(r->silent));
	if (r->cont)
		json_object_set_new(o, "continue", json_true());
	json_object_set_new(o, "priority", json_integer(r->priority));
	if (r->value_ref.n > 0) {
		l = json_array();
		for (size_t i = 0; i < r->value_ref.n; i++)
			json_array_append_new(
			    l, json_string(r->value_ref.v[i]));
		json_object_set_new(o, "value_ref", l);
	}
	return o;
}

struct ruleset *
ruleset_new(void)
{
	return xcalloc(1, sizeof(struct ruleset));
}

void
ruleset_free(struct ruleset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		rule_free(s->v[i]);
	free(s->v);
	free(s);
}

int
ruleset_add(struct ruleset *s, struct rule *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->name, r->name) == 0) {
			snprintf(err, errlen,
			    "rule %s: the name is used twice%s%s", r->name,
			    s->v[i]->origin != NULL ? " (first at " : "",
			    s->v[i]->origin != NULL ? s->v[i]->origin : "");
			if (s->v[i]->origin != NULL)
				snprintf(err + strlen(err),
				    errlen - strlen(err), ")");
			rule_free(r);
			return -1;
		}
	if (s->n >= RULES_MAX) {
		snprintf(err, errlen, "more than %d rules", RULES_MAX);
		rule_free(r);
		return -1;
	}
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = r;
	return 0;
}

static int
rule_order(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a;
	const struct rule *y = *(struct rule *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
ruleset_sort(struct ruleset *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), rule_order);
}

size_t
ruleset_count(const struct ruleset *s)
{
	return s->n;
}

const struct rule *
ruleset_get(const struct ruleset *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

struct ruleset *
rules_from_json(json_t *array, char *err, size_t errlen)
{
	struct ruleset *s = ruleset_new();
	size_t i;
	json_t *j;

	if (!json_is_array(array)) {
		snprintf(err, errlen, "rules must be a list");
		goto fail;
	}
	json_array_foreach(array, i, j)
	{
		struct rule *r = rule_from_json(j, NULL, err, errlen);
		if (r == NULL || ruleset_add(s, r, err, errlen) != 0)
			goto fail;
	}
	ruleset_sort(s);
	return s;
fail:
	ruleset_free(s);
	return NULL;
}

json_t *
rules_to_json(const struct ruleset *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, rule_to_json(s->v[i]));
	return a;
}

/* ---- YAML files ---- */

/* YAML scalars to JSON: plain true/false/null and numbers keep their type,
 * everything else is text. Depth is bounded by yamltree's own check. */
static json_t *
yaml_json(struct yamltree *t, yaml_node_t *n, int depth)
{
	json_t *o;

	if (n == NULL || depth > 16)
		return json_null();
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = yamltree_text(n);
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			long long v;
			const char *e;
			if (yamltree_is_null(n))
				return json_null();
			if (strcmp(s, "true") == 0)
				return json_true();
			if (strcmp(s, "false") == 0)
				return json_false();
			if (util_strtonum(s, -1000000000, 1000000000, &v, &e) ==
			    0)
				return json_integer(v);
		}
		o = json_string(s);
		return o != NULL ? o : json_string("");
	}
	case YAML_SEQUENCE_NODE:
		o = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			json_array_append_new(
			    o, yaml_json(t, yamltree_node(t, *it), depth + 1));
		return o;
	case YAML_MAPPING_NODE:
		o = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yamltree_node(t, p->key);
			if (k != NULL && k->type == YAML_SCALAR_NODE)
				json_object_set_new(o, yamltree_text(k),
				    yaml_json(t, yamltree_node(t, p->value),
				        depth + 1));
		}
		return o;
	default: return json_null();
	}
}

int
rules_parse_file(struct ruleset *s, const char *data, size_t len,
    const char *path, char *err, size_t errlen)
{
	struct yamltree t;
	yaml_node_t *root;
	char why[512], origin[4200];
	size_t line = 0;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	if (yamltree_load(&t, data, len, &line, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s:%zu: %s", path, line, why);
		goto done;
	}
	root = yamltree_root(&t);
	if (root == NULL || yamltree_is_null(root)) {
		rc = 0; /* an empty file: no rules */
		goto done;
	}
	if (root->type != YAML_SEQUENCE_NODE) {
		snprintf(err, errlen, "%s:%zu: a rule file is a list of rules",
		    path, yamltree_line(root));
		goto done;
	}
	for (yaml_node_item_t *it = root->data.sequence.items.start;
	     it < root->data.sequence.items.top; it++) {
		yaml_node_t *n = yamltree_node(&t, *it);
		json_t *j = yaml_json(&t, n, 0);
		struct rule *r;

		snprintf(
		    origin, sizeof(origin), "%s:%zu", path, yamltree_line(n));
		r = rule_from_json(j, origin, why, sizeof(why));
		json_decref(j);
		if (r == NULL || ruleset_add(s, r, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", origin, why);
			goto done;
		}
	}
	rc = 0;
done:
	yamltree_free(&t);
	return rc;
}

static int
load_file(struct ruleset *s, const char *path, char *err, size_t errlen)
{
	char why[512];
	size_t len = 0;
	char *data =
	    yamltree_read_file(path, RULES_MAX_FILE, &len, why, sizeof(why));
	int rc;

	if (data == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	rc = rules_parse_file(s, data, len, path, err, errlen);
	free(data);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct ruleset *
rules_load_dir(const char *dir, char *err, size_t errlen)
{
	struct ruleset *s = ruleset_new();
	struct strlist files = {NULL, 0};
	struct dirent *e;
	DIR *d;

	if (dir == NULL || *dir == '\0' || (d = opendir(dir)) == NULL)
		return s;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char path[4096];
		if (e->d_name[0] == '.' ||
		    !((n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) ||
		        (n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0)))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path))
			strlist_add(&files, path);
	}
	closedir(d);
	/* In name order: the same files always give the same errors. */
	if (files.n > 1)
		qsort(files.v, files.n, sizeof(*files.v), cmp_names);
	for (size_t i = 0; i < files.n; i++)
		if (load_file(s, files.v[i], err, errlen) != 0) {
			strlist_free(&files);
			ruleset_free(s);
			return NULL;
		}
	strlist_free(&files);
	ruleset_sort(s);
	return s;
}

/* YAML double-quoted scalar. */
static void
yaml_quote(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	buf_json_esc(b, s, strlen(s));
	buf_addc(b, '"');
}

void
rules_to_yaml(const struct ruleset *s, struct buf *out)
{
	char d[64];

	if (s->n == 0)
		buf_adds(out, "[]\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct rule *r = s->v[i];

		buf_adds(out, "- name: ");
		yaml_quote(out, r->name);
		buf_adds(out, "\n  matchers: [");
		for (size_t k = 0; k < r->nmatchers; k++) {
			if (k > 0)
				buf_adds(out, ", ");
			yaml_quote(out, r->matcher_src[k]);
		}
		buf_adds(out, "]\n");
		if (r->when != NULL) {
			buf_adds(out, "  when: ");
			yaml_quote(out, expr_source(r->when));
			buf_addc(out, '\n');
		}
		if (r->has_window) {
			util_duration_format(r->window, d, sizeof(d));
			buf_printf(out, "  window: %s\n", d);
		}
		if (r->has_mention) {
			buf_adds(out, "  mention: [");
			for (size_t k = 0; k < r->mention.n; k++) {
				if (k > 0)
					buf_adds(out, ", ");
				yaml_quote(out, r->mention.v[k]);
			}
			buf_adds(out, "]\n");
		}
		if (r->channel != NULL) {
			buf_adds(out, "  channel: ");
			yaml_quote(out, r->channel);
			buf_addc(out, '\n');
		}
		if (r->remind_every >= 0) {
			util_duration_format(r->remind_every, d, sizeof(d));
			buf_printf(out, "  remind_every: %s\n", d);
		}
		if (r->has_silent)
			buf_printf(out, "  silent: %s\n",
			    r->silent ? "true" : "false");
		if (r->cont)
			buf_adds(out, "  continue: true\n");
		buf_printf(out, "  priority: %lld\n", r->priority);
		if (r->value_ref.n > 0) {
			buf_adds(out, "  value_ref: [");
			for (size_t k = 0; k < r->value_ref.n; k++) {
				if (k > 0)
					buf_adds(out, ", ");
				yaml_quote(out, r->value_ref.v[k]);
			}
			buf_adds(out, "]\n");
		}
	}
}

/* ---- evaluation ---- */

/* 1 when the rule matches; why says what decided. */
static int
rule_matches(struct rule *r, const struct rule_input *in, char *why,
    size_t whylen, int *limit)
{
	struct expr_vars v;
	double value;

	for (size_t i = 0; i < r->nmatchers; i++) {
		int hit = 0;
		if (!matcher_match(r->matchers[i], in->labels, &hit)) {
			if (hit) {
				*limit = 1;
				if (!r->limit_logged)
					log_event(LOG_WARN,
					    "regex hit its match limits: "
					    "counted as "
					    "no match (logged once per rule)",
					    "rule", r->name, NULL);
				r->limit_logged = 1;
			}
			return 0;
		}
	}
	if (r->when == NULL) {
		snprintf(why, whylen, "%s",
		    r->nmatchers > 0 ? "matchers match" : "always");
		return 1;
	}
	memset(&v, 0, sizeof(v));
	v.has_value = alert_value(in->values, in->nvalues,
	    r->value_ref.n > 0 ? &r->value_ref : NULL, in->default_value_ref,
	    in->annotations, &value);
	v.value = value;
	v.values = in->values;
	v.nvalues = in->nvalues;
	v.has_notifications = 1;
	v.notifications = (double)in->notifications;
	if (in->fires != NULL && (expr_uses(r->when) & EXPR_USES_FIRES)) {
		int64_t f = in->fires(in->fires_arg, r->window);
		if (f >= 0) {
			v.has_fires = 1;
			v.fires = (double)f;
		}
	}
	return expr_eval(r->when, &v, why, whylen);
}

void
rules_decide(
    struct ruleset *s, const struct rule_input *in, struct rule_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->remind_every = -1;
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		struct rule *r = s->v[i];
		char why[128];

		if (!rule_matches(r, in, why, sizeof(why), &out->regex_limit))
			continue;
		if (out->nhits < RULES_MAX_MATCHED) {
			out->hits[out->nhits].rule = r->name;
			snprintf(out->hits[out->nhits].why,
			    sizeof(out->hits[0].why), "%s", why);
			out->nhits++;
		}
		for (size_t k = 0; k < r->mention.n; k++) {
			if (out->nmentions == RULES_MAX_MENTIONS)
				break;
			out->mentions[out->nmentions].item = r->mention.v[k];
			out->mentions[out->nmentions].rule = r->name;
			snprintf(out->mentions[out->nmentions].why,
			    sizeof(out->mentions[0].why), "%s", why);
			out->nmentions++;
		}
		if (r->cont)
			continue;
		out->matched = 1;
		out->rule = r->name;
		out->channel = r->channel;
		out->remind_every = r->remind_every;
		out->silent = r->silent;
		break;
	}
}
