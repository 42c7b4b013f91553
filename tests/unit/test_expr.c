/* Unit tests: expr.c (`when` expressions: grammar, errors, evaluation). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "expr.h"
#include "util.h"

static struct alert_value vals[] = {
    {"A", 1350}, {"B", 0.5}, {"B0", NAN}, {"err_rate", -3}};

/* Indexes into sets[]. */
enum { FULL, NONE, VNAN, NEG, MILLION, POINT3 };
static const struct expr_vars sets[] = {
    [FULL] = {1, 1350, vals, 4, 1, 3, 1, 1},
    [NONE] = {0, 0, NULL, 0, 0, 0, 0, 0},
    [VNAN] = {1, NAN, NULL, 0, 1, NAN, 0, 0},
    [NEG] = {1, -3, NULL, 0, 0, 0, 0, 0},
    [MILLION] = {1, 1e6, NULL, 0, 0, 0, 0, 0},
    [POINT3] = {1, 0.3, NULL, 0, 0, 0, 0, 0},
};

static void
test_eval(void **state)
{
	static const struct {
		const char *src;
		int set;
		int want;
		const char *why;
	} cases[] = {
	    {"value > 1200", FULL, 1, "value 1350 > 1200"},
	    {"value >= 1000", FULL, 1, "value 1350 >= 1000"},
	    {"value < 1000", FULL, 0, "value 1350 < 1000 is false"},
	    {"value <= 1350", FULL, 1, "value 1350 <= 1350"},
	    {"value == 1350", FULL, 1, "value 1350 == 1350"},
	    {"value != 1350", FULL, 0, "value 1350 != 1350 is false"},
	    {"value!=1", FULL, 1, "value 1350 != 1"},
	    {"values.A >= 1e+03", FULL, 1, "values.A 1350 >= 1000"},
	    {"values.B == .5", FULL, 1, "values.B 0.5 == 0.5"},
	    {"values.err_rate < -2.5", FULL, 1, "values.err_rate -3 < -2.5"},
	    {"values.B0 != 1", FULL, 0, "values.B0 is NaN"},
	    {"values.B0 == 1", FULL, 0, "values.B0 is NaN"},
	    {"values.C > 0", FULL, 0, "values.C missing"},
	    {"values.C != 0", FULL, 0, "values.C missing"},
	    {"fires >= 3", FULL, 1, "fires 3 >= 3"},
	    {"notifications > 1", FULL, 0, "notifications 1 > 1 is false"},
	    {"1000 <= value", FULL, 1, "value 1350 >= 1000"},
	    {"3 > fires", FULL, 0, "fires 3 < 3 is false"},
	    {"1350 == value", FULL, 1, "value 1350 == 1350"},
	    /* and binds tighter than or */
	    {"value > 1 and fires > 5 or notifications == 1", FULL, 1,
	        "notifications 1 == 1"},
	    {"notifications == 1 or value > 1 and fires > 5", FULL, 1,
	        "notifications 1 == 1"},
	    {"notifications == 2 or value > 1 and fires > 5", FULL, 0,
	        "notifications 1 == 2 is false; fires 3 > 5 is false"},
	    {"value > 1 and (fires > 5 or notifications == 1)", FULL, 1,
	        "value 1350 > 1 and notifications 1 == 1"},
	    {"(value > 1 and fires > 5) or notifications == 1", FULL, 1,
	        "notifications 1 == 1"},
	    {"value > 1e+06 or fires < 2", FULL, 0,
	        "value 1350 > 1000000 is false; fires 3 < 2 is false"},
	    {"value > 1 && fires >= 3", FULL, 1,
	        "value 1350 > 1 and fires 3 >= 3"},
	    {"value > 5000 || fires >= 3", FULL, 1, "fires 3 >= 3"},
	    {"value > 1000 AND fires >= 3", FULL, 1,
	        "value 1350 > 1000 and fires 3 >= 3"},
	    {"((((value > 1))))", FULL, 1, "value 1350 > 1"},
	    {"value > 0", NONE, 0, "value missing"},
	    {"value != 0", NONE, 0, "value missing"},
	    {"values.A != 0", NONE, 0, "values.A missing"},
	    {"fires >= 0 or notifications >= 0", NONE, 0,
	        "fires missing; notifications missing"},
	    {"value > 0", VNAN, 0, "value is NaN"},
	    {"value != 0", VNAN, 0, "value is NaN"},
	    {"fires == fires", VNAN, -1, NULL},
	    {"value > -3.5", NEG, 1, "value -3 > -3.5"},
	    {"value >= +1", NEG, 0, "value -3 >= 1 is false"},
	    {"value == 1e+06", MILLION, 1, "value 1000000 == 1000000"},
	    {"value == 1E6", MILLION, 1, "value 1000000 == 1000000"},
	    {"value == 1000000.0", MILLION, 1, "value 1000000 == 1000000"},
	    {"value > 0.1", POINT3, 1, "value 0.3 > 0.1"},
	    {"value < 1e-3", POINT3, 0, "value 0.3 < 0.001 is false"},
	    {"value > 5.", POINT3, 0, "value 0.3 > 5 is false"},
	};
	char err[256], why[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct expr *e = expr_parse(cases[i].src, err, sizeof err);
		int r;

		if (cases[i].want < 0) {
			assert_null(e);
			continue;
		}
		if (e == NULL)
			fail_msg("'%s': %s", cases[i].src, err);
		assert_string_equal(expr_source(e), cases[i].src);
		r = expr_eval(e, &sets[cases[i].set], why, sizeof why);
		if (r != cases[i].want || strcmp(why, cases[i].why) != 0)
			fail_msg("'%s': got %d '%s', want %d '%s'",
			    cases[i].src, r, why, cases[i].want, cases[i].why);
		/* why is optional and does not change the answer */
		assert_int_equal(expr_eval(e, &sets[cases[i].set], NULL, 0), r);
		assert_int_equal(
		    expr_eval(e, NULL, NULL, 0), 0); /* no vars: all missing */
		expr_free(e);
	}
}

