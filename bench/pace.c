/*
 * pace.c: an open-loop, paced webhook load generator for bench/delivery.
 *
 *   pace -p PORT -o OUTFILE [-r REQ_PER_S] [-n REQUESTS] [-c CONNS]
 *        [-a ALERTS_PER_BODY] [-k NAMESPACES] [-m ALERTNAMES]
 *        [-x NS_PREFIX] [-u | -G] [-R RUN_ID] [-t TIMEOUT_MS] [-P PATH]
 *        [-w WRAP] [-A]
 *
 * Request i is due at start + i/RATE (a timerfd keeps the schedule to the
 * microsecond). It goes out on an idle keep-alive connection (CONNS of them,
 * one request in flight each); when none is idle it waits, and its latency
 * still counts from when it was due (no coordinated omission). Bodies are
 * Grafana webhook bodies (version "1") with ALERTS_PER_BODY firing alerts
 * over NAMESPACES namespaces "<NS_PREFIX>-<j % NAMESPACES>" and ALERTNAMES
 * alert names; every alert has a distinct fingerprint (run, i, j) and every
 * body its own groupKey, so nothing resolves anything. With -u every body
 * names one fresh namespace "<NS_PREFIX>-<i>" (a new incident per request).
 * With -G all alerts of body i share namespace "<NS_PREFIX>-<i % NAMESPACES>"
 * and alert name number (i / NAMESPACES) % ALERTNAMES: one incident per body
 * while i < NAMESPACES * ALERTNAMES. With -w WRAP, request i sends the body
 * of request i % WRAP: after WRAP requests the same groups and alerts are
 * re-sent unchanged (Grafana's periodic snapshots; nothing new to post).
 * With -A the bodies are Alertmanager API v2 bodies instead (for
 * bench/compare, with -P /api/v2/alerts): a JSON array of the same alerts
 * (labels alertname, namespace, pod, severity; annotations; startsAt the
 * time pace started, no endsAt).
 *
 * OUTFILE gets one line per request, times in CLOCK_MONOTONIC ns:
 *   <i> <due> <sent> <answered> <status> <accepted> <namespace of alert 0> <waited>
 * status is the HTTP status, 0 for a connection error, -1 for a timeout;
 * accepted is the "accepted" number of the answer (-1 when absent); waited
 * is 1 when the request was due while every connection was busy.
 * Everything is bounded: REQUESTS requests, and the run ends at the latest
 * TIMEOUT_MS after the last one was due.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct req {
	uint64_t due, sent, done;
	int status;
	int accepted;
	int waited; /* due while every connection was busy */
};

struct conn {
	int fd;
	long cur; /* request in flight, -1 when idle */
	char *out;
	size_t olen, ooff;
	char in[16384];
	size_t ilen;
};

static int port = 0, conns = 8, alerts = 10, nss = 5, names = 1, unique_ns = 0, grouped = 0;
static double rate = 100;
static long nreq = 1500;
static long timeout_ms = 10000;
static long wrap = 0; /* -w: bodies repeat after this many requests */
static int am_format = 0; /* -A: Alertmanager API v2 bodies */
static char started_at[32]; /* RFC 3339, UTC: startsAt of -A alerts */
static const char *prefix = "bench", *outpath = NULL, *path = "/webhook/grafana";
static unsigned run_id = 1;
static struct req *reqs;
static volatile sig_atomic_t stop;

static void
on_signal(int s)
{
	(void)s;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A growable string. */
struct sb {
	char *p;
	size_t len, cap;
};

static void
sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 16384;
		while (n >= 0 && cap < b->len + (size_t)n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL) {
			perror("realloc");
			exit(1);
		}
		b->cap = cap;
	}
}

static void
ns_name(char *buf, size_t n, long i, int j)
{
	if (unique_ns)
		snprintf(buf, n, "%s-%ld", prefix, i);
	else if (grouped)
		snprintf(buf, n, "%s-%ld", prefix, i % nss);
	else
		snprintf(buf, n, "%s-%d", prefix, j % nss);
}

