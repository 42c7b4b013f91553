/*
 * catalog.c: owner lookups, their cache and the catalog API client; see
 * catalog.h. Entries and the file are in catalog_file.c.
 *
 * Each namespace asked about has a record in memory (bounded, least
 * recently used evicted), filled from SQLite on first use and then kept
 * current by the API answers, which are written back to SQLite. A record
 * is idle, queued (waiting for one of the few request slots) or in flight;
 * lookups of a record that is not idle join it, which is what coalesces
 * 500 alerts of one namespace into one request.
 */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "http_client.h"
#include "log.h"
#include "store_catalog.h"
#include "util.h"

/*
 * Requests in flight at once: enough for a cold start with hundreds of
 * namespaces (a catalog answers in milliseconds), few enough not to flood
 * it. The http client keeps 8 connections per host.
 */
#define CATALOG_MAX_INFLIGHT 8

/* Namespaces remembered in memory: a large cluster has a few thousand. The
 * rest are re-read from SQLite when asked about again. */
#define CATALOG_MAX_RECORDS 4096
#define CATALOG_BUCKETS 4096 /* a power of two */

/* Backoff after a failed request: doubles from 1 s to 5 min. */
#define CATALOG_BACKOFF_MIN 1000
#define CATALOG_BACKOFF_MAX (5 * 60 * 1000)

/*
 * An answer younger than this is fresh whatever catalog.ttl says: with a
 * ttl of 0 the lookups of one batch must still share one answer, or each
 * would ask again, wait again, and the batch would never finish.
 */
#define CATALOG_MIN_TTL 10000

/* Cache rows: a stale entry is worth keeping as a fallback for a month;
 * the table is purged of older rows at most hourly. */
#define CATALOG_KEEP (30LL * 24 * 60 * 60 * 1000)
#define CATALOG_PURGE_EVERY (60 * 60 * 1000)

enum rec_state { REC_IDLE, REC_QUEUED, REC_INFLIGHT };

struct fetch;

struct rec {
	char *ns;
	struct catalog_entry *entry; /* cached entry; NULL: none or unknown */
	int cached;                  /* a cached answer: entry or unknown */
	int64_t fetched_at;
	int just_fetched; /* the next answer is CATALOG_API */
	enum rec_state state;
	int64_t deadline;   /* REC_QUEUED: give up waiting at */
	int64_t hold_until; /* gave up waiting: no new request before */
	struct rec *next;   /* hash chain */
	TAILQ_ENTRY(rec) lru;
	TAILQ_ENTRY(rec) queue;
};

/* One request; its callback may come after catalog_free (c == NULL). */
struct fetch {
	struct catalog *c;
	struct rec *r;
	int64_t started;
	LIST_ENTRY(fetch) entry;
};

struct catalog {
	struct event_base *base;
	struct http_client *http; /* NULL: offline */
	struct store *store;      /* NULL: memory only */
	catalog_ready_cb ready;
	void *arg;

	char *url;      /* "" when there is no API */
	char host[256]; /* url as it may be logged */
	int64_t ttl;
	int64_t timeout;
	struct catalog_list file;

	struct rec *buckets[CATALOG_BUCKETS];
	size_t nrecs;
	TAILQ_HEAD(rec_lru, rec) lru; /* most recently used first */
	TAILQ_HEAD(, rec) queue;      /* waiting for a slot, oldest first */
	LIST_HEAD(, fetch) fetches;
	size_t inflight;
	struct event *qtimer; /* the queue's oldest deadline */

	int failures;      /* consecutive failures (one per outage step) */
	int64_t failed_at; /* the last one counted */
	int64_t backoff_until;
	int64_t skew; /* the caller's clock minus the wall clock */
	int64_t last_purge;
	struct catalog_stats stats;
};

static void pump(struct catalog *, int64_t, struct strlist *);

/* The caller's clock (the relay's, maybe shifted by tests), in callbacks
 * where no `now` is passed. */
static int64_t
clock_now(const struct catalog *c)
{
	return util_now_ms() + c->skew;
}

/* catalog.ttl, floored (CATALOG_MIN_TTL). */
static int64_t
ttl_of(const struct catalog *c)
{
	return c->ttl > CATALOG_MIN_TTL ? c->ttl : CATALOG_MIN_TTL;
}

const char *
catalog_source_name(enum catalog_source s)
{
	switch (s) {
	case CATALOG_FRESH: return "fresh";
	case CATALOG_API: return "api";
	case CATALOG_STALE: return "stale";
	case CATALOG_FILE: return "file";
	default: return "unknown";
	}
}

