/*
 * config.c: the YAML configuration file (SPEC section 3) -> struct config.
 *
 * The file is loaded as one libyaml document (a node tree with line
 * numbers) and walked against a single table of keys. Defaults live in the
 * same table as text and go through the same parsers as file values, so a
 * default can never be something the file itself would refuse.
 *
 * Rules on top of YAML:
 *  - a null value (`key:`, `key: ~`, `key: null`) leaves the key at its
 *    default; write "" or [] to clear a string or a list;
 *  - every scalar value (never a key) goes through environment
 *    substitution: ${NAME} is NAME's value, ${NAME:-text} is NAME's value
 *    when set and non-empty, else text (as in sh), and $$ is a literal $
 *    ("pa$$word" reads "pa$word"). A $ before anything else stays as it is,
 *    so regexes and passwords with a lone $ need no escaping. Substituted
 *    text is not substituted again, so the environment cannot inject ${...};
 *  - the first error ends the load with one line "FILE:LINE: KEY: reason".
 *    Values are quoted in errors only for durations, sizes, numbers,
 *    booleans, enums and listen; never for strings or URLs, which may be
 *    secrets or carry them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "yamltree.h"

enum kind {
	K_SECTION, /* a mapping of the keys named "section.*" */
	K_STR,
	K_URL,
	K_PATH,
	K_LIST,
	K_DUR,
	K_SIZE,
	K_COUNT,
	K_RATE,
	K_BOOL,
	K_LEVEL,
	K_FORMAT,
	K_LISTEN,
};

#define MAX_DURATION (100 * 365 * 86400000LL)
#define MAX_SIZE (1024ULL * 1024 * 1024)

#define F_REQUIRED 0x01  /* "" is refused */
#define F_POSITIVE 0x02  /* a duration of 0 is refused */
#define F_WHOLE_SEC 0x04 /* a duration must be whole seconds */

struct key {
	const char *name; /* dotted path */
	enum kind kind;
	size_t off; /* of the field in struct config */
	int flags;
	const char *def; /* default as file text; lists comma-separated */
};

