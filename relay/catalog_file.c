/*
 * catalog_file.c: catalog entries and the catalog file; see catalog_file.h.
 *
 * The file is read with yamltree, which reads JSON too (JSON is YAML flow
 * text), and converted node by node to jansson values so that one parser
 * serves the file, the API and the cache. The conversion remembers each
 * value's line, so that an error in an entry names the line of the value at
 * fault and not just the entry's.
 */
#include "catalog_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "slack.h"
#include "util.h"
#include "yamltree.h"

/*
 * YAML aliases can repeat a subtree many times; an entry is a few dozen
 * values, so converting more than this many for one entry (or for the
 * whole file) means an alias bomb, not a catalog.
 */
#define ENTRY_MAX_VALUES 2048
#define FILE_MAX_VALUES (4u * 1024 * 1024)

/* Where a converted value came from in the file. */
struct line_of {
	const json_t *j;
	size_t line;
};

/* State of one entry's parse. */
struct parse {
	const json_t *bad; /* the value an error is about, when known */
	char *err;
	size_t errlen;
	const char *ns;
	/* Reports a dropped value; at is the value (for its line). */
	void (*warn)(struct parse *p, const json_t *at, const char *field,
	    const char *value, const char *why);
	/* For warn: the file's name and the conversion's lines, if any. */
	const char *file;
	const struct line_of *lines;
	size_t nlines;
	size_t entry_line;
};

static int fail(struct parse *, const json_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parse *p, const json_t *at, const char *fmt, ...)
{
	va_list ap;

	p->bad = at;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/*
 * Reads obj.key as a string (owned, "" when absent or null) into *out.
 * A number is taken as its decimal text when numbers is set (a tier of 1).
 */
static int
get_str(struct parse *p, const json_t *obj, const char *key, const char *path,
    size_t max, int numbers, char **out)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		*out = xstrdup("");
		return 0;
	}
	if (numbers && json_is_integer(v)) {
		*out =
		    xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v))
		return fail(
		    p, v, "%s: expected a string, got %s", path, type_name(v));
	s = json_string_value(v);
	n = json_string_length(v);
	if (strlen(s) != n)
		return fail(p, v, "%s: contains a NUL byte", path);
	if (n > max)
		return fail(p, v, "%s: longer than %zu bytes", path, max);
	*out = xstrdup(s);
	return 0;
}

/* Gets obj.key as an object or array (NULL when absent or null). */
static int
get_container(struct parse *p, const json_t *obj, const char *key, int array,
    const json_t **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (array ? !json_is_array(v) : !json_is_object(v))
		return fail(p, v, "%s: expected %s, got %s", key,
		    array ? "a list" : "an object", type_name(v));
	*out = v;
	return 0;
}

/*
 * A channel as chat.postMessage takes it: "#name" (Slack names are
 * lowercase letters, digits, '-', '_' and '.', at most 80; bytes past ASCII
 * are let through for non-Latin names, as no Slack markup is outside ASCII)
 * or a public (C) or private (G) channel id.
 */
static int
channel_valid(const char *s)
{
	size_t n = strlen(s);

	if (s[0] == 'C' || s[0] == 'G') {
		if (n < 2 || n > 32)
			return 0;
		for (size_t i = 1; i < n; i++)
			if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			        (s[i] >= '0' && s[i] <= '9')))
				return 0;
		return 1;
	}
	if (s[0] != '#' || n < 2 || n > 81)
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.' || c >= 0x80))
			return 0;
	}
	return 1;
}

/* Drops *s (makes it "") unless ok; logs why through p->warn. */
static void
keep_if(struct parse *p, const json_t *at, const char *field, char **s, int ok,
    const char *why)
{
	if (**s == '\0' || ok)
		return;
	p->warn(p, at, field, *s, why);
	free(*s);
	*s = xstrdup("");
}

void
catalog_entry_free(struct catalog_entry *e)
{
	if (e == NULL)
		return;
	free(e->namespace);
	free(e->project);
	free(e->tier);
	free(e->team.code);
	free(e->team.name);
	free(e->team.slack_usergroup);
	free(e->team.slack_channel);
	for (size_t i = 0; i < e->nowners; i++) {
		free(e->owners[i].name);
		free(e->owners[i].slack_user);
	}
	free(e->owners);
	free(e->links.project);
	free(e->links.dashboard);
	free(e->links.logs);
	free(e);
}