char *
catalog_url_build(const char *url, const char *ns)
{
	static const char ph[] = "{namespace}";
	struct buf b = BUF_INIT;
	const char *p = url, *hit;
	int found = 0;

	while ((hit = strstr(p, ph)) != NULL) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_url_esc(&b, ns, strlen(ns));
		p = hit + sizeof(ph) - 1;
		found = 1;
	}
	if (!found) {
		buf_free(&b);
		return NULL;
	}
	buf_adds(&b, p);
	return buf_steal(&b);
}

void
catalog_url_redact(const char *url, char *out, size_t len)
{
	const char *sep = strstr(url, "://"), *host, *end;

	if (sep == NULL || sep == url) {
		snprintf(out, len, "-");
		return;
	}
	host = sep + 3;
	end = host + strcspn(host, "/?#");
	/* Userinfo (user:token@) ends at the last '@' before the path. */
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			host = p + 1;
	snprintf(out, len, "%.*s://%.*s", (int)(sep - url), url,
	    (int)(end - host), host);
}

/* ---- records ---- */

static size_t
bucket_of(const char *ns)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)ns; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h & (CATALOG_BUCKETS - 1));
}

static void
rec_free(struct rec *r)
{
	catalog_entry_free(r->entry);
	free(r->ns);
	free(r);
}

static void
rec_unlink(struct catalog *c, struct rec *r)
{
	struct rec **pp = &c->buckets[bucket_of(r->ns)];

	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	TAILQ_REMOVE(&c->lru, r, lru);
	c->nrecs--;
}

/* Fills a new record from the SQLite cache, if it has a readable row. */
static void
rec_load(struct catalog *c, struct rec *r)
{
	const char *text;
	int64_t at;
	json_t *j;
	char err[256];

	if (c->store == NULL ||
	    store_catalog_get(c->store, r->ns, &text, &at) != 1)
		return;
	if (text != NULL) {
		j = json_loads(text, 0, NULL);
		r->entry = j != NULL
		    ? catalog_entry_from_json(j, err, sizeof(err))
		    : NULL;
		json_decref(j);
		if (r->entry == NULL) {
			log_event(LOG_WARN, "catalog cache: unreadable row",
			    "namespace", r->ns, NULL);
			return;
		}
	}
	r->cached = 1;
	r->fetched_at = at;
}

/*
 * Borrowed: ns's record, made (and loaded from the cache) when missing, and
 * marked most recently used. NULL when memory is full of records that
 * cannot be evicted (all waiting for answers).
 */
static struct rec *
rec_get(struct catalog *c, const char *ns)
{
	size_t b = bucket_of(ns);
	struct rec *r, *victim;

	for (r = c->buckets[b]; r != NULL; r = r->next)
		if (strcmp(r->ns, ns) == 0) {
			TAILQ_REMOVE(&c->lru, r, lru);
			TAILQ_INSERT_HEAD(&c->lru, r, lru);
			return r;
		}
	if (c->nrecs >= CATALOG_MAX_RECORDS) {
		victim = TAILQ_LAST(&c->lru, rec_lru);
		while (victim != NULL && victim->state != REC_IDLE)
			victim = TAILQ_PREV(victim, rec_lru, lru);
		if (victim == NULL)
			return NULL;
		rec_unlink(c, victim);
		rec_free(victim);
	}
	r = xcalloc(1, sizeof(*r));
	r->ns = xstrdup(ns);
	r->next = c->buckets[b];
	c->buckets[b] = r;
	TAILQ_INSERT_HEAD(&c->lru, r, lru);
	c->nrecs++;
	rec_load(c, r);
	return r;
}

/* ---- answers ---- */

static int
answer(struct catalog *c, const struct catalog_entry *e,
    enum catalog_source src, int64_t at, struct catalog_answer *out)
{
	uint64_t *counter[] = {&c->stats.hit, &c->stats.miss, &c->stats.stale,
	    &c->stats.file, &c->stats.unknown};

	out->entry = e;
	out->source = src;
	out->fetched_at = at;
	(*counter[src])++;
	return 1;
}

static int
answer_file(struct catalog *c, const char *ns, struct catalog_answer *out)
{
	const struct catalog_entry *e = catalog_list_find(&c->file, ns);

	return answer(c, e, e != NULL ? CATALOG_FILE : CATALOG_UNKNOWN, 0, out);
}

