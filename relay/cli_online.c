/*
 * cli_online.c: `check --online` (see cli_online.h). Both requests go
 * through http_client on a loop of their own and run concurrently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "catalog.h"
#include "cli_online.h"
#include "http_client.h"
#include "slack.h"

#define ONLINE_MAX_RESPONSE (1024 * 1024)
#define ONLINE_PROBE_NS "alert-delivery-check"

struct online {
	int failed;
};

/* 1 when the comma-separated list has scope as one of its items. */
static int
has_scope(const char *list, const char *scope)
{
	size_t n = strlen(scope);
	const char *p = list;

	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && strncmp(p, scope, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

static void
slack_done(void *arg, const struct http_response *r)
{
	struct online *o = arg;
	json_t *root = NULL, *ok;
	const char *team, *user, *error;

	if (!r->ok) {
		fprintf(stderr, "alert-delivery: slack auth.test: %s\n",
		    r->error != NULL ? r->error : "failed");
		goto fail;
	}
	if (r->status != 200) {
		fprintf(stderr, "alert-delivery: slack auth.test: HTTP %ld\n",
		    r->status);
		goto fail;
	}
	root = json_loadb(r->body, r->body_len, 0, NULL);
	ok = json_object_get(root, "ok");
	if (!json_is_boolean(ok)) {
		fprintf(stderr,
		    "alert-delivery: slack auth.test: not a Slack answer\n");
		goto fail;
	}
	if (!json_is_true(ok)) {
		error = json_string_value(json_object_get(root, "error"));
		fprintf(stderr, "alert-delivery: slack auth.test: %s\n",
		    error != NULL ? error : "refused");
		goto fail;
	}
	team = json_string_value(json_object_get(root, "team"));
	user = json_string_value(json_object_get(root, "user"));
	if (r->oauth_scopes != NULL &&
	    !has_scope(r->oauth_scopes, "chat:write")) {
		fprintf(stderr,
		    "alert-delivery: slack auth.test: the token lacks the "
		    "chat:write scope (it has: %s)\n",
		    r->oauth_scopes);
		goto fail;
	}
	printf("slack: ok (team %s, bot %s, scopes %s)\n",
	    team != NULL ? team : "?", user != NULL ? user : "?",
	    r->oauth_scopes != NULL ? r->oauth_scopes : "not reported");
	json_decref(root);
	return;
fail:
	json_decref(root);
	o->failed = 1;
}

static void
catalog_done(void *arg, const struct http_response *r)
{
	struct online *o = arg;

	if (!r->ok) {
		fprintf(stderr, "alert-delivery: catalog: %s\n",
		    r->error != NULL ? r->error : "failed");
		o->failed = 1;
	} else if (r->status == 200 || r->status == 404) {
		/* 404 is the API's "unknown namespace": it answered. */
		printf("catalog: ok (HTTP %ld for namespace %s)\n", r->status,
		    ONLINE_PROBE_NS);
	} else {
		fprintf(
		    stderr, "alert-delivery: catalog: HTTP %ld\n", r->status);
		o->failed = 1;
	}
}

int
cli_online_check(const struct config *cfg)
{
	struct online o = {0};
	struct event_base *base = NULL;
	struct http_client *http = NULL;
	struct http_request req;
	char url[1100];
	char *curl = NULL;
	int rc = 1;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((base = event_base_new()) == NULL ||
	    (http = http_client_new(base)) == NULL) {
		fprintf(stderr, "alert-delivery: cannot start HTTP client\n");
		goto done;
	}
	if (cfg->slack.bot_token != NULL && cfg->slack.bot_token[0] != '\0') {
		slack_auth_test_request(&req, url, sizeof(url),
		    cfg->slack.api_url, cfg->slack.bot_token,
		    cfg->slack.timeout, ONLINE_MAX_RESPONSE);
		if (http_client_start(http, &req, slack_done, &o) != 0) {
			fprintf(stderr,
			    "alert-delivery: slack: cannot start "
			    "request\n");
			o.failed = 1;
		}
	} else if (cfg->slack.webhook_url != NULL &&
	    cfg->slack.webhook_url[0] != '\0') {
		printf("slack: incoming webhook not called (a call posts a "
		       "message)\n");
	} else {
		printf("slack: preview mode, nothing to call\n");
	}
	if (cfg->catalog.url != NULL && cfg->catalog.url[0] != '\0') {
		if ((curl = catalog_url_build(
		         cfg->catalog.url, ONLINE_PROBE_NS)) == NULL) {
			fprintf(stderr, "alert-delivery: catalog: bad url\n");
			o.failed = 1;
		} else {
			memset(&req, 0, sizeof(req));
			req.method = "GET";
			req.url = curl;
			req.timeout_ms = cfg->catalog.timeout;
			req.max_response = ONLINE_MAX_RESPONSE;
			if (http_client_start(http, &req, catalog_done, &o) !=
			    0) {
				fprintf(stderr,
				    "alert-delivery: catalog: "
				    "cannot start request\n");
				o.failed = 1;
			}
		}
	} else {
		printf("catalog: no API configured\n");
	}
	while (http_client_inflight(http) > 0)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	rc = o.failed ? 1 : 0;
done:
	free(curl);
	http_client_free(http);
	if (base != NULL)
		event_base_free(base);
	curl_global_cleanup();
	return rc;
}
