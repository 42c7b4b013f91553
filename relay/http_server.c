/*
 * http_server.c: evhttp set-up, routing, guards and reply helpers.
 */
#include "http_server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "history.h"
#include "config.h"
#include "ingest.h"
#include "limits.h"
#include "log.h"
#include "relay.h"
#include "snoozer.h"
#include "telemetry.h"
#include "util.h"
#include "web.h"
#include "web_auth.h"
#include "web_html.h"

enum guard {
	GUARD_NONE, /* own auth (webhooks, Slack) or public (health, metrics) */
	GUARD_ADMIN, /* admin token, or loopback with a checked Host */
};

#define M_GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define M_POST EVHTTP_REQ_POST

struct route {
	const char *path;
	int prefix; /* path is a prefix ending in '/'; the rest is ctx->tail */
	unsigned methods;
	void (*fn)(struct http_ctx *c);
	enum guard guard;
};

static const struct route routes[] = {
    {"/webhook/grafana", 0, M_POST, ingest_grafana, GUARD_NONE},
    {"/webhook/alertmanager", 0, M_POST, ingest_alertmanager, GUARD_NONE},
    {"/api/v1/alerts", 0, M_GET, api_alerts, GUARD_ADMIN},
    {"/api/v1/incidents", 0, M_GET, api_incidents, GUARD_ADMIN},
    {"/api/v1/messages", 0, M_GET, api_messages, GUARD_ADMIN},
    {"/api/v1/namespaces", 0, M_GET, history_api_namespaces, GUARD_ADMIN},
    {"/api/v1/namespaces/", 1, M_GET, history_api_events, GUARD_ADMIN},
    {"/api/v1/rules", 0, M_GET | M_POST, api_rules, GUARD_ADMIN},
    {"/api/v1/snoozes", 0, M_GET | M_POST, snoozer_api, GUARD_ADMIN},
    {"/api/v1/snoozes/", 1, EVHTTP_REQ_DELETE, snoozer_api_delete, GUARD_ADMIN},
    {"/api/v1/rules/", 1, EVHTTP_REQ_DELETE, api_rule_delete, GUARD_ADMIN},
    {"/slack/interactions", 0, M_POST, snoozer_slack, GUARD_NONE},
    {"/healthz", 0, M_GET, api_healthz, GUARD_NONE},
    {"/metrics", 0, M_GET, telemetry_handler, GUARD_NONE},
    {"/readyz", 0, M_GET, api_readyz, GUARD_NONE},
    {"/-/reload", 0, M_POST, api_reload, GUARD_ADMIN},
    /* The web page guards itself (sessions, CSRF, Host). */
    {"/", 0, M_GET, web_overview, GUARD_NONE},
    {"/namespaces/", 1, M_GET | M_POST, web_namespace, GUARD_NONE},
    {"/snoozes", 0, M_GET | M_POST, web_snoozes, GUARD_NONE},
    {"/snoozes/", 1, M_POST, web_snooze_end, GUARD_NONE},
    {"/rules", 0, M_GET | M_POST, web_rules, GUARD_NONE},
    {"/messages", 0, M_GET, web_messages, GUARD_NONE},
    {"/login", 0, M_GET | M_POST, web_login, GUARD_NONE},
    {"/logout", 0, M_POST, web_logout, GUARD_NONE},
    {"/static/", 1, M_GET, web_static, GUARD_NONE},
};

struct http_server {
	struct relay *relay;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
};

/*
 * The pre-body check. libevent refuses an announced body over its limit with
 * its own HTML 413 and never calls us, so every connection goes through this
 * input filter: it follows the request framing (header lines, then
 * Content-Length bytes), and when a request announces more than
 * limits.max_body it answers a JSON 413 itself, before the body is read,
 * and discards the rest of the connection's input. Chunked bodies are left
 * to libevent's own limit.
 */
enum frame_mode {
	FRAME_HEAD,  /* reading a request line and headers */
	FRAME_BODY,  /* passing `remaining` body bytes */
	FRAME_PASS,  /* chunked: no more framing, libevent decides */
	FRAME_DRAIN, /* refused: discard everything */
};