static void
test_errors(void **state)
{
	static const struct {
		const char *src, *err;
	} cases[] = {
	    {"", "when: empty expression at 1"},
	    {"   ", "when: empty expression at 4"},
	    {"valeu > 3", "when: unknown variable 'valeu' at 1"},
	    {"value >>> 3", "when: expected a number at 8"},
	    {"value > > 3", "when: expected a number at 9"},
	    {"(value > 3", "when: unbalanced parentheses at 1"},
	    {"((value > 3)", "when: unbalanced parentheses at 1"},
	    {"value > 3)", "when: unbalanced parentheses at 10"},
	    {"(value > 3))", "when: unbalanced parentheses at 12"},
	    {"(value > 3 fires", "when: expected 'and', 'or' or ')' at 12"},
	    {"value > NaN", "when: NaN and Inf are not numbers at 9"},
	    {"value > nan", "when: NaN and Inf are not numbers at 9"},
	    {"value > Inf", "when: NaN and Inf are not numbers at 9"},
	    {"value > -Inf", "when: NaN and Inf are not numbers at 9"},
	    {"value > +Infinity", "when: NaN and Inf are not numbers at 9"},
	    {"value > Infinity", "when: NaN and Inf are not numbers at 9"},
	    {"value > 1e999", "when: number out of range at 9"},
	    {"value > -1e999", "when: number out of range at 9"},
	    {"value > 3fires", "when: malformed number at 9"},
	    {"value > 0x10", "when: malformed number at 9"},
	    {"value > 1.2.3", "when: malformed number at 9"},
	    {"value > 1e", "when: malformed number at 9"},
	    {"value > 1e+", "when: malformed number at 9"},
	    {"value > .", "when: malformed number at 9"},
	    {"value > -", "when: unexpected '-' at 9"},
	    {"value > 3 & fires > 1", "when: unexpected '&' at 11"},
	    {"value > 3 ü", "when: unexpected byte 0xc3 at 11"},
	    {"value = 3", "when: use '==' to compare at 7"},
	    {"value 3",
	        "when: expected a comparison operator (>, >=, <, <=, "
	        "==, !=) at 7"},
	    {"value", "when: expected a comparison operator"},
	    {"value > 3 fires > 2",
	        "when: expected 'and', 'or' or the end at 11"},
	    {"value > 3 and", "when: expected a comparison at 14"},
	    {"and value > 3", "when: expected a comparison at 1"},
	    {"value > 3 or or fires > 1", "when: expected a comparison at 14"},
	    {"()", "when: expected a comparison at 2"},
	    {"3 > 4", "when: expected a variable at 5"},
	    {"3 > (value)", "when: expected a variable at 5"},
	    {"value > fires", "when: expected a number at 9"},
	    {"values. > 3", "when: unknown variable 'values.' at 1"},
	    {"values.A.B > 3", "when: unknown variable 'values.A.B' at 1"},
	    {"Value > 3", "when: unknown variable 'Value' at 1"},
	    {"not value > 3", "when: unknown variable 'not' at 1"},
	    {"fires >= 3 or value", "when: expected a comparison operator"},
	};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct expr *e;

		err[0] = '\0';
		e = expr_parse(cases[i].src, err, sizeof err);
		if (e != NULL || strstr(err, cases[i].err) != err)
			fail_msg("'%s': got '%s', want '%s'", cases[i].src, err,
			    cases[i].err);
	}
}

