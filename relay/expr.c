/*
 * expr.c: `when` expressions; see expr.h.
 *
 * A recursive-descent parser over a one-token lexer builds a small tree:
 * comparisons at the leaves, n-ary `and`/`or` nodes above them, so a long
 * chain of `or` stays one level deep and only parentheses add depth.
 */
#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "buf.h"
#include "util.h"

/* A number literal longer than this is not a threshold anyone wrote. */
#define EXPR_NUM_MAX 64

enum var { V_VALUE, V_VALUES, V_FIRES, V_NOTIFICATIONS };
enum op { OP_GT, OP_GE, OP_LT, OP_LE, OP_EQ, OP_NE };
enum tok { T_EOF, T_NUM, T_IDENT, T_OP, T_LP, T_RP, T_AND, T_OR };
enum kind { N_CMP, N_AND, N_OR };

static const char *const op_str[] = {">", ">=", "<", "<=", "==", "!="};
static const char *const var_str[] = {
    "value", "values.", "fires", "notifications"};
static const unsigned var_uses[] = {EXPR_USES_VALUE, EXPR_USES_VALUES,
    EXPR_USES_FIRES, EXPR_USES_NOTIFICATIONS};

struct node {
	enum kind kind;
	enum var var; /* N_CMP */
	char *ref;    /* V_VALUES: the RefID */
	enum op op;
	double num;
	struct node **kids; /* N_AND, N_OR */
	size_t n;
};

struct expr {
	char *src;
	struct node *root;
	unsigned uses;
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	enum tok t; /* current token, at s[at..pos) */
	size_t at;
	double num; /* T_NUM */
	enum op op; /* T_OP */
	unsigned uses;
	char *err;
	size_t errlen;
};

static int perr(struct parser *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static struct node *parse_or(struct parser *, int);

/* Sets the error at 1-based position at+1; returns -1 for the caller. */
static int
perr(struct parser *p, size_t at, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errlen > 0)
		(void)snprintf(
		    p->err, p->errlen, "when: %s at %zu", msg, at + 1);
	return -1;
}

static int
is_ident(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

/* Scans a JSON/Go number at p->pos (sign, digits, fraction, exponent). */
static int
lex_number(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos, digits = 0;
	char text[EXPR_NUM_MAX + 1];
	char *end;

	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; isdigit((unsigned char)s[i]); i++)
		digits++;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			digits++;
	if (digits > 0 && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (s[j] == '+' || s[j] == '-')
			j++;
		if (!isdigit((unsigned char)s[j]))
			return perr(p, p->at, "malformed number");
		for (i = j; isdigit((unsigned char)s[i]); i++)
			;
	}
	/* "3fires", "1.2.3" and "0x10" are typos, not a number and a word. */
	if (digits == 0 || is_ident((unsigned char)s[i]))
		return perr(p, p->at, "malformed number");
	if (i - p->pos > EXPR_NUM_MAX)
		return perr(
		    p, p->at, "number longer than %d characters", EXPR_NUM_MAX);
	memcpy(text, s + p->pos, i - p->pos);
	text[i - p->pos] = '\0';
	p->num = strtod(text, &end);
	if (*end != '\0' || !isfinite(p->num))
		return perr(p, p->at, "number out of range");
	p->pos = i;
	p->t = T_NUM;
	return 0;
}

/* 1 when s[0..n) spells NaN or Inf, which JSON has no numbers for. */
static int
non_finite(const char *s, size_t n)
{
	return (n == 3 &&
	           (strncasecmp(s, "nan", 3) == 0 ||
	               strncasecmp(s, "inf", 3) == 0)) ||
	    (n == 8 && strncasecmp(s, "infinity", 8) == 0);
}

/* Scans a variable or a keyword; a sign is only allowed before -Inf, to
 * say why that is refused. */
static int
lex_word(struct parser *p)
{
	size_t from = p->pos +
	    (isalpha((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_' ? 0
	                                                                 : 1);

	for (p->pos = from; is_ident((unsigned char)p->s[p->pos]); p->pos++)
		;
	if (non_finite(p->s + from, p->pos - from))
		return perr(p, p->at, "NaN and Inf are not numbers");
	if (from != p->at)
		return perr(p, p->at, "unexpected '%c'", p->s[p->at]);
	p->t = T_IDENT;
	if (p->pos - from == 3 && strncasecmp(p->s + from, "and", 3) == 0)
		p->t = T_AND;
	if (p->pos - from == 2 && strncasecmp(p->s + from, "or", 2) == 0)
		p->t = T_OR;
	return 0;
}

/* Advances to the next token; -1 with the error set on a bad character. */
static int
next(struct parser *p)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {{">=", OP_GE}, {"<=", OP_LE}, {"==", OP_EQ}, {"!=", OP_NE},
	    {">", OP_GT}, {"<", OP_LT}};
	const char *s = p->s;
	unsigned char c;

	while (p->pos < p->len && isspace((unsigned char)s[p->pos]))
		p->pos++;
	p->at = p->pos;
	if (p->pos >= p->len) {
		p->t = T_EOF;
		return 0;
	}
	c = (unsigned char)s[p->pos];
	if (c == '(' || c == ')') {
		p->t = c == '(' ? T_LP : T_RP;
		p->pos++;
		return 0;
	}
	if ((c == '&' || c == '|') && s[p->pos + 1] == (char)c) {
		p->t = c == '&' ? T_AND : T_OR;
		p->pos += 2;
		return 0;
	}
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].s);

		if (strncmp(s + p->pos, ops[i].s, n) == 0) {
			p->t = T_OP;
			p->op = ops[i].op;
			p->pos += n;
			return 0;
		}
	}
	if (isdigit(c) || c == '.' ||
	    ((c == '-' || c == '+') &&
	        (isdigit((unsigned char)s[p->pos + 1]) ||
	            s[p->pos + 1] == '.')))
		return lex_number(p);
	if (isalpha(c) || c == '_' ||
	    ((c == '-' || c == '+') && isalpha((unsigned char)s[p->pos + 1])))
		return lex_word(p);
	if (c == '=')
		return perr(p, p->at, "use '==' to compare");
	if (isprint(c))
		return perr(p, p->at, "unexpected '%c'", c);
	return perr(p, p->at, "unexpected byte 0x%02x", c);
}

