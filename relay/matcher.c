/*
 * matcher.c: Alertmanager matchers on PCRE2; see matcher.h.
 */
#include "matcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alert.h"
#include "buf.h"
#include "limits.h"
#include "util.h"

/*
 * Bounds on regexes. They belong with the others in limits.h; they live here
 * until that file takes them.
 */

/* A longer pattern is refused at parse time: 64 KiB is far past anything
 * written by hand and keeps compile time and JIT code size bounded. */
#define MATCHER_PATTERN_MAX (64u * 1024)

/* Backtracking steps per match. 100000 stops a catastrophic pattern such as
 * (a+)+$ on a 1 MiB label within about 3 ms with JIT and 10 ms interpreted;
 * ordinary patterns on ordinary labels stay far below it. Without JIT, a
 * scan like .*x.* over a 1 MiB label does reach it, and counts as no match
 * (logged) rather than stalling the loop. */
#define MATCHER_MATCH_LIMIT 100000u

/* Nested backtracking frames per match (interpreter only); each frame costs
 * about 100 bytes plus the capture vector, so this caps a match's memory. */
#define MATCHER_DEPTH_LIMIT 10000u

/* Heap for the interpreter's backtracking frames, in KiB: a second cap for
 * patterns with many capture groups, whose frames are larger. */
#define MATCHER_HEAP_LIMIT_KIB 1024u

/* JIT stack: 32 KiB is PCRE2's default and enough for ordinary patterns;
 * it may grow to 256 KiB, which a repeated group over a 1 MiB label
 * exhausts in about 2 ms instead of recursing for long. */
#define MATCHER_JIT_STACK_START (32u * 1024)
#define MATCHER_JIT_STACK_MAX (256u * 1024)

/* Matchers in one list: rules and snoozes use a handful. */
#define MATCHER_LIST_MAX 256

/* Anchored at both ends as Alertmanager's ^(?:...)$ (flags rather than
 * wrapping, which `a)(b` could escape); `$` means the end as in Go; \C
 * could split a UTF-8 character. */
#define MATCHER_RE_FLAGS                                                       \
	(PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED |                      \
	    PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C)

struct matcher {
	char *name;
	enum matcher_op op;
	char *value;
	pcre2_code *re; /* =~ and !~ only */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js; /* NULL: no JIT, or PCRE2's default stack */
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
};

static void perr(struct parser *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void *seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the reason; returns NULL, so that `return seterr(...)` fails. */
static void *
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* Sets the error with the 1-based byte position `at`. */
static void
perr(struct parser *p, size_t at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seterr(p->err, p->errlen, "%s at %zu", msg, at + 1);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Alertmanager's lexer: these end an unquoted name or list value. */
static int
is_reserved(int c)
{
	return is_space(c) || (c != '\0' && strchr("{}!=~,\"'`", c) != NULL);
}

static void
skip_space(struct parser *p)
{
	while (p->pos < p->len && is_space((unsigned char)p->s[p->pos]))
		p->pos++;
}

/* Appends the escape \c: \n, \" and \\ are escapes, anything else is kept
 * with its backslash, so a regex's \d survives as Alertmanager keeps it. */
static void
add_escape(struct buf *out, char c)
{
	if (c == 'n')
		buf_addc(out, '\n');
	else if (c == '"' || c == '\\')
		buf_addc(out, c);
	else {
		buf_addc(out, '\\');
		buf_addc(out, c);
	}
}

/* Scans a double-quoted string at p->pos into out; what names it in errors. */
static int
scan_quoted(struct parser *p, struct buf *out, size_t max, const char *what)
{
	size_t start = p->pos;

	p->pos++;
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c == '"') {
			p->pos++;
			return 0;
		}
		if (c == '\\' && p->pos + 1 < p->len) {
			add_escape(out, p->s[p->pos + 1]);
			p->pos += 2;
		} else {
			buf_addc(out, c);
			p->pos++;
		}
		if (out->len > max) {
			perr(p, start, "%s longer than %zu bytes", what, max);
			return -1;
		}
	}
	perr(p, start, "unterminated quoted %s", what);
	return -1;
}

