/*
 * mustache.c: Mustache compiled once into a token tree, rendered many times;
 * see mustache.h.
 *
 * A compiled template is an array of tokens in source order; a section token
 * records the index just past its last child, so the tree is walked by index
 * ranges and rendering allocates nothing but output (and one compiled
 * template per distinct partial met in a render). The context stack and the
 * indentation of standalone partials are frames on the C stack, kept shallow
 * by the section and partial depth limits below.
 */
#include "mustache.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * Sections nested in one template: real templates use a handful; the bound
 * keeps the renderer's recursion (one C frame per level) shallow.
 */
#define MUSTACHE_MAX_SECTIONS 64

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

/* Error messages quote at most this much of a hostile tag name. */
#define NAME_QUOTE 64

enum tok_type {
	TOK_TEXT,
	TOK_VAR,      /* {{x}}: escaped */
	TOK_RAW,      /* {{{x}}}, {{&x}}: raw */
	TOK_SECTION,  /* {{#x}} */
	TOK_INVERTED, /* {{^x}} */
	TOK_PARTIAL   /* {{>x}} */
};

struct tok {
	enum tok_type type;
	/*
	 * The token starts a line of the source: a standalone partial indents
	 * every line of its source, so an indented render writes the
	 * indentation here even when the token itself writes nothing.
	 */
	int line_start;
	int standalone;  /* TOK_PARTIAL: alone on its line, hence indented */
	unsigned nparts; /* name parts; 0 is the implicit iterator "." */
	size_t line;     /* of the tag, for errors */
	size_t name;     /* offset in names of nparts NUL-terminated parts */
	/*
	 * TOK_TEXT: the text in src. Sections: the raw name, for errors.
	 * TOK_PARTIAL: the indentation before a standalone tag.
	 */
	size_t off, len;
	size_t end; /* sections: index just past the last child */
};

struct mustache {
	char *src; /* owned copy of the source: text tokens point into it */
	size_t srclen;
	struct tok *toks; /* owned */
	size_t ntoks, cap;
	struct buf names; /* owned: names of all tokens, see tok.name */
};

struct parser {
	struct mustache *t;
	const char *otag, *ctag; /* borrowed from t->src or static */
	size_t olen, clen;
	size_t line, lpos; /* src[lpos] is on line `line` */
	int at_ls;         /* what comes next starts a source line */
	size_t open[MUSTACHE_MAX_SECTIONS]; /* open sections' token indexes */
	size_t nopen;
	char *err;
	size_t errlen;
};

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

static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	/* A long name may truncate the message; what is left still reads. */
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct tok *
tok_add(struct mustache *t, enum tok_type type, size_t line)
{
	struct tok *k;

	if (t->ntoks == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->toks = xrealloc(t->toks, t->cap * sizeof(*t->toks));
	}
	k = &t->toks[t->ntoks++];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->line = line;
	return k;
}

static void
count_lines(struct parser *p, size_t to)
{
	const char *s = p->t->src, *nl;

	while ((nl = memchr(s + p->lpos, '\n', to - p->lpos)) != NULL) {
		p->line++;
		p->lpos = (size_t)(nl - s) + 1;
	}
	p->lpos = to;
}

static void
add_text(struct parser *p, size_t from, size_t to)
{
	struct tok *k;

	if (to <= from)
		return;
	k = tok_add(p->t, TOK_TEXT, p->line);
	k->off = from;
	k->len = to - from;
	k->line_start = p->at_ls;
	p->at_ls = p->t->src[to - 1] == '\n';
}

/*
 * Stores the name s[0..n) of k. Dotted names are split into parts here so
 * that lookups need no copying; a partial's name is kept whole.
 */
static int
add_name(struct parser *p, struct tok *k, const char *s, size_t n, int dotted)
{
	struct buf *names = &p->t->names;
	size_t i, part = 0;

	for (i = 0; i < n; i++) {
		if (is_space(s[i]) || s[i] == '\0')
			goto bad;
	}
	if (n == 0)
		goto bad;
	k->name = names->len;
	if (!dotted || (n == 1 && s[0] == '.')) {
		buf_add(names, s, n);
		buf_addc(names, '\0');
		k->nparts = dotted ? 0 : 1;
		return 0;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (i == part)
			goto bad; /* "a..b", ".a", "a." */
		buf_add(names, s + part, i - part);
		buf_addc(names, '\0');
		k->nparts++;
		part = i + 1;
	}
	return 0;
bad:
	seterr(p->err, p->errlen, "line %zu: bad tag name \"%.*s\"", p->line,
	    (int)(n < NAME_QUOTE ? n : NAME_QUOTE), s);
	return -1;
}

