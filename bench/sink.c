/*
 * sink.c: a fast fake Slack Web API for bench/delivery (loopback only).
 *
 *   sink PORTFILE LOGFILE
 *
 * Binds 127.0.0.1:0, writes the port to PORTFILE, then serves HTTP/1.1
 * with keep-alive on one epoll loop:
 *
 *   POST /api/chat.postMessage, POST /api/chat.update
 *       -> 200 {"ok":true,"channel":"C1","ts":"<increasing>"}
 *   POST /api/auth.test -> 200 {"ok":true,...}
 *   POST /am, /am/...   -> 200 {} (an Alertmanager webhook_configs receiver,
 *                          for bench/compare)
 *   GET  /stats         -> flushes LOGFILE, 200 {"requests":N,"post":P,...}
 *   anything else       -> 404 {"ok":false,"error":"unknown_method"}
 *
 * Every chat.* request appends one line to LOGFILE (buffered; flushed by
 * GET /stats and at exit on SIGTERM/SIGINT):
 *
 *   <CLOCK_MONOTONIC ns> <P|U> <R|T> <namespace|-> <body bytes>
 *
 * P = chat.postMessage, U = chat.update; R = no thread_ts (a root), T = a
 * thread reply. The namespace is the word after the first " · " of the
 * body (the relay's templates write "... · <namespace> · <alertname>"),
 * "-" when there is none. An Alertmanager webhook (POST /am...) logs
 *
 *   <CLOCK_MONOTONIC ns> A R <namespace|-> <body bytes>
 *
 * with the value of the first "namespace" label after "groupLabels" (the
 * first in the body when there is no such key). Times are taken when the
 * whole request has been read. Bounded: at most MAX_CONN connections, requests up to MAX_REQ bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 1024
#define MAX_REQ (8 * 1024 * 1024)

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	char *out;
	size_t olen, ocap, ooff;
	int continued; /* 100 Continue sent for the current request */
};

static volatile sig_atomic_t stop;
static FILE *logf;
static uint64_t n_req, n_post, n_update, n_other, n_root, n_reply, n_am;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
out_append(struct conn *c, const char *p, size_t n)
{
	if (c->olen + n > c->ocap) {
		size_t cap = c->ocap ? c->ocap : 4096;
		while (cap < c->olen + n)
			cap *= 2;
		char *o = realloc(c->out, cap);
		if (o == NULL)
			return -1;
		c->out = o;
		c->ocap = cap;
	}
	memcpy(c->out + c->olen, p, n);
	c->olen += n;
	return 0;
}

static void
respond(struct conn *c, int status, const char *body, int close_after)
{
	char head[256];
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
	size_t blen = strlen(body);
	int n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n%s\r\n",
	    status, reason, blen, close_after ? "Connection: close\r\n" : "");
	out_append(c, head, (size_t)n);
	out_append(c, body, blen);
}

/* Case-insensitive search for a header; returns its value (not terminated)
 * and length, or NULL. hdr is the header block (without the final CRLF). */
static const char *
header(const char *hdr, size_t hlen, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = hdr, *end = hdr + hlen;
	/* skip the request line */
	const char *e = memmem(p, (size_t)(end - p), "\r\n", 2);
	if (e == NULL)
		return NULL;
	p = e + 2;
	while (p < end) {
		e = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (e == NULL)
			e = end;
		if ((size_t)(e - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(e - v);
			return v;
		}
		p = e + 2;
	}
	return NULL;
}

static void
namespace_of(const char *b, size_t n, char *ns, size_t nscap)
{
	static const char *marks[] = {"\xc2\xb7 ", "\\u00b7 ", "\\u00B7 "};
	const char *best = NULL;
	size_t bestlen = 0;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		size_t ml = strlen(marks[i]);
		const char *p = memmem(b, n, marks[i], ml);
		if (p != NULL && (best == NULL || p < best)) {
			best = p;
			bestlen = ml;
		}
	}
	if (best == NULL) {
		snprintf(ns, nscap, "-");
		return;
	}
	const char *p = best + bestlen, *end = b + n;
	size_t k = 0;
	while (p < end && k + 1 < nscap && *p != ' ' && *p != '"' && *p != '\\' &&
	    (unsigned char)*p > 0x20)
		ns[k++] = *p++;
	ns[k] = '\0';
	if (k == 0)
		snprintf(ns, nscap, "-");
}

