/*
 * ingest.h: the webhook endpoints. A body is authenticated, parsed and
 * validated on arrival; accepted batches wait for one group commit shared by
 * every request of the same loop turn, and get their 202 only after it.
 * Processing (pipeline.c) runs after the commit, never before the reply.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stdint.h>

struct relay;
struct http_ctx;
struct ingest;
struct alert_batch;

/* Returns new (free with ingest_free, which answers 503 to waiting requests).
 */
struct ingest *ingest_new(struct relay *r);
void ingest_free(struct ingest *in);

/* Commits and answers what is waiting for the group commit, now. */
void ingest_flush(struct ingest *in);

/*
 * The parsed batch of a job committed by this process, for the pipeline:
 * a stored body reads back to an equal batch (webhook.h), so parsing it
 * again is work saved. Returns new (the caller frees it with
 * alert_batch_free), or NULL when it was not kept (bounded by
 * LIMIT_PARSED_ALERTS; after a restart; in is NULL): parse the body.
 */
struct alert_batch *ingest_take(struct ingest *in, int64_t job);

/* Drops the kept batches (the config that parsed them was replaced). */
void ingest_forget(struct ingest *in);

/* Route handlers. */
void ingest_grafana(struct http_ctx *c);
void ingest_alertmanager(struct http_ctx *c);

#endif /* INGEST_H */