/*
 * Finds the end of a tag whose content starts at from: the closing delimiter,
 * preceded by `before` when that is not NUL ("}" for {{{x}}}, "=" for
 * {{=a b=}}). Returns the delimiter's offset, or (size_t)-1.
 */
static size_t
find_close(struct parser *p, size_t from, char before)
{
	const char *s = p->t->src, *q;
	size_t len = p->t->srclen, pos = from;

	while ((q = memmem(s + pos, len - pos, p->ctag, p->clen)) != NULL) {
		size_t at = (size_t)(q - s);
		if (before == '\0')
			return at;
		if (at > from && s[at - 1] == before)
			return at;
		pos = at + 1;
	}
	return (size_t)-1;
}

/* {{=a b=}}: the new delimiters are borrowed from t->src. */
static int
set_delims(struct parser *p, size_t b, size_t e)
{
	const char *s = p->t->src;
	size_t i = b, j;

	while (i < e && !is_space(s[i]))
		i++;
	for (j = i; j < e && is_space(s[j]); j++)
		;
	if (i == b || j == e || memchr(s + b, '=', i - b) != NULL ||
	    memchr(s + j, '=', e - j) != NULL)
		goto bad;
	for (size_t x = j; x < e; x++) {
		if (is_space(s[x]))
			goto bad;
	}
	p->otag = s + b;
	p->olen = i - b;
	p->ctag = s + j;
	p->clen = e - j;
	return 0;
bad:
	seterr(p->err, p->errlen, "line %zu: bad delimiters", p->line);
	return -1;
}

static int
close_section(struct parser *p, const char *s, size_t b, size_t e)
{
	struct mustache *t = p->t;
	struct tok *o;
	int n = (int)(e - b < NAME_QUOTE ? e - b : NAME_QUOTE);

	if (p->nopen == 0) {
		seterr(p->err, p->errlen, "line %zu: unexpected close \"%.*s\"",
		    p->line, n, s + b);
		return -1;
	}
	o = &t->toks[p->open[p->nopen - 1]];
	if (o->len != e - b || memcmp(t->src + o->off, s + b, e - b) != 0) {
		seterr(p->err, p->errlen,
		    "line %zu: unexpected close \"%.*s\" (open: \"%.*s\")",
		    p->line, n, s + b,
		    (int)(o->len < NAME_QUOTE ? o->len : NAME_QUOTE),
		    t->src + o->off);
		return -1;
	}
	o->end = t->ntoks;
	p->nopen--;
	return 0;
}

/*
 * Parses the tag whose opening delimiter is at src[at]; *text is where the
 * pending text began and becomes where the next one begins.
 */
