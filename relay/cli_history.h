/*
 * cli_history.h: `alert-delivery history NAMESPACE [--since D] [--json]`
 * (a namespace's events, newest first) and `alert-delivery digest [--since
 * D] [--post]` (a digest now, out of band: no scheduled period is used up).
 */
#ifndef CLI_HISTORY_H
#define CLI_HISTORY_H

struct cli_args;

/* Each returns the exit status. */
int cli_history(const struct cli_args *a);
int cli_digest(const struct cli_args *a);

#endif /* CLI_HISTORY_H */
