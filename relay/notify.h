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

/* Queues a new root for inc (its channel and severity; detail, a JSON
 * object text or NULL, borrowed; mentions raises its priority) and makes it
 * the incident's root. Returns its id, or -1. */
int64_t notify_new_root(struct relay *r, int64_t now,
    const struct store_incident *inc, const char *detail, int mentions);

/*
 * Nothing threaded under a root that failed for good (a channel Slack
 * refuses, give_up_after) could ever go out: when inc's root did, a new
 * root is queued in its place and inc->root_id set to it (1); 0 when the
 * root stands or there is none; -1 on error. Run once per incident before
 * the calls above.
 */
int notify_replace_failed_root(
    struct relay *r, int64_t now, struct store_incident *inc);

#endif /* NOTIFY_H */
