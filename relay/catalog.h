/*
 * catalog.h: who owns a namespace (SPEC section 6). Answers come, in order,
 * from a fresh cached entry (SQLite, catalog.ttl), the catalog API
 * (catalog.url, asked asynchronously on the shared HTTP client), a stale
 * cached entry when the API fails, the catalog file, else "owner unknown".
 *
 * Lookups never block: a lookup that needs the API starts one request (or
 * joins the one in flight for that namespace) and returns 0; the ready
 * callback says when the answer is in. A failing catalog is backed off
 * (1 s doubling to 5 min) and then probed with one request at a time;
 * meanwhile lookups answer at once from the cache, the file or "unknown".
 * A 404 is remembered for ttl like an entry. A ttl under 10 s counts as
 * 10 s, so that the alerts of one batch share one answer.
 *
 * Belongs to the event loop (single-threaded). Depends on http_client,
 * store (store_catalog.h) and catalog_file; the pipeline calls it.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "catalog_file.h"

struct catalog;
struct config;
struct http_client;
struct store;

/* Largest API answer read; a larger one fails the request (no OOM on a
 * 50 MiB body: the client stops reading at this size). */
#define CATALOG_MAX_RESPONSE (1024u * 1024)

/* Where an answer came from: what the message says about its owners. */
enum catalog_source {
	CATALOG_FRESH,   /* cached entry younger than ttl */
	CATALOG_API,     /* fetched for this lookup */
	CATALOG_STALE,   /* cached entry older than ttl: the API failed, is
	                    backed off, or is not asked (offline) */
	CATALOG_FILE,    /* the catalog file (no usable cache, or a 404) */
	CATALOG_UNKNOWN, /* no entry anywhere: "owner unknown" */
};

struct catalog_answer {
	/* Borrowed, NULL for CATALOG_UNKNOWN: valid until the next
	 * catalog_lookup, catalog_reload or catalog_free, and never past a
	 * return to the event loop. Copy what must live longer. */
	const struct catalog_entry *entry;
	enum catalog_source source;
	int64_t fetched_at; /* FRESH, API, STALE: when fetched (Unix ms) */
};

/*
 * Counters since catalog_new, for /metrics. Each answered lookup counts
 * once in hit, miss, stale, file or unknown; error counts failed requests.
 */
struct catalog_stats {
	uint64_t hit;      /* CATALOG_FRESH */
	uint64_t miss;     /* CATALOG_API: the first answer after a fetch */
	uint64_t stale;    /* CATALOG_STALE */
	uint64_t file;     /* CATALOG_FILE */
	uint64_t unknown;  /* CATALOG_UNKNOWN */
	uint64_t error;    /* requests failed: transport, timeout, status
	                      other than 200/404, bad or oversized body */
	uint64_t requests; /* requests started */
};

/*
 * ready(arg, ns) is called from the loop, never from inside a catalog call,
 * once an answer for ns is in (fetched, failed, timed out, or given up
 * waiting for a free request slot within catalog.timeout); catalog_lookup
 * then answers ns at once. ns is borrowed for the call. ready may call
 * catalog_lookup, but not catalog_free.
 */
typedef void (*catalog_ready_cb)(void *arg, const char *ns);

/*
 * Loads the catalog file and takes catalog.url, ttl and timeout from cfg
 * (copied: cfg may be freed after). All of base, http, store are borrowed
 * and must outlive the catalog. http NULL: offline (the `render` command):
 * answers come from the cache and the file only, never 0; base may then be
 * NULL. store NULL: no persistent cache (memory only).
 * Returns new (free with catalog_free), or NULL with err set ("FILE:LINE:
 * reason" for the file, or "catalog.url: ..." when the URL has no
 * {namespace}).
 */
struct catalog *catalog_new(struct event_base *base, struct http_client *http,
    struct store *store, const struct config *cfg, catalog_ready_cb ready,
    void *arg, char *err, size_t errlen);

/*
 * SIGHUP: re-reads the file named by cfg and takes its catalog.* settings;
 * on any error returns -1 with err set and changes nothing. Cached answers
 * are kept (ttl still applies); a new URL resets the backoff. Returns 0.
 */
int catalog_reload(
    struct catalog *c, const struct config *cfg, char *err, size_t errlen);

/*
 * Frees the catalog. Requests still in flight are orphaned: their
 * callbacks free their small records later, without calling ready. As
 * http_client_free cancels without calling back, records of requests still
 * in flight then leak: shut down once http_client_inflight() is 0 (at most
 * catalog.timeout after the last lookup), as for Slack calls.
 */
void catalog_free(struct catalog *c);

/*
 * Answers who owns namespace ns at time now (Unix ms, the relay's clock).
 * Returns 1 with *out filled, or 0 when a request for ns was started or is
 * in flight: ready(arg, ns) follows, within catalog.timeout plus the time
 * to call back. Namespaces that are not DNS-like (catalog_namespace_valid)
 * and every lookup when catalog.url is empty are answered from the file at
 * once. Never fails: trouble ends in CATALOG_STALE, FILE or UNKNOWN.
 */
int catalog_lookup(
    struct catalog *c, const char *ns, int64_t now, struct catalog_answer *out);

/* Borrowed: the counters, valid until catalog_free. */
const struct catalog_stats *catalog_stats(const struct catalog *c);

/* "fresh", "api", "stale", "file", "unknown": for logs and templates. */
const char *catalog_source_name(enum catalog_source s);

/*
 * Returns new: url with every "{namespace}" replaced by ns percent-encoded
 * (RFC 3986 unreserved characters kept), or NULL when url has none.
 */
char *catalog_url_build(const char *url, const char *ns);

/*
 * Writes url as it may be logged: scheme and host[:port] only; userinfo,
 * path and query (where tokens hide) are left out. "-" when unreadable.
 */
void catalog_url_redact(const char *url, char *out, size_t len);

#endif /* CATALOG_H */
