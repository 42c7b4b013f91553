/*
 * cli_snooze.h: `alert-delivery snooze list|add MATCHER... --for D
 * [--reason T]|remove ID`, working on the database directly (the daemon
 * notices within 2 seconds).
 */
#ifndef CLI_SNOOZE_H
#define CLI_SNOOZE_H

struct cli_args;

/* Returns the exit status. */
int cli_snooze(const struct cli_args *a);

#endif /* CLI_SNOOZE_H */
