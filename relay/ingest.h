/*
 * ingest.h: the webhook endpoints. A body is authenticated, parsed and
 * validated on arrival; accepted batches wait for one group commit shared by
 * every request of the same loop turn, and get their 202 only after it.
 * Processing (pipeline.c) runs after the commit, never before the reply.
 */
#ifndef INGEST_H
#define INGEST_H

struct relay;
struct http_ctx;
struct ingest;

/* Returns new (free with ingest_free, which answers 503 to waiting requests).
 */
struct ingest *ingest_new(struct relay *r);
void ingest_free(struct ingest *in);

/* Commits and answers what is waiting for the group commit, now. */
void ingest_flush(struct ingest *in);

/* Route handlers. */
void ingest_grafana(struct http_ctx *c);
void ingest_alertmanager(struct http_ctx *c);

#endif /* INGEST_H */
