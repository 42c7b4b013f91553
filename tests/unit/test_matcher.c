/* Unit tests: matcher.c (Alertmanager matcher syntax, semantics, limits). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "buf.h"
#include "matcher.h"
#include "util.h"

/* The match limits stop a catastrophic pattern within a few ms of CPU
 * (sanitizers slow the code around PCRE2, not PCRE2 itself); without them
 * these cases run for minutes, so a generous bound still tells. */
#define FAST_MS 200.0

static const struct {
	const char *in;
	const char *name; /* NULL: a parse error containing `value` */
	enum matcher_op op;
	const char *value;
} parse_cases[] = {
    {"alertname=\"Ingress5xx\"", "alertname", MATCHER_EQ, "Ingress5xx"},
    {"code!=\"503\"", "code", MATCHER_NE, "503"},
    {"code=~\"5..\"", "code", MATCHER_RE, "5.."},
    {"code!~\"4..\"", "code", MATCHER_NRE, "4.."},
    {"code = \"503\"", "code", MATCHER_EQ, "503"},
    {"  code =~ 5..  ", "code", MATCHER_RE, "5.."},
    {"code=503", "code", MATCHER_EQ, "503"},
    {"severity=~crit.*", "severity", MATCHER_RE, "crit.*"},
    {"x=~a{2,3}", "x", MATCHER_RE, "a{2,3}"},
    {"host.name=\"web-1\"", "host.name", MATCHER_EQ, "web-1"},
    {"foo:bar_baz!=x", "foo:bar_baz", MATCHER_NE, "x"},
    {"\"a b\"=\"c\"", "a b", MATCHER_EQ, "c"},
    {"\"a\\\"b\"=c", "a\"b", MATCHER_EQ, "c"},
    {"x=\"a\\\"b\"", "x", MATCHER_EQ, "a\"b"},
    {"x=\"a\\\\b\"", "x", MATCHER_EQ, "a\\b"},
    {"x=\"a\\nb\"", "x", MATCHER_EQ, "a\nb"},
    {"x=~\"\\d+\"", "x", MATCHER_RE, "\\d+"},
    {"x=\"a,b}{\"", "x", MATCHER_EQ, "a,b}{"},
    {"x=", "x", MATCHER_EQ, ""},
    {"x=\"\"", "x", MATCHER_EQ, ""},
    {"x=a b", "x", MATCHER_EQ, "a b"},
    {"x=a\\\"b", "x", MATCHER_EQ, "a\"b"},
    {"x=a\\", "x", MATCHER_EQ, "a\\"},
    {"\xc3\xbc=\"\xc3\xb6\"", "\xc3\xbc", MATCHER_EQ, "\xc3\xb6"},
    {"", NULL, 0, "expected a label name at 1"},
    {"foo", NULL, 0, "missing operator (=, !=, =~ or !~) at 4"},
    {"foo bar=\"x\"", NULL, 0, "missing operator (=, !=, =~ or !~) at 5"},
    {"x!b", NULL, 0, "missing operator"},
    {"=\"x\"", NULL, 0, "empty label name at 1"},
    {"\"\"=\"x\"", NULL, 0, "empty label name"},
    {"foo=\"bar", NULL, 0, "unterminated quoted value at 5"},
    {"foo=\"bar\\\"", NULL, 0, "unterminated quoted value at 5"},
    {"\"foo=bar", NULL, 0, "unterminated quoted name at 1"},
    {"x=~\"5(..\"", NULL, 0,
        "invalid regex at offset 4: missing closing parenthesis"},
    {"x=~\"a)(b\"", NULL, 0, "invalid regex at offset 1"},
    {"x=~\"\\C\"", NULL, 0, "invalid regex"},
    {"x=\"a\" y=\"b\"", NULL, 0, "unexpected text after the value at 7"},
    {"x=a\"b", NULL, 0, "unescaped '\"' in an unquoted value"},
    {"x==b", NULL, 0, "unexpected '=' after the operator at 3"},
    {"x='b'", NULL, 0, "unexpected '''"},
    {"{x=\"a\"}", NULL, 0, "unexpected '{' at 1"},
    {"x=\"\xff\"", NULL, 0, "not valid UTF-8"},
};

