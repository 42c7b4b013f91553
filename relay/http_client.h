/*
 * http_client.h: outgoing HTTP on libcurl's multi-socket interface, driven
 * by the relay's libevent loop: a request never blocks the loop. Shared by
 * the Slack sender and the catalog client.
 */
#ifndef HTTP_CLIENT_H
#define HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct http_client;

struct http_response {
	int ok;           /* the exchange completed (any HTTP status) */
	long status;      /* HTTP status, 0 when none */
	const char *body; /* borrowed for the callback; NUL-terminated */
	size_t body_len;
	const char *retry_after;  /* Retry-After header or NULL */
	const char *oauth_scopes; /* Slack's X-OAuth-Scopes header or NULL */
	const char *error; /* transport error ("timeout", ...) when !ok */
	int timed_out;
	int64_t elapsed_ms;
};

typedef void (*http_client_cb)(void *arg, const struct http_response *r);

struct http_request {
	const char *method; /* "POST", "GET" */
	const char *url;
	const char *content_type; /* NULL: none */
	const char *bearer;       /* Authorization: Bearer ... or NULL */
	const char *body;         /* copied; NULL for none */
	size_t body_len;
	int64_t timeout_ms;
	size_t max_response; /* larger answers fail as "response too large" */
	/* Called with the callback's arg instead of the callback when the
	 * client is freed with the request unfinished (NULL: nothing). */
	void (*cancel)(void *arg);
};

/* Returns new (free with http_client_free, which cancels everything
 * without calling back), or NULL. */
struct http_client *http_client_new(struct event_base *base);
void http_client_free(struct http_client *c);

/*
 * Starts a request; cb is called exactly once, later, from the loop (never
 * from inside this call). Returns 0, or -1 when it cannot start.
 */
int http_client_start(struct http_client *c, const struct http_request *req,
    http_client_cb cb, void *arg);

/* Requests in flight. */
size_t http_client_inflight(const struct http_client *c);

#endif /* HTTP_CLIENT_H */