static int
parse_tag(struct parser *p, size_t at, size_t *text)
{
	const char *s = p->t->src;
	size_t len = p->t->srclen, b, e, end, ws = at, eol = 0, q;
	struct tok *k;
	char sigil = '\0';
	int standalone = 0, ls;

	count_lines(p, at);
	for (b = at + p->olen; b < len && is_space(s[b]); b++)
		;
	if (b < len && s[b] != '\0' && strchr("#^/!>&{=<$", s[b]) != NULL)
		sigil = s[b++];
	q = find_close(p, b, sigil == '{' ? '}' : sigil == '=' ? '=' : '\0');
	if (q == (size_t)-1) {
		seterr(p->err, p->errlen, "line %zu: unclosed tag", p->line);
		return -1;
	}
	end = q + p->clen;
	e = sigil == '{' || sigil == '=' ? q - 1 : q;
	while (b < e && is_space(s[b]))
		b++;
	while (e > b && is_space(s[e - 1]))
		e--;

	/*
	 * Standalone: a tag other than an interpolation alone on its line
	 * takes the whole line (indentation and line ending) with it.
	 */
	if (sigil != '\0' && sigil != '&' && sigil != '{') {
		while (ws > *text && (s[ws - 1] == ' ' || s[ws - 1] == '\t'))
			ws--;
		if (ws == 0 || s[ws - 1] == '\n') {
			for (eol = end;
			     eol < len && (s[eol] == ' ' || s[eol] == '\t');
			     eol++)
				;
			if (eol == len)
				standalone = 1;
			else if (s[eol] == '\n')
				standalone = 1, eol++;
			else if (s[eol] == '\r' && eol + 1 < len &&
			    s[eol + 1] == '\n')
				standalone = 1, eol += 2;
		}
	}
	add_text(p, *text, standalone ? ws : at);
	*text = standalone ? eol : end;
	ls = !standalone && p->at_ls;
	/*
	 * An indented partial writes its indentation at a line start even
	 * when the tag there writes nothing: an empty text carries it (for a
	 * close, inside the section, where the spec's textual indent is).
	 */
	if (ls && (sigil == '!' || sigil == '=' || sigil == '/'))
		tok_add(p->t, TOK_TEXT, p->line)->line_start = 1;

	switch (sigil) {
	case '<':
	case '$':
		seterr(p->err, p->errlen,
		    "line %zu: unsupported tag \"%c\" (inheritance)", p->line,
		    sigil);
		return -1;
	case '!': break;
	case '=':
		if (set_delims(p, b, e) == -1)
			return -1;
		break;
	case '#':
	case '^':
		if (p->nopen == MUSTACHE_MAX_SECTIONS) {
			seterr(p->err, p->errlen,
			    "line %zu: sections nested deeper than %d", p->line,
			    MUSTACHE_MAX_SECTIONS);
			return -1;
		}
		k = tok_add(
		    p->t, sigil == '#' ? TOK_SECTION : TOK_INVERTED, p->line);
		k->off = b;
		k->len = e - b;
		k->line_start = ls;
		if (add_name(p, k, s + b, e - b, 1) == -1)
			return -1;
		p->open[p->nopen++] = p->t->ntoks - 1;
		break;
	case '/':
		if (close_section(p, s, b, e) == -1)
			return -1;
		break;
	case '>':
		k = tok_add(p->t, TOK_PARTIAL, p->line);
		k->line_start = ls;
		k->standalone = standalone;
		k->off = ws;
		k->len = standalone ? at - ws : 0;
		if (add_name(p, k, s + b, e - b, 0) == -1)
			return -1;
		break;
	default:
		k = tok_add(p->t, sigil == '\0' ? TOK_VAR : TOK_RAW, p->line);
		k->line_start = ls;
		if (add_name(p, k, s + b, e - b, 1) == -1)
			return -1;
		break;
	}
	/* What follows a standalone line starts the next. */
	p->at_ls = standalone;
	return 0;
}

struct mustache *
mustache_compile(const char *src, size_t len, char *err, size_t errlen)
{
	struct mustache *t;
	struct parser p;
	const char *o;
	size_t text = 0, pos = 0;

	t = xcalloc(1, sizeof(*t));
	t->src = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->srclen = len;

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.otag = "{{";
	p.ctag = "}}";
	p.olen = p.clen = 2;
	p.line = 1;
	p.at_ls = 1;
	p.err = err;
	p.errlen = errlen;
	while (pos < len &&
	    (o = memmem(t->src + pos, len - pos, p.otag, p.olen)) != NULL) {
		if (parse_tag(&p, (size_t)(o - t->src), &text) == -1)
			goto fail;
		pos = text;
	}
	add_text(&p, text, len);
	if (p.nopen > 0) {
		struct tok *k = &t->toks[p.open[p.nopen - 1]];
		seterr(err, errlen, "line %zu: unclosed section \"%.*s\"",
		    k->line, (int)(k->len < NAME_QUOTE ? k->len : NAME_QUOTE),
		    t->src + k->off);
		goto fail;
	}
	return t;
fail:
	mustache_free(t);
	return NULL;
}

void
mustache_free(struct mustache *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->toks);
	buf_free(&t->names);
	free(t);
}

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
		seterr(r->err, r->errlen, "partial \"%.*s\": line %zu: %s",
		    NAME_QUOTE, r->chain[r->depth - 1], k->line, why);
	else
		seterr(r->err, r->errlen, "line %zu: %s", k->line, why);
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
	seterr(r->err, r->errlen, "%s", buf_str(&b));
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
