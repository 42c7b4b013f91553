/*
 * outbox.h: turns queued messages into what is sent. A queued row (written
 * in the transaction of the change that caused it) is rendered when it is
 * due, with the incident's state at that moment (so a debounced update
 * shows the latest state); in preview mode it is then kept as 'preview',
 * otherwise it waits as 'pending' for the Slack sender.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdint.h>

struct relay;
struct outbox;

/* Returns new (free with outbox_free). */
struct outbox *outbox_new(struct relay *r);
void outbox_free(struct outbox *o);

/* Schedules a turn (cheap; several kicks make one turn). */
void outbox_kick(struct outbox *o);

/*
 * Renders up to max messages due at `due` (Unix ms), in one transaction,
 * with the state of now. Returns how many, or -1 when the database failed.
 * Also used by `render` (due = INT64_MAX: debounced ones too).
 */
int outbox_render_due(struct relay *r, int64_t due, int max);

#endif /* OUTBOX_H */
