/*
 * test_mustache.c: the official Mustache spec modules (from
 * $RELAY_SHARED/spec/mustache, skipped when absent) and our own cases:
 * escapers, parse errors, loops, depth and output bounds.
 */
/* cmocka needs these first, in this order. */
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

#include <jansson.h>

#include "buf.h"
#include "mustache.h"

/* Partials from a JSON object of name -> source (borrowed). */
static const char *
partial_from_object(void *arg, const char *name, size_t *len)
{
	json_t *s = json_object_get(arg, name);

	if (!json_is_string(s))
		return NULL;
	*len = json_string_length(s);
	return json_string_value(s);
}

/*
 * Compiles and renders tmpl with data (JSON text) and partials (JSON object
 * text or NULL). Returns new: the output, or "ERR: <message>" (caller frees).
 */
static char *
render(const char *tmpl, const char *data, const char *partials,
    mustache_escape_fn esc, size_t max_output)
{
	struct mustache_opts opts = {0};
	struct mustache *t = NULL;
	struct buf out = BUF_INIT;
	json_t *ctx = NULL, *parts = NULL;
	char err[256];

	ctx = json_loads(data, JSON_DECODE_ANY, NULL);
	assert_non_null(ctx);
	if (partials != NULL) {
		parts = json_loads(partials, 0, NULL);
		assert_non_null(parts);
		opts.partial = partial_from_object;
		opts.partial_arg = parts;
	}
	opts.escape = esc;
	opts.max_output = max_output;
	if ((t = mustache_compile(tmpl, strlen(tmpl), err, sizeof(err))) ==
	        NULL ||
	    mustache_render(t, ctx, &opts, &out, err, sizeof(err)) == -1) {
		buf_reset(&out);
		buf_printf(&out, "ERR: %s", err);
	}
	mustache_free(t);
	json_decref(ctx);
	json_decref(parts);
	return buf_steal(&out);
}

static void
assert_render(
    const char *tmpl, const char *data, const char *partials, const char *want)
{
	char *got = render(tmpl, data, partials, NULL, 0);

	assert_string_equal(got, want);
	free(got);
}

/* Runs every case of one spec module with HTML escaping. */
static void
run_spec(const char *module)
{
	const char *dir = getenv("RELAY_SHARED");
	char path[4096];
	json_t *doc, *tests, *tc;
	size_t i, pass = 0, n;
	int len;

	if (dir == NULL || *dir == '\0') {
		print_message("RELAY_SHARED unset: skipping %s\n", module);
		skip();
	}
	len = snprintf(
	    path, sizeof(path), "%s/spec/mustache/%s.json", dir, module);
	assert_true(len > 0 && (size_t)len < sizeof(path));
	if ((doc = json_load_file(path, 0, NULL)) == NULL) {
		print_message("%s missing: skipping\n", path);
		skip();
	}
	tests = json_object_get(doc, "tests");
	assert_true(json_is_array(tests));
	n = json_array_size(tests);
	json_array_foreach(tests, i, tc)
	{
		struct mustache_opts opts = {0};
		struct mustache *t;
		struct buf out = BUF_INIT;
		const char *tmpl, *want;
		char err[256] = "";

		tmpl = json_string_value(json_object_get(tc, "template"));
		want = json_string_value(json_object_get(tc, "expected"));
		assert_non_null(tmpl);
		assert_non_null(want);
		opts.partial = partial_from_object;
		opts.partial_arg = json_object_get(tc, "partials");
		t = mustache_compile(tmpl, strlen(tmpl), err, sizeof(err));
		if (t != NULL &&
		    mustache_render(t, json_object_get(tc, "data"), &opts, &out,
		        err, sizeof(err)) == 0 &&
		    strcmp(buf_str(&out), want) == 0)
			pass++;
		else
			print_message("FAIL %s: \"%s\"\n  template %s\n  "
			              "expected %s\n  got      %s\n  err %s\n",
			    module,
			    json_string_value(json_object_get(tc, "name")),
			    tmpl, want, buf_str(&out), err);
		mustache_free(t);
		buf_free(&out);
	}
	print_message("%s: %zu/%zu passed\n", module, pass, n);
	json_decref(doc);
	assert_int_equal(pass, n);
}