static void
test_parse(void **state)
{
	char err[256];

	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0];
	     i++) {
		struct matcher *m;

		err[0] = '\0';
		m = matcher_parse(parse_cases[i].in, err, sizeof err);
		if (parse_cases[i].name == NULL) {
			if (m != NULL ||
			    strstr(err, parse_cases[i].value) == NULL)
				fail_msg("case %zu '%s': got '%s'", i,
				    parse_cases[i].in, err);
			matcher_free(m);
			continue;
		}
		if (m == NULL)
			fail_msg(
			    "case %zu '%s': %s", i, parse_cases[i].in, err);
		assert_string_equal(matcher_name(m), parse_cases[i].name);
		assert_int_equal(matcher_op(m), parse_cases[i].op);
		assert_string_equal(matcher_value(m), parse_cases[i].value);
		matcher_free(m);
	}
}

/* Every accepted case formats to text that parses back to the same. */
static void
test_format_roundtrip(void **state)
{
	static const struct {
		const char *in, *out;
	} canon[] = {
	    {"code=503", "code=\"503\""},
	    {" code !~ 5.. ", "code!~\"5..\""},
	    {"\"a b\"=\"c\"", "\"a b\"=\"c\""},
	    {"host.name=x", "host.name=\"x\""},
	    {"x=\"a\\nb\"", "x=\"a\\nb\""},
	    {"x=~\"\\d+\"", "x=~\"\\\\d+\""},
	    {"x=\"q\\\"\"", "x=\"q\\\"\""},
	};
	char err[256];

	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0];
	     i++) {
		struct matcher *a, *b;
		char *text;

		if (parse_cases[i].name == NULL)
			continue;
		a = matcher_parse(parse_cases[i].in, err, sizeof err);
		assert_non_null(a);
		text = matcher_format(a);
		b = matcher_parse(text, err, sizeof err);
		if (b == NULL || !matcher_equal(a, b))
			fail_msg("case %zu: '%s' -> '%s'", i, parse_cases[i].in,
			    text);
		free(text);
		matcher_free(a);
		matcher_free(b);
	}
	for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
		struct matcher *m = matcher_parse(canon[i].in, err, sizeof err);
		char *text;

		assert_non_null(m);
		text = matcher_format(m);
		assert_string_equal(text, canon[i].out);
		free(text);
		matcher_free(m);
	}
}

static struct kv label_v[] = {
    {"alertname", "Ingress5xx"},
    {"code", "503"},
    {"empty", ""},
    {"host.name", "web-1"},
    {"ml", "line1\nline2"},
    {"namespace", "chat"},
};
static const struct kvlist labels = {label_v, 6};

static void
test_match(void **state)
{
	static const struct {
		const char *m;
		int want;
	} cases[] = {
	    {"code=\"503\"", 1},
	    {"code=\"500\"", 0},
	    {"code!=\"500\"", 1},
	    {"code!=\"503\"", 0},
	    {"code=~\"5..\"", 1},
	    {"code=~\"5.\"", 0},
	    {"code=~\"0\"", 0},
	    {"code=~\".*0.*\"", 1},
	    {"code=~\"503|504\"", 1},
	    {"code=~\"50|503\"", 1},
	    {"code=~\"5$|503\"", 1},
	    {"code!~\"4..\"", 1},
	    {"code!~\"5..\"", 0},
	    {"missing=\"\"", 1},
	    {"missing!=\"x\"", 1},
	    {"missing=\"x\"", 0},
	    {"missing!=\"\"", 0},
	    {"missing=~\".*\"", 1},
	    {"missing=~\".+\"", 0},
	    {"missing!~\".+\"", 1},
	    {"empty=\"\"", 1},
	    {"empty!=\"\"", 0},
	    {"host.name=\"web-1\"", 1},
	    {"alertname=~\"ingress5xx\"", 0},
	    {"alertname=~\"(?i)ingress5xx\"", 1},
	    {"namespace=~\"ch\"", 0},
	    {"ml=~\"line1.line2\"", 0},
	    {"ml=~\"(?s)line1.line2\"", 1},
	    {"ml=~\"line1$\\n.*\"", 0},
	    {"ml=~\"line1\\nline2\"", 1},
	    {"ml=\"line1\\nline2\"", 1},
	};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct matcher *m = matcher_parse(cases[i].m, err, sizeof err);
		int hit = 0;

		if (m == NULL)
			fail_msg("%s: %s", cases[i].m, err);
		if (matcher_match(m, &labels, &hit) != cases[i].want)
			fail_msg("%s: want %d", cases[i].m, cases[i].want);
		assert_int_equal(hit, 0);
		matcher_free(m);
	}
}