struct frame {
	struct http_server *h;
	enum frame_mode mode;
	uint64_t remaining;
	uint64_t length; /* Content-Length of the request being read */
	int chunked;     /* not framed by Content-Length: pass it on */
	int have_length; /* a Content-Length header was seen */
	int have_line1;  /* the request line was seen */
	int passed;      /* a request went on to evhttp */
	int webhook;     /* 0: other path, 1: grafana, 2: alertmanager */
	struct bufferevent *under; /* the socket's bufferevent */
	struct bufferevent *bev;   /* the filter evhttp uses */
	struct event *kick;        /* flushes output evhttp queued (below) */
	struct event *wr;          /* waits for the socket to take more */
};

static void
frame_free(void *ctx)
{
	struct frame *f = ctx;

	if (f->kick != NULL)
		event_free(f->kick);
	if (f->wr != NULL)
		event_free(f->wr);
	free(f);
}

/*
 * libevent's filter moves output only when data is added while writing is
 * enabled, but evhttp queues a reply first and enables writing after. This
 * notices the queued data and flushes it a moment later, when evhttp has
 * enabled writing.
 */
static void
frame_kick(evutil_socket_t fd, short what, void *arg)
{
	struct frame *f = arg;

	bufferevent_flush(f->bev, EV_WRITE, BEV_NORMAL);
}

static void
frame_outbuf(
    struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct frame *f = arg;

	if (info->n_added > 0)
		event_active(f->kick, EV_TIMEOUT, 1);
}

