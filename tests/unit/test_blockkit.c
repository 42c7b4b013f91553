/* Unit tests: blockkit.c (parsing, every Slack limit, cuts, safety flags). */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "blockkit.h"
#include "util.h"

#define ELL "\xe2\x80\xa6"
#define RED "\xf0\x9f\x94\xb4"
/* Man, ZWJ, woman, ZWJ, girl: one glyph, five code points. */
#define FAMILY                                                                 \
	"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91" \
	"\xa7"

/* Returns new: c repeated n times. */
static char *
rep(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static size_t
nchars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static json_t *
text_obj(const char *type, const char *s)
{
	return json_pack("{s:s, s:s}", "type", type, "text", s);
}

static json_t *
section(const char *s)
{
	return json_pack(
	    "{s:s, s:o}", "type", "section", "text", text_obj("mrkdwn", s));
}

static json_t *
button(const char *label, const char *action_id)
{
	return json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
	    text_obj("plain_text", label), "action_id", action_id, "value",
	    "v");
}

/* Returns new: {"text": text, "blocks": blocks (stolen)}. */
static json_t *
message(const char *text, json_t *blocks)
{
	json_t *m = json_object();

	if (text != NULL)
		json_object_set_new(m, "text", json_string(text));
	if (blocks != NULL)
		json_object_set_new(m, "blocks", blocks);
	return m;
}

static json_t *
parse_ok(const char *s)
{
	char err[256];
	json_t *m = blockkit_parse(s, strlen(s), err, sizeof(err));

	if (m == NULL)
		fail_msg("parse: %s", err);
	return m;
}

static struct blockkit_report
clamp_ok(json_t *m)
{
	struct blockkit_report r;
	char err[256];

	if (blockkit_clamp(m, &r, err, sizeof(err)) != 0)
		fail_msg("clamp: %s", err);
	return r;
}

