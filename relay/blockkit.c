/*
 * blockkit.c: makes a rendered message valid Block Kit within Slack's limits.
 *
 * Templates are written by people and filled with hostile data, so whatever
 * they render is checked here before it is stored: Slack refuses a whole
 * message over any one limit, while a message cut here still says most of
 * what it should. Problems the data causes (a long description, 500 labels,
 * an empty value) are fixed by cutting or dropping, and counted; problems of
 * the template's shape (blocks not an array, a block without a type, a text
 * that is not a text object) cannot be fixed without guessing, so they fail
 * and `check` reports them.
 *
 * Identities are never cut: an action_id, value or block_id that is too long
 * is dropped with what it identifies, because a shortened one would mean
 * something else when Slack echoes it back.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "blockkit.h"
#include "buf.h"
#include "limits.h"
#include "util.h"

/* Slack's limits in characters (notes/slack.md section 4). */
enum {
	BK_BLOCKS = 50,
	BK_BLOCK_ID = 255,
	BK_HEADER = 150,
	BK_TEXT = 3000, /* section text, and any other text object */
	BK_FIELDS = 10,
	BK_FIELD = 2000,
	BK_CONTEXT = 10,
	BK_ACTIONS = 25,
	BK_BUTTON = 75,
	BK_ACTION_ID = 255,
	BK_VALUE = 2000,
	BK_URL = 3000,
	BK_OPTION = 75, /* option text, value, description */
	BK_OPTIONS = 100,
	BK_PLACEHOLDER = 150,
	BK_MSG_TEXT = 4000,
	BK_TOTAL = 12000,
	/* Shortening a long message cuts no text below this: a stub says
	 * nothing, and dropping trailing blocks is then the better loss. */
	BK_FLOOR = 100,
	/* Room kept for the note block; its compact JSON is under 110. */
	BK_NOTE_ROOM = 160,
};

#define ELLIPSIS "\xe2\x80\xa6"
#define ZWJ "\xe2\x80\x8d"
/* Top-level text when the blocks offer none (only dividers, buttons). */
#define FALLBACK_TEXT "Alert notification"

/* clamp_key flags. */
#define TX_PLAIN 1 /* mrkdwn is made plain_text (headers, buttons) */
#define TX_OPTIONAL                                                            \
	2 /* absent is fine; blank drops the key, not the holder               \
	   */

struct clamp {
	struct blockkit_report *rep;
	char *err;
	size_t errlen;
};

typedef int (*item_fn)(struct clamp *, json_t *, const char *);

static int clamp_element(struct clamp *, json_t *, const char *);

