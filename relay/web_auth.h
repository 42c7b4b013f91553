/*
 * web_auth.h: who may use the web page (SPEC section 9). With
 * auth.admin_token, a login form at /login takes the token and sets an
 * HttpOnly, SameSite=Strict session cookie (sessions live in memory, with
 * an expiry; a restart logs everyone out); without it the page is open,
 * which config only allows on loopback. Either way a request's Host must be
 * the listen address or public_url's host (DNS rebinding), and every form
 * carries a CSRF token: an HMAC, under a per-process secret, of the session
 * (or, without a login, of a random cookie the page sets).
 */
#ifndef WEB_AUTH_H
#define WEB_AUTH_H

#include <event2/keyvalq_struct.h>

struct http_ctx;
struct web;

/* Returns new, with a fresh random secret (free with web_free). */
struct web *web_new(void);
void web_free(struct web *w);

/*
 * The guard of every page but /login and /static: 0 to go on, else the
 * answer is sent (403 for a foreign Host; 401 with the login form without
 * a valid session when an admin token is set; a Bearer token works too).
 */
int web_guard(struct http_ctx *c);

/* 1 when the request has a live session (a logout button is shown). */
int web_logged_in(struct http_ctx *c);

/* Writes the CSRF token of this request's session into out (setting the
 * anonymous CSRF cookie on the reply when there is none yet). */
void web_csrf(struct http_ctx *c, char out[65]);

/*
 * Reads a POSTed form (application/x-www-form-urlencoded, at most
 * LIMIT_WEB_FORM) into form and checks its "csrf" field. 0 when it may be
 * acted on; else the answer is sent (413, 400, 403) and form is empty.
 * Clear form with evhttp_clear_headers either way.
 */
int web_read_form(struct http_ctx *c, struct evkeyvalq *form);

/* GET/POST /login, POST /logout. */
void web_login(struct http_ctx *c);
void web_logout(struct http_ctx *c);

#endif /* WEB_AUTH_H */