/* Request i's alerts as an Alertmanager API v2 body (-A): the same labels
 * as the Grafana body's, no fingerprint (Alertmanager hashes the labels). */
static void
build_am(long i, struct sb *body)
{
	sb_printf(body, "[");
	for (int j = 0; j < alerts; j++) {
		char ns[96];
		ns_name(ns, sizeof(ns), i, j);
		int an = grouped ? (int)((i / nss) % names) : names > 1 ? (j / nss) % names : 0;
		sb_printf(body,
		    "%s{\"labels\":{\"alertname\":\"BenchLatencyHigh%d\",\"namespace\":\"%s\","
		    "\"pod\":\"api-%u-%ld-%d\",\"severity\":\"warning\"},"
		    "\"annotations\":{\"summary\":\"p99 latency of api-%ld-%d above 500ms\","
		    "\"description\":\"The 5m p99 request latency has been above 500 ms for 10 minutes.\","
		    "\"runbook_url\":\"https://runbooks.bench/latency\"},"
		    "\"startsAt\":\"%s\","
		    "\"generatorURL\":\"http://prometheus.bench/graph?g0.expr=latency\"}",
		    j ? "," : "", an, ns, run_id, i, j, i, j, started_at);
	}
	sb_printf(body, "]");
}

/* The full HTTP request for request i. */
static void
build(long i, struct sb *req)
{
	static struct sb body;
	if (wrap > 0)
		i %= wrap; /* the same groups and alerts again: re-sent snapshots */
	body.len = 0;
	if (am_format) {
		build_am(i, &body);
		goto request;
	}
	sb_printf(&body,
	    "{\"receiver\":\"bench\",\"status\":\"firing\",\"orgId\":1,\"version\":\"1\","
	    "\"groupKey\":\"{}/{__grafana_receiver__=\\\"bench\\\"}:{run=\\\"%u\\\", seq=\\\"%ld\\\"}\","
	    "\"truncatedAlerts\":0,\"externalURL\":\"http://grafana.bench/\","
	    "\"groupLabels\":{\"run\":\"%u\"},\"commonLabels\":{\"severity\":\"warning\"},"
	    "\"commonAnnotations\":{},\"alerts\":[",
	    run_id, i, run_id);
	for (int j = 0; j < alerts; j++) {
		char ns[96];
		ns_name(ns, sizeof(ns), i, j);
		int an = grouped ? (int)((i / nss) % names) : names > 1 ? (j / nss) % names : 0;
		sb_printf(&body,
		    "%s{\"status\":\"firing\",\"labels\":{\"alertname\":\"BenchLatencyHigh%d\","
		    "\"namespace\":\"%s\",\"pod\":\"api-%u-%ld-%d\",\"severity\":\"warning\","
		    "\"grafana_folder\":\"Bench\"},"
		    "\"annotations\":{\"summary\":\"p99 latency of api-%ld-%d above 500ms\","
		    "\"description\":\"The 5m p99 request latency has been above 500 ms for 10 minutes.\","
		    "\"runbook_url\":\"https://runbooks.bench/latency\"},"
		    "\"startsAt\":\"2025-06-02T08:15:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
		    "\"generatorURL\":\"http://grafana.bench/alerting/grafana/bench1/view?orgId=1\","
		    "\"fingerprint\":\"%04x%08lx%04x\","
		    "\"silenceURL\":\"http://grafana.bench/alerting/silence/new?matcher=pod%%3Dapi-%ld-%d\","
		    "\"dashboardURL\":\"\",\"panelURL\":\"\",\"values\":{\"A\":%d.5,\"B\":1},"
		    "\"valueString\":\"[ var='A' labels={namespace=%s} value=%d.5 ]\",\"orgId\":1}",
		    j ? "," : "", an, ns, run_id, i, j, i, j, run_id & 0xffff,
		    (unsigned long)i & 0xffffffffUL, j & 0xffff, i, j, 500 + j, ns, 500 + j);
	}
	sb_printf(&body, "]}");
request:
	req->len = 0;
	sb_printf(req,
	    "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
	    "User-Agent: bench-pace\r\nContent-Length: %zu\r\n\r\n",
	    path, port, body.len);
	sb_printf(req, "%.*s", (int)body.len, body.p);
}