static void
test_spec_interpolation(void **state)
{
	(void)state;
	run_spec("interpolation");
}

static void
test_spec_sections(void **state)
{
	(void)state;
	run_spec("sections");
}

static void
test_spec_inverted(void **state)
{
	(void)state;
	run_spec("inverted");
}

static void
test_spec_comments(void **state)
{
	(void)state;
	run_spec("comments");
}

static void
test_spec_partials(void **state)
{
	(void)state;
	run_spec("partials");
}

static void
test_spec_delimiters(void **state)
{
	(void)state;
	run_spec("delimiters");
}

static void
assert_escaped(
    mustache_escape_fn fn, const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	fn(&b, in, n);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void
test_escape_json_mrkdwn(void **state)
{
	static const char ctl[] = {
	    'a', '\0', '\x01', '\x1f', '\n', '\r', '\t', 'b'};

	(void)state;
	assert_escaped(
	    mustache_escape_json_mrkdwn, "<!channel>", 10, "&lt;!channel&gt;");
	assert_escaped(mustache_escape_json_mrkdwn, "a & b", 5, "a &amp; b");
	assert_escaped(mustache_escape_json_mrkdwn, "say \"hi\" \\o/", 12,
	    "say \\\"hi\\\" \\\\o/");
	assert_escaped(mustache_escape_json_mrkdwn, ctl, sizeof(ctl),
	    "a\\u0000\\u0001\\u001f\\n\\r\\tb");
	/* UTF-8 passes through untouched, "é ✓ 🔥". */
	assert_escaped(mustache_escape_json_mrkdwn,
	    "\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\xa5", 11,
	    "\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\xa5");
	assert_escaped(mustache_escape_json_mrkdwn, "<@U123|x&y>\"", 12,
	    "&lt;@U123|x&amp;y&gt;\\\"");
	assert_escaped(mustache_escape_json_mrkdwn, "", 0, "");
	/* JSON only: mrkdwn characters stay. */
	assert_escaped(
	    mustache_escape_json, "<a> & \"b\"\n", 10, "<a> & \\\"b\\\"\\n");
	assert_escaped(mustache_escape_html, "<a href=\"x\">&</a>", 17,
	    "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

static void
test_block_kit_template(void **state)
{
	char *got;

	(void)state;
	got = render("{\"text\": \"{{title}} {{{mention}}}\"}",
	    "{\"title\": \"<!here> \\\"disk\\\" > 90%\","
	    " \"mention\": \"<@U1>\"}",
	    NULL, mustache_escape_json_mrkdwn, 0);
	assert_string_equal(got,
	    "{\"text\": \"&lt;!here&gt; \\\"disk\\\" "
	    "&gt; 90% <@U1>\"}");
	free(got);
}

static void
assert_error(const char *tmpl, const char *want)
{
	char err[256] = "";
	struct mustache *t;

	t = mustache_compile(tmpl, strlen(tmpl), err, sizeof(err));
	assert_null(t);
	assert_string_equal(err, want);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	assert_error("a\n{{#x}}\nb\n", "line 2: unclosed section \"x\"");
	assert_error("{{#x}}\n{{#y}}\n\n{{/x}}",
	    "line 4: unexpected close \"x\" (open: \"y\")");
	assert_error("ok\n{{/y}}", "line 2: unexpected close \"y\"");
	assert_error("a\n\nb {{x", "line 3: unclosed tag");
	assert_error("{{{x}}", "line 1: unclosed tag");
	assert_error("a\n{{=<%>=}}", "line 2: bad delimiters");
	assert_error("{{=a b c=}}", "line 1: bad delimiters");
	assert_error("{{=a= b=}}", "line 1: bad delimiters");
	assert_error("{{==}}", "line 1: bad delimiters");
	assert_error("{{=<% %>=}}\n<%x", "line 2: unclosed tag");
	assert_error("{{}}", "line 1: bad tag name \"\"");
	assert_error("{{a b}}", "line 1: bad tag name \"a b\"");
	assert_error("{{a..b}}", "line 1: bad tag name \"a..b\"");
	assert_error("{{#.a}}{{/.a}}", "line 1: bad tag name \".a\"");
	assert_error("{{<parent}}{{/parent}}",
	    "line 1: unsupported tag \"<\" (inheritance)");
	/* A multi-line comment counts its lines. */
	assert_error("{{!\n\n}}\n{{/z}}", "line 4: unexpected close \"z\"");
}

static void
test_truthiness(void **state)
{
	(void)state;
	assert_render(
	    "{{#s}}S{{/s}}{{^s}}no-s{{/s}}", "{\"s\": \"\"}", NULL, "no-s");
	assert_render("{{#n}}+{{n}} more{{/n}}", "{\"n\": 0}", NULL, "");
	assert_render("{{#n}}+{{n}} more{{/n}}", "{\"n\": 3}", NULL, "+3 more");
	assert_render("{{#o}}x{{/o}}", "{\"o\": {}}", NULL, "x");
	assert_render(
	    "{{#r}}x{{/r}}{{^r}}zero{{/r}}", "{\"r\": 0.0}", NULL, "zero");
	assert_render("{{#l}}[{{.}}]{{/l}}", "{\"l\": [false, null, 0]}", NULL,
	    "[false][][0]");
}

static void
test_values(void **state)
{
	(void)state;
	assert_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}}",
	    "{\"a\": 1e15, \"b\": 0.1, \"c\": -2.5, \"d\": 1.0e-7, "
	    "\"e\": 1e300, \"f\": -0.0, \"g\": 3.0}",
	    NULL, "1000000000000000 0.1 -2.5 1e-07 1e+300 0 3");
	assert_render("{{a}} {{b}} {{c}} {{d}}",
	    "{\"a\": -9223372036854775808, \"b\": 9223372036854775807, "
	    "\"c\": 0, \"d\": -7}",
	    NULL, "-9223372036854775808 9223372036854775807 0 -7");
	assert_render("[{{o}}][{{l}}][{{t}}][{{f}}]",
	    "{\"o\": {\"x\": 1}, \"l\": [1], \"t\": true, \"f\": false}", NULL,
	    "[][][true][false]");
	/* A non-object root and an object with a NUL-free dotted miss. */
	assert_render("{{x}}|{{.}}", "42", NULL, "|42");
	assert_render("{{a.b.c}}", "{\"a\": {\"b\": 5}}", NULL, "");
}