static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->ref);
	free(n);
}

/* Resolves the identifier token into n's variable. */
static int
parse_var(struct parser *p, struct node *n)
{
	const char *id = p->s + p->at;
	size_t len = p->pos - p->at, i;

	if (len == 5 && strncmp(id, "value", 5) == 0)
		n->var = V_VALUE;
	else if (len == 5 && strncmp(id, "fires", 5) == 0)
		n->var = V_FIRES;
	else if (len == 13 && strncmp(id, "notifications", 13) == 0)
		n->var = V_NOTIFICATIONS;
	else if (len > 7 && strncmp(id, "values.", 7) == 0) {
		for (i = 7; i < len && id[i] != '.'; i++)
			;
		if (i < len)
			goto unknown;
		n->var = V_VALUES;
		n->ref = xstrndup(id + 7, len - 7);
	} else
		goto unknown;
	p->uses |= var_uses[n->var];
	return 0;
unknown:
	return perr(
	    p, p->at, "unknown variable '%.*s'", len > 64 ? 64 : (int)len, id);
}

/* Takes the operand that must come here: a number or a variable. */
static int
operand(struct parser *p, struct node *n, enum tok want)
{
	if (p->t != want)
		return perr(p, p->at,
		    want == T_NUM ? "expected a number"
		                  : "expected a variable");
	if (want == T_NUM)
		n->num = p->num;
	else if (parse_var(p, n) != 0)
		return -1;
	return next(p);
}