static void vreport(char *dst, size_t len, const char *what, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

/* Diagnostics are cut when long; a cut reason is still a reason. */
static void
vreport(char *dst, size_t len, const char *what, const char *fmt, va_list ap)
{
	int n;

	if (dst == NULL || len == 0)
		return;
	n = snprintf(dst, len, "%s: ", what);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(dst + n, len - (size_t)n, fmt, ap);
}

static void note(struct clamp *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Counts one change; the first one is kept as the report's example. */
static void
note(struct clamp *c, const char *what, const char *fmt, ...)
{
	va_list ap;

	c->rep->clamped++;
	if (c->rep->first_problem[0] != '\0')
		return;
	va_start(ap, fmt);
	vreport(c->rep->first_problem, sizeof(c->rep->first_problem), what, fmt,
	    ap);
	va_end(ap);
}

static int fail(struct clamp *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the error; returns -1 so that callers can return fail(...). */
static int
fail(struct clamp *c, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c->err, c->errlen, what, fmt, ap);
	va_end(ap);
	return -1;
}

/* Joins a diagnostic path: "blocks[2]" + "text". Returns dst. */
static const char *
path(char *dst, size_t len, const char *what, const char *key)
{
	snprintf(dst, len, "%s.%s", what, key);
	return dst;
}

/* Code points in s[0..n): every byte that is not a continuation byte. */
static size_t
chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

static size_t
strchars(const json_t *v)
{
	return chars(json_string_value(v), json_string_length(v));
}

/* Slack refuses empty texts; whitespace alone is taken as empty. */
static int
blank(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t i, n = json_string_length(v);

	for (i = 0; i < n; i++)
		if (strchr(" \t\r\n", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static int
is_type(const json_t *o, const char *type)
{
	const json_t *t = json_object_get(o, "type");

	return json_is_string(t) && strcmp(json_string_value(t), type) == 0;
}

/*
 * Byte length of the longest prefix of s[0..n) holding at most keep code
 * points that ends neither inside an entity nor, in mrkdwn, inside <...>.
 * Slack decodes only &amp; &lt; &gt;: half of one would show as text, and a
 * cut mention or link would leave a bare '<' that Slack may refuse.
 */
static size_t
cut_point(const char *s, size_t n, size_t keep, int mrkdwn)
{
	static const char *const ent[] = {"&amp;", "&lt;", "&gt;"};
	size_t p, c = 0, i, k, el, open = SIZE_MAX;

	for (p = 0; p < n; p++) {
		if (((unsigned char)s[p] & 0xc0) == 0x80)
			continue;
		if (c == keep)
			break;
		c++;
	}
	/* Entities hold no '&' but their first: the nearest one decides. */
	for (i = 1; i <= 4 && i <= p; i++) {
		if (s[p - i] != '&')
			continue;
		for (k = 0; k < sizeof(ent) / sizeof(ent[0]); k++) {
			el = strlen(ent[k]);
			if (el > i && p - i + el <= n &&
			    memcmp(s + p - i, ent[k], el) == 0)
				break;
		}
		if (k < sizeof(ent) / sizeof(ent[0]))
			p -= i;
		break;
	}
	/* Slack reads <(.*?)>: a span opens at the first '<' after a '>'. */
	if (mrkdwn) {
		for (i = 0; i < p; i++) {
			if (s[i] == '<' && open == SIZE_MAX)
				open = i;
			else if (s[i] == '>')
				open = SIZE_MAX;
		}
		if (open != SIZE_MAX)
			p = open;
	}
	/* A joiner left before the ellipsis would glue it to an emoji. */
	while (p >= 3 && memcmp(s + p - 3, ZWJ, 3) == 0)
		p -= 3;
	return p;
}

/* Returns new: s[0..n) cut to max code points, its byte length in *lenp. */
static char *
cut(const char *s, size_t n, size_t max, int mrkdwn, size_t *lenp)
{
	struct buf b = BUF_INIT;

	if (chars(s, n) <= max)
		buf_add(&b, s, n);
	else if (max > 0) {
		buf_add(&b, s, cut_point(s, n, max - 1, mrkdwn));
		buf_adds(&b, ELLIPSIS);
	}
	if (lenp != NULL)
		*lenp = b.len;
	return buf_steal(&b);
}

char *
blockkit_cut(const char *s, size_t max_chars, int mrkdwn)
{
	return cut(s, strlen(s), max_chars, mrkdwn, NULL);
}

/* Cuts obj[key], when a string, to max characters. Returns 0 or -1. */
static int
cut_key(struct clamp *c, json_t *obj, const char *key, size_t max, int md,
    const char *what)
{
	json_t *v = json_object_get(obj, key), *nv;
	size_t len;
	char *s;

	if (!json_is_string(v) || strchars(v) <= max)
		return 0;
	s = cut(json_string_value(v), json_string_length(v), max, md, &len);
	nv = json_stringn(s, len);
	free(s);
	if (nv == NULL)
		return fail(c, what, "%s is not valid UTF-8", key);
	json_object_set_new(obj, key, nv);
	note(c, what, "%s cut to %zu characters", key, max);
	return 0;
}

/*
 * t must be a text object; cuts its text to max. With plain, a mrkdwn object
 * becomes plain_text, the only kind headers and buttons accept.
 * Returns 0, 1 when the text is blank (the caller drops what holds it), or
 * -1 when t is not a text object.
 */
static int
clamp_text(struct clamp *c, json_t *t, size_t max, int plain, const char *what)
{
	json_t *type = json_object_get(t, "type"), *text;
	int md;

	text = json_object_get(t, "text");
	if (!json_is_string(type) || !json_is_string(text))
		return fail(c, what, "not a text object");
	md = strcmp(json_string_value(type), "mrkdwn") == 0;
	if (!md && strcmp(json_string_value(type), "plain_text") != 0)
		return fail(c, what, "not a text object");
	if (blank(text)) {
		note(c, what, "empty text");
		return 1;
	}
	if (md && plain) {
		json_object_set_new(t, "type", json_string("plain_text"));
		json_object_del(t, "verbatim");
		note(c, what, "mrkdwn made plain_text");
		md = 0;
	}
	return cut_key(c, t, "text", max, md, what);
}

/*
 * clamp_text on o[key], reported as what.key. With TX_OPTIONAL an absent
 * text is fine and a blank one only loses its key.
 */
static int
clamp_key(struct clamp *c, json_t *o, const char *key, size_t max, int flags,
    const char *what)
{
	char sub[160];
	int rc;

	if ((flags & TX_OPTIONAL) && json_object_get(o, key) == NULL)
		return 0;
	rc = clamp_text(c, json_object_get(o, key), max, flags & TX_PLAIN,
	    path(sub, sizeof(sub), what, key));
	if (rc != 1 || !(flags & TX_OPTIONAL))
		return rc;
	json_object_del(o, key);
	return 0;
}

/*
 * Clamps each item of arr with fn, keeping the items fn keeps until max of
 * them are kept; the rest are dropped unexamined. Builds a new list rather
 * than removing in place, so that 10 000 empty fields cost one pass.
 * Returns 0 or -1.
 */
static int
clamp_items(
    struct clamp *c, json_t *arr, size_t max, const char *what, item_fn fn)
{
	json_t *kept = NULL;
	size_t i, n = json_array_size(arr);
	char sub[160];
	int rc = -1, r;

	if (!json_is_array(arr))
		return fail(c, what, "not an array");
	if ((kept = json_array()) == NULL)
		return fail(c, what, "out of memory");
	for (i = 0; i < n && json_array_size(kept) < max; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", what, i);
		if ((r = fn(c, json_array_get(arr, i), sub)) == -1)
			goto done;
		if (r == 0)
			json_array_append(kept, json_array_get(arr, i));
	}
	if (i < n) {
		c->rep->clamped += (int)(n - i - 1);
		note(c, what, "%zu items past %zu dropped", n - i, max);
	}
	json_array_clear(arr);
	json_array_extend(arr, kept);
	rc = 0;
done:
	json_decref(kept);
	return rc;
}

/* Removes later repeats of key (the item, with drop; else the key). */
static void
dedupe(
    struct clamp *c, json_t *arr, const char *key, int drop, const char *what)
{
	json_t *v, *o;
	size_t i, k;

	for (i = 0; i < json_array_size(arr);) {
		o = json_array_get(arr, i);
		v = json_object_get(o, key);
		for (k = 0; v != NULL && k < i; k++)
			if (json_equal(v,
			        json_object_get(json_array_get(arr, k), key)))
				break;
		if (v == NULL || k == i) {
			i++;
			continue;
		}
		note(c, what, "duplicate %s %s dropped", key,
		    drop ? "element" : "key");
		if (drop)
			json_array_remove(arr, i);
		else
			json_object_del(o, key);
	}
}

/* Only http(s) with a host, no spaces or controls, within Slack's limit. */
static int
url_ok(const json_t *u)
{
	const char *s = json_string_value(u);
	size_t i, n = json_string_length(u);

	if (!json_is_string(u) || chars(s, n) > BK_URL)
		return 0;
	if (n > 7 && strncasecmp(s, "http://", 7) == 0)
		i = 7;
	else if (n > 8 && strncasecmp(s, "https://", 8) == 0)
		i = 8;
	else
		return 0;
	if (strchr("/?#", s[i]) != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Removes a url that url_ok refuses; returns 1 when it did. */
static int
drop_bad_url(struct clamp *c, json_t *o, const char *what)
{
	json_t *u = json_object_get(o, "url");

	if (u == NULL || url_ok(u))
		return 0;
	json_object_del(o, "url");
	note(c, what, "url not http(s) or too long, dropped");
	return 1;
}

static int
clamp_option(struct clamp *c, json_t *o, const char *what)
{
	json_t *v = json_object_get(o, "value");
	int rc;

	if ((rc = clamp_key(c, o, "text", BK_OPTION, 0, what)) != 0)
		return rc;
	if (v != NULL && !json_is_string(v))
		return fail(c, what, "value is not a string");
	if (v != NULL && strchars(v) > BK_OPTION) {
		note(c, what, "value too long, option dropped");
		return 1;
	}
	if (clamp_key(c, o, "description", BK_OPTION, TX_OPTIONAL, what) == -1)
		return -1;
	drop_bad_url(c, o, what);
	return 0;
}

/* A button's identity is action_id + value; its url is only a link. */
static int
clamp_button(struct clamp *c, json_t *e, const char *what)
{
	json_t *value = json_object_get(e, "value");
	int rc;

	if ((rc = clamp_key(c, e, "text", BK_BUTTON, TX_PLAIN, what)) != 0)
		return rc;
	if (value != NULL && !json_is_string(value))
		return fail(c, what, "value is not a string");
	if (value != NULL && strchars(value) > BK_VALUE) {
		note(c, what, "value too long, button dropped");
		return 1;
	}
	/* Without its link a link button does nothing when clicked. */
	if (drop_bad_url(c, e, what) && value == NULL) {
		note(c, what, "link button without a link, dropped");
		return 1;
	}
	return 0;
}

static int
clamp_element(struct clamp *c, json_t *e, const char *what)
{
	static const struct {
		const char *key;
		size_t max;
		int flags;
	} confirm[] = {
	    {"title", 100, TX_PLAIN},
	    {"text", 300, 0},
	    {"confirm", 30, TX_PLAIN},
	    {"deny", 30, TX_PLAIN},
	};
	json_t *aid = json_object_get(e, "action_id"), *v;
	char sub[160];
	size_t i;
	int rc;

	if (!json_is_string(json_object_get(e, "type")))
		return fail(c, what, "element without a type");
	if (aid != NULL && !json_is_string(aid))
		return fail(c, what, "action_id is not a string");
	if (aid != NULL && strchars(aid) > BK_ACTION_ID) {
		note(c, what, "action_id too long, element dropped");
		return 1;
	}
	if (is_type(e, "button") && (rc = clamp_button(c, e, what)) != 0)
		return rc;
	if (clamp_key(c, e, "placeholder", BK_PLACEHOLDER,
	        TX_PLAIN | TX_OPTIONAL, what) == -1)
		return -1;
	if ((v = json_object_get(e, "confirm")) != NULL) {
		if (!json_is_object(v))
			return fail(c, what, "confirm is not an object");
		path(sub, sizeof(sub), what, "confirm");
		for (i = 0; i < sizeof(confirm) / sizeof(confirm[0]); i++) {
			if (json_object_get(v, confirm[i].key) == NULL)
				continue;
			rc = clamp_key(c, v, confirm[i].key, confirm[i].max,
			    confirm[i].flags, sub);
			if (rc == -1)
				return -1;
			/* A dialog with a blank part is refused: skip it. */
			if (rc == 1) {
				json_object_del(e, "confirm");
				break;
			}
		}
	}
	if ((v = json_object_get(e, "options")) != NULL) {
		path(sub, sizeof(sub), what, "options");
		if (clamp_items(c, v, is_type(e, "overflow") ? 5 : BK_OPTIONS,
		        sub, clamp_option) == -1)
			return -1;
		if (json_array_size(v) == 0) {
			note(c, what, "no options left, element dropped");
			return 1;
		}
	}
	return 0;
}

static int
clamp_field(struct clamp *c, json_t *f, const char *what)
{
	return clamp_text(c, f, BK_FIELD, 0, what);
}

static int
clamp_context_item(struct clamp *c, json_t *e, const char *what)
{
	if (is_type(e, "image"))
		return 0;
	return clamp_text(c, e, BK_TEXT, 0, what);
}

static int
clamp_section(struct clamp *c, json_t *b, const char *what)
{
	json_t *f = json_object_get(b, "fields"), *a;
	char sub[160];
	int rc;

	if (clamp_key(c, b, "text", BK_TEXT, TX_OPTIONAL, what) == -1)
		return -1;
	if (f != NULL) {
		path(sub, sizeof(sub), what, "fields");
		if (clamp_items(c, f, BK_FIELDS, sub, clamp_field) == -1)
			return -1;
		if (json_array_size(f) == 0)
			json_object_del(b, "fields");
	}
	if ((a = json_object_get(b, "accessory")) != NULL) {
		path(sub, sizeof(sub), what, "accessory");
		if ((rc = clamp_element(c, a, sub)) == -1)
			return -1;
		if (rc == 1)
			json_object_del(b, "accessory");
	}
	if (json_object_get(b, "text") == NULL &&
	    json_object_get(b, "fields") == NULL) {
		note(c, what, "section without text or fields, dropped");
		return 1;
	}
	return 0;
}

/* Clamps a list block (context, actions); an emptied one is dropped. */
static int
clamp_list(struct clamp *c, json_t *b, size_t max, item_fn fn, const char *what)
{
	json_t *el = json_object_get(b, "elements");
	char sub[160];

	path(sub, sizeof(sub), what, "elements");
	if (clamp_items(c, el, max, sub, fn) == -1)
		return -1;
	if (fn == clamp_element)
		dedupe(c, el, "action_id", 1, sub);
	if (json_array_size(el) > 0)
		return 0;
	note(c, what, "no elements left, block dropped");
	return 1;
}

/* Returns 0 to keep the block, 1 to drop it, -1 when it is malformed. */
static int
clamp_block(struct clamp *c, json_t *b, const char *what)
{
	json_t *id = json_object_get(b, "block_id");

	if (!json_is_string(json_object_get(b, "type")))
		return fail(c, what, "block without a type");
	if (id != NULL &&
	    (!json_is_string(id) || strchars(id) == 0 ||
	        strchars(id) > BK_BLOCK_ID)) {
		json_object_del(b, "block_id");
		note(c, what, "block_id not 1-%d characters, dropped",
		    BK_BLOCK_ID);
	}
	if (is_type(b, "header"))
		return clamp_key(c, b, "text", BK_HEADER, TX_PLAIN, what);
	if (is_type(b, "section"))
		return clamp_section(c, b, what);
	if (is_type(b, "context"))
		return clamp_list(c, b, BK_CONTEXT, clamp_context_item, what);
	if (is_type(b, "actions"))
		return clamp_list(c, b, BK_ACTIONS, clamp_element, what);
	/* Other types (divider, image, rich_text...) only count in size. */
	return 0;
}

/*
 * Keeps the first max blocks, and also the last actions block when it would
 * be lost: its buttons (snooze, links) matter most in a long message.
 * Returns how many blocks were dropped.
 */
static size_t
keep_blocks(struct clamp *c, json_t *blocks, size_t max)
{
	size_t i, n = json_array_size(blocks), dropped;
	json_t *actions = NULL;

	for (i = n; i-- > max;) {
		if (is_type(json_array_get(blocks, i), "actions")) {
			actions = json_incref(json_array_get(blocks, i));
			max--;
			break;
		}
	}
	while (json_array_size(blocks) > max)
		json_array_remove(blocks, json_array_size(blocks) - 1);
	if (actions != NULL)
		json_array_append_new(blocks, actions);
	dropped = n - json_array_size(blocks);
	c->rep->clamped += (int)dropped - 1;
	note(c, "blocks", "%zu blocks past %d dropped", dropped, BK_BLOCKS);
	return dropped;
}

/* Drops the last block (the last non-actions one, with keep_actions). */
static int
drop_last(struct clamp *c, json_t *blocks, int keep_actions)
{
	size_t i;

	for (i = json_array_size(blocks); i-- > 0;) {
		if (keep_actions &&
		    is_type(json_array_get(blocks, i), "actions"))
			continue;
		json_array_remove(blocks, i);
		note(c, "blocks", "block %zu dropped to fit %d characters", i,
		    BK_TOTAL);
		return 1;
	}
	return 0;
}

static int
json_chars_cb(const char *buf, size_t size, void *arg)
{
	*(size_t *)arg += chars(buf, size);
	return 0;
}

size_t
blockkit_size(const json_t *blocks)
{
	size_t n = 0;

	if (blocks == NULL)
		return 0;
	if (json_dump_callback(
	        blocks, json_chars_cb, &n, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
		return SIZE_MAX;
	return n;
}

#define NCAND (BK_BLOCKS * (1 + BK_FIELDS))

/*
 * Cuts the longest texts (section texts, fields, context texts), each
 * by what is still over, until blocks fit target or every text is down to
 * BK_FLOOR. The size is kept up to date from each cut string alone, so
 * 500 cuts do not serialize the message 500 times. Returns 0 or -1.
 */
static int
shrink_texts(struct clamp *c, json_t *blocks, size_t target)
{
	struct {
		json_t *t;
		size_t n;
		int md;
	} cand[NCAND];
	json_t *b, *t, *e, *list;
	size_t i, k, ncand = 0, best, size, excess, max, before, after;

	/* Blocks are at most 50 here, each with at most 11 texts. */
	for (i = 0; i < json_array_size(blocks); i++) {
		b = json_array_get(blocks, i);
		if (is_type(b, "section")) {
			if ((t = json_object_get(b, "text")) != NULL &&
			    ncand < NCAND)
				cand[ncand++].t = t;
			list = json_object_get(b, "fields");
		} else if (is_type(b, "context"))
			list = json_object_get(b, "elements");
		else
			continue;
		for (k = 0; k < json_array_size(list); k++) {
			e = json_array_get(list, k);
			if (!is_type(e, "image") && ncand < NCAND)
				cand[ncand++].t = e;
		}
	}
	for (i = 0; i < ncand; i++) {
		cand[i].n = strchars(json_object_get(cand[i].t, "text"));
		cand[i].md = is_type(cand[i].t, "mrkdwn");
	}
	size = blockkit_size(blocks);
	while (size > target && size != SIZE_MAX) {
		best = SIZE_MAX;
		for (i = 0; i < ncand; i++)
			/* On a tie the later text goes first: the first
			 * ones carry the summary. */
			if (cand[i].n > BK_FLOOR &&
			    (best == SIZE_MAX || cand[i].n >= cand[best].n))
				best = i;
		if (best == SIZE_MAX)
			break;
		/* One more character than the excess, for the ellipsis. */
		excess = size - target;
		max = cand[best].n > BK_FLOOR + excess + 1
		    ? cand[best].n - excess - 1
		    : BK_FLOOR;
		t = cand[best].t;
		before = blockkit_size(json_object_get(t, "text"));
		if (cut_key(c, t, "text", max, cand[best].md, "blocks") == -1)
			return -1;
		after = blockkit_size(json_object_get(t, "text"));
		size = after < before ? size - (before - after)
		                      : blockkit_size(blocks);
		cand[best].n = strchars(json_object_get(t, "text"));
	}
	return 0;
}

/* Adds the note saying what is missing, before a closing actions block. */
static void
add_note(json_t *blocks, size_t omitted)
{
	size_t pos = json_array_size(blocks);
	char text[64];

	if (omitted > 0)
		snprintf(text, sizeof(text),
		    ELLIPSIS " %zu more block%s not shown", omitted,
		    omitted == 1 ? "" : "s");
	else
		snprintf(text, sizeof(text), ELLIPSIS " message shortened");
	if (pos > 0 && is_type(json_array_get(blocks, pos - 1), "actions"))
		pos--;
	json_array_insert_new(blocks, pos,
	    json_pack("{s:s, s:[{s:s, s:s, s:b}]}", "type", "context",
	        "elements", "type", "mrkdwn", "text", text, "verbatim", 1));
}

/*
 * Fits blocks within 50 blocks and 12 000 characters. When anything is
 * dropped or shortened a context note says so, and room is made for it
 * first so that adding it cannot break either limit.
 */
static int
fit_blocks(struct clamp *c, json_t *blocks)
{
	size_t omitted = 0, target = BK_TOTAL - BK_NOTE_ROOM;

	if (json_array_size(blocks) > BK_BLOCKS)
		omitted = keep_blocks(c, blocks, BK_BLOCKS - 1);
	dedupe(c, blocks, "block_id", 0, "blocks");
	if (omitted == 0 && blockkit_size(blocks) <= BK_TOTAL)
		return 0;
	if (json_array_size(blocks) == BK_BLOCKS) {
		if (!drop_last(c, blocks, 1))
			drop_last(c, blocks, 0);
		omitted++;
	}
	if (shrink_texts(c, blocks, target) == -1)
		return -1;
	while (blockkit_size(blocks) > target && drop_last(c, blocks, 1))
		omitted++;
	while (blockkit_size(blocks) > target && drop_last(c, blocks, 0))
		omitted++;
	add_note(blocks, omitted);
	return 0;
}

/*
 * Walks j, at depth: 1 when it nests deeper than LIMIT_JSON_DEPTH. With
 * verbatim, marks every mrkdwn text object verbatim on the way, so that
 * Slack never links names or channels in one.
 */
static int
walk(json_t *j, int depth, int verbatim)
{
	const char *k;
	json_t *v;
	size_t i;

	if (depth > LIMIT_JSON_DEPTH)
		return 1;
	json_array_foreach(j, i, v)
	{
		if (walk(v, depth + 1, verbatim))
			return 1;
	}
	/* Set before walking the keys: adding one mid-walk is unsafe. */
	if (verbatim && is_type(j, "mrkdwn") &&
	    json_is_string(json_object_get(j, "text")))
		json_object_set_new(j, "verbatim", json_true());
	json_object_foreach(j, k, v)
	{
		if (walk(v, depth + 1, verbatim))
			return 1;
	}
	return 0;
}

/* Borrowed: the first text a reader would see, a header's first. */
static json_t *
derive_text(json_t *blocks)
{
	json_t *b, *t, *found = NULL;
	size_t i;

	json_array_foreach(blocks, i, b)
	{
		if (is_type(b, "header"))
			return json_object_get(
			    json_object_get(b, "text"), "text");
		if (found != NULL)
			continue;
		if (is_type(b, "section")) {
			t = json_object_get(b, "text");
			if (t == NULL)
				t = json_array_get(
				    json_object_get(b, "fields"), 0);
		} else if (is_type(b, "context"))
			t = json_array_get(json_object_get(b, "elements"), 0);
		else
			continue;
		if (json_is_string(json_object_get(t, "text")))
			found = json_object_get(t, "text");
	}
	return found;
}

/*
 * Returns new: the message's text cut to 4000, or when blank the blocks'
 * first text or a fallback; NULL with the error set when there are neither
 * text nor blocks. Slack shows it in notifications: it is never empty.
 */
static json_t *
msg_text(struct clamp *c, json_t *text, json_t *blocks)
{
	json_t *src = text, *t;
	size_t len;
	char *s;

	if (text == NULL || blank(text)) {
		src = derive_text(blocks);
		if (src == NULL && json_array_size(blocks) == 0) {
			fail(c, "message", "no text and no blocks");
			return NULL;
		}
		note(c, "text", "empty, taken from the blocks");
		if (src == NULL)
			return json_string(FALLBACK_TEXT);
	} else if (strchars(text) > BK_MSG_TEXT)
		note(c, "text", "cut to %d characters", BK_MSG_TEXT);
	s = cut(json_string_value(src), json_string_length(src), BK_MSG_TEXT, 1,
	    &len);
	if ((t = json_stringn(s, len)) == NULL)
		fail(c, "text", "not valid UTF-8");
	free(s);
	return t;
}

int
blockkit_clamp(
    json_t *msg, struct blockkit_report *rep, char *err, size_t errlen)
{
	struct blockkit_report dummy;
	struct clamp c = {rep != NULL ? rep : &dummy, err, errlen};
	json_t *text = json_object_get(msg, "text");
	json_t *orig = json_object_get(msg, "blocks");
	json_t *blocks = NULL, *ntext = NULL;

	memset(c.rep, 0, sizeof(*c.rep));
	if (!json_is_object(msg))
		return fail(&c, "message", "not an object");
	if (text != NULL && !json_is_string(text))
		return fail(&c, "text", "not a string");
	if (orig != NULL && !json_is_array(orig))
		return fail(&c, "blocks", "not an array");
	/* Work on a copy so that a failure leaves msg as it was. */
	if (orig != NULL && (blocks = json_deep_copy(orig)) == NULL)
		return fail(&c, "blocks", "out of memory");
	/* Flags first, as they count in the size. */
	if (blocks != NULL && walk(blocks, 2, 1))
		fail(&c, "blocks", "nested deeper than %d", LIMIT_JSON_DEPTH);
	else if (blocks == NULL ||
	    (clamp_items(&c, blocks, SIZE_MAX, "blocks", clamp_block) == 0 &&
	        fit_blocks(&c, blocks) == 0))
		ntext = msg_text(&c, text, blocks);
	if (ntext != NULL) {
		if (blocks != NULL)
			json_object_set(msg, "blocks", blocks);
		json_object_set_new(msg, "text", ntext);
	}
	json_decref(blocks);
	return ntext != NULL ? 0 : -1;
}

json_t *
blockkit_parse(const char *text, size_t len, char *err, size_t errlen)
{
	const char *why = NULL;
	json_error_t jerr;
	json_t *msg;

	/* A repeated key is a template bug; Slack's pick is unknown. */
	msg = json_loadb(text != NULL ? text : "", text != NULL ? len : 0,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (msg == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "line %d column %d: %s",
			    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(msg) ||
	    (json_object_get(msg, "text") == NULL &&
	        json_object_get(msg, "blocks") == NULL))
		why = "not an object with text/blocks";
	else if (walk(msg, 1, 0))
		why = "nested deeper than LIMIT_JSON_DEPTH";
	if (why == NULL)
		return msg;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	json_decref(msg);
	return NULL;
}