#define O(f) offsetof(struct config, f)
static const struct key keys[] = {
    {"listen", K_LISTEN, O(listen), F_REQUIRED, "127.0.0.1:9095"},
    /* "" is derived from listen once the file is read. */
    {"public_url", K_URL, O(public_url), 0, ""},
    {"database", K_PATH, O(database), F_REQUIRED, "./var/alert-delivery.db"},
    {"templates", K_PATH, O(templates), 0, ""},
    {"rules", K_PATH, O(rules), 0, "./rules"},
    {"auth", K_SECTION, 0, 0, NULL},
    {"auth.webhook_token", K_STR, O(auth.webhook_token), 0, ""},
    {"auth.webhook_hmac_secret", K_STR, O(auth.webhook_hmac_secret), 0, ""},
    {"auth.webhook_hmac_header", K_STR, O(auth.webhook_hmac_header), F_REQUIRED,
        "X-Grafana-Alerting-Signature"},
    {"auth.webhook_hmac_timestamp_header", K_STR,
        O(auth.webhook_hmac_timestamp_header), 0, ""},
    {"auth.admin_token", K_STR, O(auth.admin_token), 0, ""},
    {"limits", K_SECTION, 0, 0, NULL},
    {"limits.max_body", K_SIZE, O(limits.max_body), 0, "32MiB"},
    {"limits.max_alerts", K_COUNT, O(limits.max_alerts), 0, "10000"},
    {"limits.max_pending", K_COUNT, O(limits.max_pending), 0, "100000"},
    {"slack", K_SECTION, 0, 0, NULL},
    {"slack.api_url", K_URL, O(slack.api_url), F_REQUIRED,
        "https://slack.com/api"},
    {"slack.bot_token", K_STR, O(slack.bot_token), 0, ""},
    {"slack.webhook_url", K_URL, O(slack.webhook_url), 0, ""},
    {"slack.signing_secret", K_STR, O(slack.signing_secret), 0, ""},
    {"slack.allowed_team_ids", K_LIST, O(slack.allowed_team_ids), 0, ""},
    {"slack.response_url_hosts", K_LIST, O(slack.response_url_hosts), 0,
        "hooks.slack.com"},
    {"slack.default_channel", K_STR, O(slack.default_channel), F_REQUIRED,
        "#alerts"},
    {"slack.digest_channel", K_STR, O(slack.digest_channel), 0,
        "#alerts-digest"},
    {"slack.fallback_mention", K_STR, O(slack.fallback_mention), 0, ""},
    {"slack.rate_per_channel", K_RATE, O(slack.rate_per_channel), 0, "1"},
    {"slack.rate_workspace", K_RATE, O(slack.rate_workspace), 0, "5"},
    {"slack.rate_update", K_RATE, O(slack.rate_update), 0, "0.8"},
    {"slack.update_debounce", K_DUR, O(slack.update_debounce), 0, "30s"},
    {"slack.timeout", K_DUR, O(slack.timeout), F_POSITIVE, "10s"},
    {"slack.retry_base", K_DUR, O(slack.retry_base), F_POSITIVE, "1s"},
    {"slack.retry_max", K_DUR, O(slack.retry_max), F_POSITIVE, "5m"},
    {"slack.give_up_after", K_DUR, O(slack.give_up_after), F_POSITIVE, "24h"},
    {"catalog", K_SECTION, 0, 0, NULL},
    {"catalog.file", K_PATH, O(catalog.file), 0, ""},
    {"catalog.url", K_URL, O(catalog.url), 0, ""},
    {"catalog.ttl", K_DUR, O(catalog.ttl), 0, "10m"},
    {"catalog.timeout", K_DUR, O(catalog.timeout), F_POSITIVE, "2s"},
    {"links", K_SECTION, 0, 0, NULL},
    {"links.project", K_STR, O(links.project), 0, ""},
    {"links.dashboard", K_STR, O(links.dashboard), 0, ""},
    {"links.logs", K_STR, O(links.logs), 0, ""},
    {"grouping", K_SECTION, 0, 0, NULL},
    {"grouping.namespace_labels", K_LIST, O(grouping.namespace_labels), 0,
        "namespace,kubernetes_namespace,exported_namespace"},
    {"grouping.default_namespace", K_STR, O(grouping.default_namespace),
        F_REQUIRED, "cluster"},
    {"grouping.incident_labels", K_LIST, O(grouping.incident_labels), 0,
        "cluster"},
    {"grouping.hidden_labels", K_LIST, O(grouping.hidden_labels), 0,
        "__name__,grafana_folder,__alert_rule_uid__"},
    {"grouping.value_ref", K_LIST, O(grouping.value_ref), 0, "B,A"},
    {"grouping.resolve_after", K_DUR, O(grouping.resolve_after), F_POSITIVE,
        "12h"},
    {"grouping.reopen_window", K_DUR, O(grouping.reopen_window), 0, "10m"},
    {"reminders", K_SECTION, 0, 0, NULL},
    {"reminders.default_every", K_DUR, O(reminders.default_every), 0, "4h"},
    {"digest", K_SECTION, 0, 0, NULL},
    {"digest.every", K_DUR, O(digest.every), F_WHOLE_SEC, "1h"},
    {"digest.skip_empty", K_BOOL, O(digest.skip_empty), 0, "true"},
    {"retention", K_DUR, O(retention), F_POSITIVE, "30d"},
    {"log", K_SECTION, 0, 0, NULL},
    {"log.level", K_LEVEL, O(log.level), 0, "info"},
    {"log.format", K_FORMAT, O(log.format), 0, "logfmt"},
};
#undef O
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* One load in progress. */
struct ctx {
	struct config *c;
	const char *file; /* for messages */
	const char *dir;  /* relative paths are joined to this */
	struct yamltree *tree;
	size_t lines[NKEYS]; /* where each key was set; 0 = default */
	char *err;
	size_t errlen;
};