static void
test_bounds(void **state)
{
	struct buf b = BUF_INIT;
	struct expr *e;
	char err[256], why[16];

	/* 32 levels of parentheses are fine, 33 are not. */
	for (int i = 0; i < 32; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "value > 1");
	for (int i = 0; i < 32; i++)
		buf_addc(&b, ')');
	e = expr_parse(buf_str(&b), err, sizeof err);
	assert_non_null(e);
	expr_free(e);
	buf_reset(&b);
	for (int i = 0; i < 33; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "value > 1");
	for (int i = 0; i < 33; i++)
		buf_addc(&b, ')');
	assert_null(expr_parse(buf_str(&b), err, sizeof err));
	assert_string_equal(
	    err, "when: parentheses nested deeper than 32 at 33");

	/* 4096 bytes are fine, 4097 are not; a long `or` chain stays flat. */
	buf_reset(&b);
	buf_adds(&b, "fires > 9");
	while (b.len + 13 <= 4096)
		buf_adds(&b, " or value > 1");
	while (b.len < 4096)
		buf_addc(&b, ' ');
	e = expr_parse(buf_str(&b), err, sizeof err);
	if (e == NULL)
		fail_msg("%s", err);
	assert_int_equal(expr_eval(e, &sets[FULL], why, sizeof why), 1);
	assert_string_equal(why, "value 1350 > 1");
	/* why is cut to its buffer */
	assert_int_equal(expr_eval(e, &sets[NONE], why, sizeof why), 0);
	assert_string_equal(why, "fires missing; ");
	expr_free(e);
	buf_addc(&b, ' ');
	assert_null(expr_parse(buf_str(&b), err, sizeof err));
	assert_string_equal(err, "when: longer than 4096 bytes at 4097");
	buf_free(&b);
}

static void
test_uses(void **state)
{
	static const struct {
		const char *src;
		unsigned uses;
	} cases[] = {
	    {"value > 1", EXPR_USES_VALUE},
	    {"values.A > 1 or values.B < 2", EXPR_USES_VALUES},
	    {"fires >= 3 and 2 < notifications",
	        EXPR_USES_FIRES | EXPR_USES_NOTIFICATIONS},
	};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct expr *e = expr_parse(cases[i].src, err, sizeof err);

		assert_non_null(e);
		assert_int_equal(expr_uses(e), cases[i].uses);
		expr_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eval),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_uses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