/*
 * Scans an unquoted value up to end (a single matcher: the rest of the
 * input, as the classic parser takes it) or up to a reserved character
 * (lists). A lone backslash at the end is literal.
 */
static int
scan_unquoted(struct parser *p, struct buf *out, size_t end, int list)
{
	while (p->pos < end) {
		char c = p->s[p->pos];

		if (c == '\\' && p->pos + 1 < end) {
			add_escape(out, p->s[p->pos + 1]);
			p->pos += 2;
		} else if (list && is_reserved((unsigned char)c)) {
			break;
		} else if (c == '"') {
			perr(p, p->pos,
			    "unescaped '\"' in an unquoted value (quote the "
			    "whole value)");
			return -1;
		} else {
			buf_addc(out, c);
			p->pos++;
		}
		if (out->len > LIMIT_LABEL_VALUE) {
			perr(p, p->pos, "value longer than %u bytes",
			    LIMIT_LABEL_VALUE);
			return -1;
		}
	}
	return 0;
}

/* Compiles the regex and its bounded match state into m. */
static int
compile_re(struct matcher *m, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int ec, jit;

	m->re = pcre2_compile((PCRE2_SPTR)m->value, strlen(m->value),
	    MATCHER_RE_FLAGS, &ec, &off, NULL);
	if (m->re == NULL) {
		if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
			(void)snprintf((char *)msg, sizeof msg, "error %d", ec);
		seterr(err, errlen, "invalid regex at offset %zu: %s",
		    (size_t)off, (const char *)msg);
		return -1;
	}
	/* Without JIT support (or memory for it) the interpreter runs the
	 * pattern under the same limits; that is slower, never unbounded. */
	jit = pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE) == 0;
	m->md = pcre2_match_data_create(1, NULL);
	m->mc = pcre2_match_context_create(NULL);
	if (m->md == NULL || m->mc == NULL) {
		seterr(err, errlen, "out of memory compiling the regex");
		return -1;
	}
	pcre2_set_match_limit(m->mc, MATCHER_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mc, MATCHER_DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mc, MATCHER_HEAP_LIMIT_KIB);
	if (jit) {
		m->js = pcre2_jit_stack_create(
		    MATCHER_JIT_STACK_START, MATCHER_JIT_STACK_MAX, NULL);
		/* NULL keeps PCRE2's 32 KiB machine-stack default. */
		if (m->js != NULL)
			pcre2_jit_stack_assign(m->mc, NULL, m->js);
	}
	return 0;
}

struct matcher *
matcher_new(const char *name, enum matcher_op op, const char *value, char *err,
    size_t errlen)
{
	struct matcher *m;
	int re = op == MATCHER_RE || op == MATCHER_NRE;
	size_t vlen;

	if (value == NULL)
		value = "";
	vlen = strlen(value);
	if (name == NULL || *name == '\0')
		return seterr(err, errlen, "empty label name");
	if (op != MATCHER_EQ && op != MATCHER_NE && !re)
		return seterr(err, errlen, "unknown operator");
	if (strlen(name) > LIMIT_LABEL_NAME)
		return seterr(err, errlen, "label name longer than %d bytes",
		    LIMIT_LABEL_NAME);
	if (re && vlen > MATCHER_PATTERN_MAX)
		return seterr(err, errlen, "regex longer than %u bytes",
		    MATCHER_PATTERN_MAX);
	if (vlen > LIMIT_LABEL_VALUE)
		return seterr(err, errlen, "value longer than %u bytes",
		    LIMIT_LABEL_VALUE);
	if (!util_utf8_valid(name, strlen(name)) ||
	    !util_utf8_valid(value, vlen))
		return seterr(err, errlen, "not valid UTF-8");
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->op = op;
	m->value = xstrdup(value);
	if (re && compile_re(m, err, errlen) != 0) {
		matcher_free(m);
		return NULL;
	}
	return m;
}