/* Clamp must fail, with err naming why, and leave m unchanged. */
static void
clamp_fails(json_t *m, const char *why)
{
	struct blockkit_report r;
	json_t *before = json_deep_copy(m);
	char err[256];

	assert_int_equal(blockkit_clamp(m, &r, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, why);
	assert_true(json_equal(m, before));
	json_decref(before);
	json_decref(m);
}

static json_t *
block(json_t *m, size_t i)
{
	return json_array_get(json_object_get(m, "blocks"), i);
}

static const char *
block_text(json_t *m, size_t i)
{
	return json_string_value(
	    json_object_get(json_object_get(block(m, i), "text"), "text"));
}

static size_t
nblocks(json_t *m)
{
	return json_array_size(json_object_get(m, "blocks"));
}

static int
is_plain(json_t *b)
{
	json_t *t = json_object_get(json_object_get(b, "text"), "type");

	return strcmp(json_string_value(t), "plain_text") == 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static void
test_cut_basic(void **state)
{
	char *s;

	(void)state;
	s = blockkit_cut("hello", 10, 1);
	assert_string_equal(s, "hello");
	free(s);
	s = blockkit_cut("hello", 5, 1);
	assert_string_equal(s, "hello");
	free(s);
	s = blockkit_cut("hello", 4, 1);
	assert_string_equal(s, "hel" ELL);
	free(s);
	s = blockkit_cut("hello", 1, 1);
	assert_string_equal(s, ELL);
	free(s);
	s = blockkit_cut("hello", 0, 1);
	assert_string_equal(s, "");
	free(s);
	/* Code points, not bytes: five é are five characters. */
	s = blockkit_cut("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 5, 0);
	assert_int_equal(strlen(s), 10);
	free(s);
	s = blockkit_cut("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, 0);
	assert_string_equal(s, "\xc3\xa9\xc3\xa9" ELL);
	free(s);
}

/* Every cut of a multi-byte text is valid UTF-8 within the limit. */
static void
test_cut_utf8_every_length(void **state)
{
	const char *in = "a\xc3\xa9" RED "b" FAMILY "\xe6\x97\xa5z" RED;
	size_t max;

	(void)state;
	for (max = 0; max <= nchars(in) + 1; max++) {
		char *s = blockkit_cut(in, max, 1);

		assert_true(util_utf8_valid(s, strlen(s)));
		assert_true(nchars(s) <= max);
		assert_false(strstr(s, "\xe2\x80\x8d" ELL) != NULL);
		free(s);
	}
}

static void
test_header_emoji_at_150(void **state)
{
	char *a = rep('a', 148), *t;
	json_t *m;

	(void)state;
	/* 148 + emoji + 3 = 152: the emoji, the 149th, stays whole. */
	t = xasprintf("%s" RED "bbb", a);
	m = message("x",
	    json_pack("[{s:s, s:o}]", "type", "header", "text",
	        text_obj("plain_text", t)));
	clamp_ok(m);
	free(t);
	t = xasprintf("%s" RED ELL, a);
	assert_string_equal(block_text(m, 0), t);
	assert_int_equal(nchars(block_text(m, 0)), 150);
	free(t);
	json_decref(m);
	free(a);

	/* 149 + emoji + 1: the emoji is the 150th and goes whole. */
	a = rep('a', 149);
	t = xasprintf("%s" RED "b", a);
	m = message("x",
	    json_pack("[{s:s, s:o}]", "type", "header", "text",
	        text_obj("plain_text", t)));
	clamp_ok(m);
	free(t);
	t = xasprintf("%s" ELL, a);
	assert_string_equal(block_text(m, 0), t);
	free(t);
	json_decref(m);
	free(a);

	/* 147 + family: the cut falls after man+ZWJ; the joiner goes too. */
	a = rep('a', 147);
	t = xasprintf("%s" FAMILY "x", a);
	m = message("x",
	    json_pack("[{s:s, s:o}]", "type", "header", "text",
	        text_obj("plain_text", t)));
	clamp_ok(m);
	free(t);
	t = xasprintf("%s\xf0\x9f\x91\xa8" ELL, a);
	assert_string_equal(block_text(m, 0), t);
	free(t);
	json_decref(m);
	free(a);
}

static void
test_cut_entities(void **state)
{
	const char *in = "ab&amp;cd&lt;ef&gt;gh&&amp;";
	char *s;
	size_t max;

	(void)state;
	s = blockkit_cut(in, 5, 0);
	assert_string_equal(s, "ab" ELL);
	free(s);
	/* A lone '&' is text, cut like any other character. */
	s = blockkit_cut("a&b c d", 3, 0);
	assert_string_equal(s, "a&" ELL);
	free(s);
	for (max = 1; max < strlen(in); max++) {
		size_t kept;

		s = blockkit_cut(in, max, max & 1);
		kept = strlen(s) - strlen(ELL);
		assert_memory_equal(s, in, kept);
		/* An entity of the input is kept whole or not at all. */
		for (size_t j = 0; j < kept; j++) {
			size_t el = strncmp(in + j, "&amp;", 5) == 0 ? 5
			    : strncmp(in + j, "&lt;", 4) == 0        ? 4
			    : strncmp(in + j, "&gt;", 4) == 0        ? 4
			                                             : 0;
			if (j + el > kept)
				fail_msg(
				    "max %zu: \"%s\" splits an entity", max, s);
		}
		free(s);
	}
}

static void
test_cut_links(void **state)
{
	const char *in = "see <https://example.com/x|the dashboard> now";
	char *s;

	(void)state;
	s = blockkit_cut(in, 20, 1);
	assert_string_equal(s, "see " ELL);
	free(s);
	/* Right after the closing '>' nothing needs protecting. */
	s = blockkit_cut(in, 42, 1);
	assert_string_equal(s, "see <https://example.com/x|the dashboard>" ELL);
	free(s);
	/* plain_text has no links: only the position counts. */
	s = blockkit_cut(in, 10, 0);
	assert_string_equal(s, "see <http" ELL);
	free(s);
	s = blockkit_cut("hi <!channel> and <!subteam^S0CHAT|@chat>", 8, 1);
	assert_string_equal(s, "hi " ELL);
	free(s);
	/* Two unclosed '<': Slack's span starts at the first. */
	s = blockkit_cut("a <b <c d e f g h", 12, 1);
	assert_string_equal(s, "a " ELL);
	free(s);
	s = blockkit_cut("hi <!channel> and <!subteam^S0CHAT|@chat>", 30, 1);
	assert_string_equal(s, "hi <!channel> and " ELL);
	free(s);
}

/* Cutting escaped hostile text never yields a live mention or link. */
static void
test_cut_never_unescapes(void **state)
{
	const char *in = "&lt;!channel&gt; @here &amp;lt; &lt;@U1&gt; <@U2> "
	                 "&lt;https://evil|x&gt;";
	size_t max;

	(void)state;
	for (max = 1; max <= nchars(in); max++) {
		char *s = blockkit_cut(in, max, 1);

		assert_null(strstr(s, "<!"));
		assert_null(strstr(s, "<h"));
		assert_true(strncmp(in, s,
		                strlen(s) - (max < nchars(in) ? 3 : 0)) == 0);
		free(s);
	}
}

static void
test_parse(void **state)
{
	char err[256], deep[200];
	const char *bad;
	json_t *m;
	size_t i;

	(void)state;
	m = parse_ok("{\"text\": \"hi\", \"blocks\": []}");
	json_decref(m);
	bad = "{\"text\": \"hi\",\n \"blocks\": [}";
	assert_null(blockkit_parse(bad, strlen(bad), err, sizeof(err)));
	assert_true(strncmp(err, "line 2 column ", 14) == 0);
	assert_null(blockkit_parse("[1]", 3, err, sizeof(err)));
	assert_string_equal(err, "not an object with text/blocks");
	assert_null(
	    blockkit_parse("{\"channel\": \"C1\"}", 17, err, sizeof(err)));
	assert_string_equal(err, "not an object with text/blocks");
	assert_null(blockkit_parse(
	    "{\"text\": \"a\", \"text\": \"b\"}", 26, err, sizeof(err)));
	assert_true(strncmp(err, "line 1 column", 13) == 0);
	assert_null(
	    blockkit_parse("{\"text\": \"a\"} x", 15, err, sizeof(err)));
	assert_null(blockkit_parse("", 0, err, sizeof(err)));
	assert_null(
	    blockkit_parse("{\"text\": \"\xff\"}", 13, err, sizeof(err)));
	/* 40 levels is past LIMIT_JSON_DEPTH. */
	i = (size_t)snprintf(deep, sizeof(deep), "{\"blocks\":");
	for (int k = 0; k < 40; k++)
		deep[i++] = '[';
	for (int k = 0; k < 40; k++)
		deep[i++] = ']';
	deep[i++] = '}';
	assert_null(blockkit_parse(deep, i, err, sizeof(err)));
	assert_non_null(strstr(err, "nested deeper"));
}

static void
test_header(void **state)
{
	struct blockkit_report r;
	char *long_text = rep('h', 200);
	json_t *m;

	(void)state;
	m = message("x",
	    json_pack("[{s:s, s:o}, {s:s, s:o}, {s:s, s:o}]", "type", "header",
	        "text", text_obj("plain_text", long_text), "type", "header",
	        "text", text_obj("mrkdwn", "*hi*"), "type", "header", "text",
	        text_obj("plain_text", " \n")));
	r = clamp_ok(m);
	assert_int_equal(nblocks(m), 2);
	assert_int_equal(nchars(block_text(m, 0)), 150);
	assert_true(ends_with(block_text(m, 0), ELL));
	assert_true(is_plain(block(m, 1)));
	assert_int_equal(r.clamped, 3);
	assert_string_equal(
	    r.first_problem, "blocks[0].text: text cut to 150 characters");
	json_decref(m);
	free(long_text);
}

static void
test_section(void **state)
{
	char *t3001 = rep('s', 3001);
	json_t *m, *f;

	(void)state;
	f = json_pack("[o]", text_obj("mrkdwn", "*env*\nprod"));
	m = message("x",
	    json_pack("[o, o, {s:s, s:o, s:o}, {s:s}]", section(t3001),
	        section(""), "type", "section", "text",
	        text_obj("mrkdwn", "  "), "fields", f, "type", "divider"));
	clamp_ok(m);
	assert_int_equal(nblocks(m), 3);
	assert_int_equal(nchars(block_text(m, 0)), 3000);
	assert_true(ends_with(block_text(m, 0), ELL));
	/* A blank text beside fields goes; the fields keep the section. */
	assert_null(json_object_get(block(m, 1), "text"));
	assert_int_equal(
	    json_array_size(json_object_get(block(m, 1), "fields")), 1);
	json_decref(m);
	free(t3001);
}

static void
test_fields(void **state)
{
	char *t2001 = rep('f', 2001), *label;
	json_t *fields = json_array(), *m, *f;
	size_t i;

	(void)state;
	/* 500 fields, the first two empty, all of them too long. */
	json_array_append_new(fields, text_obj("mrkdwn", ""));
	json_array_append_new(fields, text_obj("plain_text", " "));
	for (i = 0; i < 498; i++)
		json_array_append_new(fields, text_obj("mrkdwn", t2001));
	m = message("x",
	    json_pack("[{s:s, s:o}]", "type", "section", "fields", fields));
	clamp_ok(m);
	f = json_object_get(block(m, 0), "fields");
	assert_int_equal(json_array_size(f), 10);
	for (i = 0; i < 10; i++) {
		label = (char *)json_string_value(
		    json_object_get(json_array_get(f, i), "text"));
		assert_true(nchars(label) <= 2000);
		assert_true(ends_with(label, ELL));
	}
	/* 10 x 2000 is over 12 000: shortening took the rest. */
	assert_true(blockkit_size(json_object_get(m, "blocks")) <= 12000);
	json_decref(m);

	/* One field of 2001 is cut to exactly 2000. */
	m = message("x",
	    json_pack("[{s:s, s:[o]}]", "type", "section", "fields",
	        text_obj("mrkdwn", t2001)));
	clamp_ok(m);
	f = json_object_get(block(m, 0), "fields");
	assert_int_equal(nchars(json_string_value(
	                     json_object_get(json_array_get(f, 0), "text"))),
	    2000);
	json_decref(m);
	free(t2001);
}

static void
test_context(void **state)
{
	json_t *el = json_array(), *m;
	size_t i;

	(void)state;
	json_array_append_new(el, text_obj("mrkdwn", ""));
	json_array_append_new(el,
	    json_pack("{s:s, s:s, s:s}", "type", "image", "image_url",
	        "https://x.example/i.png", "alt_text", "i"));
	for (i = 0; i < 11; i++)
		json_array_append_new(el, text_obj("mrkdwn", "c"));
	m = message("x",
	    json_pack("[{s:s, s:o}, {s:s, s:[o]}]", "type", "context",
	        "elements", el, "type", "context", "elements",
	        text_obj("plain_text", "")));
	clamp_ok(m);
	assert_int_equal(nblocks(m), 1);
	el = json_object_get(block(m, 0), "elements");
	assert_int_equal(json_array_size(el), 10);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(el, 0), "type")),
	    "image");
	json_decref(m);

	m = message("x",
	    json_pack("[{s:s, s:[o]}]", "type", "context", "elements",
	        button("b", "a")));
	clamp_fails(m, "not a text object");
}

static void
test_actions(void **state)
{
	char *long_label = rep('b', 80), *aid256 = rep('i', 256);
	char *v2001 = rep('v', 2001), *u3001, *pad = rep('p', 2990);
	json_t *el = json_array(), *m, *b;
	size_t i;

	(void)state;
	u3001 = xasprintf("https://x.example/%s", pad);
	json_array_append_new(el,
	    json_pack("{s:s, s:o, s:s, s:s, s:s}", "type", "button", "text",
	        text_obj("plain_text", long_label), "action_id", "ok", "value",
	        "1", "style", "loud"));
	json_array_append_new(el, button("too long id", aid256));
	json_array_append_new(el,
	    json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
	        text_obj("plain_text", "v"), "action_id", "val", "value",
	        v2001));
	json_array_append_new(el,
	    json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
	        text_obj("plain_text", "link"), "action_id", "l1", "url",
	        u3001));
	json_array_append_new(el,
	    json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
	        text_obj("plain_text", "js"), "action_id", "l2", "url",
	        "javascript:alert(1)"));
	json_array_append_new(el,
	    json_pack("{s:s, s:o, s:s, s:s, s:s}", "type", "button", "text",
	        text_obj("plain_text", "snooze"), "action_id", "s", "value",
	        "4h", "url", "ftp://x.example/"));
	json_array_append_new(el,
	    json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
	        text_obj("plain_text", "dash"), "action_id", "l3", "url",
	        "HTTPS://grafana.example/d/1?a=b"));
	json_array_append_new(el, button("dup", "ok"));
	for (i = 0; i < 30; i++) {
		char id[16];

		snprintf(id, sizeof(id), "b%zu", i);
		json_array_append_new(el, button("more", id));
	}
	m = message("x",
	    json_pack("[{s:s, s:o}, {s:s, s:[o]}]", "type", "actions",
	        "elements", el, "type", "actions", "elements",
	        button("", "empty")));
	clamp_ok(m);
	/* The empty button went, and with it its block. */
	assert_int_equal(nblocks(m), 1);
	el = json_object_get(block(m, 0), "elements");
	/* 25 kept of the 30 that survived; the duplicate "ok" dropped. */
	assert_int_equal(json_array_size(el), 24);
	b = json_array_get(el, 0);
	assert_int_equal(nchars(json_string_value(json_object_get(
	                     json_object_get(b, "text"), "text"))),
	    75);
	/* style is the template's business, not the data's. */
	assert_string_equal(
	    json_string_value(json_object_get(b, "style")), "loud");
	b = json_array_get(el, 1);
	assert_string_equal(
	    json_string_value(json_object_get(b, "action_id")), "s");
	assert_null(json_object_get(b, "url"));
	b = json_array_get(el, 2);
	assert_string_equal(json_string_value(json_object_get(b, "url")),
	    "HTTPS://grafana.example/d/1?a=b");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(el, 3), "action_id")),
	    "b0");
	json_decref(m);
	free(long_label);
	free(aid256);
	free(v2001);
	free(u3001);
	free(pad);
}

