/*
 * snoozer.h: snoozes in the running relay: the set in force (reloaded from
 * the database when it changes), expiry, and what a snooze change does to
 * open incidents (SPEC section 9: the change is always shown: the root is
 * updated at once and a thread reply says who, until when and why; when a
 * snooze ends and the incident still fires, a reply says so and normal
 * posting resumes, with a root posted if there was none).
 */
#ifndef SNOOZER_H
#define SNOOZER_H

#include <stddef.h>
#include <stdint.h>

struct relay;
struct http_ctx;

/* Ends the snoozes whose time is up and loads those in force into
 * r->snoozes. 0 or -1. */
int snoozer_reload(struct relay *r);

/*
 * Matches every firing alert against the snoozes in force, and queues the
 * messages of every incident whose snoozed state changed. `detail` is the
 * JSON object of the event for the replies (who, until, reason), borrowed.
 * Runs in its own transaction. 0 or -1.
 */
int snoozer_apply(struct relay *r, const char *detail);

/*
 * Reloads the snoozes (another process may have written them) and applies
 * them only when they differ from the ones in memory: a database change
 * that was not a snooze (a checkpoint, a rule) costs one read. 0, or -1.
 */
int snoozer_refresh(struct relay *r, const char *detail);

/*
 * Validates spec (borrowed; spec->author says who: "api", "web", ...),
 * stores it and applies it at once. Returns the new snooze's id, or -1
 * with err set and *status 400 (invalid) or 503 (database).
 */
struct snooze_spec;
int64_t snoozer_create(struct relay *r, const struct snooze_spec *spec,
    int *status, char *err, size_t errlen);

/* Ends snooze id now, by `by` ("api", "web": a plain word), and applies
 * it. 1 ended, 0 none with that id in force, -1 database. */
int snoozer_end(struct relay *r, int64_t id, const char *by);

/* Expiry: called every second by the loop. */
void snoozer_tick(struct relay *r);

/* Route handlers: GET/POST /api/v1/snoozes, DELETE /api/v1/snoozes/{id}. */
void snoozer_api(struct http_ctx *c);
void snoozer_api_delete(struct http_ctx *c);
/* POST /slack/interactions: signed button clicks (404 without a signing
 * secret). */
void snoozer_slack(struct http_ctx *c);

#endif /* SNOOZER_H */