/* VAR OP NUMBER, or NUMBER OP VAR stored with the operator mirrored. */
static struct node *
parse_cmp(struct parser *p)
{
	static const enum op mirror[] = {
	    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE};
	struct node *n = xcalloc(1, sizeof *n);
	enum tok first = p->t;

	n->kind = N_CMP;
	if (first != T_NUM && first != T_IDENT) {
		perr(p, p->at, "expected a comparison");
		goto fail;
	}
	if (operand(p, n, first) != 0)
		goto fail;
	if (p->t != T_OP) {
		perr(p, p->at,
		    "expected a comparison operator (>, >=, <, <=, ==, !=)");
		goto fail;
	}
	n->op = first == T_NUM ? mirror[p->op] : p->op;
	if (next(p) != 0 ||
	    operand(p, n, first == T_NUM ? T_IDENT : T_NUM) != 0)
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *
parse_primary(struct parser *p, int depth)
{
	struct node *n;
	size_t open = p->at;

	if (p->t != T_LP)
		return parse_cmp(p);
	if (depth >= EXPR_MAX_DEPTH) {
		perr(p, p->at, "parentheses nested deeper than %d",
		    EXPR_MAX_DEPTH);
		return NULL;
	}
	if (next(p) != 0 || (n = parse_or(p, depth + 1)) == NULL)
		return NULL;
	if (p->t != T_RP) {
		if (p->t == T_EOF)
			perr(p, open, "unbalanced parentheses");
		else
			perr(p, p->at, "expected 'and', 'or' or ')'");
		node_free(n);
		return NULL;
	}
	if (next(p) != 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* One level: operands joined by tok (T_AND or T_OR) into an n-ary node. */
static struct node *
parse_level(struct parser *p, int depth, enum tok tok)
{
	struct node *first, *n, *kid;

	first = tok == T_OR ? parse_level(p, depth, T_AND)
	                    : parse_primary(p, depth);
	if (first == NULL || p->t != tok)
		return first;
	n = xcalloc(1, sizeof *n);
	n->kind = tok == T_OR ? N_OR : N_AND;
	n->kids = xcalloc(1, sizeof *n->kids);
	n->kids[n->n++] = first;
	while (p->t == tok) {
		if (next(p) != 0)
			goto fail;
		kid = tok == T_OR ? parse_level(p, depth, T_AND)
		                  : parse_primary(p, depth);
		if (kid == NULL)
			goto fail;
		n->kids = xrealloc(n->kids, (n->n + 1) * sizeof *n->kids);
		n->kids[n->n++] = kid;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *
parse_or(struct parser *p, int depth)
{
	return parse_level(p, depth, T_OR);
}

struct expr *
expr_parse(const char *s, char *err, size_t errlen)
{
	struct parser p = {0};
	struct node *root = NULL;
	struct expr *e;

	p.s = s;
	p.len = strnlen(s, EXPR_MAX_LEN + 1);
	p.err = err;
	p.errlen = errlen;
	if (p.len > EXPR_MAX_LEN) {
		perr(&p, EXPR_MAX_LEN, "longer than %d bytes", EXPR_MAX_LEN);
		return NULL;
	}
	if (next(&p) != 0)
		return NULL;
	if (p.t == T_EOF) {
		perr(&p, p.at, "empty expression");
		return NULL;
	}
	if ((root = parse_or(&p, 0)) == NULL)
		return NULL;
	if (p.t != T_EOF) {
		if (p.t == T_RP)
			perr(&p, p.at, "unbalanced parentheses");
		else
			perr(&p, p.at, "expected 'and', 'or' or the end");
		node_free(root);
		return NULL;
	}
	e = xcalloc(1, sizeof *e);
	e->src = xstrdup(s);
	e->root = root;
	e->uses = p.uses;
	return e;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	node_free(e->root);
	free(e->src);
	free(e);
}

const char *
expr_source(const struct expr *e)
{
	return e->src;
}

unsigned
expr_uses(const struct expr *e)
{
	return e->uses;
}

/* 1 and the variable's value, or 0 when it is missing. */
static int
lookup(const struct node *n, const struct expr_vars *v, double *out)
{
	if (v == NULL)
		return 0;
	switch (n->var) {
	case V_VALUE: *out = v->value; return v->has_value;
	case V_FIRES: *out = v->fires; return v->has_fires;
	case V_NOTIFICATIONS:
		*out = v->notifications;
		return v->has_notifications;
	case V_VALUES:
		for (size_t i = 0; v->values != NULL && i < v->nvalues; i++)
			if (v->values[i].ref != NULL &&
			    strcmp(v->values[i].ref, n->ref) == 0) {
				*out = v->values[i].v;
				return 1;
			}
		return 0;
	}
	return 0;
}

static int
compare(const struct node *n, const struct expr_vars *v)
{
	double x;

	if (!lookup(n, v, &x) || isnan(x))
		return 0;
	switch (n->op) {
	case OP_GT: return x > n->num;
	case OP_GE: return x >= n->num;
	case OP_LT: return x < n->num;
	case OP_LE: return x <= n->num;
	case OP_EQ: return x == n->num;
	case OP_NE: return x != n->num;
	}
	return 0;
}

static int
eval(const struct node *n, const struct expr_vars *v)
{
	if (n->kind == N_CMP)
		return compare(n, v);
	for (size_t i = 0; i < n->n; i++)
		if (eval(n->kids[i], v) == (n->kind == N_OR))
			return n->kind == N_OR;
	return n->kind == N_AND;
}

/* Shortest text that reads back as d; integers without an exponent. */
static void
add_num(struct buf *b, double d)
{
	char text[40];

	if (d == floor(d) && fabs(d) < 1e15) {
		buf_printf(b, "%.0f", d);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		(void)snprintf(text, sizeof text, "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	buf_adds(b, text);
}

/* Writes what decided n's answer r (see expr_eval). */
static void
explain(const struct node *n, const struct expr_vars *v, int r, struct buf *b)
{
	const char *sep = NULL;
	double x;

	if (n->kind == N_CMP) {
		buf_adds(b, var_str[n->var]);
		if (n->var == V_VALUES)
			buf_adds(b, n->ref);
		if (!lookup(n, v, &x)) {
			buf_adds(b, " missing");
			return;
		}
		if (isnan(x)) {
			buf_adds(b, " is NaN");
			return;
		}
		buf_addc(b, ' ');
		add_num(b, x);
		buf_printf(b, " %s ", op_str[n->op]);
		add_num(b, n->num);
		if (!r)
			buf_adds(b, " is false");
		return;
	}
	/* A true `or` or a false `and` is decided by its first such operand;
	 * otherwise every operand counted. */
	if (r == (n->kind == N_OR)) {
		for (size_t i = 0; i < n->n; i++)
			if (eval(n->kids[i], v) == r) {
				explain(n->kids[i], v, r, b);
				return;
			}
	}
	for (size_t i = 0; i < n->n; i++) {
		if (sep != NULL)
			buf_adds(b, sep);
		sep = r ? " and " : "; ";
		explain(n->kids[i], v, r, b);
	}
}

int
expr_eval(const struct expr *e, const struct expr_vars *vars, char *why,
    size_t whylen)
{
	struct buf b = BUF_INIT;
	size_t n;
	int r;

	r = eval(e->root, vars);
	if (why == NULL || whylen == 0)
		return r;
	explain(e->root, vars, r, &b);
	n = util_utf8_cut(buf_str(&b), b.len, whylen - 1);
	memcpy(why, buf_str(&b), n);
	why[n] = '\0';
	buf_free(&b);
	return r;
}
