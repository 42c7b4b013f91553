/*
 * fuzz_blockkit.c: libFuzzer target for blockkit.c.
 *
 * The input is parsed as a message and clamped. A clamped message must pass
 * the checker below, written from SPEC Appendix B and notes/slack.md
 * section 4 rather than from blockkit.c, so that a limit the module forgets
 * is caught here; clamping it again must change nothing; a failed clamp must
 * leave the message as it was; keys other than text/blocks are never
 * touched. The input is also cut as a plain string with a length and mode
 * taken from its first bytes, and the cut checked for its promises.
 * Seeds: tests/fuzz/corpus/blockkit/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "blockkit.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
bad(const char *what, const json_t *j)
{
	char *s =
	    j != NULL ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	fprintf(
	    stderr, "fuzz_blockkit: %s: %.2000s\n", what, s != NULL ? s : "");
	free(s);
	abort();
}

static size_t
cps(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Characters of a string member; SIZE_MAX when absent or not a string. */
static size_t
len_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return SIZE_MAX;
	return cps(json_string_value(v), json_string_length(v));
}

static int
has_type(const json_t *o, const char *type)
{
	const json_t *t = json_object_get(o, "type");

	return json_is_string(t) && strcmp(json_string_value(t), type) == 0;
}

static void
check_text(const json_t *t, size_t max, int plain_only)
{
	const json_t *v = json_object_get(t, "text");
	size_t i, n;

	if (!has_type(t, "plain_text") &&
	    (plain_only || !has_type(t, "mrkdwn")))
		bad("text object type", t);
	n = len_of(t, "text");
	if (n == 0 || n == SIZE_MAX || n > max)
		bad("text length", t);
	for (i = 0; i < json_string_length(v); i++)
		if (strchr(" \t\r\n", json_string_value(v)[i]) == NULL)
			break;
	if (i == json_string_length(v))
		bad("blank text", t);
}

/* Present means valid: http(s), no spaces, at most 3000 characters. */
static void
check_url(const json_t *o)
{
	const char *u;

	if (json_object_get(o, "url") == NULL)
		return;
	u = json_string_value(json_object_get(o, "url"));
	if (len_of(o, "url") > 3000 || u == NULL ||
	    (strncasecmp(u, "http://", 7) != 0 &&
	        strncasecmp(u, "https://", 8) != 0) ||
	    strpbrk(u, " \t\r\n") != NULL)
		bad("url", o);
}

static void
check_options(const json_t *opts, size_t max)
{
	const json_t *o;
	size_t i;

	if (opts == NULL)
		return;
	if (!json_is_array(opts) || json_array_size(opts) > max)
		bad("options", opts);
	json_array_foreach(opts, i, o)
	{
		check_text(json_object_get(o, "text"), 75, 0);
		if (json_object_get(o, "value") != NULL &&
		    len_of(o, "value") > 75)
			bad("option value", o);
		if (json_object_get(o, "description") != NULL)
			check_text(json_object_get(o, "description"), 75, 0);
		check_url(o);
	}
}

static void
check_element(const json_t *e)
{
	const json_t *v;

	if (json_object_get(e, "action_id") != NULL &&
	    len_of(e, "action_id") > 255)
		bad("action_id", e);
	if (has_type(e, "button")) {
		check_text(json_object_get(e, "text"), 75, 1);
		if (json_object_get(e, "value") != NULL &&
		    len_of(e, "value") > 2000)
			bad("button value", e);
		check_url(e);
	}
	if ((v = json_object_get(e, "placeholder")) != NULL)
		check_text(v, 150, 1);
	check_options(
	    json_object_get(e, "options"), has_type(e, "overflow") ? 5 : 100);
}

/* Distinct values of key among the array's objects. */
static void
check_unique(const json_t *arr, const char *key)
{
	size_t i, k;

	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_object_get(json_array_get(arr, i), key);

		for (k = 0; v != NULL && k < i; k++)
			if (json_equal(v,
			        json_object_get(json_array_get(arr, k), key)))
				bad("duplicate", v);
	}
}

static void
check_block(const json_t *b)
{
	const json_t *v, *e;
	size_t i;

	if (!json_is_object(b) || len_of(b, "type") == SIZE_MAX)
		bad("block type", b);
	if (json_object_get(b, "block_id") != NULL &&
	    (len_of(b, "block_id") == 0 || len_of(b, "block_id") > 255))
		bad("block_id", b);
	if (has_type(b, "header"))
		check_text(json_object_get(b, "text"), 150, 1);
	if (has_type(b, "section")) {
		v = json_object_get(b, "fields");
		if (json_object_get(b, "text") == NULL && v == NULL)
			bad("section without text or fields", b);
		if (json_object_get(b, "text") != NULL)
			check_text(json_object_get(b, "text"), 3000, 0);
		if (v != NULL &&
		    (json_array_size(v) == 0 || json_array_size(v) > 10))
			bad("fields count", b);
		json_array_foreach(v, i, e) check_text(e, 2000, 0);
		if ((e = json_object_get(b, "accessory")) != NULL)
			check_element(e);
	}
	if (has_type(b, "context")) {
		v = json_object_get(b, "elements");
		if (json_array_size(v) == 0 || json_array_size(v) > 10)
			bad("context elements", b);
		json_array_foreach(v, i, e)
		{
			if (!has_type(e, "image"))
				check_text(e, 3000, 0);
		}
	}
	if (has_type(b, "actions")) {
		v = json_object_get(b, "elements");
		if (json_array_size(v) == 0 || json_array_size(v) > 25)
			bad("actions elements", b);
		json_array_foreach(v, i, e) check_element(e);
		check_unique(v, "action_id");
	}
}