static void
test_options(void **state)
{
	char *t80 = rep('o', 80), *v76 = rep('v', 76);
	json_t *opts = json_array(), *m, *sel, *o;
	size_t i;

	(void)state;
	json_array_append_new(opts,
	    json_pack("{s:o, s:s}", "text", text_obj("plain_text", t80),
	        "value", "a"));
	json_array_append_new(opts,
	    json_pack("{s:o, s:s}", "text", text_obj("plain_text", "b"),
	        "value", v76));
	for (i = 0; i < 6; i++)
		json_array_append_new(opts,
		    json_pack("{s:o, s:s, s:s}", "text",
		        text_obj("plain_text", "c"), "value", "c", "url",
		        "ftp://x.example/"));
	m = message("x",
	    json_pack("[{s:s, s:[{s:s, s:s, s:o}, {s:s, s:s, s:[]}]}]", "type",
	        "actions", "elements", "type", "overflow", "action_id", "o",
	        "options", opts, "type", "static_select", "action_id", "s",
	        "options"));
	clamp_ok(m);
	sel = json_object_get(block(m, 0), "elements");
	/* The select with no options is gone. */
	assert_int_equal(json_array_size(sel), 1);
	opts = json_object_get(json_array_get(sel, 0), "options");
	assert_int_equal(json_array_size(opts), 5);
	o = json_array_get(opts, 0);
	assert_int_equal(nchars(json_string_value(json_object_get(
	                     json_object_get(o, "text"), "text"))),
	    75);
	o = json_array_get(opts, 1);
	assert_string_equal(
	    json_string_value(json_object_get(o, "value")), "c");
	assert_null(json_object_get(o, "url"));
	json_decref(m);
	free(t80);
	free(v76);
}

