/*
 * rules.h: the rules of SPEC section 8: who is mentioned, in which
 * channel, how often reminded, and what stays quiet. Rules are parsed from
 * one JSON shape (rule files are YAML turned into it; the API and the
 * database use it as is), kept in evaluation order (priority descending,
 * then name) and evaluated per alert. Pure: no I/O besides reading rule
 * files in rules_load_dir; counters like `fires` come from the caller.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "alert.h"
#include "buf.h"
#include "util.h"

/* At most this many rules: the API and the files are bounded. */
#define RULES_MAX 10000

struct rule;
struct ruleset;

/*
 * Parses one rule (borrowed JSON object). Returns new (free with
 * rule_free) or NULL with err set to "rule NAME: reason". `origin`
 * ("rules/x.yaml:12") is kept for messages and may be NULL.
 */
struct rule *rule_from_json(
    json_t *j, const char *origin, char *err, size_t errlen);
void rule_free(struct rule *r);
const char *rule_name(const struct rule *r);

/* Returns new: the rule as the JSON of SPEC A.6 (what rule_from_json reads). */
json_t *rule_to_json(const struct rule *r);

/* A set of rules in evaluation order. Returns new, empty. */
struct ruleset *ruleset_new(void);
void ruleset_free(struct ruleset *s);
/* Adds r (stolen); -1 with err when the name is already there or the set
 * is full. Call ruleset_sort after adding. */
int ruleset_add(struct ruleset *s, struct rule *r, char *err, size_t errlen);
void ruleset_sort(struct ruleset *s);
size_t ruleset_count(const struct ruleset *s);
const struct rule *ruleset_get(const struct ruleset *s, size_t i);

/*
 * Loads every *.yaml / *.yml file of dir (each a list of rules). Returns a
 * new set, or NULL with err "FILE:LINE: rule NAME: reason" (nothing is
 * half-loaded). A missing dir is an empty set.
 */
struct ruleset *rules_load_dir(const char *dir, char *err, size_t errlen);

/*
 * Adds the rules of one rule file's text (a YAML list) to s; name is used
 * in errors ("NAME:LINE: rule X: reason"). 0, or -1 with err set (rules
 * added before the error stay in s: callers discard s then).
 */
int rules_parse_file(struct ruleset *s, const char *data, size_t len,
    const char *name, char *err, size_t errlen);

/* Parses a JSON array of rules (the API, the database). */
struct ruleset *rules_from_json(json_t *array, char *err, size_t errlen);

/* Returns new: the set as a JSON array in evaluation order. */
json_t *rules_to_json(const struct ruleset *s);

/* Appends the set as YAML that rules_load_dir reads back to equal rules. */
void rules_to_yaml(const struct ruleset *s, struct buf *out);

/* What an alert brings to evaluation. */
struct rule_input {
	const struct kvlist *labels;
	const struct kvlist *annotations;
	const struct alert_value *values;
	size_t nvalues;
	const struct strlist *default_value_ref; /* grouping.value_ref */
	int64_t notifications;
	/* Firing episodes within a window (ms): asked only when a `when`
	 * needs `fires`. Returns -1 when unknown. */
	int64_t (*fires)(void *arg, int64_t window);
	void *fires_arg;
};

/* One mention item a matched rule adds, and why. */
struct rule_mention {
	const char
	    *item; /* borrowed from the rule: team, owners, here, <@U1> */
	const char *rule; /* borrowed: the rule's name */
	char why[128];
};

#define RULES_MAX_MATCHED 16
#define RULES_MAX_MENTIONS 32

struct rule_decision {
	int matched;          /* some rule decided (else the defaults) */
	const char *rule;     /* the deciding rule, or NULL */
	const char *channel;  /* borrowed; NULL when the rule has none */
	int64_t remind_every; /* -1 when the rule says nothing */
	int silent;
	struct {
		const char *rule;
		char why[128];
	} hits[RULES_MAX_MATCHED]; /* every matching rule, in order */
	size_t nhits;
	struct rule_mention mentions[RULES_MAX_MENTIONS];
	size_t nmentions;
	int regex_limit; /* a regex hit its limits (no match) */
};

/* Evaluates the set for one alert. The decision borrows from the set. */
void rules_decide(
    struct ruleset *s, const struct rule_input *in, struct rule_decision *out);

/* 1 when a mention item is valid: team, owners, here, <@U…>, <!subteam^S…>. */
int rules_mention_valid(const char *item);

#endif /* RULES_H */
