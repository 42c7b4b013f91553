/*
 * fuzz_matcher.c: libFuzzer target for the matcher parser and matching.
 *
 * Input: matcher text, optionally a NUL byte and then a label value. The
 * text is parsed as one matcher and as a list. Every accepted matcher must
 * format to text that parses back to an equal matcher, and formatting must
 * be stable. It is then matched against a few label sets, and the answers
 * are checked against what the operator means: = and != disagree, =~ and
 * !~ disagree unless a regex limit made the answer unknown.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "matcher.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const enum matcher_op opposite[] = {
    MATCHER_NE, MATCHER_EQ, MATCHER_NRE, MATCHER_RE};

static void
check_roundtrip(const struct matcher *m)
{
	struct matcher *again;
	char err[256];
	char *text, *text2;

	text = matcher_format(m);
	again = matcher_parse(text, err, sizeof err);
	if (again == NULL || !matcher_equal(m, again)) {
		fprintf(stderr, "round trip failed: [%s] %s\n", text,
		    again == NULL ? err : "not equal");
		abort();
	}
	text2 = matcher_format(again);
	if (strcmp(text, text2) != 0) {
		fprintf(stderr, "format unstable: [%s] [%s]\n", text, text2);
		abort();
	}
	free(text);
	free(text2);
	matcher_free(again);
}

/* Matches m and its opposite against one value; NULL = missing label. */
static void
check_match(struct matcher *m, struct matcher *opp, const char *value)
{
	struct kv kv = {(char *)matcher_name(m), (char *)value};
	struct kvlist labels = {&kv, value != NULL ? 1 : 0};
	int hit = 0, hit2 = 0, a, b;

	a = matcher_match(m, &labels, &hit);
	b = matcher_match_value(opp, value, &hit2);
	if (hit != hit2 || (hit && (a || b)) || (!hit && a == b)) {
		fprintf(stderr, "inconsistent: [%s] %s vs [%s]: %d/%d %d/%d\n",
		    matcher_name(m), matcher_op_str(matcher_op(m)),
		    value != NULL ? value : "(missing)", a, hit, b, hit2);
		abort();
	}
	if (matcher_op(m) == MATCHER_EQ &&
	    a != (strcmp(value != NULL ? value : "", matcher_value(m)) == 0))
		abort();
}

static void
check_matcher(struct matcher *m, const char *value)
{
	static char big[4097];
	struct matcher *opp;
	char err[256];

	check_roundtrip(m);
	opp = matcher_new(matcher_name(m), opposite[matcher_op(m)],
	    matcher_value(m), err, sizeof err);
	if (opp == NULL) {
		fprintf(stderr, "opposite refused: %s\n", err);
		abort();
	}
	if (big[0] == '\0')
		memset(big, 'a', sizeof big - 1);
	check_match(m, opp, NULL);
	check_match(m, opp, "");
	check_match(m, opp, matcher_value(m));
	check_match(m, opp, big);
	if (value != NULL)
		check_match(m, opp, value);
	matcher_free(opp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct matcher_list l = {NULL, 0}, l2 = {NULL, 0};
	struct matcher *m;
	const uint8_t *nul;
	char *text, *value = NULL, *s;
	char err[256];

	/* Past the regex limit only the length check runs; keep it quick. */
	if (size > 70 * 1024)
		return 0;
	nul = memchr(data, '\0', size);
	text = xstrndup(
	    (const char *)data, nul != NULL ? (size_t)(nul - data) : size);
	if (nul != NULL)
		value =
		    xstrndup((const char *)nul + 1, size - (nul - data) - 1);

	if ((m = matcher_parse(text, err, sizeof err)) != NULL) {
		check_matcher(m, value);
		matcher_free(m);
	} else if (err[0] == '\0')
		abort();

	if (matcher_list_parse(text, &l, err, sizeof err) == 0) {
		s = matcher_list_format(&l);
		if (matcher_list_parse(s, &l2, err, sizeof err) != 0 ||
		    l2.n != l.n) {
			fprintf(stderr, "list round trip: [%s] %s\n", s, err);
			abort();
		}
		for (size_t i = 0; i < l.n; i++)
			if (!matcher_equal(l.v[i], l2.v[i]))
				abort();
		(void)matcher_list_match(&l, NULL, NULL);
		free(s);
		matcher_list_free(&l);
		matcher_list_free(&l2);
	} else if (l.n != 0 || l.v != NULL)
		abort();
	free(text);
	free(value);
	return 0;
}