static void
test_list(void **state)
{
	static const struct {
		const char *in;
		int n; /* -1: error containing err */
		const char *err;
		int match;
	} cases[] = {
	    {"{alertname=\"Ingress5xx\", code=~\"5..\"}", 2, NULL, 1},
	    {"alertname=\"Ingress5xx\",code=\"500\",", 2, NULL, 0},
	    {"{ code = 503 , namespace=~ch.* }", 2, NULL, 1},
	    {"{x=,y=\"\"}", 2, NULL, 1},
	    {"{}", 0, NULL, 1},
	    {"", 0, NULL, 1},
	    {"{a=\"b\"", -1, "missing '}' at 7", 0},
	    {"a=\"b\"}", -1, "unexpected '}' at 6", 0},
	    {"{a=\"b\" c=\"d\"}", -1, "expected ',' or '}' at 8", 0},
	    {"{a=\"b\"} x", -1, "unexpected text after '}' at 9", 0},
	    {"{,}", -1, "unexpected ','", 0},
	    {"{a=~\"(\"}", -1, "invalid regex", 0},
	};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct matcher_list l = {NULL, 0};
		int rc = matcher_list_parse(cases[i].in, &l, err, sizeof err);

		if (cases[i].n < 0) {
			if (rc == 0 || strstr(err, cases[i].err) == NULL)
				fail_msg("'%s': got '%s'", cases[i].in, err);
			assert_int_equal(l.n, 0);
			assert_null(l.v);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s': %s", cases[i].in, err);
		assert_int_equal(l.n, cases[i].n);
		assert_int_equal(
		    matcher_list_match(&l, &labels, NULL), cases[i].match);
		matcher_list_free(&l);
	}
}

static void
test_list_format(void **state)
{
	struct matcher_list l = {NULL, 0}, l2 = {NULL, 0};
	char err[256];
	char *s;

	assert_int_equal(
	    matcher_list_parse("{ a = b , c=~d }", &l, err, sizeof err), 0);
	s = matcher_list_format(&l);
	assert_string_equal(s, "{a=\"b\", c=~\"d\"}");
	assert_int_equal(matcher_list_parse(s, &l2, err, sizeof err), 0);
	assert_int_equal(l2.n, 2);
	assert_true(matcher_equal(l.v[1], l2.v[1]));
	free(s);
	matcher_list_free(&l);
	matcher_list_free(&l2);
}

/* Snooze buttons build matchers from raw label values. */
static void
test_new_and_quote(void **state)
{
	struct buf b = BUF_INIT;
	struct matcher *m;
	char err[256];
	char *s;

	m = matcher_new("namespace", MATCHER_EQ, "ch\"a\\t\n", err, sizeof err);
	assert_non_null(m);
	s = matcher_format(m);
	assert_string_equal(s, "namespace=\"ch\\\"a\\\\t\\n\"");
	free(s);
	matcher_free(m);
	matcher_quote(&b, "chat");
	assert_string_equal(buf_str(&b), "\"chat\"");
	buf_free(&b);
	assert_null(matcher_new("", MATCHER_EQ, "x", err, sizeof err));
	assert_string_equal(err, "empty label name");
	assert_null(matcher_new("x", MATCHER_RE, "(", err, sizeof err));
	assert_non_null(strstr(err, "invalid regex at offset 1"));
	assert_string_equal(matcher_op_str(MATCHER_NRE), "!~");
}

static char *
repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = xmalloc(n + t + 1);

	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

/* The pattern limit applies to the unescaped regex: 64 KiB exactly is fine. */
static void
test_pattern_limit(void **state)
{
	const size_t max = 64 * 1024;
	struct matcher *m;
	struct buf b = BUF_INIT;
	char err[256];
	char *pat;
	int hit = 0;

	/* A comment pads the pattern: 64 KiB of literals would overflow
	 * PCRE2's compiled-size limit instead. */
	pat = repeat('x', max - 2, ")a");
	memcpy(pat, "(?#", 3);
	assert_int_equal(strlen(pat), max);
	m = matcher_new("x", MATCHER_RE, pat, err, sizeof err);
	if (m == NULL)
		fail_msg("%s", err);
	assert_true(matcher_match_value(m, "a", &hit));
	matcher_free(m);
	buf_adds(&b, "x=~");
	matcher_quote(&b, pat);
	m = matcher_parse(buf_str(&b), err, sizeof err);
	assert_non_null(m);
	matcher_free(m);
	free(pat);

	pat = repeat('x', max - 2, ")ab");
	memcpy(pat, "(?#", 3);
	assert_null(matcher_new("x", MATCHER_NRE, pat, err, sizeof err));
	assert_string_equal(err, "regex longer than 65536 bytes");
	buf_reset(&b);
	buf_adds(&b, "x=~");
	matcher_quote(&b, pat);
	assert_null(matcher_parse(buf_str(&b), err, sizeof err));
	assert_string_equal(err, "regex longer than 65536 bytes");
	/* An equality value has no such limit. */
	m = matcher_new("x", MATCHER_EQ, pat, err, sizeof err);
	assert_non_null(m);
	matcher_free(m);
	free(pat);

	/* Too large once compiled: a regex error, not a crash. */
	pat = repeat('a', 40000, "");
	assert_null(matcher_new("x", MATCHER_RE, pat, err, sizeof err));
	assert_non_null(strstr(err, "invalid regex"));
	free(pat);
	buf_free(&b);
}