static void
test_block_id(void **state)
{
	char *id = rep('x', 256);
	json_t *m;

	(void)state;
	m = message("x",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "type", "divider",
	        "block_id", id, "type", "divider", "block_id", "a", "type",
	        "divider", "block_id", "a"));
	clamp_ok(m);
	assert_null(json_object_get(block(m, 0), "block_id"));
	assert_non_null(json_object_get(block(m, 1), "block_id"));
	assert_null(json_object_get(block(m, 2), "block_id"));
	json_decref(m);
	free(id);
}

static void
test_60_blocks(void **state)
{
	struct blockkit_report r;
	json_t *blocks = json_array(), *m;
	size_t i;

	(void)state;
	for (i = 0; i < 59; i++) {
		char t[16];

		snprintf(t, sizeof(t), "s%zu", i);
		json_array_append_new(blocks, section(t));
	}
	json_array_append_new(blocks,
	    json_pack("{s:s, s:[o]}", "type", "actions", "elements",
	        button("Snooze 1h", "snooze")));
	m = message("x", blocks);
	r = clamp_ok(m);
	/* First 48, the note, then the actions block kept from the end. */
	assert_int_equal(nblocks(m), 50);
	assert_string_equal(block_text(m, 47), "s47");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(block(m, 48), "elements"), 0),
	        "text")),
	    ELL " 11 more blocks not shown");
	assert_string_equal(
	    json_string_value(json_object_get(block(m, 49), "type")),
	    "actions");
	assert_int_equal(r.clamped, 11);
	json_decref(m);

	/* Without an actions block: the first 49 and the note. */
	blocks = json_array();
	for (i = 0; i < 60; i++)
		json_array_append_new(blocks, section("s"));
	m = message("x", blocks);
	clamp_ok(m);
	assert_int_equal(nblocks(m), 50);
	assert_string_equal(
	    json_string_value(json_object_get(block(m, 49), "type")),
	    "context");
	json_decref(m);
}