/* Writes the JSON 413 straight to the socket's bufferevent. */
static void
frame_refuse(struct frame *f, struct bufferevent *under)
{
	struct relay *r = f->h->relay;
	char body[256], head[512];
	int bn, hn;

	bn = snprintf(body, sizeof(body),
	    "{\"error\":\"body over limits.max_body (%llu bytes announced, "
	    "limit %llu)\"}\n",
	    (unsigned long long)f->length,
	    (unsigned long long)r->cfg->limits.max_body);
	hn = snprintf(head, sizeof(head),
	    "HTTP/1.1 413 Payload Too Large\r\nContent-Type: "
	    "application/json\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n",
	    bn);
	if (f->passed) {
		/* An earlier request on this connection may not be answered
		 * yet (pipelined, or waiting for its commit): a reply of ours
		 * would overtake it. libevent refuses this one, in order. */
		f->mode = FRAME_PASS;
		return;
	}
	if (bn > 0 && hn > 0 && (size_t)bn < sizeof(body) &&
	    (size_t)hn < sizeof(head)) {
		/* Straight to the socket: evhttp is still reading headers and
		 * must not see a reply it did not make. A fresh socket takes
		 * these few hundred bytes at once. */
		evutil_socket_t fd = bufferevent_getfd(under);
		char all[768];
		memcpy(all, head, (size_t)hn);
		memcpy(all + hn, body, (size_t)bn);
		if (fd >= 0 &&
		    send(fd, all, (size_t)(hn + bn),
		        MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_event(LOG_DEBUG, "413 reply not sent", NULL);
		if (fd >= 0)
			(void)shutdown(
			    fd, SHUT_WR); /* as "Connection: close" */
	}
	if (f->webhook > 0)
		r->stats.webhooks[f->webhook - 1][3]++;
	f->mode = FRAME_DRAIN;
}

/* Looks at one complete header line (without its EOL). */
static void
frame_line(struct frame *f, const char *line, size_t n)
{
	if (!f->have_line1) {
		const char *sp = memchr(line, ' ', n);
		f->have_line1 = 1;
		f->length = 0;
		f->chunked = 0;
		f->have_length = 0;
		f->webhook = 0;
		if (sp != NULL) {
			size_t rest = n - (size_t)(sp + 1 - line);
			if (rest >= 16 &&
			    memcmp(sp + 1, "/webhook/grafana", 16) == 0)
				f->webhook = 1;
			else if (rest >= 21 &&
			    memcmp(sp + 1, "/webhook/alertmanager", 21) == 0)
				f->webhook = 2;
		}
		return;
	}
	if (n > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
		uint64_t v = 0;
		size_t i = 15, digits = 0;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		for (; i < n && line[i] >= '0' && line[i] <= '9'; i++) {
			v = v > UINT64_MAX / 10
			    ? UINT64_MAX
			    : v * 10 + (uint64_t)(line[i] - '0');
			digits++;
		}
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		/* Anything but one plain number: leave the framing (and the
		 * refusal) to libevent rather than disagree with it. */
		if (digits == 0 || i != n || f->have_length)
			f->chunked = 1;
		f->have_length = 1;
		f->length = v;
	} else if (n > 18 && strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
		f->chunked = 1;
	}
}

static enum bufferevent_filter_result
frame_input(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct frame *f = ctx;

	for (;;) {
		size_t avail = evbuffer_get_length(src);

		if (avail == 0)
			return BEV_OK;
		switch (f->mode) {
		case FRAME_PASS: evbuffer_add_buffer(dst, src); return BEV_OK;
		case FRAME_DRAIN: evbuffer_drain(src, avail); return BEV_OK;
		case FRAME_BODY: {
			size_t n =
			    avail < f->remaining ? avail : (size_t)f->remaining;
			evbuffer_remove_buffer(src, dst, n);
			f->remaining -= n;
			if (f->remaining == 0)
				f->mode = FRAME_HEAD;
			continue;
		}
		case FRAME_HEAD: {
			size_t eol_len = 0;
			struct evbuffer_ptr eol = evbuffer_search_eol(
			    src, NULL, &eol_len, EVBUFFER_EOL_CRLF);
			char line[512];
			size_t n;

			if (eol.pos < 0) {
				/* An endless line is libevent's to refuse. */
				if (avail > LIMIT_HTTP_HEADERS) {
					f->mode = FRAME_PASS;
					continue;
				}
				/* BEV_OK here would make libevent call
				 * again at once, forever. */
				return BEV_NEED_MORE;
			}
			n = (size_t)eol.pos;
			if (n == 0 && f->have_line1) {
				/* End of headers. */
				struct relay *r = f->h->relay;
				f->have_line1 = 0;
				if (f->chunked) {
					f->mode = FRAME_PASS;
				} else if (f->length >
				    r->cfg->limits.max_body) {
					frame_refuse(f, f->under);
					if (f->mode == FRAME_DRAIN)
						return BEV_OK;
				} else if (f->length > 0) {
					f->mode = FRAME_BODY;
					f->remaining = f->length;
				}
				f->passed = 1;
			} else if (n > 0) {
				size_t copy =
				    n < sizeof(line) ? n : sizeof(line) - 1;
				evbuffer_copyout(src, line, copy);
				frame_line(f, line, copy);
			}
			evbuffer_remove_buffer(src, dst, n + eol_len);
			continue;
		}
		}
	}
}

/*
 * Output goes straight to the socket. evhttp counts a reply as written once
 * the filter's buffer is empty and may close the connection right then
 * (shutdown and free), which would drop anything still queued in the socket
 * bufferevent; so bytes leave the filter only when the kernel took them.
 */
static enum bufferevent_filter_result
frame_output(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct frame *f = ctx;
	evutil_socket_t fd = bufferevent_getfd(f->under);

	if (fd < 0 || evbuffer_get_length(dst) > 0) {
		evbuffer_add_buffer(dst, src);
		return BEV_OK;
	}
	while (evbuffer_get_length(src) > 0) {
		size_t n = evbuffer_get_length(src);
		const unsigned char *p;
		ssize_t w;

		if (n > 65536)
			n = 65536;
		p = evbuffer_pullup(src, (ev_ssize_t)n);
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			evbuffer_drain(src, (size_t)w);
			continue;
		}
		if (w < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK ||
		        errno == EINTR)) {
			if (f->wr == NULL)
				f->wr =
				    event_new(bufferevent_get_base(f->under),
				        fd, EV_WRITE, frame_kick, f);
			event_add(f->wr, NULL);
			return BEV_NEED_MORE;
		}
		/* The peer is gone: nothing more can be delivered. */
		evbuffer_drain(src, evbuffer_get_length(src));
		break;
	}
	return BEV_OK;
}

