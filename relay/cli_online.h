/*
 * cli_online.h: `check --online`: calls Slack's auth.test with the bot token
 * and the catalog API once, on a private event loop (the daemon's loop is
 * not running; the CLI may wait).
 */
#ifndef CLI_ONLINE_H
#define CLI_ONLINE_H

#include "config.h"

/*
 * Runs the online checks for cfg (borrowed), printing one line per check on
 * stdout (ok) or stderr (failure). Returns 0 when every check passed or was
 * skipped, 1 when one failed.
 */
int cli_online_check(const struct config *cfg);

#endif /* CLI_ONLINE_H */