/* When the API cannot answer: the stale entry, else the file's. */
static int
answer_fallback(struct catalog *c, const struct rec *r, const char *ns,
    struct catalog_answer *out)
{
	if (r != NULL && r->entry != NULL)
		return answer(c, r->entry, CATALOG_STALE, r->fetched_at, out);
	return answer_file(c, ns, out);
}

/* 1 when a request may start now: not backing off and, while the catalog
 * is recovering from failures, one probe at a time. */
static int
may_request(const struct catalog *c, int64_t now)
{
	if (c->http == NULL)
		return 0;
	if (c->failures == 0)
		return 1;
	return now >= c->backoff_until && c->inflight == 0;
}

/* ---- requests ---- */

enum outcome { OUT_ENTRY, OUT_UNKNOWN, OUT_FAIL };

/* Reads an answer for ns: an entry (*out), unknown, or a failure (why). */
static enum outcome
classify(const struct http_response *resp, const char *ns,
    struct catalog_entry **out, char *why, size_t len)
{
	struct catalog_entry *e;
	json_error_t jerr;
	json_t *j, *given;
	char err[256];

	*out = NULL;
	if (!resp->ok) {
		snprintf(why, len, "%s",
		    resp->timed_out           ? "timeout"
		        : resp->error != NULL ? resp->error
		                              : "transport error");
		return OUT_FAIL;
	}
	if (resp->status == 404)
		return OUT_UNKNOWN;
	if (resp->status != 200) {
		snprintf(why, len, "HTTP status %ld", resp->status);
		return OUT_FAIL;
	}
	j = json_loadb(
	    resp->body, resp->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(why, len, "not JSON: %s", jerr.text);
		return OUT_FAIL;
	}
	/* An answer without a namespace is for the one asked (and its
	 * warnings name it). */
	given = json_object_get(j, "namespace");
	if (json_is_object(j) && (given == NULL || json_is_null(given)))
		json_object_set_new(j, "namespace", json_string(ns));
	e = catalog_entry_from_json(j, err, sizeof(err));
	json_decref(j);
	if (e == NULL) {
		snprintf(why, len, "not an entry: %s", err);
		return OUT_FAIL;
	}
	if (strcmp(e->namespace, ns) != 0) {
		/* A catalog that answers for another namespace is broken;
		 * better stale owners than wrong ones. */
		snprintf(why, len, "answer is for another namespace");
		catalog_entry_free(e);
		return OUT_FAIL;
	}
	*out = e;
	return OUT_ENTRY;
}

/* Writes r's answer to SQLite in a transaction of its own. Called from the
 * request's callback, when no other transaction is open on the loop. */