/* An absent team (t == NULL) reads as all "". */
static int
parse_team(struct parse *p, const json_t *j, struct catalog_entry *e)
{
	const json_t *t;

	if (get_container(p, j, "team", 0, &t) == -1 ||
	    get_str(p, t, "code", "team.code", CATALOG_MAX_STRING, 1,
	        &e->team.code) == -1 ||
	    get_str(p, t, "name", "team.name", CATALOG_MAX_STRING, 0,
	        &e->team.name) == -1 ||
	    get_str(p, t, "slack_usergroup", "team.slack_usergroup",
	        CATALOG_MAX_STRING, 0, &e->team.slack_usergroup) == -1 ||
	    get_str(p, t, "slack_channel", "team.slack_channel",
	        CATALOG_MAX_STRING, 0, &e->team.slack_channel) == -1)
		return -1;
	keep_if(p, json_object_get(t, "slack_usergroup"),
	    "team.slack_usergroup", &e->team.slack_usergroup,
	    slack_group_id(e->team.slack_usergroup),
	    "not a Slack user group id (S...)");
	keep_if(p, json_object_get(t, "slack_channel"), "team.slack_channel",
	    &e->team.slack_channel, channel_valid(e->team.slack_channel),
	    "not a Slack channel (#lowercase-name, or an id C... or G...)");
	if (e->team.code[0] == '\0' &&
	    (e->team.name[0] != '\0' || e->team.slack_usergroup[0] != '\0' ||
	        e->team.slack_channel[0] != '\0')) {
		/* Teams are keyed by code: without one there is no team. */
		p->warn(p, t, "team.code", "",
		    "missing (teams are keyed by code): team dropped");
		e->team.name[0] = '\0';
		e->team.slack_usergroup[0] = '\0';
		e->team.slack_channel[0] = '\0';
	}
	return 0;
}

/* One owner into *w; on failure *w holds nothing. */
static int
parse_owner(struct parse *p, const json_t *o, size_t i, struct catalog_owner *w)
{
	char user_f[48], name_f[48];

	snprintf(user_f, sizeof(user_f), "owners[%zu].slack_user", i);
	snprintf(name_f, sizeof(name_f), "owners[%zu].name", i);
	memset(w, 0, sizeof(*w));
	if (!json_is_object(o))
		return fail(p, o, "owners[%zu]: expected an object, got %s", i,
		    type_name(o));
	if (get_str(p, o, "name", name_f, CATALOG_MAX_STRING, 0, &w->name) ==
	        -1 ||
	    get_str(p, o, "slack_user", user_f, CATALOG_MAX_STRING, 0,
	        &w->slack_user) == -1) {
		free(w->name);
		w->name = NULL;
		return -1;
	}
	keep_if(p, json_object_get(o, "slack_user"), user_f, &w->slack_user,
	    slack_user_id(w->slack_user), "not a Slack user id (U... or W...)");
	return 0;
}

static int
parse_owners(struct parse *p, const json_t *j, struct catalog_entry *e)
{
	const json_t *list;
	struct catalog_owner w;
	char why[64];
	size_t n;

	if (get_container(p, j, "owners", 1, &list) == -1)
		return -1;
	n = json_array_size(list); /* 0 when absent */
	if (n > CATALOG_MAX_OWNERS) {
		snprintf(why, sizeof(why), "more than %d: the rest dropped",
		    CATALOG_MAX_OWNERS);
		p->warn(p, list, "owners", "", why);
		n = CATALOG_MAX_OWNERS;
	}
	if (n == 0)
		return 0;
	e->owners = xcalloc(n, sizeof(*e->owners));
	for (size_t i = 0; i < n; i++) {
		if (parse_owner(p, json_array_get(list, i), i, &w) == -1)
			return -1;
		if (w.name[0] == '\0' && w.slack_user[0] == '\0') {
			/* Nothing left to show or to mention. */
			free(w.name);
			free(w.slack_user);
			continue;
		}
		e->owners[e->nowners++] = w;
	}
	return 0;
}