/* The value of "namespace":"..." in an Alertmanager webhook body: the one
 * after "groupLabels" when there is one, else the first. */
static void
am_namespace_of(const char *b, size_t n, char *ns, size_t nscap)
{
	static const char key[] = "\"namespace\":\"";
	const char *from = b, *end = b + n;
	const char *g = memmem(b, n, "\"groupLabels\"", 13);
	const char *p = NULL;
	if (g != NULL)
		p = memmem(g, (size_t)(end - g), key, sizeof(key) - 1);
	if (p == NULL)
		p = memmem(from, n, key, sizeof(key) - 1);
	if (p == NULL) {
		snprintf(ns, nscap, "-");
		return;
	}
	p += sizeof(key) - 1;
	size_t k = 0;
	while (p < end && k + 1 < nscap && *p != '"' && *p != '\\' && (unsigned char)*p > 0x20)
		ns[k++] = *p++;
	ns[k] = '\0';
	if (k == 0)
		snprintf(ns, nscap, "-");
}

/* Handles complete requests in c->buf. Returns -1 to close the connection. */
static int
process(struct conn *c)
{
	for (;;) {
		char *hend = memmem(c->buf, c->len, "\r\n\r\n", 4);
		if (hend == NULL)
			return c->len > 65536 ? -1 : 0;
		size_t hlen = (size_t)(hend - c->buf);
		size_t vlen = 0, clen = 0;
		const char *v = header(c->buf, hlen, "Transfer-Encoding", &vlen);
		if (v != NULL) {
			respond(c, 400, "{\"ok\":false,\"error\":\"chunked_not_supported\"}", 1);
			return -1;
		}
		v = header(c->buf, hlen, "Content-Length", &vlen);
		if (v != NULL)
			clen = strtoul(v, NULL, 10);
		if (clen > MAX_REQ)
			return -1;
		size_t total = hlen + 4 + clen;
		if (c->len < total) {
			if (!c->continued) {
				v = header(c->buf, hlen, "Expect", &vlen);
				if (v != NULL && vlen >= 12 && strncasecmp(v, "100-continue", 12) == 0)
					out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
				c->continued = 1;
			}
			return 0;
		}
		uint64_t t = now_ns();
		const char *body = c->buf + hlen + 4;
		const char *sp = memchr(c->buf, ' ', hlen);
		const char *path = sp ? sp + 1 : c->buf;
		size_t plen = 0;
		while (path + plen < c->buf + hlen && path[plen] != ' ')
			plen++;
		int is_post = hlen > 5 && memcmp(c->buf, "POST ", 5) == 0;
		int is_get = hlen > 4 && memcmp(c->buf, "GET ", 4) == 0;
		int close_after = 0;
		v = header(c->buf, hlen, "Connection", &vlen);
		if (v != NULL && vlen >= 5 && strncasecmp(v, "close", 5) == 0)
			close_after = 1;
		n_req++;
#define PATHIS(s) (plen == strlen(s) && memcmp(path, s, plen) == 0)
		if (is_post && (PATHIS("/api/chat.postMessage") || PATHIS("/api/chat.update"))) {
			int post = PATHIS("/api/chat.postMessage");
			int reply = memmem(body, clen, "\"thread_ts\"", 11) != NULL;
			char ns[128];
			namespace_of(body, clen, ns, sizeof(ns));
			fprintf(logf, "%llu %c %c %s %zu\n", (unsigned long long)t, post ? 'P' : 'U',
			    reply ? 'T' : 'R', ns, clen);
			if (post)
				n_post++;
			else
				n_update++;
			if (reply)
				n_reply++;
			else
				n_root++;
			char resp[160];
			snprintf(resp, sizeof(resp),
			    "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"%llu.%06llu\",\"message\":{}}",
			    (unsigned long long)(1700000000ull + n_req / 1000000),
			    (unsigned long long)(n_req % 1000000));
			respond(c, 200, resp, close_after);
		} else if (is_post && plen >= 3 && memcmp(path, "/am", 3) == 0 &&
		    (plen == 3 || path[3] == '/' || path[3] == '?')) {
			char ns[128];
			am_namespace_of(body, clen, ns, sizeof(ns));
			fprintf(logf, "%llu A R %s %zu\n", (unsigned long long)t, ns, clen);
			n_am++;
			respond(c, 200, "{}", close_after);
		} else if (is_post && PATHIS("/api/auth.test")) {
			n_other++;
			respond(c, 200,
			    "{\"ok\":true,\"url\":\"https://bench.slack.com/\",\"team\":\"bench\","
			    "\"user\":\"bench\",\"team_id\":\"T1\",\"user_id\":\"U1\",\"bot_id\":\"B1\"}",
			    close_after);
		} else if (is_get && PATHIS("/stats")) {
			fflush(logf);
			char resp[256];
			snprintf(resp, sizeof(resp),
			    "{\"requests\":%llu,\"post\":%llu,\"update\":%llu,\"root\":%llu,"
			    "\"reply\":%llu,\"other\":%llu,\"am\":%llu}",
			    (unsigned long long)n_req, (unsigned long long)n_post,
			    (unsigned long long)n_update, (unsigned long long)n_root,
			    (unsigned long long)n_reply, (unsigned long long)n_other,
			    (unsigned long long)n_am);
			respond(c, 200, resp, close_after);
		} else {
			n_other++;
			respond(c, 404, "{\"ok\":false,\"error\":\"unknown_method\"}", close_after);
		}
#undef PATHIS
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
		c->continued = 0;
		if (close_after)
			return -1;
	}
}