static void
persist(struct catalog *c, const struct rec *r, int64_t now)
{
	char *text = NULL;
	json_t *j;

	if (c->store == NULL)
		return;
	if (r->entry != NULL) {
		j = catalog_entry_to_json(r->entry);
		text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	if (store_begin(c->store) != 0 ||
	    store_catalog_put(c->store, r->ns, text, r->fetched_at) != 0 ||
	    (now - c->last_purge >= CATALOG_PURGE_EVERY &&
	        store_catalog_purge(
	            c->store, now - ttl_of(c), now - CATALOG_KEEP) < 0) ||
	    store_commit(c->store) != 0) {
		log_event(LOG_WARN, "catalog cache: write failed", "namespace",
		    r->ns, "error", store_errmsg(c->store), NULL);
		store_rollback(c->store);
	} else if (now - c->last_purge >= CATALOG_PURGE_EVERY) {
		c->last_purge = now;
	}
	free(text);
}

/*
 * Counts a failed request and backs off. Requests that were in flight
 * together fail together (an outage times them all out): only the first
 * of them doubles the delay, or eight parallel timeouts would mean minutes.
 */
static void
failed(struct catalog *c, const char *ns, const char *why, int64_t started,
    int64_t now)
{
	int64_t delay = CATALOG_BACKOFF_MAX;
	char in[32];

	c->stats.error++;
	if (c->failures == 0 || started >= c->failed_at) {
		c->failures++;
		c->failed_at = now;
		if (c->failures < 20)
			delay = (int64_t)CATALOG_BACKOFF_MIN
			    << (c->failures - 1);
		if (delay > CATALOG_BACKOFF_MAX)
			delay = CATALOG_BACKOFF_MAX;
		c->backoff_until = now + delay;
	}
	util_duration_format(c->backoff_until - now, in, sizeof(in));
	/* One warning per step of the outage; its companions at debug. */
	log_event(c->failed_at == now ? LOG_WARN : LOG_DEBUG,
	    "catalog request failed", "catalog", c->host, "namespace", ns,
	    "error", why, "retry_in", in, NULL);
}

/* Calls ready for each namespace of l, then empties l. The catalog's state
 * is settled before: ready may look up again. */
static void
notify(struct catalog *c, struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (c->ready != NULL)
			c->ready(c->arg, l->v[i]);
	strlist_free(l);
}

static void
fetch_done(void *arg, const struct http_response *resp)
{
	struct fetch *f = arg;
	struct catalog *c = f->c;
	struct rec *r = f->r;
	struct strlist ready = {NULL, 0};
	struct catalog_entry *e;
	char why[384];
	int64_t now, started = f->started;

	if (c != NULL)
		LIST_REMOVE(f, entry);
	free(f);
	if (c == NULL)
		return; /* the catalog is gone */
	c->inflight--;
	r->state = REC_IDLE;
	now = clock_now(c);
	switch (classify(resp, r->ns, &e, why, sizeof(why))) {
	case OUT_ENTRY:
	case OUT_UNKNOWN:
		/* A 404 also drops an old entry: the catalog forgot it. */
		catalog_entry_free(r->entry);
		r->entry = e;
		r->cached = 1;
		r->fetched_at = now;
		r->just_fetched = e != NULL;
		if (c->failures > 0)
			log_event(LOG_INFO, "catalog answers again", "catalog",
			    c->host, NULL);
		c->failures = 0;
		c->backoff_until = 0;
		persist(c, r, now);
		break;
	case OUT_FAIL: failed(c, r->ns, why, started, now); break;
	}
	strlist_add(&ready, r->ns);
	pump(c, now, &ready);
	notify(c, &ready);
}

/* Starts r's request. 0, or -1 when the client cannot start one. */
static int
fetch_start(struct catalog *c, struct rec *r)
{
	struct http_request req;
	struct fetch *f;
	char *url;
	int rc;

	if ((url = catalog_url_build(c->url, r->ns)) == NULL)
		return -1;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.timeout_ms = c->timeout;
	req.max_response = CATALOG_MAX_RESPONSE;
	req.cancel = free; /* an orphaned fetch record is all there is */
	f = xcalloc(1, sizeof(*f));
	f->c = c;
	f->r = r;
	f->started = clock_now(c);
	rc = http_client_start(c->http, &req, fetch_done, f);
	free(url); /* curl keeps its own copy */
	if (rc != 0) {
		free(f);
		log_event(LOG_WARN, "catalog request not started", "catalog",
		    c->host, "namespace", r->ns, NULL);
		return -1;
	}
	LIST_INSERT_HEAD(&c->fetches, f, entry);
	c->inflight++;
	c->stats.requests++;
	r->state = REC_INFLIGHT;
	return 0;
}

static void
arm_queue_timer(struct catalog *c, int64_t now)
{
	struct rec *head = TAILQ_FIRST(&c->queue);
	struct timeval tv;
	int64_t wait;

	if (c->qtimer == NULL)
		return;
	if (head == NULL) {
		evtimer_del(c->qtimer);
		return;
	}
	wait = head->deadline > now ? head->deadline - now : 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000 * 1000);
	evtimer_add(c->qtimer, &tv);
}

/*
 * Moves the queue on: starts what may start, and gives up on records whose
 * wait passed catalog.timeout or that cannot be asked now (backoff); those
 * are added to l, to be told ready and answered from the fallbacks.
 */
static void
pump(struct catalog *c, int64_t now, struct strlist *l)
{
	struct rec *r;

	while ((r = TAILQ_FIRST(&c->queue)) != NULL) {
		int expired = now >= r->deadline;

		if (!expired && may_request(c, now) &&
		    c->inflight >= CATALOG_MAX_INFLIGHT)
			break;
		TAILQ_REMOVE(&c->queue, r, queue);
		r->state = REC_IDLE;
		if (!expired && may_request(c, now) && fetch_start(c, r) == 0)
			continue;
		/* Waited long enough: answer from the fallbacks for a while
		 * rather than queue again at once. */
		if (expired)
			r->hold_until = now + c->timeout;
		strlist_add(l, r->ns);
	}
	arm_queue_timer(c, now);
}

static void
queue_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct catalog *c = arg;
	struct strlist ready = {NULL, 0};

	pump(c, clock_now(c), &ready);
	notify(c, &ready);
}

/* ---- lookups ---- */

int
catalog_lookup(
    struct catalog *c, const char *ns, int64_t now, struct catalog_answer *out)
{
	struct rec *r;
	int64_t ttl = ttl_of(c);

