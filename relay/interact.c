/*
 * interact.c: Slack interaction requests, decoded and validated; our snooze
 * buttons, encoded. See interact.h. Pure: no I/O, no clock, no logging (the
 * caller logs the static reason once).
 */
#include "interact.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "limits.h"
#include "util.h"

/*
 * Our actions. The action token travels in the value; action_id only has to
 * be unique within the actions block, and interact_click checks that both
 * agree so that a value pasted under another button is not obeyed.
 */
static const struct action {
	const char *token;
	const char *action_id;
	const char *label;
	const char *style; /* NULL: Slack's default look */
	int64_t ms;        /* snooze length; 0: until resolved; -1: none */
	int snoozed; /* shown on a snoozed root rather than a firing one */
} actions[] = {
    {"1h", "snooze_1h", "Snooze 1h", NULL, 3600000LL, 0},
    {"4h", "snooze_4h", "Snooze 4h", NULL, 4 * 3600000LL, 0},
    {"24h", "snooze_24h", "Snooze 24h", NULL, 24 * 3600000LL, 0},
    {"resolved", "snooze_resolved", "Snooze until resolved", NULL, 0, 0},
    {"unsnooze", "unsnooze", "Unsnooze", "primary", -1, 1},
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

/* The version prefix lets a later encoding coexist with buttons already
 * posted: old messages stay in channels for months. */
#define VALUE_PREFIX "v1:"

static const struct action *
action_find(const char *token)
{
	size_t i;

	for (i = 0; i < NACTIONS; i++)
		if (strcmp(actions[i].token, token) == 0)
			return &actions[i];
	return NULL;
}

void
interact_free(struct interact *ia)
{
	if (ia == NULL)
		return;
	free(ia->user_id);
	free(ia->user_name);
	free(ia->team_id);
	free(ia->channel_id);
	free(ia->message_ts);
	free(ia->response_url);
	free(ia->action_id);
	free(ia->block_id);
	free(ia->value);
	free(ia->action_ts);
	free(ia);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..n) into out (NULL: validate only). The output is never longer
 * than the input, so the body bound bounds it. A NUL byte, raw or escaped,
 * is refused: every consumer treats the result as a C string.
 */
static int
form_unescape(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int c, hi, lo;

	if (out != NULL)
		buf_reserve(out, n);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == '\0')
			return -1;
		if (out != NULL)
			buf_addc(out, (char)c);
	}
	return 0;
}

int
interact_form_field(const char *body, size_t len, const char *name, char **out,
    size_t *outlen, const char **err)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	const char *p = body, *end = body + len, *amp, *eq;
	int rc = -1, found = 0;

	*out = NULL;
	*outlen = 0;
	if (len > INTERACT_MAX_BODY) {
		*err = "body: too large";
		goto done;
	}
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		/* A pair without '=' is a field with an empty value. */
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		buf_reset(&key);
		if (form_unescape(p, (size_t)(eq - p), &key) == -1)
			goto bad;
		if (strcmp(buf_str(&key), name) != 0) {
			if (eq < amp &&
			    form_unescape(
			        eq + 1, (size_t)(amp - eq - 1), NULL) == -1)
				goto bad;
		} else if (found) {
			/* Two payloads: which one was meant is anyone's guess.
			 */
			*err = "form: field repeated";
			goto done;
		} else {
			found = 1;
			if (eq < amp &&
			    form_unescape(
			        eq + 1, (size_t)(amp - eq - 1), &val) == -1)
				goto bad;
		}
		p = amp + 1;
	}
	if (!found) {
		rc = 1;
		goto done;
	}
	*outlen = val.len;
	*out = val.len > 0 ? buf_steal(&val) : xstrdup("");
	rc = 0;
	goto done;
bad:
	*err = "form: bad escape or NUL byte";
done:
	buf_free(&key);
	buf_free(&val);
	return rc;
}

/*
 * 1 when the text nests arrays/objects deeper than LIMIT_JSON_DEPTH, checked
 * before jansson recurses into it. Linear: string contents are skipped with
 * their escapes. On malformed text the answer does not matter; jansson
 * refuses it next.
 */