static void
test_total_size(void **state)
{
	char *t = rep('t', 2900);
	json_t *blocks = json_array(), *m;
	size_t i;

	(void)state;
	json_array_append_new(blocks,
	    json_pack("{s:s, s:o}", "type", "header", "text",
	        text_obj("plain_text", RED " FIRING 3 " ELL " chat")));
	for (i = 0; i < 6; i++)
		json_array_append_new(blocks, section(t));
	json_array_append_new(blocks,
	    json_pack("{s:s, s:[o]}", "type", "actions", "elements",
	        button("Snooze", "snooze")));
	m = message("x", blocks);
	clamp_ok(m);
	assert_true(blockkit_size(json_object_get(m, "blocks")) <= 12000);
	assert_int_equal(nblocks(m), 9);
	assert_string_equal(block_text(m, 0), RED " FIRING 3 " ELL " chat");
	/* Texts cut, none dropped: the note says shortened. */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(block(m, 7), "elements"), 0),
	        "text")),
	    ELL " message shortened");
	assert_string_equal(
	    json_string_value(json_object_get(block(m, 8), "type")), "actions");
	json_decref(m);
	free(t);
}

/* Too many texts to cut: trailing blocks go, the actions block stays. */
static void
test_total_size_drops(void **state)
{
	char *t = rep('t', 150);
	json_t *blocks = json_array(), *m;
	size_t i, k;

	(void)state;
	for (i = 0; i < 40; i++) {
		json_t *f = json_array();

		for (k = 0; k < 10; k++)
			json_array_append_new(f, text_obj("mrkdwn", t));
		json_array_append_new(blocks,
		    json_pack("{s:s, s:o}", "type", "section", "fields", f));
	}
	json_array_append_new(blocks,
	    json_pack("{s:s, s:[o]}", "type", "actions", "elements",
	        button("Snooze", "snooze")));
	m = message("x", blocks);
	clamp_ok(m);
	assert_true(blockkit_size(json_object_get(m, "blocks")) <= 12000);
	assert_true(nblocks(m) < 40);
	assert_string_equal(json_string_value(json_object_get(
	                        block(m, nblocks(m) - 1), "type")),
	    "actions");
	assert_true(ends_with(
	    json_string_value(json_object_get(
	        json_array_get(
	            json_object_get(block(m, nblocks(m) - 2), "elements"), 0),
	        "text")),
	    "more blocks not shown"));
	json_decref(m);
	free(t);
}

