/*
 * cli_rules.h: `alert-delivery rules list|import DIR|export|test PAYLOAD`.
 * Works on the database directly; the daemon notices changes (data_version)
 * within 2 seconds.
 */
#ifndef CLI_RULES_H
#define CLI_RULES_H

struct cli_args;

/* Returns the exit status. */
int cli_rules(const struct cli_args *a);

/* Returns new: the rules the daemon would use with this database (s may be
 * NULL: the rule files), or NULL after printing why. */
struct config;
struct store;
struct ruleset *cli_rules_current(const struct config *cfg, struct store *s);

#endif /* CLI_RULES_H */