static int fail(struct ctx *, size_t, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Returns s made printable for an error line in buf: cut at 40 bytes, bytes
 * outside printable ASCII shown as '?', so that a hostile key or value cannot
 * forge a second log line.
 */
static const char *
shown(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 4 < len && i < 40; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (s[i] != '\0' && i + 4 <= len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* Sets err to "FILE:LINE: KEY: reason" (no LINE when 0, no KEY when NULL). */
static int
fail(struct ctx *x, size_t line, const char *key, const char *fmt, ...)
{
	char msg[512], where[32] = "", name[64] = "", show[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(where, sizeof(where), ":%zu", line);
	if (key != NULL)
		snprintf(
		    name, sizeof(name), "%s: ", shown(key, show, sizeof(show)));
	/* A cut message is still the right message: err is sized by the
	 * caller and the line stays one line. */
	if (x->errlen > 0)
		snprintf(
		    x->err, x->errlen, "%s%s: %s%s", x->file, where, name, msg);
	return -1;
}

static const struct key *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define VAR_CHARS UPPER LOWER "0123456789_"
#define HOST_CHARS VAR_CHARS ".-"

/*
 * Environment substitution (rules at the top of this file). Returns new in
 * *out, or -1 with err set.
 */
static int
expand(struct ctx *x, const char *s, size_t line, const char *key, char **out)
{
	struct buf b = BUF_INIT;
	const char *p = s, *name, *end, *close, *val, *why = NULL;
	char var[128];
	size_t n;

	while (*p != '\0' && why == NULL) {
		if (p[0] != '$' || (p[1] != '$' && p[1] != '{')) {
			n = strcspn(p + 1, "$") + 1;
			buf_add(&b, p, n);
			p += n;
			continue;
		}
		if (p[1] == '$') {
			buf_addc(&b, '$');
			p += 2;
			continue;
		}
		name = p + 2;
		end = name + strspn(name, VAR_CHARS);
		n = (size_t)(end - name);
		if ((close = strchr(end, '}')) == NULL) {
			why = "unterminated ${ (write $$ for a literal $)";
			break;
		}
		if (n == 0 || n >= sizeof(var) ||
		    strchr(UPPER LOWER "_", *name) == NULL ||
		    (end != close && strncmp(end, ":-", 2) != 0)) {
			why = "expected ${NAME} or ${NAME:-default}";
			break;
		}
		memcpy(var, name, n);
		var[n] = '\0';
		val = getenv(var);
		if (end != close && (val == NULL || *val == '\0'))
			buf_add(&b, end + 2, (size_t)(close - end - 2));
		else if (val != NULL)
			buf_adds(&b, val);
		else {
			buf_free(&b);
			return fail(x, line, key,
			    "environment variable %s is not set "
			    "(write ${%s:-default} for a default)",
			    var, var);
		}
		p = close + 1;
	}
	if (why != NULL) {
		buf_free(&b);
		return fail(x, line, key, "%s", why);
	}
	*out = buf_steal(&b);
	return 0;
}

/* Borrowed: the host of an http(s) URL ("" when none), lowercased, in buf. */
static const char *
url_host(const char *url, char *buf, size_t len)
{
	const char *h = strstr(url, "://"), *end, *at, *colon, *close;
	size_t n;

	buf[0] = '\0';
	if (h == NULL)
		return buf;
	h += 3;
	end = h + strcspn(h, "/?#");
	if ((at = memrchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	if (*h == '[' && (close = memchr(h, ']', (size_t)(end - h))) != NULL) {
		h++;
		end = close;
	} else if ((colon = memchr(h, ':', (size_t)(end - h))) != NULL)
		end = colon;
	n = (size_t)(end - h);
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (h[i] >= 'A' && h[i] <= 'Z') ? h[i] - 'A' + 'a' : h[i];
	buf[n] = '\0';
	return buf;
}

/* Returns NULL when s is an http:// or https:// URL with a host, else why. */
static const char *
url_problem(const char *s)
{
	char host[256];

	if (strncasecmp(s, "http://", 7) != 0 &&
	    strncasecmp(s, "https://", 8) != 0)
		return "must be an http:// or https:// URL";
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return "URL must not contain spaces or control "
			       "characters";
	if (*url_host(s, host, sizeof(host)) == '\0')
		return "URL has no host";
	return NULL;
}

/* Returns new: p resolved against dir ("./x" and "x" both give "dir/x"). */
static char *
path_resolve(const char *dir, const char *p)
{
	size_t n = strlen(dir);

	if (*p == '/')
		return xstrdup(p);
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	if (*p == '\0' || strcmp(p, ".") == 0)
		return xstrdup(dir);
	return xasprintf(
	    "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", p);
}

/*
 * "host:port" or "[v6]:port". An IPv6 address without brackets is refused:
 * "::1:9095" cannot be split without guessing.
 */
static int
set_listen(struct ctx *x, const struct key *k, const char *s, size_t line)
{
	struct config *c = x->c;
	char show[64], addr[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	const char *hs, *he, *port, *why;
	long long n;

	shown(s, show, sizeof(show));
	if (*s == '[') {
		hs = s + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':')
			return fail(x, line, k->name,
			    "expected [IPv6]:port, got \"%s\"", show);
		if (he == hs || (size_t)(he - hs) >= sizeof(addr))
			return fail(x, line, k->name,
			    "bad IPv6 address in \"%s\"", show);
		memcpy(addr, hs, (size_t)(he - hs));
		addr[he - hs] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return fail(x, line, k->name,
			    "bad IPv6 address in \"%s\"", show);
		port = he + 2;
	} else {
		hs = s;
		if ((he = strrchr(s, ':')) == NULL)
			return fail(x, line, k->name,
			    "expected host:port, got \"%s\"", show);
		if (memchr(s, ':', (size_t)(he - s)) != NULL)
			return fail(x, line, k->name,
			    "an IPv6 address needs brackets, e.g. [::1]:9095");
		if (he == hs)
			return fail(x, line, k->name,
			    "missing host in \"%s\" (0.0.0.0:PORT listens on "
			    "every address)",
			    show);
		if (strspn(hs, HOST_CHARS) < (size_t)(he - hs))
			return fail(
			    x, line, k->name, "bad host in \"%s\"", show);
		port = he + 1;
	}
	if (util_strtonum(port, 1, 65535, &n, &why) == -1)
		return fail(x, line, k->name,
		    "port in \"%s\" is not a number in 1..65535", show);
	free(c->listen);
	free(c->listen_host);
	c->listen = xstrdup(s);
	c->listen_host = xstrndup(hs, (size_t)(he - hs));
	c->listen_port = (int)n;
	return 0;
}

static int
set_str(char **field, const char *s)
{
	free(*field);
	*field = xstrdup(s);
	return 0;
}

/* Sets one scalar key from its (already substituted) text. */
static int
set_scalar(struct ctx *x, const struct key *k, const char *s, size_t line)
{
	void *field = (char *)x->c + k->off;
	char show[64], *p;
	const char *why;
	int64_t ms;
	uint64_t size;
	long long n;
	double d;

	shown(s, show, sizeof(show));
	if (*s == '\0' && (k->flags & F_REQUIRED))
		return fail(x, line, k->name, "must not be empty");
	switch (k->kind) {
	case K_STR: return set_str(field, s);
	case K_URL:
		if (*s != '\0' && (why = url_problem(s)) != NULL)
			return fail(x, line, k->name, "%s", why);
		set_str(field, s);
		/* Callers append "/chat.postMessage" and the like. */
		p = *(char **)field;
		for (size_t i = strlen(p); i > 0 && p[i - 1] == '/'; i--)
			p[i - 1] = '\0';
		return 0;
	case K_PATH:
		free(*(char **)field);
		*(char **)field =
		    *s == '\0' ? xstrdup("") : path_resolve(x->dir, s);
		return 0;
	case K_DUR:
		if (util_duration_parse(s, &ms) == -1)
			return fail(x, line, k->name,
			    "bad duration \"%s\" (e.g. 30s, 5m, 1h30m)", show);
		/* Callers add durations to Unix ms: keep that sum far from
		 * overflow. */
		if (ms > MAX_DURATION)
			return fail(x, line, k->name,
			    "\"%s\" is too long (at most 100y)", show);
		if (ms == 0 && (k->flags & F_POSITIVE))
			return fail(x, line, k->name, "must be more than 0");
		if (ms % 1000 != 0 && (k->flags & F_WHOLE_SEC))
			return fail(x, line, k->name,
			    "\"%s\" is not a whole number of seconds", show);
		*(int64_t *)field = ms;
		return 0;
	case K_SIZE:
		if (util_size_parse(s, &size) == -1)
			return fail(x, line, k->name,
			    "bad size \"%s\" (e.g. 512KiB, 32MiB)", show);
		if (size == 0)
			return fail(x, line, k->name, "must be more than 0");
		/* evhttp takes a signed size; no body is near this. */
		if (size > MAX_SIZE)
			return fail(x, line, k->name, "must be at most 1GiB");
		*(uint64_t *)field = size;
		return 0;
	case K_COUNT:
		if (util_strtonum(s, 1, INT32_MAX, &n, &why) == -1)
			return fail(x, line, k->name,
			    "\"%s\" is not a whole number in 1..%d", show,
			    INT32_MAX);
		*(long long *)field = n;
		return 0;
	case K_RATE:
		/* strtod also takes "nan", "inf" and hex: not rates. */
		if (s[strspn(s, "0123456789.eE+-")] != '\0' ||
		    util_strtod(s, &d) == -1 || !isfinite(d))
			return fail(x, line, k->name,
			    "bad number \"%s\" (per second, e.g. 1 or 0.8)",
			    show);
		if (d < 0)
			return fail(x, line, k->name,
			    "must not be negative (0 = unlimited)");
		*(double *)field = d;
		return 0;
	case K_BOOL:
		/* YAML 1.2 core schema; yes/no/on/off are YAML 1.1 traps. */
		if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
		    strcmp(s, "TRUE") == 0)
			*(int *)field = 1;
		else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
		    strcmp(s, "FALSE") == 0)
			*(int *)field = 0;
		else
			return fail(x, line, k->name,
			    "expected true or false, got \"%s\"", show);
		return 0;
	case K_LEVEL:
		if (log_level_parse(s, field) == -1)
			return fail(x, line, k->name,
			    "unknown level \"%s\" (debug|info|warn|error)",
			    show);
		return 0;
	case K_FORMAT:
		if (strcmp(s, "logfmt") == 0)
			*(enum log_format *)field = LOG_LOGFMT;
		else if (strcmp(s, "json") == 0)
			*(enum log_format *)field = LOG_JSON;
		else
			return fail(x, line, k->name,
			    "unknown format \"%s\" (logfmt|json)", show);
		return 0;
	case K_LISTEN: return set_listen(x, k, s, line);
	case K_SECTION:
	case K_LIST: break;
	}
	return fail(x, line, k->name, "internal error: not a scalar key");
}

static int
set_list(struct ctx *x, const struct key *k, yaml_node_t *v)
{
	struct strlist l, *field;
	yaml_node_item_t *it;
	yaml_node_t *n;
	const char *s;
	char *e;

	if (v->type != YAML_SEQUENCE_NODE)
		return fail(x, yamltree_line(v), k->name,
		    "expected a list (e.g. [a, b]), got a %s",
		    yamltree_kind(v));
	/* Sized once: strlist_add grows one by one, quadratic on long lists. */
	l.n = 0;
	l.v = xcalloc(
	    (size_t)(v->data.sequence.items.top - v->data.sequence.items.start),
	    sizeof(*l.v));
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		n = yamltree_node(x->tree, *it);
		s = n != NULL && !yamltree_is_null(n) ? yamltree_text(n) : NULL;
		if (s == NULL)
			goto bad;
		if (expand(x, s, yamltree_line(n), k->name, &e) == -1)
			goto fail;
		l.v[l.n++] = e;
		if (*e == '\0')
			goto bad;
	}
	field = (struct strlist *)(void *)((char *)x->c + k->off);
	strlist_free(field);
	*field = l;
	return 0;
bad:
	fail(x, n != NULL ? yamltree_line(n) : yamltree_line(v), k->name,
	    "list items must be non-empty strings");
fail:
	strlist_free(&l);
	return -1;
}

/* Sets one key from a value node. */
static int
set_node(struct ctx *x, const struct key *k, yaml_node_t *v)
{
	const char *s;
	char *e;
	int rc;

	if (k->kind == K_LIST)
		return set_list(x, k, v);
	if (v->type != YAML_SCALAR_NODE)
		return fail(x, yamltree_line(v), k->name,
		    "expected a single value, got a %s", yamltree_kind(v));
	if ((s = yamltree_text(v)) == NULL)
		return fail(
		    x, yamltree_line(v), k->name, "contains a NUL byte");
	if (expand(x, s, yamltree_line(v), k->name, &e) == -1)
		return -1;
	rc = set_scalar(x, k, e, yamltree_line(v));
	free(e);
	return rc;
}

/*
 * Walks one mapping: the top level (prefix NULL) or a section. Sections
 * exist only at the top level, so the walk is at most two deep whatever
 * aliases the document holds.
 */
static int
walk(struct ctx *x, yaml_node_t *map, const char *prefix)
{
	yaml_node_pair_t *pair;
	yaml_node_t *kn, *vn;
	const struct key *k;
	const char *s;
	char name[128];
	size_t i, line;
	int w;

	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		kn = yamltree_node(x->tree, pair->key);
		vn = yamltree_node(x->tree, pair->value);
		if (kn == NULL || vn == NULL)
			return fail(x, yamltree_line(map), prefix, "malformed");
		line = yamltree_line(kn);
		if (kn->type != YAML_SCALAR_NODE ||
		    (s = yamltree_text(kn)) == NULL)
			return fail(x, line, prefix, "keys must be strings");
		w = snprintf(name, sizeof(name), "%s%s%s",
		    prefix != NULL ? prefix : "", prefix != NULL ? "." : "", s);
		k = w >= 0 && (size_t)w < sizeof(name) ? key_find(name) : NULL;
		if (k == NULL || (prefix == NULL && strchr(s, '.') != NULL))
			return fail(x, line, name, "unknown key");
		i = (size_t)(k - keys);
		if (x->lines[i] != 0)
			return fail(x, line, k->name,
			    "duplicate key (first at line %zu)", x->lines[i]);
		x->lines[i] = line;
		if (yamltree_is_null(vn))
			continue;
		if (k->kind != K_SECTION) {
			if (set_node(x, k, vn) == -1)
				return -1;
		} else if (vn->type != YAML_MAPPING_NODE) {
			return fail(x, yamltree_line(vn), k->name,
			    "expected a mapping, got a %s", yamltree_kind(vn));
		} else if (walk(x, vn, k->name) == -1)
			return -1;
	}
	return 0;
}

/* Checks across keys and derived values, once every key is set. */
static int
finish(struct ctx *x)
{
	struct config *c = x->c;
	size_t base = (size_t)(key_find("slack.retry_base") - keys);
	size_t max = (size_t)(key_find("slack.retry_max") - keys);
	char a[32], b[32], host[256];

	if (c->slack.retry_base > c->slack.retry_max) {
		util_duration_format(c->slack.retry_base, a, sizeof(a));
		util_duration_format(c->slack.retry_max, b, sizeof(b));
		if (x->lines[base] != 0)
			return fail(x, x->lines[base], "slack.retry_base",
			    "%s is more than slack.retry_max (%s)", a, b);
		return fail(x, x->lines[max], "slack.retry_max",
		    "%s is less than slack.retry_base (%s)", b, a);
	}
	if (*c->public_url == '\0') {
		free(c->public_url);
		c->public_url = xasprintf("http://%s", c->listen);
	}
	/* SPEC: response_url hosts are the list "plus api_url's host". */
	url_host(c->slack.api_url, host, sizeof(host));
	if (*host != '\0' && !strlist_has(&c->slack.response_url_hosts, host))
		strlist_add(&c->slack.response_url_hosts, host);
	return 0;
}

/* Returns new: a config holding every default, paths joined to dir. */
static struct config *
defaults_new(const char *dir)
{
	struct ctx x;
	char err[256];
	const char *p, *comma;

	memset(&x, 0, sizeof(x));
	x.c = xcalloc(1, sizeof(*x.c));
	x.file = "(defaults)";
	x.dir = dir;
	x.err = err;
	x.errlen = sizeof(err);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->kind == K_SECTION)
			continue;
		if (k->kind != K_LIST) {
			if (set_scalar(&x, k, k->def, 0) == -1) {
				/* The table is wrong: a bug, not an input. */
				fprintf(stderr, "alert-delivery: %s\n", err);
				abort();
			}
			continue;
		}
		for (p = k->def; *p != '\0'; p = *comma ? comma + 1 : comma) {
			char *item;

			comma = p + strcspn(p, ",");
			item = xstrndup(p, (size_t)(comma - p));
			strlist_add(
			    (struct strlist *)(void *)((char *)x.c + k->off),
			    item);
			free(item);
		}
	}
	return x.c;
}

