/*
 * notify.h: queuing the messages that tell a story about an incident (root
 * refreshes, thread replies), shared by the pipeline (webhooks) and the
 * snoozer (snooze changes). Writes the outbox inside the caller's
 * transaction.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

struct relay;
struct store_incident;

/*
 * Queues a refresh of the incident's root, at once or after
 * slack.update_debounce (pending refreshes of a root are one row). Nothing
 * for incoming webhooks (they cannot edit) or a root not rendered yet.
 * 0 or -1.
 */
int notify_refresh_root(struct relay *r, int64_t now,
    const struct store_incident *inc, int at_once);

/* Queues a thread reply rendered by tmpl with detail (a JSON object text,
 * borrowed). Nothing when the incident has no root. 0 or -1. */
int notify_reply(struct relay *r, int64_t now, const struct store_incident *inc,
    const char *tmpl, const char *detail);

/*
 * The incident's live root from the store, in *root (0: none yet). A root
 * that failed for good can carry no thread: a new root is queued in its
 * place and 1 returned (the caller then adds nothing; the new root shows the
 * whole state). 0 when *root stands, -1 on error.
 */
int notify_live_root(struct relay *r, int64_t now,
    const struct store_incident *inc, int64_t *root);

#endif /* NOTIFY_H */
