/*
 * snooze.c: snooze model and matching; see snooze.h.
 */
#include "snooze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matcher.h"
#include "util.h"

struct snooze {
	int64_t id;
	int64_t ends_at;
	struct matcher_list m;
};

struct snooze_set {
	struct snooze *v;
	size_t n;
};

int
snooze_validate(
    const struct snooze_spec *spec, int64_t now, char *err, size_t errlen)
{
	if (spec->nmatchers == 0) {
		snprintf(err, errlen, "matchers: at least one");
		return -1;
	}
	if (spec->nmatchers > SNOOZE_MAX_MATCHERS) {
		snprintf(
		    err, errlen, "matchers: at most %d", SNOOZE_MAX_MATCHERS);
		return -1;
	}
	for (size_t i = 0; i < spec->nmatchers; i++) {
		char why[256];
		struct matcher *m =
		    matcher_parse(spec->matchers[i], why, sizeof(why));
		if (m == NULL) {
			snprintf(err, errlen, "matchers[%zu]: %s", i, why);
			return -1;
		}
		matcher_free(m);
	}
	if (spec->ends_at <= now) {
		snprintf(err, errlen, "the end must be in the future");
		return -1;
	}
	if (spec->ends_at - now > SNOOZE_MAX_MS) {
		snprintf(err, errlen, "a snooze lasts at most 30 days");
		return -1;
	}
	if (spec->reason != NULL && strlen(spec->reason) > 1000) {
		snprintf(err, errlen, "reason: at most 1000 bytes");
		return -1;
	}
	if (spec->reason != NULL &&
	    !util_utf8_valid(spec->reason, strlen(spec->reason))) {
		snprintf(err, errlen, "reason: not UTF-8");
		return -1;
	}
	if (spec->author == NULL || *spec->author == '\0' ||
	    strlen(spec->author) > 64) {
		snprintf(err, errlen, "author: missing or too long");
		return -1;
	}
	return 0;
}

struct snooze_set *
snooze_set_new(void)
{
	return xcalloc(1, sizeof(struct snooze_set));
}

void
snooze_set_free(struct snooze_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		matcher_list_free(&s->v[i].m);
	free(s->v);
	free(s);
}

int
snooze_set_add(struct snooze_set *s, int64_t id, const char *matchers_json,
    int64_t ends_at)
{
	json_t *j = json_loads(matchers_json, 0, NULL), *x;
	struct snooze z;
	size_t i;

	memset(&z, 0, sizeof(z));
	if (!json_is_array(j) || json_array_size(j) == 0 ||
	    s->n >= SNOOZE_MAX_ACTIVE) {
		json_decref(j);
		return -1;
	}
	json_array_foreach(j, i, x)
	{
		char why[256];
		struct matcher *m = json_is_string(x)
		    ? matcher_parse(json_string_value(x), why, sizeof(why))
		    : NULL;
		if (m == NULL) {
			matcher_list_free(&z.m);
			json_decref(j);
			return -1;
		}
		matcher_list_add(&z.m, m);
	}
	json_decref(j);
	z.id = id;
	z.ends_at = ends_at;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = z;
	return 0;
}

int
snooze_set_same(const struct snooze_set *a, const struct snooze_set *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].id != b->v[i].id ||
		    a->v[i].ends_at != b->v[i].ends_at)
			return 0;
	return 1;
}

size_t
snooze_set_count(const struct snooze_set *s)
{
	return s != NULL ? s->n : 0;
}

int64_t
snooze_set_match(struct snooze_set *s, const struct kvlist *labels, int64_t now)
{
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		int hit = 0;
		if (s->v[i].ends_at > now &&
		    matcher_list_match(&s->v[i].m, labels, &hit))
			return s->v[i].id;
	}
	return 0;
}

void
snooze_set_match_all(struct snooze_set *s, const struct kvlist *labels,
    int64_t now, int64_t *ids, size_t *n, size_t max)
{
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		int hit = 0, dup = 0;
		if (s->v[i].ends_at <= now ||
		    !matcher_list_match(&s->v[i].m, labels, &hit))
			continue;
		for (size_t k = 0; k < *n; k++)
			dup |= ids[k] == s->v[i].id;
		if (!dup && *n < max)
			ids[(*n)++] = s->v[i].id;
	}
}

int64_t
snooze_set_next_end(const struct snooze_set *s)
{
	int64_t t = 0;

	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (t == 0 || s->v[i].ends_at < t)
			t = s->v[i].ends_at;
	return t;
}

int
snooze_duration(const char *s, int64_t *ms)
{
	return util_duration_parse(s, ms) == 0 && *ms > 0 ? 0 : -1;
}
