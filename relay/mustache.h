/*
 * mustache.h: a Mustache template engine (spec modules interpolation,
 * sections, inverted, comments, partials, delimiters) over jansson values.
 * Pure: no I/O. Escaping is pluggable so that the same engine writes HTML
 * (the official spec suite), JSON strings with Slack mrkdwn escaping (our
 * Block Kit templates) or anything else.
 */
#ifndef MUSTACHE_H
#define MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct mustache;

/* Appends s[0..n) to out, escaped. */
typedef void (*mustache_escape_fn)(struct buf *out, const char *s, size_t n);

/*
 * Looks up the source of a partial by name. Returns borrowed text (valid for
 * the render call) and sets *len, or NULL when there is no such partial (which
 * renders as empty, per the spec).
 */
typedef const char *(*mustache_partial_fn)(
    void *arg, const char *name, size_t *len);

struct mustache_opts {
	mustache_escape_fn escape;   /* {{x}}; NULL: HTML escaping */
	mustache_escape_fn raw;      /* {{{x}}} and {{&x}}; NULL: as is */
	mustache_partial_fn partial; /* NULL: no partials */
	void *partial_arg;
	size_t max_output; /* 0: no limit; else an error past it */
};

/*
 * What the spec's tests leave open, as this engine does it:
 * - Sections: missing, null, false, 0, 0.0, "" and [] are falsey (the spec's
 *   "!!data", JavaScript's truthiness), so {{#count}} tests a count. A list
 *   renders once per element, any other truthy value once; either is pushed
 *   on the context stack.
 * - Interpolation: integers in decimal, reals in the shortest form that reads
 *   back the same (1.21, 1e+300; whole ones as integers), true and false as
 *   words; null, objects and arrays write nothing.
 * - A render visits at most about a million tokens (error "line N: template
 *   too expensive"): nested sections over lists cannot stall the loop even
 *   when they write nothing that max_output would catch. Sections and
 *   partials open at once are at most 512 ("nested deeper than 512"), which
 *   bounds the stack at about 100 KiB.
 * - Rendering appends to out; on error out is cut back to its prior length.
 * - {{<x}} and {{$x}} (inheritance) are compile errors; lambdas and dynamic
 *   names are not supported.
 */

/*
 * Compiles src[0..len). Returns new (free with mustache_free), or NULL with
 * err set to "line N: reason" (unclosed section, mismatched close, bad
 * delimiter, ...).
 */
struct mustache *mustache_compile(
    const char *src, size_t len, char *err, size_t errlen);

/*
 * Renders t with ctx (borrowed) into out. Partials are compiled as they are
 * met and nested at most 32 deep (a loop is an error, not a hang).
 * Returns 0, or -1 with err set ("partial loop: a > b > a", "line N: ...").
 */
int mustache_render(const struct mustache *t, json_t *ctx,
    const struct mustache_opts *opts, struct buf *out, char *err,
    size_t errlen);

void mustache_free(struct mustache *t);

/* Escapers for opts: HTML (the spec's), JSON string body, JSON + mrkdwn. */
void mustache_escape_html(struct buf *out, const char *s, size_t n);
void mustache_escape_json(struct buf *out, const char *s, size_t n);
void mustache_escape_json_mrkdwn(struct buf *out, const char *s, size_t n);

#endif /* MUSTACHE_H */
