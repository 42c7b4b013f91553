/*
 * mustache_render.c: renders a compiled template (mustache_int.h) against a
 * JSON context; see mustache.h. Rendering walks the token array by index
 * ranges and allocates nothing but output (and one compiled template per
 * distinct partial met in a render).
 */
#include "mustache.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"
#include "util.h"

/*
 * Partials nested in one render: recursion over data (a tree of nodes) is
 * legitimate and shallow, a partial that includes itself regardless of the
 * data is not; 32 stops the second long before the stack suffers.
 */
#define MUSTACHE_MAX_PARTIALS 32

/*
 * Tokens visited per render: nested sections over lists multiply, and a bomb
 * need not write anything for max_output to stop it. 1M visits cost at most
 * some tens of milliseconds of the event loop; a digest of a thousand alerts
 * at thirty tags each needs 30k.
 */
#define MUSTACHE_MAX_STEPS (1ul << 20)

/*
 * Sections and partials open at once in a render, which is the renderer's
 * recursion: without it, 32 partials of 64 sections each would need some
 * 400 KiB of stack. Recursion over real data is far shallower.
 */
#define MUSTACHE_MAX_NEST 512

struct frame {
	json_t *v; /* borrowed from the caller's context */
	const struct frame *up;
};

struct indent {
	const char *s; /* borrowed from a template's source */
	size_t n;
	/* The outer partials' indentation, written first. */
	const struct indent *up;
};

/* A partial compiled in this render; NULL t when there is no such partial. */
struct partial {
	const char *name; /* borrowed from the including template's names */
	struct mustache *t;
	struct partial *next;
};

struct render {
	mustache_escape_fn esc, raw;
	mustache_partial_fn lookup;
	void *arg;
	struct buf *out;
	size_t start; /* out->len before this render: restored on error */
	size_t max;
	unsigned long steps;
	struct partial *cache; /* owned, freed when the render ends */
	const char *chain[MUSTACHE_MAX_PARTIALS]; /* partials being rendered */
	int depth;
	int nest; /* sections and partials being rendered */
	char *err;
	size_t errlen;
};

/* Resolves k's name against the context stack as the spec says. */
static json_t *
lookup(const struct mustache *t, const struct tok *k, const struct frame *f)
{
	const char *part = t->names.data + k->name;
	json_t *v = NULL;

	if (k->nparts == 0)
		return f != NULL ? f->v : NULL;
	/* Only the first part walks the stack; the rest must follow it. */
	for (; f != NULL; f = f->up) {
		if (json_is_object(f->v) &&
		    (v = json_object_get(f->v, part)) != NULL)
			break;
	}
	for (unsigned i = 1; v != NULL && i < k->nparts; i++) {
		part += strlen(part) + 1;
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
	}
	return v;
}

/*
 * JavaScript's truthiness, which the spec names ("!!data"): missing, null,
 * false, 0, "" and [] are falsey. It lets a template test a count or an
 * optional text directly: {{#more_count}}+{{more_count}}{{/more_count}}.
 */
static int
truthy(json_t *v)
{
	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_TRUE:
	case JSON_OBJECT: return 1;
	case JSON_STRING: return json_string_length(v) != 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	case JSON_ARRAY: return json_array_size(v) != 0;
	default: return 0;
	}
}

/* Shortest "%g" that reads back as d; whole numbers without an exponent. */
static size_t
format_real(double d, char *b, size_t sz)
{
	int n = 0;

	if (d == 0.0)
		n = snprintf(b, sz, "0"); /* not "-0" */
	else if (d == floor(d) && fabs(d) < 1e17)
		n = snprintf(b, sz, "%.0f", d);
	else {
		for (int prec = 1; prec <= 17; prec++) {
			n = snprintf(b, sz, "%.*g", prec, d);
			if (strtod(b, NULL) == d)
				break;
		}
	}
	return n > 0 && (size_t)n < sz ? (size_t)n : 0;
}

/*
 * Counts and durations are the most common values; printf would cost more
 * than the rest of the tag. Writes the digits at the end of b and returns
 * where they start.
 */