static int
dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int ep;

static void
watch(struct conn *c, int op)
{
	struct epoll_event ev = {
	    .events = EPOLLIN | (c->olen > c->ooff ? EPOLLOUT : 0), .data.ptr = c};
	epoll_ctl(ep, op, c->fd, &ev);
}

/* Closes c's socket and opens a new one; a request in flight fails. */
static void
redial(struct conn *c, int status)
{
	if (c->cur >= 0) {
		reqs[c->cur].done = now_ns();
		reqs[c->cur].status = status;
		c->cur = -1;
	}
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->olen = c->ooff = c->ilen = 0;
	c->fd = dial();
	if (c->fd >= 0)
		watch(c, EPOLL_CTL_ADD);
}

static void
flush_out(struct conn *c)
{
	while (c->ooff < c->olen) {
		ssize_t w = send(c->fd, c->out + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			redial(c, 0);
			return;
		}
		c->ooff += (size_t)w;
	}
	watch(c, EPOLL_CTL_MOD);
}

static void
start(struct conn *c, long i)
{
	static struct sb r;
	if (c->fd < 0) {
		redial(c, 0);
		if (c->fd < 0) {
			reqs[i].sent = reqs[i].done = now_ns();
			reqs[i].status = 0;
			return;
		}
	}
	build(i, &r);
	c->out = realloc(c->out, r.len);
	memcpy(c->out, r.p, r.len);
	c->olen = r.len;
	c->ooff = 0;
	c->cur = i;
	reqs[i].sent = now_ns();
	flush_out(c);
}

/* Reads c's answer; returns 1 when the connection became idle. */
static int
on_read(struct conn *c)
{
	for (;;) {
		if (c->ilen == sizeof(c->in)) {
			redial(c, 0);
			return 1;
		}
		ssize_t r = recv(c->fd, c->in + c->ilen, sizeof(c->in) - c->ilen, 0);
		if (r > 0) {
			c->ilen += (size_t)r;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			redial(c, 0);
			return 1;
		}
		break;
	}
	char *h = memmem(c->in, c->ilen, "\r\n\r\n", 4);
	if (h == NULL)
		return 0;
	size_t hlen = (size_t)(h - c->in), clen = 0;
	char save = c->in[hlen];
	c->in[hlen] = '\0';
	char *cl = strcasestr(c->in, "\r\ncontent-length:");
	if (cl != NULL)
		clen = strtoul(cl + 17, NULL, 10);
	int closing = strcasestr(c->in, "\r\nconnection: close") != NULL;
	c->in[hlen] = save;
	if (c->ilen < hlen + 4 + clen)
		return 0;
	int status = 0;
	if (c->ilen > 12 && memcmp(c->in, "HTTP/1.", 7) == 0)
		status = atoi(c->in + 9);
	int accepted = -1;
	char *a = memmem(h + 4, clen, "\"accepted\":", 11);
	if (a != NULL) {
		a += 11;
		while (*a == ' ')
			a++;
		accepted = atoi(a);
	}
	if (c->cur >= 0) {
		reqs[c->cur].done = now_ns();
		reqs[c->cur].status = status;
		reqs[c->cur].accepted = accepted;
		c->cur = -1;
	}
	size_t used = hlen + 4 + clen;
	memmove(c->in, c->in + used, c->ilen - used);
	c->ilen -= used;
	if (closing)
		redial(c, 0);
	return 1;
}

