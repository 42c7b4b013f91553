/*
 * mustache_int.h: the compiled form of a template, which mustache.c builds
 * and mustache_render.c walks.
 */
#ifndef MUSTACHE_INT_H
#define MUSTACHE_INT_H

#include <stddef.h>

#include "buf.h"
#include "mustache.h"

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

/* Writes a message to err, when there is room (err may be NULL). */
void mustache_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* MUSTACHE_INT_H */