static void
test_top_text(void **state)
{
	char *t4001 = rep('x', 4001);
	json_t *m;

	(void)state;
	m = message(NULL,
	    json_pack("[o, {s:s, s:o}]", section("body"), "type", "header",
	        "text", text_obj("plain_text", "Head &amp; more")));
	clamp_ok(m);
	assert_string_equal(
	    json_string_value(json_object_get(m, "text")), "Head &amp; more");
	json_decref(m);

	m = message("", json_pack("[o]", section("body")));
	clamp_ok(m);
	assert_string_equal(
	    json_string_value(json_object_get(m, "text")), "body");
	json_decref(m);

	m = message(" ", json_pack("[{s:s}]", "type", "divider"));
	clamp_ok(m);
	assert_string_equal(json_string_value(json_object_get(m, "text")),
	    "Alert notification");
	json_decref(m);

	m = message(t4001, NULL);
	clamp_ok(m);
	assert_int_equal(
	    nchars(json_string_value(json_object_get(m, "text"))), 4000);
	assert_null(json_object_get(m, "blocks"));
	json_decref(m);

	/* Other top-level keys are the caller's. */
	m = parse_ok("{\"text\": \"t\", \"channel\": \"C1\", \"parse\": 1}");
	clamp_ok(m);
	assert_int_equal(json_integer_value(json_object_get(m, "parse")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(m, "channel")), "C1");
	json_decref(m);
	free(t4001);
}