int
main(int argc, char **argv)
{
	int o;
	while ((o = getopt(argc, argv, "p:o:r:n:c:a:k:m:x:uGR:t:P:w:A")) != -1) {
		switch (o) {
		case 'p': port = atoi(optarg); break;
		case 'o': outpath = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'n': nreq = atol(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'a': alerts = atoi(optarg); break;
		case 'k': nss = atoi(optarg); break;
		case 'm': names = atoi(optarg); break;
		case 'x': prefix = optarg; break;
		case 'u': unique_ns = 1; break;
		case 'G': grouped = 1; break;
		case 'R': run_id = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': timeout_ms = atol(optarg); break;
		case 'P': path = optarg; break;
		case 'w': wrap = atol(optarg); break;
		case 'A': am_format = 1; break;
		default: fprintf(stderr, "bad option\n"); return 2;
		}
	}
	if (port <= 0 || outpath == NULL || rate <= 0 || nreq <= 0 || nreq > 10000000 ||
	    conns <= 0 || conns > 1024 || alerts <= 0 || nss <= 0 || names <= 0) {
		fprintf(stderr, "usage: pace -p PORT -o OUT [-r RATE] [-n N] [-c CONNS] "
				"[-a ALERTS] [-k NS] [-m NAMES] [-x PREFIX] [-u|-G] [-R RUN] "
				"[-t TIMEOUT_MS] [-P PATH] [-w WRAP] [-A]\n");
		return 2;
	}
	{
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(started_at, sizeof(started_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	reqs = calloc((size_t)nreq, sizeof(*reqs));
	struct conn *cs = calloc((size_t)conns, sizeof(*cs));
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int k = 0; k < conns; k++) {
		cs[k].cur = -1;
		cs[k].fd = -1;
		redial(&cs[k], 0);
		if (cs[k].fd < 0) {
			fprintf(stderr, "pace: cannot connect to 127.0.0.1:%d\n", port);
			return 1;
		}
	}
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

	double gap = 1e9 / rate;
	uint64_t t0 = now_ns() + 20000000ull; /* 20 ms from now */
	for (long i = 0; i < nreq; i++) {
		reqs[i].due = t0 + (uint64_t)(gap * (double)i);
		reqs[i].status = -1;
		reqs[i].accepted = -1;
	}
	uint64_t deadline = reqs[nreq - 1].due + (uint64_t)timeout_ms * 1000000ull;
	long next = 0;     /* next request to start */
	long finished = 0; /* requests answered or failed */
	struct epoll_event evs[64];
	while (!stop && finished < nreq && now_ns() < deadline) {
		uint64_t now = now_ns();
		/* start every due request on an idle connection */
		while (next < nreq && reqs[next].due <= now) {
			struct conn *idle = NULL;
			for (int k = 0; k < conns; k++)
				if (cs[k].cur < 0) {
					idle = &cs[k];
					break;
				}
			if (idle == NULL) {
				/* every request due by now waits for a connection */
				for (long j = next; j < nreq && reqs[j].due <= now; j++)
					reqs[j].waited = 1;
				break;
			}
			start(idle, next);
			if (idle->cur < 0)
				finished++; /* failed at once */
			next++;
		}
		if (next < nreq && reqs[next].due > now) {
			struct itimerspec it;
			memset(&it, 0, sizeof(it));
			it.it_value.tv_sec = (time_t)(reqs[next].due / 1000000000ull);
			it.it_value.tv_nsec = (long)(reqs[next].due % 1000000000ull);
			timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL);
		}
		int n = epoll_wait(ep, evs, 64, 100);
		for (int e = 0; e < n; e++) {
			struct conn *c = evs[e].data.ptr;
			if (c == NULL) {
				uint64_t x;
				while (read(tfd, &x, sizeof(x)) > 0)
					;
				continue;
			}
			long cur = c->cur;
			if (evs[e].events & EPOLLOUT)
				flush_out(c);
			if (c->cur == cur && (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				on_read(c);
			if (cur >= 0 && c->cur < 0)
				finished++;
		}
	}
	FILE *f = fopen(outpath, "w");
	if (f == NULL) {
		perror(outpath);
		return 1;
	}
	for (long i = 0; i < nreq; i++) {
		char ns[96];
		ns_name(ns, sizeof(ns), i, 0);
		fprintf(f, "%ld %llu %llu %llu %d %d %s %d\n", i, (unsigned long long)reqs[i].due,
		    (unsigned long long)reqs[i].sent, (unsigned long long)reqs[i].done,
		    reqs[i].status, reqs[i].accepted, ns, reqs[i].waited);
	}
	fclose(f);
	return stop ? 130 : 0;
}
