/*
 * test_catalog_live.c: the catalog's asynchronous side, for real: one
 * event_base runs the relay's http_client and a fake catalog API (evhttp on
 * 127.0.0.1, a random port) in this process. The fake answers by namespace:
 *   chat*, q-*  200 with an entry     gone*  404
 *   boom        500                   html   200 with an HTML page
 *   shape       200 with a JSON list  other  200 for another namespace
 *   slow*       200 after 3 timeouts  huge   200 with a 50 MiB body
 *   inject      200 with ids holding '>' and spaces
 * and with 500 to everything while fake.fail_all is set.
 */
/* cmocka.h needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

#include "catalog.h"
#include "config.h"
#include "http_client.h"
#include "log.h"
#include "store.h"
#include "store_catalog.h"
#include "util.h"

#define TIMEOUT_MS 300
#define TTL_MS (10 * 60 * 1000)
#define HUGE_BODY (50u * 1024 * 1024)

struct fake {
	struct evhttp *http;
	int port;
	int requests;
	int fail_all;
	int slow_pending; /* replies not sent yet */
	char last_path[512];
};

struct fixture {
	struct event_base *base;
	struct event *tick;
	struct http_client *http;
	struct store *store;
	struct config *cfg;
	struct catalog *cat;
	struct fake fake;
	char file[64];
	int ready_calls;
	char last_ready[256];
};

static char chunk[64 * 1024];

static void
reply(struct evhttp_request *req, int code, const char *type, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
	evbuffer_free(b);
}

static void
reply_entry(struct evhttp_request *req, const char *ns)
{
	char body[1024];

	snprintf(body, sizeof(body),
	    "{\"namespace\": \"%s\", \"project\": \"p-%s\", \"tier\": 2, "
	    "\"team\": {\"code\": \"T0012\", \"name\": \"Chat\", "
	    "\"slack_usergroup\": \"S0CHAT\", \"slack_channel\": "
	    "\"#chat-alerts\"}, \"owners\": [{\"name\": \"Kim\", "
	    "\"slack_user\": \"U0KIM\"}], \"links\": {\"dashboard\": "
	    "\"https://grafana.example/d/%s\"}}",
	    ns, ns, ns);
	reply(req, 200, "application/json", body);
}

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_request *req = arg;

	/* The client gave up long ago; evhttp frees the request when its
	 * connection is gone. */
	reply_entry(req, "slow");
}

static void
fake_cb(struct evhttp_request *req, void *arg)
{
	struct fixture *fx = arg;
	struct fake *f = &fx->fake;
	const char *uri = evhttp_request_get_uri(req);
	const char *ns = strrchr(uri, '/');
	struct evbuffer *b;

	f->requests++;
	snprintf(f->last_path, sizeof(f->last_path), "%s", uri);
	ns = ns != NULL ? ns + 1 : "";
	if (f->fail_all || strcmp(ns, "boom") == 0) {
		reply(req, 500, "application/json", "{\"error\": \"down\"}");
	} else if (strncmp(ns, "gone", 4) == 0) {
		reply(req, 404, "application/json", "{\"error\": \"no\"}");
	} else if (strcmp(ns, "html") == 0) {
		reply(req, 200, "text/html", "<html><body>login</body></html>");
	} else if (strcmp(ns, "shape") == 0) {
		reply(req, 200, "application/json",
		    "[{\"namespace\": \"shape\"}]");
	} else if (strcmp(ns, "other") == 0) {
		reply_entry(req, "chat");
	} else if (strcmp(ns, "inject") == 0) {
		reply(req, 200, "application/json",
		    "{\"team\": {\"code\": \"T9\", \"slack_usergroup\": "
		    "\"S0X> <!channel>\", \"slack_channel\": \"#a b\"}, "
		    "\"owners\": [{\"name\": \"Eve\", \"slack_user\": "
		    "\"U0EVE> <!here>\"}, {\"name\": \"Bob\", \"slack_user\": "
		    "\"U0B OB\"}, {\"name\": \"Al\", \"slack_user\": "
		    "\"U0AL\"}]}");
	} else if (strncmp(ns, "slow", 4) == 0) {
		struct timeval tv = {0, TIMEOUT_MS * 3 * 1000};
		f->slow_pending++;
		event_base_once(fx->base, -1, EV_TIMEOUT, slow_cb, req, &tv);
	} else if (strcmp(ns, "huge") == 0) {
		/* 50 MiB by reference to one chunk: the fake stays small, so
		 * what is measured is the client. */
		b = evbuffer_new();
		for (size_t n = 0; n < HUGE_BODY; n += sizeof(chunk))
			evbuffer_add_reference(
			    b, chunk, sizeof(chunk), NULL, NULL);
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
	} else {
		reply_entry(req, ns);
	}
}