static int
json_too_deep(const char *s, size_t n)
{
	size_t depth = 0, i;
	int instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		if (s[i] == '"')
			instr = 1;
		else if (s[i] == '[' || s[i] == '{') {
			if (++depth > LIMIT_JSON_DEPTH)
				return 1;
		} else if ((s[i] == ']' || s[i] == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/* What a field must look like. */
enum kind {
	K_USER,    /* U... or W... */
	K_TEAM,    /* T... */
	K_CHANNEL, /* C..., G... or D... */
	K_TS,      /* digits.digits */
	K_IDENT,   /* action_id, block_id: 1..255 bytes */
	K_NAME,    /* user name: 0..INTERACT_MAX_NAME bytes */
	K_VALUE,   /* 0..INTERACT_MAX_VALUE bytes */
	K_URL      /* https URL with a host */
};

/* 1 when s[0..n) has no C0 control character nor DEL. */
static int
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A Slack id: one of the prefix letters, then upper-case alphanumerics. */
static int
slack_id(const char *s, size_t n, const char *prefixes)
{
	size_t i;

	if (n < 2 || n > INTERACT_MAX_ID || strchr(prefixes, s[0]) == NULL)
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
slack_ts(const char *s, size_t n)
{
	size_t i, dot = 0, ndots = 0;

	if (n > INTERACT_MAX_TS)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			dot = i;
			ndots++;
		} else if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return ndots == 1 && dot > 0 && dot < n - 1;
}

static int
valid(enum kind kind, const char *s, size_t n)
{
	char host[INTERACT_MAX_HOST + 1];

	switch (kind) {
	case K_USER: return slack_id(s, n, "UW");
	case K_TEAM: return slack_id(s, n, "T");
	case K_CHANNEL: return slack_id(s, n, "CGD");
	case K_TS: return slack_ts(s, n);
	case K_IDENT:
		return n > 0 && n <= INTERACT_MAX_ACTION_ID && printable(s, n);
	case K_NAME: return n <= INTERACT_MAX_NAME && printable(s, n);
	case K_VALUE: return n <= INTERACT_MAX_VALUE && printable(s, n);
	case K_URL:
		return n <= LIMIT_URL &&
		    interact_url_host(s, host, sizeof(host)) == 0;
	}
	return 0;
}

/*
 * Copies string v into *dst after checking it against kind. Absent or null
 * gives `missing`, another type or a bad value `bad`; both 0/-1 with *err.
 */
static int
take(json_t *v, enum kind kind, char **dst, const char *missing,
    const char *bad, const char **err)
{
	const char *s;
	size_t n;

	if (v == NULL || json_is_null(v)) {
		*err = missing;
		return -1;
	}
	if (!json_is_string(v)) {
		*err = bad;
		return -1;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	/* jansson refuses \u0000 without JSON_ALLOW_NUL; checked anyway, as
	 * everything downstream treats these as C strings. */
	if (memchr(s, '\0', n) != NULL || !valid(kind, s, n)) {
		*err = bad;
		return -1;
	}
	*dst = xstrndup(s, n);
	return 0;
}

/* The first present, non-null member of the two (b may be NULL). */
static json_t *
either(json_t *a, json_t *b)
{
	return a != NULL && !json_is_null(a) ? a : b;
}

int
interact_parse_payload(
    const char *json, size_t len, struct interact **out, const char **err)
{
	struct interact *ia = NULL;
	json_t *root = NULL, *type, *user, *acts, *act, *v;
	json_error_t jerr;
	int rc = INTERACT_ERR;

	*out = NULL;
	if (len > INTERACT_MAX_BODY) {
		*err = "payload: too large";
		goto done;
	}
	if (json_too_deep(json, len)) {
		*err = "payload: nested too deep";
		goto done;
	}
	/* jansson's own message is not used: it quotes input bytes. */
	root = json_loadb(
	    json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		*err = "payload: not JSON";
		goto done;
	}
	if (!json_is_object(root)) {
		*err = "payload: not an object";
		goto done;
	}
	type = json_object_get(root, "type");
	if (!json_is_string(type)) {
		*err = "type: missing";
		goto done;
	}
	if (strcmp(json_string_value(type), "block_actions") != 0) {
		*err = "unsupported interaction type";
		rc = INTERACT_UNSUPPORTED;
		goto done;
	}

	ia = xcalloc(1, sizeof(*ia));
	/* json_object_get is NULL-safe and NULL on non-objects, so chains of
	 * lookups need no checks in between. */
	user = json_object_get(root, "user");
	if (take(json_object_get(user, "id"), K_USER, &ia->user_id,
	        "user.id: missing", "user.id: not a Slack user id", err) == -1)
		goto done;
	v = either(
	    json_object_get(user, "name"), json_object_get(user, "username"));
	if (v == NULL || json_is_null(v))
		ia->user_name = xstrdup("");
	else if (take(v, K_NAME, &ia->user_name, "", "user.name: invalid",
	             err) == -1)
		goto done;
	if (take(json_object_get(json_object_get(root, "team"), "id"), K_TEAM,
	        &ia->team_id, "team.id: missing",
	        "team.id: not a Slack team id", err) == -1)
		goto done;
	v = either(json_object_get(json_object_get(root, "channel"), "id"),
	    json_object_get(json_object_get(root, "container"), "channel_id"));
	if (take(v, K_CHANNEL, &ia->channel_id, "channel.id: missing",
	        "channel.id: not a Slack channel id", err) == -1)
		goto done;
	v = either(
	    json_object_get(json_object_get(root, "container"), "message_ts"),
	    json_object_get(json_object_get(root, "message"), "ts"));
	if (take(v, K_TS, &ia->message_ts, "message_ts: missing",
	        "message_ts: not a Slack timestamp", err) == -1)
		goto done;
	if (take(json_object_get(root, "response_url"), K_URL,
	        &ia->response_url, "response_url: missing",
	        "response_url: not an https URL", err) == -1)
		goto done;

	acts = json_object_get(root, "actions");
	if (acts == NULL || json_is_null(acts)) {
		*err = "actions: missing";
		goto done;
	}
	if (!json_is_array(acts) || json_array_size(acts) == 0) {
		*err = "actions: not a non-empty array";
		goto done;
	}
	act = json_array_get(acts, 0);
	if (!json_is_object(act)) {
		*err = "actions[0]: not an object";
		goto done;
	}
	if (take(json_object_get(act, "action_id"), K_IDENT, &ia->action_id,
	        "actions[0].action_id: missing",
	        "actions[0].action_id: invalid", err) == -1 ||
	    take(json_object_get(act, "block_id"), K_IDENT, &ia->block_id,
	        "actions[0].block_id: missing", "actions[0].block_id: invalid",
	        err) == -1 ||
	    take(json_object_get(act, "action_ts"), K_TS, &ia->action_ts,
	        "actions[0].action_ts: missing",
	        "actions[0].action_ts: not a Slack timestamp", err) == -1)
		goto done;
	/* Buttons carry `value`; overflow menus and selects the option's. */
	v = either(json_object_get(act, "value"),
	    json_object_get(json_object_get(act, "selected_option"), "value"));
	if (v == NULL || json_is_null(v))
		ia->value = xstrdup("");
	else if (take(v, K_VALUE, &ia->value, "", "actions[0].value: invalid",
	             err) == -1)
		goto done;

	*out = ia;
	ia = NULL;
	rc = INTERACT_OK;
done:
	interact_free(ia);
	json_decref(root);
	return rc;
}

int
interact_parse(
    const char *body, size_t len, struct interact **out, const char **err)
{
	char *payload = NULL;
	size_t n;
	int rc;

	*out = NULL;
	rc = interact_form_field(body, len, "payload", &payload, &n, err);
	if (rc == 1) {
		*err = "payload: missing";
		rc = INTERACT_ERR;
	} else if (rc == 0)
		rc = interact_parse_payload(payload, n, out, err);
	free(payload);
	return rc;
}

int
interact_url_host(const char *url, char *host, size_t len)
{
	const char *h, *p;
	size_t n, i;
	int port;

	if (len > 0)
		host[0] = '\0';
	if (url == NULL || strncasecmp(url, "https://", 8) != 0 ||
	    !util_http_url(url))
		return -1;
	h = url + 8;
	n = strcspn(h, ":/?#");
	if (n == 0 || n > INTERACT_MAX_HOST || n >= len)
		return -1;
	/* Only hostname characters: this refuses user info ("@"), IP-literal
	 * brackets, percent-escapes and backslashes, each a way to make a URL
	 * whose host reads differently to us than to the HTTP client. */
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		        (h[i] >= 'A' && h[i] <= 'Z') ||
		        (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		        h[i] == '.'))
			return -1;
	p = h + n;
	if (*p == ':') {
		/* Port 0 and an empty port are both refused here. */
		for (p++, port = 0; *p >= '0' && *p <= '9'; p++)
			if ((port = port * 10 + (*p - '0')) > 65535)
				return -1;
		if (port == 0)
			return -1;
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		return -1;
	for (i = 0; i < n; i++)
		host[i] =
		    (h[i] >= 'A' && h[i] <= 'Z') ? h[i] - 'A' + 'a' : h[i];
	host[n] = '\0';
	return 0;
}

int
interact_value_encode(
    int64_t incident_id, const char *action, char *buf, size_t len)
{
	int n;

	if (incident_id <= 0 || action == NULL || action_find(action) == NULL)
		return -1;
	n = snprintf(
	    buf, len, VALUE_PREFIX "%lld:%s", (long long)incident_id, action);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
interact_value_decode(
    const char *value, int64_t *incident_id, char *action, size_t len)
{
	const char *p;
	int64_t id = 0;
	size_t n;

	if (value == NULL ||
	    strnlen(value, INTERACT_MAX_OPTION_VALUE + 1) >
	        INTERACT_MAX_OPTION_VALUE ||
	    strncmp(value, VALUE_PREFIX, strlen(VALUE_PREFIX)) != 0)
		return -1;
	p = value + strlen(VALUE_PREFIX);
	/* Canonical decimal only (no sign, no leading zero), so that each
	 * incident has exactly one value per action. */
	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (id > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		id = id * 10 + (*p - '0');
	}
	if (*p++ != ':' || action_find(p) == NULL)
		return -1;
	n = strlen(p);
	if (n >= len)
		return -1;
	memcpy(action, p, n + 1);
	*incident_id = id;
	return 0;
}

int
interact_click(const struct interact *ia, int64_t *incident_id, char *action,
    size_t len, const char **err)
{
	if (interact_value_decode(ia->value, incident_id, action, len) == -1) {
		*err = "action: value not ours";
		return -1;
	}
	if (strcmp(action_find(action)->action_id, ia->action_id) != 0) {
		*err = "action: action_id does not match value";
		return -1;
	}
	return 0;
}

int
interact_action_ms(const char *action, int64_t *ms)
{
	const struct action *a = action != NULL ? action_find(action) : NULL;

	if (a == NULL || a->ms < 0)
		return -1;
	*ms = a->ms;
	return 0;
}

json_t *
interact_buttons(int64_t incident_id, int snoozed)
{
	char value[INTERACT_MAX_OPTION_VALUE + 1];
	json_t *list, *o;
	size_t i;

	if (incident_id <= 0)
		return NULL;
	if ((list = json_array()) == NULL)
		abort();
	for (i = 0; i < NACTIONS; i++) {
		if (actions[i].snoozed != (snoozed != 0))
			continue;
		/* Cannot fail: the id is positive and fits the buffer. */
		if (interact_value_encode(incident_id, actions[i].token, value,
		        sizeof(value)) == -1)
			abort();
		o = json_pack("{s:s,s:s,s:s}", "text", actions[i].label,
		    "action_id", actions[i].action_id, "value", value);
		if (o == NULL)
			abort();
		if (actions[i].style != NULL)
			json_object_set_new(
			    o, "style", json_string(actions[i].style));
		json_array_append_new(list, o);
	}
	return list;
}
