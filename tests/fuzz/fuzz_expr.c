/*
 * fuzz_expr.c: libFuzzer target for `when` expressions.
 *
 * Input: the expression text (up to a NUL byte). An accepted expression is
 * evaluated against several variable sets with explanations of several
 * sizes, and must: keep its source, give the same answer with and without
 * an explanation, be false when every variable is missing (there is no
 * `not`, so no comparison can be true), and parse again from its source to
 * an expression that answers the same.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "expr.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct alert_value vals[] = {
    {"A", 1350}, {"B", -0.5}, {"B0", NAN}, {"C", 1e300}, {"_1", 0}, {"a", 3}};

static const struct expr_vars sets[] = {
    {0, 0, NULL, 0, 0, 0, 0, 0},
    {1, 1350, vals, 6, 1, 3, 1, 1},
    {1, NAN, vals, 3, 1, NAN, 1, NAN},
    {1, -1e308, vals + 3, 3, 1, 0, 1, 1e15},
    {1, INFINITY, NULL, 0, 1, -INFINITY, 0, 0},
    {1, 0.1, vals, 1, 0, 0, 1, 1000000},
};

static void
check(const struct expr *e, const struct expr *again)
{
	static const size_t sizes[] = {1, 2, 9, 64, 512};
	char why[512];

	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		int r = expr_eval(e, &sets[i], NULL, 0);

		if (expr_eval(again, &sets[i], NULL, 0) != r)
			abort();
		for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			memset(why, 'x', sizeof why);
			if (expr_eval(e, &sets[i], why, sizes[j]) != r)
				abort();
			if (memchr(why, '\0', sizes[j]) == NULL)
				abort();
		}
	}
	if (expr_eval(e, &sets[0], why, sizeof why) != 0 ||
	    expr_eval(e, NULL, NULL, 0) != 0) {
		fprintf(stderr, "true with nothing known: %s\n", why);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expr *e, *again;
	char err[256];
	char *text;

	if (size > 2 * EXPR_MAX_LEN)
		return 0;
	text = xstrndup((const char *)data, size);
	err[0] = '\0';
	if ((e = expr_parse(text, err, sizeof err)) == NULL) {
		if (strncmp(err, "when: ", 6) != 0)
			abort();
		free(text);
		return 0;
	}
	if (strcmp(expr_source(e), text) != 0)
		abort();
	again = expr_parse(expr_source(e), err, sizeof err);
	if (again == NULL || expr_uses(again) != expr_uses(e))
		abort();
	check(e, again);
	expr_free(again);
	expr_free(e);
	free(text);
	return 0;
}
