/*
 * web_auth.c: sessions, CSRF, the login form; see web_auth.h.
 */
#include "web_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth.h"
#include "config.h"
#include "http_server.h"
#include "limits.h"
#include "log.h"
#include "relay.h"
#include "util.h"
#include "web_html.h"

#define SESSION_COOKIE "ad_session"
#define CSRF_COOKIE "ad_csrf"

struct web_session {
	char id[65];     /* hex of 32 random bytes; "" = free slot */
	char token[65];  /* HMAC of the admin token it logged in with */
	int64_t expires; /* Unix ms */
};

struct web {
	char secret[65]; /* CSRF HMAC key, hex of 32 random bytes */
	struct web_session sessions[LIMIT_WEB_SESSIONS];
	/* Failed logins in the current minute (a guessing brake). */
	int64_t fail_minute;
	int fails;
};

/* Failed logins per minute before /login answers 429 until the minute
 * ends. */
#define WEB_LOGIN_FAILS 10

/* The HMAC of the admin token in force, under the page's secret: a
 * session opened with an older token (rotated on reload) is no session. */
static void
token_mark(const struct web *w, const char *token, char out[65])
{
	auth_hmac_hex(w->secret, "t:", 2, token, strlen(token), NULL, 0, out);
}

/* Hex of 32 bytes from the system's CSPRNG into out[65]. */
static int
random_hex(char out[65])
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	util_hex(raw, sizeof(raw), out);
	out[64] = '\0';
	return 0;
}

