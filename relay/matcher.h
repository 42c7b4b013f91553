/*
 * matcher.h: Alertmanager label matchers (`name="value"`, `!=`, `=~`, `!~`)
 * for rules and snoozes. Pure: no I/O, no clock, no logging; the caller logs.
 *
 * Syntax accepted (the union of what Alertmanager's UTF-8 parser and its
 * classic fallback accept, so text copied from an Alertmanager silence works):
 *   name:  a run of characters other than space and {}!=~,"'` (so `host.name`
 *          and `ü` work), or a double-quoted string (`"a b"="c"`);
 *   op:    = != =~ !~, optional spaces around it;
 *   value: a double-quoted string, or unquoted text: in matcher_parse() the
 *          rest of the input (`code=503`, `re=~a{2,3}`), in a list up to the
 *          next reserved character.
 * Escapes in values and quoted names: \" \\ \n; any other backslash is kept
 * as is (so `"\d+"` is the regex \d+, as in Alertmanager's classic parser).
 *
 * Semantics are Alertmanager's: a missing label matches as "". Regexes are
 * PCRE2, fully anchored, compiled once, JIT-compiled when available and run
 * under match, depth, heap and JIT-stack limits; a match that hits a limit
 * counts as no match (for `!~` too) and is reported through *limit_hit.
 *
 * A matcher owns its PCRE2 match data, so matching one matcher from two
 * threads at once is not safe (the relay runs one loop; see STYLE.md).
 */
#ifndef MATCHER_H
#define MATCHER_H

#include <stddef.h>

struct buf;
struct kvlist;
struct matcher;

enum matcher_op {
	MATCHER_EQ = 0,  /* =  */
	MATCHER_NE = 1,  /* != */
	MATCHER_RE = 2,  /* =~ */
	MATCHER_NRE = 3, /* !~ */
};

/*
 * Parses one matcher. Returns new (free with matcher_free), or NULL with the
 * reason in err ("missing operator at 4", "unterminated quoted value at 6",
 * "invalid regex at offset 3: missing closing parenthesis"). Positions are
 * 1-based byte offsets into s.
 */
struct matcher *matcher_parse(const char *s, char *err, size_t errlen);

/*
 * Builds a matcher from its parts without any quoting, e.g. for a snooze
 * button built from an incident's labels. Returns new, or NULL with the
 * reason in err (empty name, bad regex, too long).
 */
struct matcher *matcher_new(const char *name, enum matcher_op op,
    const char *value, char *err, size_t errlen);

/* Frees a matcher; NULL is fine. */
void matcher_free(struct matcher *m);

/*
 * 1 when the labels (sorted by key) satisfy the matcher, else 0. When a regex
 * hits a limit, or the label is not valid UTF-8, the answer is 0 and
 * *limit_hit is set to 1 (it is never cleared, so one flag can collect a
 * whole rule); limit_hit may be NULL.
 */
int matcher_match(
    struct matcher *m, const struct kvlist *labels, int *limit_hit);

/* The same against one label value; NULL means the label is missing. */
int matcher_match_value(struct matcher *m, const char *value, int *limit_hit);

/*
 * Returns new (caller frees): canonical text, `name="value"` with escapes
 * and the name quoted only when it must be; it parses back to an equal
 * matcher.
 */
char *matcher_format(const struct matcher *m);

/* Appends s as a double-quoted matcher string with \" \\ \n escapes. */
void matcher_quote(struct buf *b, const char *s);

/* Borrowed, valid while m lives: the label name and the unescaped value. */
const char *matcher_name(const struct matcher *m);
const char *matcher_value(const struct matcher *m);
enum matcher_op matcher_op(const struct matcher *m);
/* Static: "=", "!=", "=~", "!~". */
const char *matcher_op_str(enum matcher_op op);

/* 1 when a and b have the same name, operator and value. */
int matcher_equal(const struct matcher *a, const struct matcher *b);

/*
 * A list of matchers, all of which must match (an empty list matches
 * everything). The list owns its matchers.
 */
struct matcher_list {
	struct matcher **v;
	size_t n;
};

/*
 * Parses `{a="b", c=~"d"}` (braces optional, trailing comma allowed, `{}`
 * and "" are empty lists) into *out, which must be empty. Returns 0, or -1
 * with the reason in err and *out left empty.
 */
int matcher_list_parse(
    const char *s, struct matcher_list *out, char *err, size_t errlen);

/* Appends m; the list steals it. */
void matcher_list_add(struct matcher_list *l, struct matcher *m);

/* Frees the matchers and the array; leaves an empty list. */
void matcher_list_free(struct matcher_list *l);

/* 1 when every matcher matches; *limit_hit as for matcher_match(). */
int matcher_list_match(
    struct matcher_list *l, const struct kvlist *labels, int *limit_hit);

/* Returns new (caller frees): `{a="b", c=~"d"}`. */
char *matcher_list_format(const struct matcher_list *l);

#endif /* MATCHER_H */