/* The one parser behind config_load and config_load_buffer. */
static struct config *
parse(const char *data, size_t len, const char *file, const char *dir,
    char *err, size_t errlen)
{
	struct yamltree tree;
	struct config *c = NULL;
	struct ctx x;
	yaml_node_t *root;
	char why[256];
	size_t line;

	memset(&x, 0, sizeof(x));
	x.file = file;
	x.dir = dir;
	x.err = err;
	x.errlen = errlen;
	x.tree = &tree;
	if (len > LIMIT_CONFIG_FILE) {
		fail(&x, 0, NULL, "larger than %u bytes", LIMIT_CONFIG_FILE);
		return NULL;
	}
	if (yamltree_load(&tree, data, len, &line, why, sizeof(why)) == -1) {
		fail(&x, line, NULL, "%s", why);
		goto done;
	}
	x.c = defaults_new(dir);
	root = yamltree_root(&tree);
	if (root != NULL && !yamltree_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE) {
			fail(&x, yamltree_line(root), NULL,
			    "expected a mapping of keys at the top level, got "
			    "a %s",
			    yamltree_kind(root));
			goto done;
		}
		if (walk(&x, root, NULL) == -1)
			goto done;
	}
	if (finish(&x) == -1)
		goto done;
	x.c->path = xstrdup(file);
	c = x.c;
	x.c = NULL;