static void
on_ready(void *arg, const char *ns)
{
	struct fixture *fx = arg;

	fx->ready_calls++;
	snprintf(fx->last_ready, sizeof(fx->last_ready), "%s", ns);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Runs the loop until *counter reaches want or ms pass; returns 1 when it
 * did. */
static int
run_until(struct fixture *fx, const int *counter, int want, int64_t ms)
{
	int64_t end = util_now_ms() + ms;

	while (*counter < want && util_now_ms() < end)
		event_base_loop(fx->base, EVLOOP_ONCE);
	return *counter >= want;
}

/* Runs the loop for ms. */
static void
run_for(struct fixture *fx, int64_t ms)
{
	int never = 0;

	run_until(fx, &never, 1, ms);
}

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);
	struct timeval tv = {0, 5000};
	static const char file[] = "- namespace: boom\n"
	                           "  team: {code: T7, name: Boom}\n"
	                           "- namespace: gone-filed\n"
	                           "  project: from-file\n"
	                           "- namespace: down\n"
	                           "  project: from-file\n"
	                           "- namespace: Team Chat\n"
	                           "  project: from-file\n";
	char err[512], url[128];
	FILE *fp;
	int fd;

	fx->base = event_base_new();
	fx->tick = event_new(fx->base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(fx->tick, &tv); /* so that EVLOOP_ONCE returns often */
	fx->fake.http = evhttp_new(fx->base);
	evhttp_set_gencb(fx->fake.http, fake_cb, fx);
	bs = evhttp_bind_socket_with_handle(fx->fake.http, "127.0.0.1", 0);
	if (bs == NULL)
		return -1;
	getsockname(
	    evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl);
	fx->fake.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	fx->http = http_client_new(fx->base);
	fx->store = store_open(":memory:", STORE_RW, err, sizeof(err));
	if (fx->store == NULL || store_migrate(fx->store, err, sizeof(err)))
		return -1;
	snprintf(fx->file, sizeof(fx->file), "/tmp/catalog_live.XXXXXX");
	if ((fd = mkstemp(fx->file)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(file, fp);
	fclose(fp);
	fx->cfg = config_defaults("/tmp");
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/api/v1/namespaces/{namespace}", fx->fake.port);
	set_str(&fx->cfg->catalog.url, url);
	set_str(&fx->cfg->catalog.file, fx->file);
	fx->cfg->catalog.ttl = TTL_MS;
	fx->cfg->catalog.timeout = TIMEOUT_MS;
	fx->cat = catalog_new(fx->base, fx->http, fx->store, fx->cfg, on_ready,
	    fx, err, sizeof(err));
	if (fx->cat == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	/* Let late replies of the slow namespace go out first. */
	run_for(fx, fx->fake.slow_pending > 0 ? TIMEOUT_MS * 3 + 200 : 10);
	catalog_free(fx->cat);
	http_client_free(fx->http);
	evhttp_free(fx->fake.http);
	event_free(fx->tick);
	event_base_free(fx->base);
	store_close(fx->store);
	config_free(fx->cfg);
	unlink(fx->file);
	free(fx);
	return 0;
}

/* Looks ns up at now; when the answer is pending, waits for ready and
 * looks up again. Returns the source, *entry set. */
static enum catalog_source
ask(struct fixture *fx, const char *ns, int64_t now,
    const struct catalog_entry **entry)
{
	struct catalog_answer a;
	int before = fx->ready_calls;

	if (catalog_lookup(fx->cat, ns, now, &a) == 0) {
		assert_true(run_until(fx, &fx->ready_calls, before + 1, 5000));
		assert_int_equal(catalog_lookup(fx->cat, ns, now, &a), 1);
	}
	if (entry != NULL)
		*entry = a.entry;
	return a.source;
}

static void
test_entry(void **state)
{
	struct fixture *fx = *state;
	const struct catalog_entry *e;
	const struct catalog_stats *st = catalog_stats(fx->cat);
	struct catalog_answer a;
	const char *text;
	int64_t now = util_now_ms(), at;

	assert_int_equal(catalog_lookup(fx->cat, "chat", now, &a), 0);
	assert_true(run_until(fx, &fx->ready_calls, 1, 5000));
	assert_string_equal(fx->last_ready, "chat");
	assert_int_equal(catalog_lookup(fx->cat, "chat", now, &a), 1);
	assert_int_equal(a.source, CATALOG_API);
	e = a.entry;
	assert_string_equal(e->namespace, "chat");
	assert_string_equal(e->tier, "2");
	assert_string_equal(e->team.code, "T0012");
	assert_string_equal(e->owners[0].slack_user, "U0KIM");
	assert_string_equal(
	    e->links.dashboard, "https://grafana.example/d/chat");
	assert_string_equal(fx->fake.last_path, "/api/v1/namespaces/chat");
	assert_int_equal(ask(fx, "chat", now + 1000, NULL), CATALOG_FRESH);
	assert_int_equal(fx->fake.requests, 1);
	assert_int_equal(st->miss, 1);
	assert_int_equal(st->hit, 1);
	assert_int_equal(st->requests, 1);
	/* Written through to the cache. */
	assert_int_equal(store_catalog_get(fx->store, "chat", &text, &at), 1);
	assert_non_null(strstr(text, "\"T0012\""));
}

static void
test_404(void **state)
{
	struct fixture *fx = *state;
	const struct catalog_entry *e;
	int64_t now = util_now_ms();

	assert_int_equal(ask(fx, "gone", now, &e), CATALOG_UNKNOWN);
	assert_null(e);
	/* Remembered for ttl: no new request. */
	assert_int_equal(
	    ask(fx, "gone", now + TTL_MS - 1, NULL), CATALOG_UNKNOWN);
	assert_int_equal(fx->fake.requests, 1);
	/* Unknown to the API, known to the file. */
	assert_int_equal(ask(fx, "gone-filed", now, &e), CATALOG_FILE);
	assert_string_equal(e->project, "from-file");
	/* A 404 is an answer, not a failure: no backoff. */
	assert_int_equal(catalog_stats(fx->cat)->error, 0);
	assert_int_equal(ask(fx, "chat", now, NULL), CATALOG_API);
	assert_int_equal(fx->fake.requests, 3);
}

/* Each kind of bad answer fails the request: error counted, fallback
 * answered, the catalog backed off. */
static void
test_bad_answers(void **state)
{
	static const char *const bad[] = {"boom", "html", "shape", "other"};
	struct fixture *fx = *state;
	const struct catalog_entry *e;
	int64_t now = util_now_ms();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum catalog_source s;

		/* Past the previous backoff (at most 8 s here). */
		now += 10000;
		s = ask(fx, bad[i], now, &e);
		if (strcmp(bad[i], "boom") == 0) {
			assert_int_equal(s, CATALOG_FILE);
			assert_string_equal(e->team.name, "Boom");
		} else {
			assert_int_equal(s, CATALOG_UNKNOWN);
		}
		assert_int_equal(catalog_stats(fx->cat)->error, i + 1);
		assert_int_equal(fx->fake.requests, (int)i + 1);
	}
}

static void
test_slow(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;
	int64_t now = util_now_ms(), t0 = util_now_ms(), waited;

	assert_int_equal(catalog_lookup(fx->cat, "slow", now, &a), 0);
	assert_true(run_until(fx, &fx->ready_calls, 1, 5000));
	waited = util_now_ms() - t0;
	/* Within the timeout, give or take the loop. */
	assert_true(waited >= TIMEOUT_MS - 50);
	assert_true(waited < TIMEOUT_MS + 500);
	assert_int_equal(catalog_lookup(fx->cat, "slow", now, &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	assert_int_equal(catalog_stats(fx->cat)->error, 1);
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
test_huge(void **state)
{
	struct fixture *fx = *state;
	long before = maxrss_kib();

	assert_int_equal(ask(fx, "huge", util_now_ms(), NULL), CATALOG_UNKNOWN);
	assert_int_equal(catalog_stats(fx->cat)->error, 1);
	/* The client stopped at CATALOG_MAX_RESPONSE. */
	assert_true(maxrss_kib() - before < 20 * 1024);
}

static void
test_inject(void **state)
{
	struct fixture *fx = *state;
	const struct catalog_entry *e;

	assert_int_equal(ask(fx, "inject", util_now_ms(), &e), CATALOG_API);
	/* The entry came without a namespace: it is the one asked. */
	assert_string_equal(e->namespace, "inject");
	assert_string_equal(e->team.code, "T9");
	assert_string_equal(e->team.slack_usergroup, "");
	assert_string_equal(e->team.slack_channel, "");
	assert_int_equal(e->nowners, 3);
	assert_string_equal(e->owners[0].slack_user, "");
	assert_string_equal(e->owners[1].slack_user, "");
	assert_string_equal(e->owners[2].slack_user, "U0AL");
	assert_int_equal(catalog_stats(fx->cat)->error, 0);
}

/* 500 alerts of one namespace: one request, one ready. */
static void
test_coalesce(void **state)
{
	struct fixture *fx = *state;
	const struct catalog_stats *st = catalog_stats(fx->cat);
	struct catalog_answer a;
	int64_t now = util_now_ms();

	for (int i = 0; i < 500; i++)
		assert_int_equal(catalog_lookup(fx->cat, "chat", now, &a), 0);
	assert_true(run_until(fx, &fx->ready_calls, 1, 5000));
	run_for(fx, 50);
	assert_int_equal(fx->ready_calls, 1);
	assert_int_equal(fx->fake.requests, 1);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(catalog_lookup(fx->cat, "chat", now, &a), 1);
		assert_int_equal(
		    a.source, i == 0 ? CATALOG_API : CATALOG_FRESH);
	}
	assert_int_equal(st->miss, 1);
	assert_int_equal(st->hit, 499);
	assert_int_equal(st->requests, 1);
}

/* Past ttl: one new request; while it fails, the stale entry. */
static void
test_ttl_and_stale(void **state)
{
	struct fixture *fx = *state;
	const struct catalog_entry *e;
	struct catalog_answer a;
	int64_t now = util_now_ms(), later = now + TTL_MS + 1000;

	assert_int_equal(ask(fx, "chat", now, NULL), CATALOG_API);
	assert_int_equal(
	    ask(fx, "chat", now + TTL_MS - 1, NULL), CATALOG_FRESH);
	assert_int_equal(fx->fake.requests, 1);
	assert_int_equal(ask(fx, "chat", later, NULL), CATALOG_API);
	assert_int_equal(fx->fake.requests, 2);
	assert_int_equal(ask(fx, "chat", later + 1000, NULL), CATALOG_FRESH);
	assert_int_equal(fx->fake.requests, 2);

	/* The catalog breaks; the entry is old: stale it is. */
	fx->fake.fail_all = 1;
	later += TTL_MS + 1000; /* the last fetch ended a bit after later */
	assert_int_equal(catalog_lookup(fx->cat, "chat", later, &a), 0);
	assert_true(run_until(fx, &fx->ready_calls, 3, 5000));
	assert_int_equal(catalog_lookup(fx->cat, "chat", later, &a), 1);
	assert_int_equal(a.source, CATALOG_STALE);
	e = a.entry;
	assert_string_equal(e->team.code, "T0012");
	assert_true(a.fetched_at < later - TTL_MS + 1000);
	assert_true(a.fetched_at >= later - TTL_MS - 1000);
	assert_int_equal(catalog_stats(fx->cat)->stale, 1);
	assert_int_equal(catalog_stats(fx->cat)->error, 1);
}

/* A ttl of 0 still lets one batch share its answer. */
static void
test_ttl_zero(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	int64_t now = util_now_ms();

	fx->cfg->catalog.ttl = 0;
	assert_int_equal(catalog_reload(fx->cat, fx->cfg, err, sizeof(err)), 0);
	assert_int_equal(ask(fx, "chat", now, NULL), CATALOG_API);
	assert_int_equal(ask(fx, "chat", now + 5000, NULL), CATALOG_FRESH);
	assert_int_equal(fx->fake.requests, 1);
	assert_int_equal(ask(fx, "chat", now + 20000, NULL), CATALOG_API);
	assert_int_equal(fx->fake.requests, 2);
}

/* While backing off, lookups answer at once and nothing is sent; then
 * one probe at a time, the delay doubling, until the catalog answers. */
static void
test_backoff(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;
	int64_t t = util_now_ms();

	fx->fake.fail_all = 1;
	assert_int_equal(ask(fx, "chat", t, NULL), CATALOG_UNKNOWN);
	assert_int_equal(fx->fake.requests, 1);
	/* Backoff 1 s: no request for anyone. */
	assert_int_equal(catalog_lookup(fx->cat, "chat-b", t, &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	assert_int_equal(catalog_lookup(fx->cat, "chat-c", t + 999, &a), 1);
	assert_int_equal(catalog_lookup(fx->cat, "down", t + 999, &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);
	run_for(fx, 50);
	assert_int_equal(fx->fake.requests, 1);
	/* After it, one probe; others answer at once meanwhile. */
	t += 1100; /* the backoff counts from the failure, a bit after t */
	assert_int_equal(catalog_lookup(fx->cat, "chat-b", t, &a), 0);
	assert_int_equal(catalog_lookup(fx->cat, "chat-c", t, &a), 1);
	assert_true(run_until(fx, &fx->ready_calls, 2, 5000));
	assert_int_equal(fx->fake.requests, 2);
	/* Failed again: 2 s now. */
	assert_int_equal(catalog_lookup(fx->cat, "chat-c", t + 1999, &a), 1);
	run_for(fx, 50);
	assert_int_equal(fx->fake.requests, 2);
	/* The catalog is back: the probe succeeds, everything flows. */
	fx->fake.fail_all = 0;
	t += 2100;
	assert_int_equal(ask(fx, "chat-c", t, NULL), CATALOG_API);
	assert_int_equal(catalog_lookup(fx->cat, "chat-d", t, &a), 0);
	assert_int_equal(catalog_lookup(fx->cat, "chat-e", t, &a), 0);
	assert_true(run_until(fx, &fx->ready_calls, 5, 5000));
	assert_int_equal(fx->fake.requests, 5);
	assert_int_equal(catalog_stats(fx->cat)->error, 2);
}

/* More namespaces than request slots: they queue, all get answered. */
static void
test_queue(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;
	int64_t now = util_now_ms();
	char ns[32];

	for (int i = 0; i < 40; i++) {
		snprintf(ns, sizeof(ns), "q-%d", i);
		assert_int_equal(catalog_lookup(fx->cat, ns, now, &a), 0);
	}
	assert_true(run_until(fx, &fx->ready_calls, 40, 5000));
	assert_int_equal(fx->fake.requests, 40);
	for (int i = 0; i < 40; i++) {
		snprintf(ns, sizeof(ns), "q-%d", i);
		assert_int_equal(catalog_lookup(fx->cat, ns, now, &a), 1);
		assert_int_equal(a.source, CATALOG_API);
		assert_string_equal(a.entry->namespace, ns);
	}
}

/* Slots full of slow requests: a queued lookup still hears back within
 * the timeout, and the outage counts once, not once per request. */
static void
test_queue_bounded(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;
	int64_t now = util_now_ms(), t0 = util_now_ms();
	char ns[32];

	for (int i = 0; i < 8; i++) {
		snprintf(ns, sizeof(ns), "slow-%d", i);
		assert_int_equal(catalog_lookup(fx->cat, ns, now, &a), 0);
	}
	assert_int_equal(catalog_lookup(fx->cat, "q-late", now, &a), 0);
	assert_true(run_until(fx, &fx->ready_calls, 9, 5000));
	assert_true(util_now_ms() - t0 < TIMEOUT_MS + 500);
	assert_int_equal(catalog_lookup(fx->cat, "q-late", now, &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	assert_int_equal(fx->fake.requests, 8);
	assert_int_equal(catalog_stats(fx->cat)->error, 8);
	/* One step of backoff (1 s), not eight. */
	assert_int_equal(catalog_lookup(fx->cat, "q-late", now + 1500, &a), 0);
}

/* The API is down (nothing listens): the file, then "unknown". */
static void
test_api_down(void **state)
{
	struct fixture *fx = *state;
	struct config *cfg = config_defaults("/tmp");
	struct catalog_answer a;
	const struct catalog_entry *e;
	evutil_socket_t s;
	struct sockaddr_in sin;
	ev_socklen_t sl = sizeof(sin);
	char url[128], err[256];

	/* A port that was free a moment ago. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(s, (struct sockaddr *)&sin, &sl);
	evutil_closesocket(s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ns/{namespace}",
	    ntohs(sin.sin_port));
	set_str(&cfg->catalog.url, url);
	set_str(&cfg->catalog.file, fx->file);
	cfg->catalog.timeout = TIMEOUT_MS;
	assert_int_equal(catalog_reload(fx->cat, cfg, err, sizeof(err)), 0);
	assert_int_equal(ask(fx, "down", util_now_ms(), &e), CATALOG_FILE);
	assert_string_equal(e->project, "from-file");
	assert_int_equal(catalog_stats(fx->cat)->error, 1);

	/* Without a URL, the file answers at once. */
	set_str(&cfg->catalog.url, "");
	assert_int_equal(catalog_reload(fx->cat, cfg, err, sizeof(err)), 0);
	assert_int_equal(catalog_lookup(fx->cat, "down", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);
	assert_int_equal(catalog_lookup(fx->cat, "chat", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	assert_int_equal(catalog_stats(fx->cat)->requests, 1);
	config_free(cfg);
}

/* Names the API must not be asked about: the file only, at once. */
static void
test_invalid_namespace(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;

	assert_int_equal(
	    catalog_lookup(fx->cat, "Team Chat", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);
	assert_int_equal(
	    catalog_lookup(fx->cat, "../admin", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	run_for(fx, 20);
	assert_int_equal(fx->fake.requests, 0);
}

/* SIGHUP with a broken file: refused, the old file stays. */
static void
test_reload(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;
	char err[512];
	FILE *fp;

	fp = fopen(fx->file, "w");
	fputs("- namespace: boom\n  team: {code: T7\n", fp);
	fclose(fp);
	assert_int_equal(
	    catalog_reload(fx->cat, fx->cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: syntax error"));
	assert_int_equal(
	    catalog_lookup(fx->cat, "Team Chat", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);

	fp = fopen(fx->file, "w");
	fputs("- namespace: Team Web\n", fp);
	fclose(fp);
	assert_int_equal(catalog_reload(fx->cat, fx->cfg, err, sizeof(err)), 0);
	assert_int_equal(
	    catalog_lookup(fx->cat, "Team Chat", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	assert_int_equal(
	    catalog_lookup(fx->cat, "Team Web", util_now_ms(), &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);
}

/* A restart finds the SQLite cache: fresh without a request, and stale
 * when the API then fails. */
static void
test_restart(void **state)
{
	struct fixture *fx = *state;
	int64_t now = util_now_ms();
	char err[256];

	assert_int_equal(ask(fx, "chat", now, NULL), CATALOG_API);
	catalog_free(fx->cat);
	fx->cat = catalog_new(fx->base, fx->http, fx->store, fx->cfg, on_ready,
	    fx, err, sizeof(err));
	assert_non_null(fx->cat);
	assert_int_equal(ask(fx, "chat", now + 1000, NULL), CATALOG_FRESH);
	assert_int_equal(fx->fake.requests, 1);
	fx->fake.fail_all = 1;
	assert_int_equal(
	    ask(fx, "chat", now + TTL_MS + 1000, NULL), CATALOG_STALE);
	assert_int_equal(fx->fake.requests, 2);
}

/* Freed with a request in flight: the late answer is dropped quietly. */
static void
test_free_in_flight(void **state)
{
	struct fixture *fx = *state;
	struct catalog_answer a;
	char err[256];

	assert_int_equal(catalog_lookup(fx->cat, "chat", util_now_ms(), &a), 0);
	catalog_free(fx->cat);
	fx->cat = NULL;
	assert_true(run_until(fx, &fx->fake.requests, 1, 5000));
	run_for(fx, 100);
	assert_int_equal(http_client_inflight(fx->http), 0);
	assert_int_equal(fx->ready_calls, 0);
	fx->cat = catalog_new(fx->base, fx->http, fx->store, fx->cfg, on_ready,
	    fx, err, sizeof(err));
	assert_non_null(fx->cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_404, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inject, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coalesce, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_ttl_and_stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ttl_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_queue_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_invalid_namespace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_free_in_flight, setup, teardown),
	};

	/* The huge answer is cut off mid-send. */
	signal(SIGPIPE, SIG_IGN);
	log_setup(getenv("CATALOG_TEST_LOG") != NULL ? LOG_DEBUG : LOG_ERROR,
	    LOG_LOGFMT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