static void
test_render_many(void **state)
{
	struct mustache *t;
	struct buf out = BUF_INIT;
	json_t *a, *b;
	char err[128];

	(void)state;
	t = mustache_compile("{{#l}}{{n}},{{/l}}", 18, err, sizeof(err));
	assert_non_null(t);
	a = json_pack("{s:[{s:i},{s:i}]}", "l", "n", 1, "n", 2);
	b = json_pack("{s:[{s:s}]}", "l", "n", "x");
	buf_adds(&out, "pre:");
	assert_int_equal(
	    mustache_render(t, a, NULL, &out, err, sizeof(err)), 0);
	assert_int_equal(
	    mustache_render(t, b, NULL, &out, err, sizeof(err)), 0);
	assert_int_equal(
	    mustache_render(t, a, NULL, &out, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "pre:1,2,x,1,2,");
	/* Still alive after its data is gone: the engine only borrowed. */
	json_decref(a);
	json_decref(b);
	assert_int_equal(
	    mustache_render(t, NULL, NULL, &out, err, sizeof(err)), 0);
	mustache_free(t);
	buf_free(&out);
}

static void
test_partial_loop(void **state)
{
	(void)state;
	assert_render("{{>a}}", "{}", "{\"a\": \"A{{>b}}\", \"b\": \"{{>a}}\"}",
	    "ERR: partial loop: a > b > a");
	assert_render("x{{>self}}", "{}", "{\"self\": \"{{>self}}\"}",
	    "ERR: partial loop: self > self");
	/* Recursion bounded by the data is fine. */
	assert_render("{{>n}}",
	    "{\"c\": 1, \"k\": [{\"c\": 2, \"k\": "
	    "[{\"c\": 3, \"k\": []}]}]}",
	    "{\"n\": \"{{c}}({{#k}}{{>n}}{{/k}})\"}", "1(2(3()))");
	/* A partial that fails to compile names itself. */
	assert_render("a\n{{>p}}", "{}", "{\"p\": \"\\n{{#x}}\"}",
	    "ERR: line 2: partial \"p\": line 2: unclosed section \"x\"");
	/* Without a callback, partials are empty. */
	assert_render("[{{>p}}]", "{}", NULL, "[]");
}

static void
test_partial_depth(void **state)
{
	char parts[4096], name[16];
	size_t off = 0;
	int n;

	(void)state;
	/* p1 > p2 > ... > p33: distinct, but one level too many. */
	off += (size_t)snprintf(parts, sizeof(parts), "{");
	for (int i = 1; i <= 33; i++) {
		n = snprintf(parts + off, sizeof(parts) - off,
		    "%s\"p%d\": \"{{>p%d}}\"", i > 1 ? "," : "", i, i + 1);
		assert_true(n > 0 && (size_t)n < sizeof(parts) - off);
		off += (size_t)n;
	}
	n = snprintf(parts + off, sizeof(parts) - off, "}");
	assert_true(n > 0);
	{
		char *got = render("{{>p1}}", "{}", parts, NULL, 0);
		assert_non_null(strstr(got,
		    "ERR: partials nested deeper "
		    "than 32: p1 > p2 > "));
		free(got);
	}
	/* 32 levels are allowed: p2..p33 ends at the missing p34. */
	n = snprintf(name, sizeof(name), "{{>p2}}");
	assert_true(n > 0);
	assert_render(name, "{}", parts, "");
}

static void
test_indented_partials(void **state)
{
	(void)state;
	/* Nested standalone partials add up their indentation. */
	assert_render("<\n  {{>outer}}\n>\n", "{\"l\": [1, 2]}",
	    "{\"outer\": \"o1\\n  {{>inner}}\\no2\\n\","
	    " \"inner\": \"{{#l}}\\ni{{.}}\\n{{/l}}\\n\"}",
	    "<\n  o1\n    i1\n    i2\n  o2\n>\n");
	/* A non-standalone partial is not indented. */
	assert_render("  {{>p}} x\n", "{}", "{\"p\": \"a\\nb\"}", "  a\nb x\n");
	/* A line started by a tag is indented even if the tag is empty. */
	assert_render(" {{>p}}\n", "{}",
	    "{\"p\": \"a\\n{{missing}}b\\n{{#f}}x\\n{{/f}}c\\n\"}",
	    " a\n b\n c\n");
	/* Even when the line holds only a comment, up to the end (fuzz). */
	assert_render(
	    " {{>p}}", "{}", "{\"p\": \"a\\n{{!x}}{{=| |=}}\"}", " a\n ");
}

static void
test_deep_nesting(void **state)
{
	struct buf b = BUF_INIT;
	char err[128], *got;
	struct mustache *t;

	(void)state;
	for (int i = 0; i < 64; i++)
		buf_adds(&b, "{{#a}}");
	buf_adds(&b, "x");
	for (int i = 0; i < 64; i++)
		buf_adds(&b, "{{/a}}");
	t = mustache_compile(b.data, b.len, err, sizeof(err));
	assert_non_null(t);
	mustache_free(t);

	buf_reset(&b);
	for (int i = 0; i < 65; i++)
		buf_adds(&b, "{{#a}}\n");
	t = mustache_compile(b.data, b.len, err, sizeof(err));
	assert_null(t);
	assert_string_equal(err, "line 65: sections nested deeper than 64");

	/* 64 sections per partial, the partial within: bounded in total. */
	buf_reset(&b);
	buf_adds(&b, "{\"x\": \"");
	for (int i = 0; i < 64; i++)
		buf_adds(&b, "{{#a}}");
	buf_adds(&b, "{{>x}}");
	for (int i = 0; i < 64; i++)
		buf_adds(&b, "{{/a}}");
	buf_adds(&b, "\"}");
	got = render("{{>x}}", "{\"a\": true}", b.data, NULL, 0);
	assert_string_equal(
	    got, "ERR: partial \"x\": line 1: nested deeper than 512");
	free(got);
	buf_free(&b);
}

static void
test_max_output(void **state)
{
	char data[4096], *got;
	size_t off;
	int n;

	(void)state;
	off = (size_t)snprintf(data, sizeof(data), "{\"l\": [0");
	for (int i = 1; i < 100; i++) {
		n = snprintf(data + off, sizeof(data) - off, ",%d", i);
		off += (size_t)n;
	}
	snprintf(data + off, sizeof(data) - off, "]}");
	/* 100^3 * 8 bytes: 8 MB from a 60-byte template. */
	got = render("{{#l}}{{#l}}{{#l}}xxxxxxxx{{/l}}{{/l}}{{/l}}", data, NULL,
	    NULL, 1024 * 1024);
	assert_string_equal(got, "ERR: line 1: output exceeds 1048576 bytes");
	free(got);
	/* Exactly at the limit is fine. */
	got = render("{{#l}}x{{/l}}", data, NULL, NULL, 100);
	assert_int_equal(strlen(got), 100);
	free(got);
	got = render("{{#l}}x{{/l}}", data, NULL, NULL, 99);
	assert_string_equal(got, "ERR: line 1: output exceeds 99 bytes");
	free(got);
	/* Nothing written, but 100^4 visits: stopped, not hung. */
	got = render("{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}", data,
	    NULL, NULL, 0);
	assert_string_equal(got, "ERR: line 1: template too expensive");
	free(got);
}

static void
test_error_restores_output(void **state)
{
	struct mustache_opts opts = {0};
	struct buf out = BUF_INIT;
	struct mustache *t;
	json_t *ctx;
	char err[128];

	(void)state;
	t = mustache_compile("{{#l}}yy{{/l}}", 14, err, sizeof(err));
	assert_non_null(t);
	ctx = json_pack("{s:[i,i,i]}", "l", 1, 2, 3);
	opts.max_output = 3;
	buf_adds(&out, "keep");
	assert_int_equal(
	    mustache_render(t, ctx, &opts, &out, err, sizeof(err)), -1);
	assert_string_equal(buf_str(&out), "keep");
	assert_int_equal(out.len, 4);
	json_decref(ctx);
	mustache_free(t);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_interpolation),
	    cmocka_unit_test(test_spec_sections),
	    cmocka_unit_test(test_spec_inverted),
	    cmocka_unit_test(test_spec_comments),
	    cmocka_unit_test(test_spec_partials),
	    cmocka_unit_test(test_spec_delimiters),
	    cmocka_unit_test(test_escape_json_mrkdwn),
	    cmocka_unit_test(test_block_kit_template),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_truthiness),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_render_many),
	    cmocka_unit_test(test_partial_loop),
	    cmocka_unit_test(test_partial_depth),
	    cmocka_unit_test(test_indented_partials),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_max_output),
	    cmocka_unit_test(test_error_restores_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