static int
parse_links(struct parse *p, const json_t *j, struct catalog_entry *e)
{
	static const char *const keys[] = {"project", "dashboard", "logs"};
	char **slots[] = {
	    &e->links.project, &e->links.dashboard, &e->links.logs};
	const json_t *l;
	char field[32];

	if (get_container(p, j, "links", 0, &l) == -1)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		snprintf(field, sizeof(field), "links.%s", keys[i]);
		/* Long ones are dropped below (util_http_url stops at Slack's
		 * 3000), not refused: a link is an extra. */
		if (get_str(p, l, keys[i], field, 65536, 0, slots[i]) == -1)
			return -1;
		keep_if(p, json_object_get(l, keys[i]), field, slots[i],
		    util_http_url(*slots[i]),
		    "not an http(s) URL of at most 3000 bytes");
	}
	return 0;
}

/* The body of catalog_entry_from_json, with p's error and warning sinks.
 * Every string of e starts NULL, so that e can be freed at any point. */
static struct catalog_entry *
entry_parse(struct parse *p, const json_t *j)
{
	struct catalog_entry *e = xcalloc(1, sizeof(*e));

	p->err[0] = '\0';
	p->bad = NULL;
	p->ns = "";
	if (!json_is_object(j)) {
		fail(p, j, "expected an object, got %s", type_name(j));
		goto fail;
	}
	if (get_str(p, j, "namespace", "namespace", CATALOG_MAX_NAMESPACE, 0,
	        &e->namespace) == -1)
		goto fail;
	for (const char *c = e->namespace; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			fail(p, json_object_get(j, "namespace"),
			    "namespace: contains a control character");
			goto fail;
		}
	p->ns = e->namespace;
	if (get_str(p, j, "project", "project", CATALOG_MAX_STRING, 0,
	        &e->project) == -1 ||
	    get_str(p, j, "tier", "tier", CATALOG_MAX_STRING, 1, &e->tier) ==
	        -1 ||
	    parse_team(p, j, e) == -1 || parse_links(p, j, e) == -1 ||
	    parse_owners(p, j, e) == -1)
		goto fail;
	return e;
fail:
	catalog_entry_free(e);
	return NULL;
}

static void
warn_log(struct parse *p, const json_t *at, const char *field,
    const char *value, const char *why)
{
	log_event(LOG_WARN, "catalog: value dropped", "namespace", p->ns,
	    "field", field, "value", value, "reason", why, NULL);
}

struct catalog_entry *
catalog_entry_from_json(const json_t *j, char *err, size_t errlen)
{
	struct parse p;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	p.warn = warn_log;
	return entry_parse(&p, j);
}

static void
put(json_t *o, const char *key, const char *s)
{
	if (s != NULL && *s != '\0')
		json_object_set_new(o, key, json_string(s));
}

json_t *
catalog_entry_to_json(const struct catalog_entry *e)
{
	json_t *j = json_object(), *t, *l, *owners;

	put(j, "namespace", e->namespace);
	put(j, "project", e->project);
	put(j, "tier", e->tier);
	if (e->team.code[0] != '\0') {
		t = json_object();
		put(t, "code", e->team.code);
		put(t, "name", e->team.name);
		put(t, "slack_usergroup", e->team.slack_usergroup);
		put(t, "slack_channel", e->team.slack_channel);
		json_object_set_new(j, "team", t);
	}
	if (e->nowners > 0) {
		owners = json_array();
		for (size_t i = 0; i < e->nowners; i++) {
			json_t *o = json_object();
			put(o, "name", e->owners[i].name);
			put(o, "slack_user", e->owners[i].slack_user);
			json_array_append_new(owners, o);
		}
		json_object_set_new(j, "owners", owners);
	}
	l = json_object();
	put(l, "project", e->links.project);
	put(l, "dashboard", e->links.dashboard);
	put(l, "logs", e->links.logs);
	if (json_object_size(l) > 0)
		json_object_set_new(j, "links", l);
	else
		json_decref(l);
	return j;
}