/* Parses name, operator and value at p->pos; list selects list lexing. */
static struct matcher *
parse_one(struct parser *p, int list)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	struct matcher *m = NULL;
	enum matcher_op op;
	size_t at, end;
	char msg[256];

	skip_space(p);
	at = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '"') {
		if (scan_quoted(p, &name, LIMIT_LABEL_NAME, "name") != 0)
			goto done;
	} else {
		while (p->pos < p->len &&
		    !is_reserved((unsigned char)p->s[p->pos]))
			p->pos++;
		buf_add(&name, p->s + at, p->pos - at);
	}
	if (name.len == 0) {
		if (p->pos >= p->len)
			perr(p, p->pos, "expected a label name");
		else if (p->s[p->pos] == '=' || p->s[p->pos] == '!')
			perr(p, p->pos, "empty label name");
		else
			perr(p, p->pos, "unexpected '%c'", p->s[p->pos]);
		goto done;
	}

	skip_space(p);
	at = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '=') {
		p->pos++;
		op = MATCHER_EQ;
		if (p->pos < p->len && p->s[p->pos] == '~') {
			p->pos++;
			op = MATCHER_RE;
		}
	} else if (p->pos + 1 < p->len && p->s[p->pos] == '!' &&
	    (p->s[p->pos + 1] == '=' || p->s[p->pos + 1] == '~')) {
		op = p->s[p->pos + 1] == '=' ? MATCHER_NE : MATCHER_NRE;
		p->pos += 2;
	} else {
		perr(p, at, "missing operator (=, !=, =~ or !~)");
		goto done;
	}

	skip_space(p);
	at = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '"') {
		if (scan_quoted(p, &value, LIMIT_LABEL_VALUE, "value") != 0)
			goto done;
	} else if (p->pos < p->len && strchr("=!~'`", p->s[p->pos]) != NULL) {
		/* `a==b` is a typo for a="b", not the value "=b", and only
		 * double quotes quote. */
		perr(p, at, "unexpected '%c' after the operator", p->s[at]);
		goto done;
	} else {
		end = p->len;
		while (!list && end > p->pos &&
		    is_space((unsigned char)p->s[end - 1]))
			end--;
		if (scan_unquoted(p, &value, end, list) != 0)
			goto done;
	}
	if (!list) {
		skip_space(p);
		if (p->pos < p->len) {
			perr(p, p->pos, "unexpected text after the value");
			goto done;
		}
	}
	m = matcher_new(buf_str(&name), op, buf_str(&value), msg, sizeof msg);
	if (m == NULL)
		seterr(p->err, p->errlen, "%s", msg);
done:
	buf_free(&name);
	buf_free(&value);
	return m;
}

struct matcher *
matcher_parse(const char *s, char *err, size_t errlen)
{
	struct parser p = {s, strlen(s), 0, err, errlen};

	if (!util_utf8_valid(s, p.len)) {
		seterr(err, errlen, "not valid UTF-8");
		return NULL;
	}
	return parse_one(&p, 0);
}

void
matcher_free(struct matcher *m)
{
	if (m == NULL)
		return;
	pcre2_jit_stack_free(m->js);
	pcre2_match_context_free(m->mc);
	pcre2_match_data_free(m->md);
	pcre2_code_free(m->re);
	free(m->name);
	free(m->value);
	free(m);
}

int
matcher_match_value(struct matcher *m, const char *value, int *limit_hit)
{
	int rc;

	/* Alertmanager: a missing label is the empty string. */
	if (value == NULL)
		value = "";
	switch (m->op) {
	case MATCHER_EQ: return strcmp(value, m->value) == 0;
	case MATCHER_NE: return strcmp(value, m->value) != 0;
	default: break;
	}
	rc = pcre2_match(
	    m->re, (PCRE2_SPTR)value, strlen(value), 0, 0, m->md, m->mc);
	if (rc >= 0)
		return m->op == MATCHER_RE;
	if (rc == PCRE2_ERROR_NOMATCH)
		return m->op == MATCHER_NRE;
	/* A limit (or a label that is not UTF-8): the answer is unknown, and
	 * "no match" is the safe one for rules and snoozes alike. */
	if (limit_hit != NULL)
		*limit_hit = 1;
	/* The match data keeps the interpreter's backtracking frames; give
	 * back what a pathological match grew, or every regex in a large
	 * rule set could hold MATCHER_HEAP_LIMIT_KIB. */
	if (rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_MATCHLIMIT) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);

		if (md != NULL) {
			pcre2_match_data_free(m->md);
			m->md = md;
		}
	}
	return 0;
}

