/*
 * rulebook.h: the rules as the relay keeps them: in the database (their
 * source of truth), imported from rule files once, when the database was
 * never given rules, and by `rules import` (all or nothing).
 */
#ifndef RULEBOOK_H
#define RULEBOOK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "rules.h"

struct store;

/* Returns new: the rules in the database, or NULL with err set. */
struct ruleset *rulebook_load(struct store *s, char *err, size_t errlen);

/* 1 when a and b have the same rules (by name and content), else 0. */
int rulebook_same(const struct ruleset *a, const struct ruleset *b);

/*
 * Replaces every rule in the database with set (borrowed), in one
 * transaction, and marks the database as given rules. Appends the
 * differences ("+ name", "~ name", "- name" lines) to diff when not NULL.
 * 0 or -1 with err set (nothing changed then).
 */
int rulebook_replace(struct store *s, const struct ruleset *set,
    struct buf *diff, int64_t now, char *err, size_t errlen);

/*
 * At start: when the database was never given rules, imports the files
 * of dir (a parse error is returned, nothing is imported). 0 or -1.
 */
int rulebook_bootstrap(
    struct store *s, const char *dir, int64_t now, char *err, size_t errlen);

/*
 * Explains, per alert of a webhook body (its dialect from "version"), the
 * rules that match and why, and the mentions, channel, reminder and
 * silence they decide, as `rules test` prints it; the state of each alert
 * (notifications, fires) comes from s, or every alert is new when s is
 * NULL. Returns a new JSON array, or NULL with err set when the body does
 * not parse.
 */
struct config;
json_t *rulebook_explain(struct ruleset *set, struct store *s,
    const struct config *cfg, const char *body, size_t len, int64_t now,
    char *err, size_t errlen);

#endif /* RULEBOOK_H */