static double
now_ms(void)
{
	struct timespec ts;

	/* CPU time: a busy machine must not fail the bound. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Catastrophic backtracking on 64 KiB and 1 MiB labels: each match ends
 * fast as "no match" with limit_hit set. (*NO_JIT) runs the same patterns
 * through the interpreter, the path taken where JIT is unavailable.
 */
static void
test_catastrophic(void **state)
{
	static const struct {
		const char *re;
		char fill;
		const char *tail;
		int hit; /* 1: must report the limit; 0: may (JIT finds the
		            missing 'c' at once, the interpreter may not) */
	} cases[] = {
	    {"(a+)+$", 'a', "!", 1},
	    {"(a|aa)*c", 'a', "c!", 1},
	    {"(a|aa)*c", 'a', "", 0},
	    {"(x+x+)+y", 'x', "y!", 1},
	    {"(.*a){20}", 'a', "!", 1},
	    {"(\\w+\\s?)*", 'a', "!", 1},
	    {"(*NO_JIT)(a+)+$", 'a', "!", 1},
	    {"(*NO_JIT)(a|aa)*c", 'a', "c!", 1},
	    {"(*NO_JIT)(x+x+)+y", 'x', "y!", 1},
	};
	static const size_t sizes[] = {64 * 1024, 1024 * 1024};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (size_t j = 0; j < 2; j++) {
			struct matcher *m;
			char *subject =
			    repeat(cases[i].fill, sizes[j], cases[i].tail);
			double t0, ms;
			int hit = 0, hit2 = 0, r;

			m = matcher_new(
			    "x", MATCHER_RE, cases[i].re, err, sizeof err);
			assert_non_null(m);
			t0 = now_ms();
			r = matcher_match_value(m, subject, &hit);
			ms = now_ms() - t0;
			if (r != 0 || ms > FAST_MS || (cases[i].hit && !hit))
				fail_msg("%s on %zu bytes: match %d hit %d "
				         "%.1f ms",
				    cases[i].re, sizes[j], r, hit, ms);
			print_message("%-20s %8zu bytes: hit %d %.2f ms\n",
			    cases[i].re, sizes[j], hit, ms);
			/* !~ must not turn an unknown into a match. */
			matcher_free(m);
			m = matcher_new(
			    "x", MATCHER_NRE, cases[i].re, err, sizeof err);
			r = matcher_match_value(m, subject, &hit2);
			assert_int_equal(r, !hit);
			assert_int_equal(hit2, hit);
			matcher_free(m);
			free(subject);
		}
	}
}

/* Honest patterns on the largest labels still answer correctly. */
static void
test_large_labels(void **state)
{
	char *subject = repeat('a', 64 * 1024, "503");
	struct matcher *m;
	char err[256];
	int hit = 0;

	m = matcher_new("x", MATCHER_RE, "a*503", err, sizeof err);
	assert_true(matcher_match_value(m, subject, &hit));
	matcher_free(m);
	m = matcher_new("x", MATCHER_RE, "(a+)+$", err, sizeof err);
	subject[64 * 1024] = '\0';
	assert_true(matcher_match_value(m, subject, &hit));
	matcher_free(m);
	assert_int_equal(hit, 0);
	free(subject);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format_roundtrip),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_list_format),
	    cmocka_unit_test(test_new_and_quote),
	    cmocka_unit_test(test_pattern_limit),
	    cmocka_unit_test(test_catastrophic),
	    cmocka_unit_test(test_large_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