static int
flush_out(struct conn *c)
{
	while (c->ooff < c->olen) {
		ssize_t w = send(c->fd, c->out + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		c->ooff += (size_t)w;
	}
	c->ooff = c->olen = 0;
	return 0;
}

static void
conn_free(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c->out);
	free(c);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sink PORTFILE LOGFILE\n");
		return 2;
	}
	logf = fopen(argv[2], "w");
	if (logf == NULL) {
		perror(argv[2]);
		return 1;
	}
	setvbuf(logf, NULL, _IOFBF, 1 << 20);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 512) < 0) {
		perror("bind/listen");
		return 1;
	}
	socklen_t al = sizeof(a);
	getsockname(ls, (struct sockaddr *)&a, &al);
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	FILE *pf = fopen(tmp, "w");
	if (pf == NULL) {
		perror(tmp);
		return 1;
	}
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	rename(tmp, argv[1]);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	int nconn = 0;
	struct epoll_event evs[64];
	while (!stop) {
		int n = epoll_wait(ep, evs, 64, 200);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c == NULL) {
				for (int k = 0; k < 64; k++) {
					int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (fd < 0)
						break;
					if (nconn >= MAX_CONN) {
						close(fd);
						continue;
					}
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					c = calloc(1, sizeof(*c));
					c->fd = fd;
					struct epoll_event ce = {.events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
					nconn++;
				}
				continue;
			}
			int bad = 0;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				for (;;) {
					if (c->cap - c->len < 65536) {
						size_t cap = c->cap ? c->cap * 2 : 131072;
						if (cap > MAX_REQ + 131072) {
							bad = 1;
							break;
						}
						char *b = realloc(c->buf, cap);
						if (b == NULL) {
							bad = 1;
							break;
						}
						c->buf = b;
						c->cap = cap;
					}
					ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
					if (r > 0) {
						c->len += (size_t)r;
						continue;
					}
					if (r == 0)
						bad = 1;
					else if (errno != EAGAIN && errno != EINTR)
						bad = 1;
					break;
				}
				if (process(c) < 0)
					bad = 2;
			}
			if (flush_out(c) < 0)
				bad = 1;
			if (bad) {
				conn_free(ep, c);
				nconn--;
				continue;
			}
			struct epoll_event ce = {
			    .events = EPOLLIN | (c->olen > c->ooff ? EPOLLOUT : 0), .data.ptr = c};
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ce);
		}
	}
	fflush(logf);
	fclose(logf);
	return 0;
}