/* Every mrkdwn text object, wherever it is, is verbatim. */
static void
check_verbatim(const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (has_type(j, "mrkdwn") &&
	    json_is_string(json_object_get(j, "text")) &&
	    !json_is_true(json_object_get(j, "verbatim")))
		bad("mrkdwn without verbatim", j);
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) check_verbatim(v);
	} else if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, v) check_verbatim(v);
	}
}

static void
check_message(const json_t *m)
{
	const json_t *blocks = json_object_get(m, "blocks"), *b;
	size_t i, n;
	char *s;

	n = len_of(m, "text");
	if (n == 0 || n == SIZE_MAX || n > 4000)
		bad("top-level text", m);
	if (blocks == NULL)
		return;
	if (!json_is_array(blocks) || json_array_size(blocks) > 50)
		bad("block count", blocks);
	json_array_foreach(blocks, i, b) check_block(b);
	check_unique(blocks, "block_id");
	check_verbatim(blocks);
	if ((s = json_dumps(blocks, JSON_COMPACT)) == NULL)
		bad("blocks do not serialize", blocks);
	if (!util_utf8_valid(s, strlen(s)) || cps(s, strlen(s)) > 12000)
		bad("blocks over 12000 characters or not UTF-8", NULL);
	free(s);
}

/* Keys the caller owns come out as they went in. */
static void
check_others(const json_t *before, const json_t *after)
{
	const char *k;
	json_t *v;

	if (json_object_size(before) + !json_object_get(before, "text") !=
	    json_object_size(after))
		bad("keys added or removed", after);
	json_object_foreach((json_t *)before, k, v)
	{
		if (strcmp(k, "text") != 0 && strcmp(k, "blocks") != 0 &&
		    !json_equal(v, json_object_get(after, k)))
			bad("caller's key changed", after);
	}
}

static void
fuzz_clamp(const uint8_t *data, size_t size)
{
	struct blockkit_report r;
	json_t *m, *orig, *once;
	char err[256];

	m = blockkit_parse((const char *)data, size, err, sizeof(err));
	if (m == NULL) {
		if (err[0] == '\0')
			bad("parse failed without a reason", NULL);
		return;
	}
	orig = json_deep_copy(m);
	if (blockkit_clamp(m, &r, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || !json_equal(m, orig))
			bad("failed clamp changed the message or gave no "
			    "reason",
			    m);
		goto done;
	}
	if (r.clamped > 0 && r.first_problem[0] == '\0')
		bad("changes without a first problem", m);
	check_message(m);
	check_others(orig, m);
	once = json_deep_copy(m);
	if (blockkit_clamp(m, &r, err, sizeof(err)) != 0 || r.clamped != 0 ||
	    !json_equal(m, once))
		bad("second clamp changed something", once);
	json_decref(once);
done:
	json_decref(orig);
	json_decref(m);
}

/* What blockkit_cut promises, checked on the raw input as a string. */
static void
fuzz_cut(const uint8_t *data, size_t size)
{
	static const char *const ent[] = {"&amp;", "&lt;", "&gt;"};
	char *in, *out;
	size_t max, mrkdwn, n, kept, j, k, el;

	if (size < 2)
		return;
	max = ((size_t)data[0] << 8 | data[1]) % 400;
	mrkdwn = data[0] & 1;
	in = xstrndup((const char *)data + 2, size - 2);
	n = strlen(in);
	out = blockkit_cut(in, max, (int)mrkdwn);
	if (cps(out, strlen(out)) > max)
		bad("cut over max", NULL);
	if (cps(in, n) <= max) {
		if (strcmp(in, out) != 0)
			bad("uncut text changed", NULL);
		goto done;
	}
	if (max == 0) {
		if (out[0] != '\0')
			bad("cut to 0 not empty", NULL);
		goto done;
	}
	kept = strlen(out) - 3;
	if (strcmp(out + kept, "\xe2\x80\xa6") != 0 ||
	    memcmp(in, out, kept) != 0)
		bad("cut is not a prefix and an ellipsis", NULL);
	if (util_utf8_valid(in, n) && !util_utf8_valid(out, strlen(out)))
		bad("cut split a UTF-8 sequence", NULL);
	if (kept >= 3 && memcmp(out + kept - 3, "\xe2\x80\x8d", 3) == 0)
		bad("cut ends on a joiner", NULL);
	for (j = 0; j < kept; j++) {
		for (k = 0; k < 3; k++) {
			el = strlen(ent[k]);
			if (strncmp(in + j, ent[k], el) == 0 && j + el > kept)
				bad("cut inside an entity", NULL);
		}
		if (mrkdwn && in[j] == '<' &&
		    memchr(in + j, '>', kept - j) == NULL)
			bad("cut inside <...>", NULL);
	}
done:
	free(in);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_clamp(data, size);
	fuzz_cut(data, size);
	return 0;
}
