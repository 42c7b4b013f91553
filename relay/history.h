/*
 * history.h: the daemon's side of history (SPEC section 11): the API of
 * namespaces and their events, the events of message outcomes, and the
 * housekeeping timer (retention pruning, the scheduled digest). The rows
 * and queries are store_history's; the digest is digest's.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>

#include <jansson.h>

struct http_ctx;
struct relay;
struct store_event;

/* Rows of each kind retention deletes per turn (one transaction), and how
 * often a turn runs while the last one deleted less than a batch of each
 * (a full batch: the next tick, a second later). */
#define HISTORY_PRUNE_BATCH 1000
#define HISTORY_PRUNE_EVERY_MS 10000

/* GET /api/v1/namespaces: per namespace firing, snoozed, fired_24h, team,
 * owners (A.4), worst first. */
void history_api_namespaces(struct http_ctx *c);

/* GET /api/v1/namespaces/{ns}/history?since=&until=&limit=&cursor=:
 * events newest first, {"events": [...], "next": cursor or null}. */
void history_api_events(struct http_ctx *c);

/* Returns new: {"team": name or null, "owners": [names], "catalog":
 * source} of namespace ns from the catalog; null and [] while a lookup is
 * on its way (asking starts one). */
json_t *history_owners(struct relay *r, const char *ns, int64_t now);

/* Returns new: an event as the API shows it. */
json_t *history_event_json(const struct store_event *e);

/*
 * Parses a time of the API or CLI: RFC 3339, or a duration back from now
 * ("1h"). 0 or -1.
 */
int history_time_arg(const char *s, int64_t now, int64_t *out);

/*
 * Records what became of message id (kind: root, update, ...), inside the
 * caller's transaction: "failed" when error is set, else "updated" for
 * updates and "posted" for the rest (preview: kept, not sent). 0 or -1.
 */
int history_message(struct relay *r, int64_t id, const char *kind, int64_t now,
    const char *channel, const char *ts, const char *error, int preview);

/*
 * The housekeeping turn (every second): prunes a batch of what retention
 * lets go when one is due, and queues the digest of the period that ended, if
 * any (exactly once: the period's end is stored with it).
 */
void history_tick(struct relay *r);

/*
 * At start, before the loop: the first start records the period it
 * starts in (so what is processed before the first tick, which may fall
 * in the next period, is still digested); a later start queues the digest
 * of a period that ended while it was stopped.
 */
void history_start(struct relay *r);

#endif /* HISTORY_H */
