/*
 * http_server.h: the evhttp listener, the route table and reply helpers.
 * Handlers (ingest.c, api.c) get a struct http_ctx; they answer with
 * http_reply_*() and never block. A handler may also keep the request and
 * answer later (ingest answers after its group commit).
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

struct relay;
struct http_server;

/* One request as a handler sees it; valid until the handler returns. */
struct http_ctx {
	struct relay *relay;
	struct evhttp_request *req;
	const char *path; /* decoded path without the query */
	const char
	    *tail; /* path after a prefix route ("chat" of /api/v1/x/chat) */
	struct evkeyvalq query;
	char id[24];   /* request id for logs */
	int64_t t0_us; /* when the handler started (monotonic) */
};

/*
 * Binds cfg->listen on r->base and installs the routes. Returns new (free
 * with http_server_free), or NULL with err set.
 */
struct http_server *http_server_new(struct relay *r, char *err, size_t errlen);
void http_server_free(struct http_server *h);

/* Stops accepting connections (SIGTERM); open ones are served. */
void http_server_stop(struct http_server *h);

/* Applies the limits of a (reloaded) config: body size, timeouts. */
void http_server_apply_config(struct http_server *h);

/* Replies with body (stolen) as JSON. */
void http_reply_json(struct evhttp_request *req, int code, json_t *body);

/* Replies {"error": "<formatted reason>"} with code. */
void http_reply_error(struct evhttp_request *req, int code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* 1 when host (a Host header value, NULL: absent) names this relay: its
 * listen address (localhost for 127.0.0.1) or public_url's authority. A
 * guard against DNS rebinding. */
struct config;
int http_host_allowed(const struct config *cfg, const char *host);

/* Borrowed: the value of a query parameter, or NULL. */
const char *http_query(struct http_ctx *c, const char *name);

#endif /* HTTP_SERVER_H */