struct web *
web_new(void)
{
	struct web *w = xcalloc(1, sizeof(*w));

	if (random_hex(w->secret) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void
web_free(struct web *w)
{
	if (w != NULL)
		OPENSSL_cleanse(w, sizeof(*w));
	free(w);
}

/* The value of cookie `name` in the request (copied into out), or 0. */
static int
cookie(struct http_ctx *c, const char *name, char *out, size_t len)
{
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(c->req), "Cookie");
	size_t n = strlen(name);

	while (h != NULL && *h != '\0') {
		size_t vlen;
		h += strspn(h, " ;");
		vlen = strcspn(h, ";");
		if (vlen > n && strncmp(h, name, n) == 0 && h[n] == '=') {
			if (vlen - n - 1 >= len)
				return 0;
			memcpy(out, h + n + 1, vlen - n - 1);
			out[vlen - n - 1] = '\0';
			return 1;
		}
		h += vlen;
	}
	return 0;
}

/* The live session of the request, or NULL. */
static struct web_session *
session(struct http_ctx *c)
{
	struct web *w = c->relay->web;
	char id[80];
	int64_t now = relay_now(c->relay);
	struct web_session *found = NULL;
	char mark[65];

	if (w == NULL || !cookie(c, SESSION_COOKIE, id, sizeof(id)) ||
	    strlen(id) != 64)
		return NULL;
	/* Every slot is compared, in constant time each. */
	for (size_t i = 0; i < LIMIT_WEB_SESSIONS; i++) {
		struct web_session *s = &w->sessions[i];
		if (s->id[0] != '\0' && s->expires > now &&
		    util_ct_equal(s->id, 64, id, 64))
			found = s;
	}
	if (found == NULL)
		return NULL;
	token_mark(w, c->relay->cfg->auth.admin_token, mark);
	return util_ct_equal(found->token, 64, mark, 64) ? found : NULL;
}

int
web_logged_in(struct http_ctx *c)
{
	return session(c) != NULL;
}

/* 1 when the request carries the admin token as a Bearer header. */
static int
bearer(struct http_ctx *c)
{
	const char *tok = c->relay->cfg->auth.admin_token;
	const char *a = evhttp_find_header(
	    evhttp_request_get_input_headers(c->req), "Authorization");

	return a != NULL && strncasecmp(a, "Bearer ", 7) == 0 &&
	    util_ct_equal(a + 7, strlen(a + 7), tok, strlen(tok));
}

/* The login form, with why (NULL: none) and status code. */
static void
login_page(struct http_ctx *c, int code, const char *why)
{
	struct web_page p;

	web_page_begin(&p, c, "Log in", NULL, 0);
	buf_adds(&p.b, "<h1>Log in</h1>");
	if (why != NULL) {
		web_error_p(&p.b, why);
	}
	web_form(&p, "/login");
	buf_adds(&p.b,
	    "<label>Admin token <input type=\"password\" "
	    "name=\"token\" autocomplete=\"current-password\" "
	    "required autofocus></label> <button>Log in</button>"
	    "</form>");
	web_page_end(&p, code);
}

int
web_guard(struct http_ctx *c)
{
	const struct config *cfg = c->relay->cfg;

	if (!http_host_allowed(cfg,
	        evhttp_find_header(
	            evhttp_request_get_input_headers(c->req), "Host"))) {
		http_reply_error(
		    c->req, 403, "Host header is not this relay's address");
		return -1;
	}
	if (cfg->auth.admin_token[0] == '\0' || session(c) != NULL || bearer(c))
		return 0;
	login_page(c, 401, NULL);
	return -1;
}

void
web_csrf(struct http_ctx *c, char out[65])
{
	struct web *w = c->relay->web;
	struct web_session *s = session(c);
	char bind[80];

	if (w == NULL) {
		out[0] = '\0';
		return;
	}
	if (s != NULL) {
		auth_hmac_hex(w->secret, "s:", 2, s->id, 64, NULL, 0, out);
		return;
	}
	if (!cookie(c, CSRF_COOKIE, bind, sizeof(bind)) || strlen(bind) != 64) {
		char v[200];
		if (random_hex(bind) != 0) {
			out[0] = '\0';
			return;
		}
		snprintf(v, sizeof(v),
		    CSRF_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict", bind);
		evhttp_add_header(
		    evhttp_request_get_output_headers(c->req), "Set-Cookie", v);
	}
	auth_hmac_hex(w->secret, "a:", 2, bind, 64, NULL, 0, out);
}

int
web_read_form(struct http_ctx *c, struct evkeyvalq *form)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	char *body, want[65];
	const char *got;

	TAILQ_INIT(form);
	if (len > LIMIT_WEB_FORM) {
		web_error(c, 413, "the form is too large");
		return -1;
	}
	body = xmalloc(len + 1);
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	if (strlen(body) != len || evhttp_parse_query_str(body, form) != 0) {
		free(body);
		evhttp_clear_headers(form);
		web_error(c, 400,
		    "the form is not application/"
		    "x-www-form-urlencoded");
		return -1;
	}
	free(body);
	/* The token of the session (or CSRF cookie) the request carries: a
	 * request without the cookie gets a fresh one and cannot match. */
	web_csrf(c, want);
	got = evhttp_find_header(form, "csrf");
	if (want[0] == '\0' || got == NULL ||
	    !util_ct_equal(got, strlen(got), want, 64)) {
		evhttp_clear_headers(form);
		web_error(c, 403,
		    "the form's CSRF token is missing or wrong: reload the "
		    "page and try again");
		return -1;
	}
	return 0;
}

/* Starts a session; writes its cookie. 0 or -1. */
static int
start_session(struct http_ctx *c)
{
	struct web *w = c->relay->web;
	int64_t now = relay_now(c->relay);
	struct web_session *slot = &w->sessions[0];
	char v[200];

	/* A free or expired slot, else the one that expires first. */
	for (size_t i = 0; i < LIMIT_WEB_SESSIONS; i++) {
		struct web_session *s = &w->sessions[i];
		if (s->id[0] == '\0' || s->expires <= now) {
			slot = s;
			break;
		}
		if (s->expires < slot->expires)
			slot = s;
	}
	if (random_hex(slot->id) != 0)
		return -1;
	token_mark(w, c->relay->cfg->auth.admin_token, slot->token);
	slot->expires = now + LIMIT_WEB_SESSION_SEC * 1000LL;
	snprintf(v, sizeof(v),
	    SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; "
	                   "SameSite=Strict",
	    slot->id, LIMIT_WEB_SESSION_SEC);
	evhttp_add_header(
	    evhttp_request_get_output_headers(c->req), "Set-Cookie", v);
	return 0;
}

void
web_login(struct http_ctx *c)
{
	const struct config *cfg = c->relay->cfg;
	struct web *w = c->relay->web;
	struct evkeyvalq form;
	const char *tok;
	int64_t minute = relay_now(c->relay) / 60000;

	if (!http_host_allowed(cfg,
	        evhttp_find_header(
	            evhttp_request_get_input_headers(c->req), "Host"))) {
		http_reply_error(
		    c->req, 403, "Host header is not this relay's address");
		return;
	}
	if (evhttp_request_get_command(c->req) != EVHTTP_REQ_POST) {
		if (cfg->auth.admin_token[0] == '\0')
			web_error(c, 404,
			    "no login: auth.admin_token is not set, the page "
			    "is open on this loopback address");
		else
			login_page(c, 200, NULL);
		return;
	}
	if (w->fail_minute != minute) {
		w->fail_minute = minute;
		w->fails = 0;
	}
	if (w->fails >= WEB_LOGIN_FAILS) {
		web_error(
		    c, 429, "too many failed logins; try again in a minute");
		return;
	}
	if (web_read_form(c, &form) != 0)
		return;
	tok = evhttp_find_header(&form, "token");
	if (cfg->auth.admin_token[0] == '\0') {
		web_error(c, 404, "no login: auth.admin_token is not set");
	} else if (tok == NULL ||
	    !util_ct_equal(tok, strlen(tok), cfg->auth.admin_token,
	        strlen(cfg->auth.admin_token))) {
		w->fails++;
		log_event(LOG_WARN, "web login refused", "req", c->id, NULL);
		login_page(c, 401, "That is not the admin token.");
	} else if (start_session(c) != 0) {
		web_error(c, 500, "no randomness for a session");
	} else {
		log_event(LOG_INFO, "web login", "req", c->id, NULL);
		web_see_other(c, "/");
	}
	evhttp_clear_headers(&form);
}

void
web_logout(struct http_ctx *c)
{
	struct evkeyvalq form;
	struct web_session *s;

	if (web_guard(c) != 0 || web_read_form(c, &form) != 0)
		return;
	evhttp_clear_headers(&form);
	s = session(c);
	if (s != NULL)
		memset(s, 0, sizeof(*s));
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Set-Cookie",
	    SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	web_see_other(c, "/login");
}
