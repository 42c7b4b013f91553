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
 * Adds the targets of decision d's mention items to `targets`, a JSON
 * object target -> {"rules": [...], "why": "..."} (borrowed, modified).
 * `team`/`owners` without catalog data fall back to fallback (a literal
 * mention, may be "" for none). Returns 1 when owners were unknown for an
 * item that needed them.
 */
int mention_collect(const struct rule_decision *d,
    const struct mention_owners *owners, const char *fallback, json_t *targets);

/* Returns new: "<!subteam^S1> <@U1>" of the targets (object keys). */
char *mention_text(json_t *targets);

#endif /* MENTION_H */
