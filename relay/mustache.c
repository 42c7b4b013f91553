/*
 * mustache.c: Mustache compiled once into a token tree (rendered by
 * mustache_render.c); see mustache.h.
 *
 * A compiled template is an array of tokens in source order; a section token
 * records the index just past its last child, so the tree is walked by index
 * ranges and rendering allocates nothing but output (and one compiled
 * template per distinct partial met in a render). The context stack and the
 * indentation of standalone partials are frames on the C stack, kept shallow
 * by the section and partial depth limits below.
 */
#include "mustache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"
#include "util.h"

/*
 * Sections nested in one template: real templates use a handful; the bound
 * keeps the renderer's recursion (one C frame per level) shallow.
 */
#define MUSTACHE_MAX_SECTIONS 64

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

void
mustache_seterr(char *err, size_t errlen, const char *fmt, ...)
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
	mustache_seterr(p->err, p->errlen, "line %zu: bad tag name \"%.*s\"",
	    p->line, (int)(n < NAME_QUOTE ? n : NAME_QUOTE), s);
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
	mustache_seterr(p->err, p->errlen, "line %zu: bad delimiters", p->line);
	return -1;
}

static int
close_section(struct parser *p, const char *s, size_t b, size_t e)
{
	struct mustache *t = p->t;
	struct tok *o;
	int n = (int)(e - b < NAME_QUOTE ? e - b : NAME_QUOTE);

	if (p->nopen == 0) {
		mustache_seterr(p->err, p->errlen,
		    "line %zu: unexpected close \"%.*s\"", p->line, n, s + b);
		return -1;
	}
	o = &t->toks[p->open[p->nopen - 1]];
	if (o->len != e - b || memcmp(t->src + o->off, s + b, e - b) != 0) {
		mustache_seterr(p->err, p->errlen,
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
		mustache_seterr(
		    p->err, p->errlen, "line %zu: unclosed tag", p->line);
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
		mustache_seterr(p->err, p->errlen,
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
			mustache_seterr(p->err, p->errlen,
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
		mustache_seterr(err, errlen,
		    "line %zu: unclosed section \"%.*s\"", k->line,
		    (int)(k->len < NAME_QUOTE ? k->len : NAME_QUOTE),
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