int
catalog_namespace_valid(const char *ns)
{
	size_t n = strlen(ns);

	if (n == 0 || n > CATALOG_MAX_NAMESPACE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = ns[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (alnum)
			continue;
		/* '-' and '.' only inside. */
		if ((c != '-' && c != '.') || i == 0 || i == n - 1)
			return 0;
	}
	return 1;
}

/* ---- the file ---- */

/* A YAML document being turned into jansson values, one entry at a time. */
struct conv {
	struct yamltree *tree;
	struct line_of *lines; /* of the current entry's values */
	size_t nlines, cap;
	size_t budget;      /* values the current entry may still have */
	size_t file_budget; /* and the whole file */
	size_t line;        /* of the error */
	char why[256];
};

static void
note_line(struct conv *cv, const json_t *j, size_t line)
{
	if (cv->nlines == cv->cap) {
		cv->cap = cv->cap > 0 ? cv->cap * 2 : 64;
		cv->lines = xrealloc(cv->lines, cv->cap * sizeof(*cv->lines));
	}
	cv->lines[cv->nlines].j = j;
	cv->lines[cv->nlines].line = line;
	cv->nlines++;
}

static json_t *conv_node(struct conv *, yaml_node_t *);

static json_t *
conv_mapping(struct conv *cv, yaml_node_t *n)
{
	json_t *o = json_object();

	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yamltree_node(cv->tree, pr->key);
		yaml_node_t *v = yamltree_node(cv->tree, pr->value);
		const char *key;
		json_t *jv;

		if (k == NULL || v == NULL)
			goto malformed;
		key = yamltree_text(k);
		if (key == NULL || yamltree_is_null(k)) {
			cv->line = yamltree_line(k);
			snprintf(cv->why, sizeof(cv->why),
			    "a key must be a single non-empty value");
			goto fail;
		}
		if (json_object_get(o, key) != NULL) {
			cv->line = yamltree_line(k);
			snprintf(cv->why, sizeof(cv->why),
			    "duplicate key \"%.64s\"", key);
			goto fail;
		}
		if ((jv = conv_node(cv, v)) == NULL)
			goto fail;
		json_object_set_new(o, key, jv);
	}
	return o;
malformed:
	cv->line = yamltree_line(n);
	snprintf(cv->why, sizeof(cv->why), "malformed mapping");
fail:
	json_decref(o);
	return NULL;
}

/* Returns new: the value of YAML node n, or NULL with cv->line/why set. */
static json_t *
conv_node(struct conv *cv, yaml_node_t *n)
{
	json_t *j = NULL;
	const char *s;

	if (cv->budget == 0 || cv->file_budget == 0) {
		cv->line = yamltree_line(n);
		snprintf(cv->why, sizeof(cv->why),
		    "more than %d values in one entry, or %u in the file "
		    "(aliases?)",
		    ENTRY_MAX_VALUES, FILE_MAX_VALUES);
		return NULL;
	}
	cv->budget--;
	cv->file_budget--;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (yamltree_is_null(n))
			return json_null();
		if ((s = yamltree_text(n)) == NULL) {
			cv->line = yamltree_line(n);
			snprintf(
			    cv->why, sizeof(cv->why), "contains a NUL byte");
			return NULL;
		}
		/* libyaml hands out UTF-8 only; json_string checks again. */
		if ((j = json_string(s)) == NULL) {
			cv->line = yamltree_line(n);
			snprintf(cv->why, sizeof(cv->why), "not valid UTF-8");
			return NULL;
		}
		break;
	case YAML_SEQUENCE_NODE:
		j = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			yaml_node_t *c = yamltree_node(cv->tree, *it);
			json_t *jc = c != NULL ? conv_node(cv, c) : NULL;
			if (jc == NULL) {
				if (c == NULL) {
					cv->line = yamltree_line(n);
					snprintf(cv->why, sizeof(cv->why),
					    "malformed list");
				}
				json_decref(j);
				return NULL;
			}
			json_array_append_new(j, jc);
		}
		break;
	case YAML_MAPPING_NODE:
		if ((j = conv_mapping(cv, n)) == NULL)
			return NULL;
		break;
	default:
		cv->line = yamltree_line(n);
		snprintf(cv->why, sizeof(cv->why), "unexpected YAML node");
		return NULL;
	}
	note_line(cv, j, yamltree_line(n));
	return j;
}

/* The line of converted value j, else the entry's. */
static size_t
line_of(const struct parse *p, const json_t *j)
{
	if (j != NULL)
		for (size_t i = 0; i < p->nlines; i++)
			if (p->lines[i].j == j)
				return p->lines[i].line;
	return p->entry_line;
}