done:
	config_free(x.c);
	yamltree_free(&tree);
	return c;
}

/* Returns new: the folder of path, made absolute when real and possible. */
static char *
file_dir(const char *path, int real)
{
	const char *slash = strrchr(path, '/');
	char *d, *r;

	if (slash == NULL)
		d = xstrdup(".");
	else if (slash == path)
		d = xstrdup("/");
	else
		d = xstrndup(path, (size_t)(slash - path));
	if (real && (r = realpath(d, NULL)) != NULL) {
		free(d);
		d = r;
	}
	return d;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config *c;
	const char *env;
	char *data, *dir, why[256];
	size_t len;

	if (path == NULL) {
		if ((env = getenv("ALERT_DELIVERY_CONFIG")) != NULL &&
		    *env != '\0')
			path = env;
		else if (access("./alert-delivery.yaml", F_OK) == 0)
			path = "./alert-delivery.yaml";
		else
			return config_defaults(NULL);
	}
	data =
	    yamltree_read_file(path, LIMIT_CONFIG_FILE, &len, why, sizeof(why));
	if (data == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	dir = file_dir(path, 1);
	c = parse(data, len, path, dir, err, errlen);
	free(dir);
	free(data);
	return c;
}

struct config *
config_load_buffer(
    const char *data, size_t len, const char *name, char *err, size_t errlen)
{
	struct config *c;
	char *dir = file_dir(name, 0);

	c = parse(data, len, name, dir, err, errlen);
	free(dir);
	return c;
}

struct config *
config_defaults(const char *dir)
{
	struct ctx x;
	char *cwd = NULL, err[256];

	if (dir == NULL && (dir = cwd = getcwd(NULL, 0)) == NULL)
		dir = ".";
	memset(&x, 0, sizeof(x));
	x.c = defaults_new(dir);
	x.file = "(defaults)";
	x.err = err;
	x.errlen = sizeof(err);
	finish(&x); /* cannot fail on the defaults */
	x.c->path = xstrdup("");
	free(cwd);
	return x.c;
}

static int is_loopback(const char *host);

int
config_listen_loopback(const struct config *c)
{
	return is_loopback(c->listen_host);
}

static int
is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

int
config_check_exposure(const struct config *c, char *err, size_t errlen)
{
	int hook = *c->auth.webhook_token != '\0' ||
	    *c->auth.webhook_hmac_secret != '\0';
	int admin = *c->auth.admin_token != '\0';
	const char *need;

	if (is_loopback(c->listen_host) || (hook && admin))
		return 0;
	if (!hook && !admin)
		need = "auth.webhook_token (or auth.webhook_hmac_secret) and "
		       "auth.admin_token";
	else if (!hook)
		need = "auth.webhook_token (or auth.webhook_hmac_secret)";
	else
		need = "auth.admin_token";
	snprintf(
	    err, errlen, "listen %s is not loopback: set %s", c->listen, need);
	return -1;
}

int
config_preview(const struct config *c)
{
	return *c->slack.bot_token == '\0' && *c->slack.webhook_url == '\0';
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		void *field = (char *)c + keys[i].off;

		switch (keys[i].kind) {
		case K_STR:
		case K_URL:
		case K_PATH:
		case K_LISTEN: free(*(char **)field); break;
		case K_LIST: strlist_free(field); break;
		default: break;
		}
	}
	free(c->listen_host);
	free(c->path);
	free(c);
}