/* evhttp asks for each connection's bufferevent: a socket one under our
 * framing filter. */
static struct bufferevent *
frame_new(struct event_base *base, void *arg)
{
	struct frame *f = xcalloc(1, sizeof(*f));
	struct bufferevent *bev;

	f->h = arg;
	f->under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (f->under == NULL) {
		free(f);
		return NULL;
	}
	f->kick = event_new(base, -1, 0, frame_kick, f);
	bev = bufferevent_filter_new(f->under, frame_input, frame_output,
	    BEV_OPT_CLOSE_ON_FREE, frame_free, f);
	if (bev == NULL) {
		bufferevent_free(f->under);
		frame_free(f);
		return NULL;
	}
	f->bev = bev;
	evbuffer_add_cb(bufferevent_get_output(bev), frame_outbuf, f);
	return bev;
}

void
http_reply_json(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char *text = json_dumps(body, JSON_COMPACT);
	const char *reason = NULL;

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (text != NULL) {
		evbuffer_add(out, text, strlen(text));
		evbuffer_add(out, "\n", 1);
	}
	switch (code) {
	case 201: reason = "Created"; break;
	case 202: reason = "Accepted"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 413: reason = "Payload Too Large"; break;
	case 415: reason = "Unsupported Media Type"; break;
	case 503: reason = "Service Unavailable"; break;
	}
	evhttp_send_reply(req, code, reason, out);
	evbuffer_free(out);
	free(text);
	json_decref(body);
}

void
http_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Reasons may quote input: json_string refuses invalid UTF-8, so
	 * fall back to a generic text rather than lose the reply. */
	json_t *s = json_string(msg);
	if (s == NULL)
		s = json_string("invalid input");
	http_reply_json(req, code, json_pack("{s:o}", "error", s));
}

const char *
http_query(struct http_ctx *c, const char *name)
{
	return evhttp_find_header(&c->query, name);
}

int
http_host_allowed(const struct config *cfg, const char *host)
{
	char want[300];
	const char *p;

	if (host == NULL)
		return 0;
	if (strchr(cfg->listen_host, ':') != NULL)
		snprintf(want, sizeof(want), "[%s]:%d", cfg->listen_host,
		    cfg->listen_port);
	else
		snprintf(want, sizeof(want), "%s:%d", cfg->listen_host,
		    cfg->listen_port);
	if (strcasecmp(host, want) == 0)
		return 1;
	if (strcmp(cfg->listen_host, "127.0.0.1") == 0) {
		snprintf(want, sizeof(want), "localhost:%d", cfg->listen_port);
		if (strcasecmp(host, want) == 0)
			return 1;
	}
	/* public_url's authority: scheme://authority/... */
	p = strstr(cfg->public_url, "://");
	if (p != NULL) {
		size_t n;
		p += 3;
		n = strcspn(p, "/?#");
		if (strlen(host) == n && strncasecmp(host, p, n) == 0)
			return 1;
	}
	return 0;
}

/* The admin guard of SPEC section 9 for the API. 0 = pass, else replied. */
static int
guard_admin(struct http_ctx *c)
{
	const struct config *cfg = c->relay->cfg;
	struct evkeyvalq *h = evhttp_request_get_input_headers(c->req);

	if (cfg->auth.admin_token[0] != '\0') {
		const char *a = evhttp_find_header(h, "Authorization");
		size_t tlen = strlen(cfg->auth.admin_token);

		if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0 ||
		    !util_ct_equal(
		        a + 7, strlen(a + 7), cfg->auth.admin_token, tlen)) {
			http_reply_error(c->req, 401,
			    "admin token required (Authorization: Bearer)");
			return -1;
		}
		return 0;
	}
	/* Open API on loopback: refuse foreign Host headers (DNS rebinding). */
	if (!http_host_allowed(cfg, evhttp_find_header(h, "Host"))) {
		http_reply_error(
		    c->req, 403, "Host header is not this relay's address");
		return -1;
	}
	return 0;
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

