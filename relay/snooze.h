/*
 * snooze.h: snoozes (SPEC section 9): matchers in Alertmanager syntax, an
 * end (at most 30 days away), an author and a reason. The active ones are
 * kept in memory, parsed, for matching every firing alert; the database
 * is their source of truth (the CLI writes it directly).
 */
#ifndef SNOOZE_H
#define SNOOZE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "alert.h"

/* The longest snooze (SPEC section 9). */
#define SNOOZE_MAX_MS (30LL * 24 * 3600 * 1000)
/* Matchers per snooze and snoozes kept active at once. */
#define SNOOZE_MAX_MATCHERS 32
#define SNOOZE_MAX_ACTIVE 10000

struct snooze;
struct snooze_set;

/* What a new snooze is made of (strings borrowed). */
struct snooze_spec {
	const char *const *matchers;
	size_t nmatchers;
	int64_t starts_at;
	int64_t ends_at;
	const char *author; /* U…, web, cli, api */
	const char *author_name;
	const char *reason;
};

/*
 * Checks a spec: matchers parse (at least one), 0 < ends_at - now <=
 * SNOOZE_MAX_MS, author and reason bounded (reason ≤ 1000 bytes). 0, or
 * -1 with err set ("matchers[1]: missing operator").
 */
int snooze_validate(
    const struct snooze_spec *spec, int64_t now, char *err, size_t errlen);

/* Returns new: an empty set. */
struct snooze_set *snooze_set_new(void);
void snooze_set_free(struct snooze_set *s);

/*
 * Adds an active snooze (matchers as stored: a JSON list text). Returns 0,
 * or -1 when its matchers do not parse (a row written by hand).
 */
int snooze_set_add(struct snooze_set *s, int64_t id, const char *matchers_json,
    int64_t ends_at);

size_t snooze_set_count(const struct snooze_set *s);

/* 1 when a and b hold the same snoozes (ids and ends, in order), else 0. */
int snooze_set_same(const struct snooze_set *a, const struct snooze_set *b);

/* The id of the first snooze in force at now matching labels, or 0. */
int64_t snooze_set_match(
    struct snooze_set *s, const struct kvlist *labels, int64_t now);

/*
 * Adds to ids[0..*n) (at most max) the id of every snooze in force at now
 * matching labels that is not there yet.
 */
void snooze_set_match_all(struct snooze_set *s, const struct kvlist *labels,
    int64_t now, int64_t *ids, size_t *n, size_t max);

/* The earliest end of a snooze in the set, 0 when empty. */
int64_t snooze_set_next_end(const struct snooze_set *s);

/* Parses a duration for a snooze ("4h", "30m"), 0 or -1. */
int snooze_duration(const char *s, int64_t *ms);

#endif /* SNOOZE_H */
