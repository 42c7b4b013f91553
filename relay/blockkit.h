/*
 * blockkit.h: makes a rendered template a Block Kit message Slack accepts.
 *
 * The renderer (and `check`) parses a template's output with blockkit_parse,
 * then blockkit_clamp enforces Slack's limits (SPEC Appendix B) and the
 * safety flags, so that Slack never answers invalid_blocks, msg_too_long or
 * msg_blocks_too_long for something the data caused. Pure: no I/O, no clock,
 * no logging; reasons are handed back to the caller to log or report.
 *
 * Characters are counted as Slack counts them, taken to be Unicode code
 * points. Texts are cut on a code point boundary, never inside an escape.
 */
#ifndef BLOCKKIT_H
#define BLOCKKIT_H

#include <stddef.h>

#include <jansson.h>

/* What blockkit_clamp changed, for `check` and the logs. */
struct blockkit_report {
	/* Changes: texts cut, items, keys or blocks dropped, text derived. */
	int clamped;
	/* The first change, "blocks[3].text: text cut to 3000 characters". */
	char first_problem[256];
};

/*
 * Parses text[0..len) as a message: a JSON object with "text" and/or
 * "blocks", duplicate keys refused, nesting bounded by LIMIT_JSON_DEPTH.
 * Returns new (caller json_decref), or NULL with err set to
 * "line L column C: reason" or "not an object with text/blocks".
 */
json_t *blockkit_parse(const char *text, size_t len, char *err, size_t errlen);

/*
 * Enforces every limit on msg (borrowed, modified in place; only its "text"
 * and "blocks" are touched): cuts long texts, drops empty texts and
 * whatever no longer fits, marks every mrkdwn text object verbatim, drops
 * non-http(s) button and option urls, fills an empty "text" from the blocks.
 * Returns 0 with rep (may be NULL) saying what changed, or -1 with err set
 * when the message cannot be made valid without guessing (msg not an
 * object, "text" not a string, "blocks" not an array, a block without a
 * type, a text that is not a text object, no text and no blocks); msg is
 * then left unchanged. On success "blocks" is a new array: references
 * borrowed from the old one are no longer valid.
 */
int blockkit_clamp(
    json_t *msg, struct blockkit_report *rep, char *err, size_t errlen);

/*
 * Characters of blocks (borrowed) as counted against Slack's 12 000 limit:
 * the code points of its compact JSON. Slack's aggregate cap is undocumented
 * (reported near 13.2k); the JSON counts keys and punctuation as well as the
 * visible text, so staying under 12 000 of it stays under either reading.
 * Returns SIZE_MAX when blocks cannot be serialized, 0 for NULL.
 */
size_t blockkit_size(const json_t *blocks);

/*
 * Returns new (caller frees): s cut to at most max_chars code points, ending
 * in "…" (which counts) when cut. Never splits a UTF-8 sequence, never
 * leaves half of &amp; &lt; &gt;, never ends on a zero-width joiner, and
 * with mrkdwn never inside a <...> link or mention (the cut moves before
 * its '<'). Nothing is ever unescaped.
 */
char *blockkit_cut(const char *s, size_t max_chars, int mrkdwn);

#endif /* BLOCKKIT_H */