static void
warn_file(struct parse *p, const json_t *at, const char *field,
    const char *value, const char *why)
{
	char where[512];

	if (p->entry_line > 0)
		snprintf(
		    where, sizeof(where), "%s:%zu", p->file, line_of(p, at));
	else
		snprintf(where, sizeof(where), "%s", p->file);
	log_event(LOG_WARN, "catalog file: value dropped", "at", where,
	    "namespace", p->ns, "field", field, "value", value, "reason", why,
	    NULL);
}

/* What the list is being built into. */
struct building {
	struct catalog_entry **v;
	size_t *lines; /* each entry's line, for duplicate messages */
	size_t n, cap;
};

static void
building_add(struct building *b, struct catalog_entry *e, size_t line)
{
	if (b->n == b->cap) {
		b->cap = b->cap > 0 ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
		b->lines = xrealloc(b->lines, b->cap * sizeof(*b->lines));
	}
	b->v[b->n] = e;
	b->lines[b->n] = line;
	b->n++;
}

/*
 * Parses one converted entry j of the file into b. line is the entry's
 * (0 when unknown, in the jansson path; index names it then).
 */
static int
add_entry(struct building *b, struct parse *p, const json_t *j, size_t line,
    size_t index, char *err, size_t errlen)
{
	struct catalog_entry *e;
	char why[512];
	char where[64];

	p->err = why;
	p->errlen = sizeof(why);
	p->entry_line = line;
	if (line > 0)
		snprintf(where, sizeof(where), "%zu", line);
	else
		snprintf(where, sizeof(where), " entry %zu", index + 1);
	if (b->n >= CATALOG_MAX_ENTRIES) {
		snprintf(err, errlen, "%s:%s: more than %d entries", p->file,
		    where, CATALOG_MAX_ENTRIES);
		return -1;
	}
	if ((e = entry_parse(p, j)) == NULL) {
		if (line > 0)
			snprintf(
			    where, sizeof(where), "%zu", line_of(p, p->bad));
		snprintf(err, errlen, "%s:%s: %s", p->file, where, why);
		return -1;
	}
	if (e->namespace[0] == '\0') {
		snprintf(
		    err, errlen, "%s:%s: namespace: missing", p->file, where);
		catalog_entry_free(e);
		return -1;
	}
	building_add(b, e, line);
	return 0;
}

static int
from_yaml(struct building *b, struct parse *p, struct yamltree *t, char *err,
    size_t errlen)
{
	yaml_node_t *root = yamltree_root(t);
	struct conv cv;
	size_t i = 0;
	int rc = -1;

	memset(&cv, 0, sizeof(cv));
	cv.tree = t;
	cv.file_budget = FILE_MAX_VALUES;
	if (root == NULL || yamltree_is_null(root))
		return 0;
	if (root->type != YAML_SEQUENCE_NODE) {
		snprintf(err, errlen,
		    "%s:%zu: expected a list of entries, got "
		    "a %s",
		    p->file, yamltree_line(root), yamltree_kind(root));
		return -1;
	}
	for (yaml_node_item_t *it = root->data.sequence.items.start;
	     it < root->data.sequence.items.top; it++, i++) {
		yaml_node_t *n = yamltree_node(t, *it);
		json_t *j;
		int r;

		if (n == NULL)
			continue;
		cv.nlines = 0;
		cv.budget = ENTRY_MAX_VALUES;
		if ((j = conv_node(&cv, n)) == NULL) {
			snprintf(err, errlen, "%s:%zu: %s", p->file, cv.line,
			    cv.why);
			goto done;
		}
		p->lines = cv.lines;
		p->nlines = cv.nlines;
		r = add_entry(b, p, j, yamltree_line(n), i, err, errlen);
		json_decref(j);
		if (r == -1)
			goto done;
	}
	rc = 0;
done:
	free(cv.lines);
	p->lines = NULL;
	p->nlines = 0;
	return rc;
}

/* JSON that libyaml cannot read (surrogate-pair escapes): no lines. */
static int
from_jansson(struct building *b, struct parse *p, const json_t *root, char *err,
    size_t errlen)
{
	if (!json_is_array(root)) {
		snprintf(err, errlen,
		    "%s:1: expected a list of entries, got %s", p->file,
		    type_name(root));
		return -1;
	}
	for (size_t i = 0; i < json_array_size(root); i++)
		if (add_entry(
		        b, p, json_array_get(root, i), 0, i, err, errlen) == -1)
			return -1;
	return 0;
}