int
matcher_match(struct matcher *m, const struct kvlist *labels, int *limit_hit)
{
	return matcher_match_value(
	    m, labels != NULL ? kvlist_get(labels, m->name) : NULL, limit_hit);
}

void
matcher_quote(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"') {
			buf_addc(b, '\\');
			buf_addc(b, *s);
		} else if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* Names are quoted when unquoted text would lex differently. */
static void
format_into(struct buf *b, const struct matcher *m)
{
	const char *s;

	for (s = m->name; *s != '\0'; s++)
		if (is_reserved((unsigned char)*s) || *s == '\\')
			break;
	if (*s != '\0')
		matcher_quote(b, m->name);
	else
		buf_adds(b, m->name);
	buf_adds(b, matcher_op_str(m->op));
	matcher_quote(b, m->value);
}

char *
matcher_format(const struct matcher *m)
{
	struct buf b = BUF_INIT;

	format_into(&b, m);
	return buf_steal(&b);
}

const char *
matcher_name(const struct matcher *m)
{
	return m->name;
}

const char *
matcher_value(const struct matcher *m)
{
	return m->value;
}

enum matcher_op
matcher_op(const struct matcher *m)
{
	return m->op;
}

const char *
matcher_op_str(enum matcher_op op)
{
	static const char *const s[] = {"=", "!=", "=~", "!~"};

	return (unsigned)op < 4 ? s[op] : "?";
}

int
matcher_equal(const struct matcher *a, const struct matcher *b)
{
	return a->op == b->op && strcmp(a->name, b->name) == 0 &&
	    strcmp(a->value, b->value) == 0;
}

void
matcher_list_add(struct matcher_list *l, struct matcher *m)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = m;
}

void
matcher_list_free(struct matcher_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		matcher_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
matcher_list_parse(
    const char *s, struct matcher_list *out, char *err, size_t errlen)
{
	struct parser p = {s, strlen(s), 0, err, errlen};
	struct matcher *m;
	int brace = 0;

	if (!util_utf8_valid(s, p.len)) {
		seterr(err, errlen, "not valid UTF-8");
		return -1;
	}
	skip_space(&p);
	if (p.pos < p.len && s[p.pos] == '{') {
		brace = 1;
		p.pos++;
	}
	for (;;) {
		skip_space(&p);
		if (p.pos >= p.len) {
			if (brace) {
				perr(&p, p.pos, "missing '}'");
				goto fail;
			}
			return 0;
		}
		if (s[p.pos] == '}') {
			if (!brace) {
				perr(&p, p.pos, "unexpected '}'");
				goto fail;
			}
			p.pos++;
			skip_space(&p);
			if (p.pos < p.len) {
				perr(&p, p.pos, "unexpected text after '}'");
				goto fail;
			}
			return 0;
		}
		if (out->n >= MATCHER_LIST_MAX) {
			perr(&p, p.pos, "more than %d matchers",
			    MATCHER_LIST_MAX);
			goto fail;
		}
		if ((m = parse_one(&p, 1)) == NULL)
			goto fail;
		matcher_list_add(out, m);
		skip_space(&p);
		if (p.pos < p.len && s[p.pos] == ',')
			p.pos++;
		else if (p.pos < p.len && s[p.pos] != '}') {
			perr(&p, p.pos, "expected ',' or '}'");
			goto fail;
		}
	}
fail:
	matcher_list_free(out);
	return -1;
}

int
matcher_list_match(
    struct matcher_list *l, const struct kvlist *labels, int *limit_hit)
{
	for (size_t i = 0; i < l->n; i++)
		if (!matcher_match(l->v[i], labels, limit_hit))
			return 0;
	return 1;
}

char *
matcher_list_format(const struct matcher_list *l)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			buf_adds(&b, ", ");
		format_into(&b, l->v[i]);
	}
	buf_addc(&b, '}');
	return buf_steal(&b);
}