static void
test_invalid(void **state)
{
	(void)state;
	clamp_fails(parse_ok("{\"text\": \"t\", \"blocks\": {}}"),
	    "blocks: not an array");
	clamp_fails(parse_ok("{\"text\": \"t\", \"blocks\": [{\"x\": 1}]}"),
	    "blocks[0]: block without a type");
	clamp_fails(parse_ok("{\"text\": \"t\", \"blocks\": [1]}"),
	    "block without a type");
	clamp_fails(
	    parse_ok("{\"text\": 5, \"blocks\": []}"), "text: not a string");
	clamp_fails(parse_ok("{\"text\": \"\", \"blocks\": []}"),
	    "no text and no blocks");
	clamp_fails(parse_ok("{\"blocks\": [{\"type\": \"section\", \"text\": "
	                     "{\"type\": \"mrkdwn\", \"text\": \"\"}}]}"),
	    "no text and no blocks");
	clamp_fails(parse_ok("{\"text\": \"t\", \"blocks\": [{\"type\": "
	                     "\"section\", \"text\": \"plain\"}]}"),
	    "blocks[0].text: not a text object");
	clamp_fails(parse_ok("{\"text\": \"t\", \"blocks\": [{\"type\": "
	                     "\"section\", \"fields\": [{\"type\": \"x\", "
	                     "\"text\": \"a\"}]}]}"),
	    "blocks[0].fields[0]: not a text object");
	clamp_fails(parse_ok("{\"text\": \"t\", \"blocks\": [{\"type\": "
	                     "\"actions\", \"elements\": 3}]}"),
	    "not an array");
	/* A valid block before the broken one is not changed either. */
	clamp_fails(parse_ok("{\"blocks\": [{\"type\": \"section\", \"text\": "
	                     "{\"type\": \"mrkdwn\", \"text\": \"a\"}}, "
	                     "{\"type\": \"context\"}]}"),
	    "blocks[1].elements: not an array");
	clamp_fails(json_array(), "not an object");
}

static void
test_verbatim(void **state)
{
	json_t *m, *b, *f;

	(void)state;
	m = parse_ok(
	    "{\"text\": \"t\", \"blocks\": ["
	    "{\"type\": \"section\", \"text\": {\"type\": \"mrkdwn\", "
	    "\"text\": \"a\", \"verbatim\": false}, \"fields\": [{\"type\": "
	    "\"mrkdwn\", \"text\": \"f\"}, {\"type\": \"plain_text\", "
	    "\"text\": \"p\"}], \"accessory\": {\"type\": \"button\", "
	    "\"text\": {\"type\": \"plain_text\", \"text\": \"b\", "
	    "\"emoji\": true}, \"action_id\": \"a\", \"value\": \"v\", "
	    "\"confirm\": {\"title\": {\"type\": \"plain_text\", \"text\": "
	    "\"t\"}, \"text\": {\"type\": \"mrkdwn\", \"text\": \"c\"}}}},"
	    "{\"type\": \"context\", \"elements\": [{\"type\": \"mrkdwn\", "
	    "\"text\": \"x\"}]}]}");
	clamp_ok(m);
	b = block(m, 0);
	assert_true(json_is_true(
	    json_object_get(json_object_get(b, "text"), "verbatim")));
	f = json_object_get(b, "fields");
	assert_true(
	    json_is_true(json_object_get(json_array_get(f, 0), "verbatim")));
	/* plain_text: no verbatim, no emoji added, an existing one kept. */
	assert_null(json_object_get(json_array_get(f, 1), "verbatim"));
	assert_null(json_object_get(json_array_get(f, 1), "emoji"));
	b = json_object_get(b, "accessory");
	assert_true(
	    json_is_true(json_object_get(json_object_get(b, "text"), "emoji")));
	assert_true(json_is_true(json_object_get(
	    json_object_get(json_object_get(b, "confirm"), "text"),
	    "verbatim")));
	assert_true(json_is_true(json_object_get(
	    json_array_get(json_object_get(block(m, 1), "elements"), 0),
	    "verbatim")));
	json_decref(m);
}

