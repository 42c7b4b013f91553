/*
 * mention.h: turning the mention items rules decide (team, owners, here,
 * literal ids) into Slack mention syntax, with the rules and reasons behind
 * each target. Pure. Only ids that look like Slack ids become mentions, so
 * neither a rule nor a catalog entry can inject markup.
 */
#ifndef MENTION_H
#define MENTION_H

#include <stddef.h>

#include <jansson.h>

#include "rules.h"

/* What the catalog knows about a namespace's owners (NULL fields: none). */
struct mention_owners {
	const char *usergroup;    /* team's Slack user group id, S… */
	const char *const *users; /* owners' Slack user ids, U…/W… */
	size_t nusers;
};

/*
 * Adds decision d's mention items to `items`, a JSON object item ->
 * {"rules": [...], "why": "..."} (borrowed, modified). Items stay symbolic
 * (team, owners, here, <@U1>) until rendering resolves them with the
 * catalog's answer of that moment.
 */
void mention_collect(const struct rule_decision *d, json_t *items);

/*
 * Returns new: items resolved to Slack mentions, an object target ->
 * {"rules", "why"}. `team`/`owners` without catalog data fall back to
 * fallback (a literal mention; "" for none) and set *unknown.
 */
json_t *mention_resolve(json_t *items, const struct mention_owners *owners,
    const char *fallback, int *unknown);

#endif /* MENTION_H */
