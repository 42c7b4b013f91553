/*
 * digest.h: the periodic digest (SPEC section 11). Periods end at
 * boundaries that are multiples of digest.every since the Unix epoch (UTC,
 * no DST: plain integer math on Unix ms); the end of the last period
 * digested is stored, so each period is digested exactly once across
 * restarts and one digest covers a downtime's whole gap. The digest is
 * built from the history (events) and the alerts firing now, and rendered
 * through the `digest` template when it is queued. No I/O but the store.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct render;
struct store;

/* Namespaces a digest lists before "and N more namespaces". */
#define DIGEST_MAX_NAMESPACES 40
/* Noisiest alert names listed. */
#define DIGEST_NOISIEST 5
/* The meta key holding the end (Unix ms) of the last period digested. */
#define DIGEST_META_KEY "digest.last_end"

/* The last boundary at or before t (every > 0). */
int64_t digest_floor(int64_t t, int64_t every);

/*
 * Whether a digest is due at now, given last, the end of the last period
 * digested (0: none yet). 1: due, [*from, *to) is the period, from last to
 * the last boundary (a gap is covered whole). 0: not due; when last is 0,
 * *to is the boundary the first period starts from (store it as last).
 */
int digest_due(
    int64_t last, int64_t now, int64_t every, int64_t *from, int64_t *to);

/*
 * Returns new: the template context of the digest of [from, to) as seen at
 * now (firing counts are those of now), or NULL when the store fails.
 * *empty is set when the period had no events and nothing fires.
 */
json_t *digest_context(struct store *s, const struct config *cfg, int64_t from,
    int64_t to, int64_t now, int *empty);

/* Returns new: a digest context with hostile sample values (`check`). */
json_t *digest_sample(const struct config *cfg, int64_t now);

/*
 * Renders ctx (modified) through the `digest` template, listing fewer
 * namespaces ("and N more") until nothing had to be cut. 0 with *text and
 * *blocks new, or -1 with err set.
 */
int digest_render(const struct render *rd, json_t *ctx, char **text,
    char **blocks, char *err, size_t errlen);

/*
 * Builds and queues the digest of [from, to) into the outbox, inside the
 * caller's transaction, to slack.digest_channel. With skip_empty an empty
 * period queues nothing. Returns the message id, 0 when skipped, -1 with
 * err set when the database failed, -2 with err set when the digest
 * cannot be rendered (a template that does not fit).
 */
int64_t digest_queue(struct store *s, const struct config *cfg,
    const struct render *rd, int64_t from, int64_t to, int64_t now,
    int skip_empty, char *err, size_t errlen);

#endif /* DIGEST_H */