/* Escaped label values within limits come out exactly as they went in. */
static void
test_hostile_unchanged(void **state)
{
	static const char *msg =
	    "{\"text\": \"&lt;!channel&gt; @here firing\", \"blocks\": ["
	    "{\"type\": \"header\", \"text\": {\"type\": \"plain_text\", "
	    "\"text\": \"FIRING &lt;!here&gt; &amp;lt;\"}},"
	    "{\"type\": \"section\", \"text\": {\"type\": \"mrkdwn\", "
	    "\"text\": \"&lt;!channel&gt; @here &amp;lt; "
	    "&lt;https://evil|x&gt; <@U0KIM>\", \"verbatim\": true}, "
	    "\"fields\": [{\"type\": \"mrkdwn\", \"text\": "
	    "\"*team*\\n&lt;!subteam^S1&gt; @channel\", \"verbatim\": "
	    "true}]},"
	    "{\"type\": \"context\", \"elements\": [{\"type\": \"mrkdwn\", "
	    "\"text\": \"&amp;amp; &lt;#C1&gt;\", \"verbatim\": true}]},"
	    "{\"type\": \"actions\", \"elements\": [{\"type\": \"button\", "
	    "\"text\": {\"type\": \"plain_text\", \"text\": \"@here\"}, "
	    "\"action_id\": \"snooze\", \"value\": \"<!channel>&lt;\"}]}]}";
	struct blockkit_report r;
	json_t *m = parse_ok(msg), *orig = parse_ok(msg);

	(void)state;
	r = clamp_ok(m);
	assert_int_equal(r.clamped, 0);
	assert_string_equal(r.first_problem, "");
	assert_true(json_equal(m, orig));
	json_decref(m);
	json_decref(orig);
}

/* A clamped message is a fixed point: clamping it again changes nothing. */
static void
test_idempotent(void **state)
{
	char *t = rep('y', 2500), *s;
	json_t *blocks = json_array(), *m, *once;
	struct blockkit_report r;
	size_t i;

	(void)state;
	for (i = 0; i < 70; i++) {
		s = xasprintf("&lt;%zu&gt; <https://x.example/%zu|link> %s", i,
		    i, i % 7 == 0 ? t : "");
		json_array_append_new(blocks, section(s));
		free(s);
	}
	m = message(NULL, blocks);
	clamp_ok(m);
	once = json_deep_copy(m);
	r = clamp_ok(m);
	assert_int_equal(r.clamped, 0);
	assert_true(json_equal(m, once));
	json_decref(m);
	json_decref(once);
	free(t);
}

static void
test_size(void **state)
{
	json_t *b;

	(void)state;
	assert_int_equal(blockkit_size(NULL), 0);
	b = parse_ok("{\"blocks\": [{\"type\": \"divider\"}]}");
	assert_int_equal(blockkit_size(json_object_get(b, "blocks")),
	    strlen("[{\"type\":\"divider\"}]"));
	json_decref(b);
	/* é is one character; a newline is two in JSON. */
	b = json_pack("[s]", "\xc3\xa9\n");
	assert_int_equal(blockkit_size(b), 7);
	json_decref(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_basic),
	    cmocka_unit_test(test_cut_utf8_every_length),
	    cmocka_unit_test(test_header_emoji_at_150),
	    cmocka_unit_test(test_cut_entities),
	    cmocka_unit_test(test_cut_links),
	    cmocka_unit_test(test_cut_never_unescapes),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_section),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_context),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_block_id),
	    cmocka_unit_test(test_60_blocks),
	    cmocka_unit_test(test_total_size),
	    cmocka_unit_test(test_total_size_drops),
	    cmocka_unit_test(test_top_text),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_verbatim),
	    cmocka_unit_test(test_hostile_unchanged),
	    cmocka_unit_test(test_idempotent),
	    cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
