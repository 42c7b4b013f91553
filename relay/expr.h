/*
 * expr.h: a rule's `when` expression (SPEC section 8), e.g.
 *   value >= 1000 and (fires >= 3 or values.B0 > 0.5)
 * Pure: parsed once when rules load, evaluated per alert with no I/O.
 *
 * Grammar: comparisons `VAR OP NUMBER` or `NUMBER OP VAR`, OP one of
 * > >= < <= == !=, joined by `and`/`&&` (binding tighter) and `or`/`||`,
 * with parentheses. VAR is `value`, `values.X` (X a RefID of letters,
 * digits and underscores), `fires` or `notifications`. Numbers take the
 * JSON/Go forms (1000, -3.5, .5, 1e+06); NaN and Inf are refused.
 * Input is at most EXPR_MAX_LEN bytes, parentheses nest at most
 * EXPR_MAX_DEPTH deep.
 */
#ifndef EXPR_H
#define EXPR_H

#include <stddef.h>

struct alert_value;
struct expr;

#define EXPR_MAX_LEN 4096
#define EXPR_MAX_DEPTH 32

/*
 * The variables of one evaluation. A variable whose has_ flag is 0 (or a
 * values.X whose RefID is not in values) is missing.
 */
struct expr_vars {
	int has_value;
	double value;
	const struct alert_value *values; /* borrowed; may be NULL */
	size_t nvalues;
	int has_fires;
	double fires;
	int has_notifications;
	double notifications;
};

/* Bits of expr_uses(): lets the caller skip work for unused variables. */
#define EXPR_USES_VALUE 0x1u
#define EXPR_USES_VALUES 0x2u
#define EXPR_USES_FIRES 0x4u
#define EXPR_USES_NOTIFICATIONS 0x8u

/*
 * Parses s. Returns new (free with expr_free), or NULL with the reason and
 * its 1-based byte position in err: "when: unknown variable 'valeu' at 1",
 * "when: expected a number at 8", "when: unbalanced parentheses at 1".
 */
struct expr *expr_parse(const char *s, char *err, size_t errlen);

/* Frees an expression; NULL is fine. */
void expr_free(struct expr *e);

/*
 * Evaluates e: 1 or 0. A comparison with a missing variable, or whose
 * variable is NaN, is false whatever the operator (even !=). When why is
 * not NULL, writes what decided the answer, e.g. "value 1350 >= 1000",
 * "fires 3 >= 3", "value missing", "value 500 >= 1000 is false", cut to
 * whylen.
 */
int expr_eval(const struct expr *e, const struct expr_vars *vars, char *why,
    size_t whylen);

/* Borrowed, valid while e lives: the text it was parsed from. */
const char *expr_source(const struct expr *e);

/* EXPR_USES_* bits for the variables e mentions. */
unsigned expr_uses(const struct expr *e);

#endif /* EXPR_H */