	c->skew = now - util_now_ms();
	memset(out, 0, sizeof(*out));
	if (c->url[0] == '\0' || !catalog_namespace_valid(ns))
		return answer_file(c, ns, out);
	if ((r = rec_get(c, ns)) == NULL)
		return answer_file(c, ns, out);
	if (r->state != REC_IDLE)
		return 0;
	if (r->cached && now - r->fetched_at < ttl) {
		if (r->entry == NULL)
			return answer_file(c, ns, out); /* a recent 404 */
		if (r->just_fetched) {
			r->just_fetched = 0;
			return answer(
			    c, r->entry, CATALOG_API, r->fetched_at, out);
		}
		return answer(c, r->entry, CATALOG_FRESH, r->fetched_at, out);
	}
	r->just_fetched = 0; /* unused answer of a past fetch */
	if (!may_request(c, now) || now < r->hold_until)
		return answer_fallback(c, r, ns, out);
	if (c->inflight >= CATALOG_MAX_INFLIGHT && c->qtimer != NULL) {
		r->state = REC_QUEUED;
		r->deadline = now + c->timeout;
		TAILQ_INSERT_TAIL(&c->queue, r, queue);
		if (TAILQ_FIRST(&c->queue) == r)
			arm_queue_timer(c, now);
		return 0;
	}
	if (fetch_start(c, r) == -1)
		return answer_fallback(c, r, ns, out);
	return 0;
}

const struct catalog_stats *
catalog_stats(const struct catalog *c)
{
	return &c->stats;
}

/* ---- life cycle ---- */

/* Loads cfg's file into *file and checks its URL. 0 or -1 with err. */
static int
load_config(const struct config *cfg, struct catalog_list *file, char *err,
    size_t errlen)
{
	char *probe;

	memset(file, 0, sizeof(*file));
	if (cfg->catalog.url[0] != '\0') {
		probe = catalog_url_build(cfg->catalog.url, "x");
		if (probe == NULL) {
			snprintf(err, errlen,
			    "catalog.url: has no {namespace} to replace");
			return -1;
		}
		free(probe);
	}
	if (cfg->catalog.file[0] != '\0' &&
	    catalog_file_load(cfg->catalog.file, file, err, errlen) != 0)
		return -1;
	return 0;
}

static void
take_settings(struct catalog *c, const struct config *cfg)
{
	if (c->url == NULL || strcmp(c->url, cfg->catalog.url) != 0) {
		/* Another catalog: what we knew of the old one's health
		 * does not apply. */
		c->failures = 0;
		c->backoff_until = 0;
		free(c->url);
		c->url = xstrdup(cfg->catalog.url);
		catalog_url_redact(c->url, c->host, sizeof(c->host));
	}
	c->ttl = cfg->catalog.ttl;
	c->timeout = cfg->catalog.timeout > 0 ? cfg->catalog.timeout : 2000;
}

struct catalog *
catalog_new(struct event_base *base, struct http_client *http,
    struct store *store, const struct config *cfg, catalog_ready_cb ready,
    void *arg, char *err, size_t errlen)
{
	struct catalog *c;
	struct catalog_list file;

	if (http != NULL && base == NULL) {
		snprintf(err, errlen, "catalog: an HTTP client needs a loop");
		return NULL;
	}
	if (load_config(cfg, &file, err, errlen) != 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->base = base;
	c->http = http;
	c->store = store;
	c->ready = ready;
	c->arg = arg;
	c->file = file;
	TAILQ_INIT(&c->lru);
	TAILQ_INIT(&c->queue);
	LIST_INIT(&c->fetches);
	if (http != NULL)
		c->qtimer = evtimer_new(base, queue_timer_cb, c);
	take_settings(c, cfg);
	return c;
}

int
catalog_reload(
    struct catalog *c, const struct config *cfg, char *err, size_t errlen)
{
	struct catalog_list file;

	if (load_config(cfg, &file, err, errlen) != 0)
		return -1;
	catalog_list_free(&c->file);
	c->file = file;
	take_settings(c, cfg);
	return 0;
}

void
catalog_free(struct catalog *c)
{
	struct fetch *f;
	struct rec *r;

	if (c == NULL)
		return;
	LIST_FOREACH(f, &c->fetches, entry)
	{
		f->c = NULL;
		f->r = NULL;
	}
	while ((r = TAILQ_FIRST(&c->lru)) != NULL) {
		TAILQ_REMOVE(&c->lru, r, lru);
		rec_free(r);
	}
	if (c->qtimer != NULL)
		event_free(c->qtimer);
	catalog_list_free(&c->file);
	free(c->url);
	free(c);
}