static void
allow_header(struct evhttp_request *req, unsigned methods)
{
	char allow[64];

	snprintf(allow, sizeof(allow), "%s%s%s",
	    methods & EVHTTP_REQ_GET ? "GET, HEAD" : "",
	    methods & EVHTTP_REQ_POST
	        ? (methods & EVHTTP_REQ_GET ? ", POST" : "POST")
	        : "",
	    methods & EVHTTP_REQ_DELETE ? ", DELETE" : "");
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Allow", allow);
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct http_server *h = arg;
	struct http_ctx c;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *rawpath = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *rawquery = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char *path = NULL;
	const struct route *found = NULL;
	int path_matched = 0;
	size_t pathlen = 0;

	memset(&c, 0, sizeof(c));
	TAILQ_INIT(&c.query);
	c.relay = h->relay;
	c.req = req;
	c.t0_us = util_mono_us();
	snprintf(c.id, sizeof(c.id), "r%llx",
	    (unsigned long long)++h->relay->next_request_id);
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "X-Request-Id", c.id);

	path = evhttp_uridecode(
	    rawpath != NULL && *rawpath ? rawpath : "/", 0, &pathlen);
	if (path == NULL || strlen(path) != pathlen) {
		http_reply_error(req, 400, "bad request path");
		goto done;
	}
	if (rawquery != NULL &&
	    evhttp_parse_query_str(rawquery, &c.query) != 0) {
		http_reply_error(req, 400, "bad query string");
		goto done;
	}
	c.path = path;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		size_t n = strlen(r->path);
		if (r->prefix
		        ? strncmp(path, r->path, n) != 0 || path[n] == '\0'
		        : strcmp(path, r->path) != 0)
			continue;
		path_matched = 1;
		if ((r->methods & m) == 0) {
			allow_header(req, r->methods);
			continue;
		}
		found = r;
		c.tail = path + (r->prefix ? n : strlen(path));
		break;
	}
	if (found == NULL) {
		if (path_matched)
			http_reply_error(
			    req, 405, "method %s not allowed", method_name(m));
		else
			http_reply_error(req, 404, "no such endpoint");
		goto done;
	}
	if (found->guard == GUARD_ADMIN && guard_admin(&c) != 0)
		goto done;
	found->fn(&c);
done:
	telemetry_busy(h->relay->telemetry, TASK_REQUEST, c.t0_us);
	evhttp_clear_headers(&c.query);
	free(path);
}

struct http_server *
http_server_new(struct relay *r, char *err, size_t errlen)
{
	struct http_server *h = xcalloc(1, sizeof(*h));

	h->relay = r;
	h->http = evhttp_new(r->base);
	if (h->http == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		goto fail;
	}
	/* Let every method reach dispatch() so that a wrong one gets our 405
	 * (libevent itself would answer 501). */
	evhttp_set_allowed_methods(h->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	        EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, dispatch, h);
	evhttp_set_bevcb(h->http, frame_new, h);
	evhttp_set_default_content_type(h->http, "application/json");
	http_server_apply_config(h);
	h->sock = evhttp_bind_socket_with_handle(
	    h->http, r->cfg->listen_host, (ev_uint16_t)r->cfg->listen_port);
	if (h->sock == NULL) {
		snprintf(err, errlen,
		    "listen %s: cannot bind (in use or not an address of "
		    "this host)",
		    r->cfg->listen);
		goto fail;
	}
	return h;
fail:
	http_server_free(h);
	return NULL;
}

void
http_server_apply_config(struct http_server *h)
{
	const struct config *cfg = h->relay->cfg;

	evhttp_set_max_headers_size(h->http, LIMIT_HTTP_HEADERS);
	evhttp_set_max_body_size(h->http, (ev_ssize_t)cfg->limits.max_body);
	evhttp_set_timeout(h->http, LIMIT_HTTP_TIMEOUT_SEC);
}

void
http_server_stop(struct http_server *h)
{
	if (h != NULL && h->sock != NULL) {
		evhttp_del_accept_socket(h->http, h->sock);
		h->sock = NULL;
	}
}

void
http_server_free(struct http_server *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h);
}