/* 1 when the text starts like JSON ('[' or '{' after blanks or a BOM). */
static int
looks_json(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len &&
	    (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
	        data[i] == '\n'))
		i++;
	return i < len && (data[i] == '[' || data[i] == '{');
}

struct sort_item {
	struct catalog_entry *e;
	size_t line;
};

static int
cmp_item(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	int c = strcmp(x->e->namespace, y->e->namespace);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts b into out; a namespace twice is an error. */
static int
finish(struct building *b, const char *file, struct catalog_list *out,
    char *err, size_t errlen)
{
	struct sort_item *items = xcalloc(b->n > 0 ? b->n : 1, sizeof(*items));
	int rc = 0;

	for (size_t i = 0; i < b->n; i++) {
		items[i].e = b->v[i];
		items[i].line = b->lines[i];
	}
	qsort(items, b->n, sizeof(*items), cmp_item);
	for (size_t i = 1; i < b->n && rc == 0; i++) {
		if (strcmp(items[i - 1].e->namespace, items[i].e->namespace) !=
		    0)
			continue;
		if (items[i].line > 0)
			snprintf(err, errlen,
			    "%s:%zu: namespace \"%.64s\" is also at line %zu",
			    file, items[i].line, items[i].e->namespace,
			    items[i - 1].line);
		else
			snprintf(err, errlen,
			    "%s: namespace \"%.64s\" is listed twice", file,
			    items[i].e->namespace);
		rc = -1;
	}
	for (size_t i = 0; i < b->n; i++)
		b->v[i] = items[i].e;
	free(items);
	free(b->lines);
	b->lines = NULL;
	if (rc == 0) {
		out->v = b->v;
		out->n = b->n;
		b->v = NULL;
		b->n = 0;
	}
	return rc;
}

int
catalog_file_parse(const char *data, size_t len, const char *name,
    struct catalog_list *out, char *err, size_t errlen)
{
	struct building b;
	struct yamltree tree;
	struct parse p;
	json_t *root = NULL;
	json_error_t jerr;
	size_t line;
	char why[256];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	memset(&p, 0, sizeof(p));
	memset(&tree, 0, sizeof(tree));
	p.file = name;
	p.warn = warn_file;
	if (len > CATALOG_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u bytes", name,
		    CATALOG_MAX_FILE);
		return -1;
	}
	if (yamltree_load(&tree, data, len, &line, why, sizeof(why)) == 0) {
		rc = from_yaml(&b, &p, &tree, err, errlen);
	} else if (looks_json(data, len)) {
		/* Either JSON that YAML cannot read, or broken JSON: jansson
		 * tells which, and its message fits JSON better. */
		size_t bom = len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0
		    ? 3
		    : 0; /* jansson does not skip one */
		root = json_loadb(
		    data + bom, len - bom, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL) {
			/* jansson quotes the input near the error. */
			for (char *c = jerr.text; *c != '\0'; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					*c = '?';
			snprintf(err, errlen, "%s:%d: %s", name, jerr.line,
			    jerr.text);
		} else
			rc = from_jansson(&b, &p, root, err, errlen);
	} else {
		snprintf(err, errlen, "%s:%zu: %s", name, line, why);
	}
	if (rc == 0)
		rc = finish(&b, name, out, err, errlen);
	for (size_t i = 0; i < b.n; i++)
		catalog_entry_free(b.v[i]);
	free(b.v);
	free(b.lines);
	json_decref(root);
	yamltree_free(&tree);
	return rc;
}

int
catalog_file_load(
    const char *path, struct catalog_list *out, char *err, size_t errlen)
{
	char *data, why[256];
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	data =
	    yamltree_read_file(path, CATALOG_MAX_FILE, &len, why, sizeof(why));
	if (data == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	rc = catalog_file_parse(data, len, path, out, err, errlen);
	free(data);
	return rc;
}

static int
cmp_ns(const void *key, const void *elem)
{
	const struct catalog_entry *const *e = elem;

	return strcmp(key, (*e)->namespace);
}

const struct catalog_entry *
catalog_list_find(const struct catalog_list *l, const char *ns)
{
	struct catalog_entry **e;

	if (l->n == 0)
		return NULL;
	e = bsearch(ns, l->v, l->n, sizeof(*l->v), cmp_ns);
	return e != NULL ? *e : NULL;
}

void
catalog_list_free(struct catalog_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		catalog_entry_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
