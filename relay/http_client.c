/*
 * http_client.c: libcurl multi on libevent; see http_client.h. The pattern
 * is curl's hiperfifo example: curl tells us which sockets to watch and
 * when to time out, libevent tells curl when they are ready.
 */
#include "http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "util.h"

struct xfer;

struct http_client {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	size_t inflight;
	TAILQ_HEAD(, xfer) xfers; /* in flight, for http_client_free */
};

/* One request. */
struct xfer {
	TAILQ_ENTRY(xfer) entry;
	struct http_client *client;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	struct buf response;
	size_t max_response;
	int too_large;
	char retry_after[64];
	char oauth_scopes[512];
	char errbuf[CURL_ERROR_SIZE];
	http_client_cb cb;
	void (*cancel)(void *arg);
	void *arg;
	int64_t started;
};

/* Per socket: the event that watches it for curl. */
struct sock {
	struct event *ev;
	struct http_client *client;
};

static void check_done(struct http_client *c);

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (x->response.len + len > x->max_response) {
		x->too_large = 1;
		return 0; /* makes curl fail the transfer */
	}
	buf_add(&x->response, p, len);
	return len;
}

/* Copies the value of header line p[0..len) into dst when it is name's
 * (trimmed, cut to dstlen - 1 bytes). */
static void
grab(const char *p, size_t len, const char *name, char *dst, size_t dstlen)
{
	size_t nl = strlen(name);
	const char *v;
	size_t vl;

	if (len <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
		return;
	v = p + nl + 1;
	vl = len - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 &&
	    (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= dstlen)
		vl = dstlen - 1;
	memcpy(dst, v, vl);
	dst[vl] = '\0';
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	grab(p, len, "Retry-After", x->retry_after, sizeof(x->retry_after));
	grab(
	    p, len, "X-OAuth-Scopes", x->oauth_scopes, sizeof(x->oauth_scopes));
	return len;
}

static void
xfer_free(struct xfer *x)
{
	curl_slist_free_all(x->headers);
	free(x->body);
	buf_free(&x->response);
	free(x);
}

static void
event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, action, &running);
	check_done(c);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

/* curl: watch (or stop watching) a socket. */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct sock *sk = socketp;
	short kind = (what & CURL_POLL_IN ? EV_READ : 0) |
	    (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			event_free(sk->ev);
			free(sk);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	if (sk == NULL) {
		sk = xcalloc(1, sizeof(*sk));
		sk->client = c;
		curl_multi_assign(c->multi, s, sk);
	} else {
		event_free(sk->ev);
	}
	sk->ev = event_new(c->base, s, kind, event_cb, c);
	event_add(sk->ev, NULL);
	return 0;
}

/* curl: call me back in timeout_ms (-1: never). */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	/* 0 means "now": still go through the loop, never recurse. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return 0;
}

/* Reports finished transfers to their owners. */
static void
check_done(struct http_client *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct xfer *x = NULL;
		struct http_response r;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(
		    m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		memset(&r, 0, sizeof(r));
		r.ok = m->data.result == CURLE_OK;
		curl_easy_getinfo(
		    m->easy_handle, CURLINFO_RESPONSE_CODE, &r.status);
		r.body = buf_str(&x->response);
		r.body_len = x->response.len;
		r.retry_after =
		    x->retry_after[0] != '\0' ? x->retry_after : NULL;
		r.oauth_scopes =
		    x->oauth_scopes[0] != '\0' ? x->oauth_scopes : NULL;
		r.timed_out = m->data.result == CURLE_OPERATION_TIMEDOUT;
		r.elapsed_ms = util_now_ms() - x->started;
		if (!r.ok)
			r.error = x->too_large ? "response too large"
			    : x->errbuf[0] != '\0'
			    ? x->errbuf
			    : curl_easy_strerror(m->data.result);
		curl_multi_remove_handle(c->multi, m->easy_handle);
		curl_easy_cleanup(m->easy_handle);
		TAILQ_REMOVE(&c->xfers, x, entry);
		c->inflight--;
		x->cb(x->arg, &r);
		xfer_free(x);
	}
}

struct http_client *
http_client_new(struct event_base *base)
{
	struct http_client *c = xcalloc(1, sizeof(*c));

	c->base = base;
	TAILQ_INIT(&c->xfers);
	c->multi = curl_multi_init();
	if (c->multi == NULL) {
		free(c);
		return NULL;
	}
	c->timer = evtimer_new(base, timer_cb, c);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	/* Slack allows a handful of connections; reuse them. */
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
	return c;
}

void
http_client_free(struct http_client *c)
{
	struct xfer *x;

	if (c == NULL)
		return;
	while ((x = TAILQ_FIRST(&c->xfers)) != NULL) {
		TAILQ_REMOVE(&c->xfers, x, entry);
		curl_multi_remove_handle(c->multi, x->easy);
		curl_easy_cleanup(x->easy);
		if (x->cancel != NULL)
			x->cancel(x->arg);
		xfer_free(x);
	}
	curl_multi_cleanup(c->multi);
	event_free(c->timer);
	free(c);
}

int
http_client_start(struct http_client *c, const struct http_request *req,
    http_client_cb cb, void *arg)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	CURL *e = curl_easy_init();
	char hdr[512];

	if (e == NULL) {
		free(x);
		return -1;
	}
	x->client = c;
	x->easy = e;
	x->cb = cb;
	x->cancel = req->cancel;
	x->arg = arg;
	x->max_response = req->max_response > 0 ? req->max_response : 1 << 20;
	x->started = util_now_ms();
	if (req->content_type != NULL) {
		snprintf(
		    hdr, sizeof(hdr), "Content-Type: %s", req->content_type);
		x->headers = curl_slist_append(x->headers, hdr);
	}
	if (req->bearer != NULL) {
		snprintf(
		    hdr, sizeof(hdr), "Authorization: Bearer %s", req->bearer);
		x->headers = curl_slist_append(x->headers, hdr);
	}
	/* No "Expect: 100-continue" round trip on small bodies. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "alert-delivery");
	if (req->body != NULL) {
		x->body = xstrndup(req->body, req->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(
		    e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	if (req->method != NULL && strcmp(req->method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		xfer_free(x);
		return -1;
	}
	TAILQ_INSERT_TAIL(&c->xfers, x, entry);
	c->inflight++;
	return 0;
}

size_t
http_client_inflight(const struct http_client *c)
{
	return c->inflight;
}