static size_t
format_int(json_int_t i, char *b, size_t sz)
{
	/* Through unsigned, so that the most negative value negates. */
	unsigned long long u =
	    i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
	size_t n = sz;

	do {
		b[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (i < 0)
		b[--n] = '-';
	return n;
}

/* Writes v through fn; objects and arrays have no text and write nothing. */
static void
put_value(struct buf *out, json_t *v, mustache_escape_fn fn)
{
	char b[64];
	size_t n;

	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		fn(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		n = format_int(json_integer_value(v), b, sizeof(b));
		fn(out, b + n, sizeof(b) - n);
		break;
	case JSON_REAL:
		fn(out, b, format_real(json_real_value(v), b, sizeof(b)));
		break;
	case JSON_TRUE: fn(out, "true", 4); break;
	case JSON_FALSE: fn(out, "false", 5); break;
	default: break;
	}
}

static void
put_indent(struct buf *out, const struct indent *in)
{
	if (in == NULL)
		return;
	put_indent(out, in->up);
	buf_add(out, in->s, in->n);
}

/* Text of an indented partial: every line but a final empty one indents. */
static void
put_text(struct buf *out, const char *s, size_t n, const struct indent *in)
{
	const char *nl;

	if (in != NULL) {
		while (n > 1 && (nl = memchr(s, '\n', n - 1)) != NULL) {
			buf_add(out, s, (size_t)(nl - s) + 1);
			put_indent(out, in);
			n -= (size_t)(nl - s) + 1;
			s = nl + 1;
		}
	}
	buf_add(out, s, n);
}

static void
verbatim(struct buf *out, const char *s, size_t n)
{
	buf_add(out, s, n);
}

static int fail(struct render *, const struct tok *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct render *r, const struct tok *k, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (r->depth > 0)
		mustache_seterr(r->err, r->errlen,
		    "partial \"%.*s\": line %zu: %s", NAME_QUOTE,
		    r->chain[r->depth - 1], k->line, why);
	else
		mustache_seterr(
		    r->err, r->errlen, "line %zu: %s", k->line, why);
	return -1;
}

/*
 * Too deep: names the loop from the last time this partial was entered
 * ("partial loop: a > b > a"), or the whole chain when there is none.
 */
static int
too_deep(struct render *r, const char *name)
{
	struct buf b = BUF_INIT;
	int from = -1;

	for (int i = r->depth - 1; i >= 0 && from == -1; i--) {
		if (strcmp(r->chain[i], name) == 0)
			from = i;
	}
	if (from == -1)
		buf_printf(&b,
		    "partials nested deeper than %d: ", MUSTACHE_MAX_PARTIALS);
	else
		buf_adds(&b, "partial loop: ");
	for (int i = from == -1 ? 0 : from; i < r->depth; i++)
		buf_printf(&b, "%.*s > ", NAME_QUOTE, r->chain[i]);
	buf_printf(&b, "%.*s", NAME_QUOTE, name);
	mustache_seterr(r->err, r->errlen, "%s", buf_str(&b));
	buf_free(&b);
	return -1;
}

static int render_range(struct render *, const struct mustache *, size_t,
    size_t, const struct frame *, const struct indent *);

static int
render_partial(struct render *r, const struct mustache *t, const struct tok *k,
    const struct frame *ctx, const struct indent *ind)
{
	const char *name = t->names.data + k->name, *s;
	struct partial *pc;
	struct indent in;
	char why[256];
	size_t n = 0;
	int rc;

	if (r->lookup == NULL)
		return 0;
	/*
	 * A list is enough for the few partials of a real template set; the
	 * steps it takes count so that thousands of names cannot stall.
	 */
	for (pc = r->cache; pc != NULL; pc = pc->next) {
		if (++r->steps > MUSTACHE_MAX_STEPS)
			return fail(r, k, "template too expensive");
		if (strcmp(pc->name, name) == 0)
			break;
	}
	if (pc == NULL) {
		pc = xcalloc(1, sizeof(*pc));
		pc->name = name;
		pc->next = r->cache;
		r->cache = pc;
		if ((s = r->lookup(r->arg, name, &n)) != NULL &&
		    (pc->t = mustache_compile(s, n, why, sizeof(why))) == NULL)
			return fail(r, k, "partial \"%.*s\": %s", NAME_QUOTE,
			    name, why);
	}
	if (pc->t == NULL)
		return 0;
	if (r->depth == MUSTACHE_MAX_PARTIALS)
		return too_deep(r, name);
	in.s = t->src + k->off;
	in.n = k->len;
	in.up = ind;
	r->chain[r->depth++] = name;
	rc = render_range(
	    r, pc->t, 0, pc->t->ntoks, ctx, k->standalone ? &in : NULL);
	r->depth--;
	return rc;
}

static int
render_section(struct render *r, const struct mustache *t, size_t i,
    const struct frame *ctx, const struct indent *ind)
{
	const struct tok *k = &t->toks[i];
	json_t *v = lookup(t, k, ctx);
	struct frame f = {v, ctx};

	if (k->type == TOK_INVERTED)
		return truthy(v) ? 0
		                 : render_range(r, t, i + 1, k->end, ctx, ind);
	if (!truthy(v))
		return 0;
	if (!json_is_array(v))
		return render_range(r, t, i + 1, k->end, &f, ind);
	for (size_t j = 0; j < json_array_size(v); j++) {
		if (++r->steps > MUSTACHE_MAX_STEPS)
			return fail(r, k, "template too expensive");
		f.v = json_array_get(v, j);
		if (render_range(r, t, i + 1, k->end, &f, ind) == -1)
			return -1;
	}
	return 0;
}

static int
render_range(struct render *r, const struct mustache *t, size_t from, size_t to,
    const struct frame *ctx, const struct indent *ind)
{
	const struct tok *k;
	size_t i = from;
	int rc;

	while (i < to) {
		k = &t->toks[i];
		if (++r->steps > MUSTACHE_MAX_STEPS)
			return fail(r, k, "template too expensive");
		if (ind != NULL && k->line_start)
			put_indent(r->out, ind);
		switch (k->type) {
		case TOK_TEXT:
			put_text(r->out, t->src + k->off, k->len, ind);
			break;
		case TOK_VAR:
			put_value(r->out, lookup(t, k, ctx), r->esc);
			break;
		case TOK_RAW:
			put_value(r->out, lookup(t, k, ctx), r->raw);
			break;
		case TOK_SECTION:
		case TOK_INVERTED:
		case TOK_PARTIAL:
			if (r->nest == MUSTACHE_MAX_NEST)
				return fail(r, k, "nested deeper than %d",
				    MUSTACHE_MAX_NEST);
			r->nest++;
			rc = k->type == TOK_PARTIAL
			    ? render_partial(r, t, k, ctx, ind)
			    : render_section(r, t, i, ctx, ind);
			r->nest--;
			if (rc == -1)
				return -1;
			if (k->type == TOK_PARTIAL)
				break;
			i = k->end;
			continue;
		}
		if (r->max != 0 && r->out->len - r->start > r->max)
			return fail(r, k, "output exceeds %zu bytes", r->max);
		i++;
	}
	return 0;
}

int
mustache_render(const struct mustache *t, json_t *ctx,
    const struct mustache_opts *opts, struct buf *out, char *err, size_t errlen)
{
	struct render r;
	struct frame root = {ctx, NULL};
	struct partial *pc;
	int rc;

	memset(&r, 0, sizeof(r));
	r.esc = opts != NULL && opts->escape != NULL ? opts->escape
	                                             : mustache_escape_html;
	r.raw = opts != NULL && opts->raw != NULL ? opts->raw : verbatim;
	if (opts != NULL) {
		r.lookup = opts->partial;
		r.arg = opts->partial_arg;
		r.max = opts->max_output;
	}
	r.out = out;
	r.start = out->len;
	r.err = err;
	r.errlen = errlen;
	rc = render_range(&r, t, 0, t->ntoks, ctx != NULL ? &root : NULL, NULL);
	if (rc == -1 && out->data != NULL) {
		/* No half-rendered message: the caller gets back its buffer. */
		out->len = r.start;
		out->data[out->len] = '\0';
	}
	while ((pc = r.cache) != NULL) {
		r.cache = pc->next;
		mustache_free(pc->t);
		free(pc);
	}
	return rc;
}

void
mustache_escape_html(struct buf *out, const char *s, size_t n)
{
	buf_html_esc(out, s, n);
}

void
mustache_escape_json(struct buf *out, const char *s, size_t n)
{
	buf_json_esc(out, s, n);
}

/*
 * One pass: the entities of mrkdwn escaping are plain ASCII that JSON keeps
 * as they are, so escaping both at once equals mrkdwn first, then JSON,
 * without a temporary buffer.
 */
void
mustache_escape_json_mrkdwn(struct buf *out, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int mrkdwn = c == '&' || c == '<' || c == '>';

		if (!mrkdwn && c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(out, s + run, i - run);
		if (mrkdwn)
			buf_mrkdwn_esc(out, s + i, 1);
		else
			buf_json_esc(out, s + i, 1);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}
