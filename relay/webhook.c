/*
 * webhook.c: Grafana and Alertmanager webhook bodies to the alert model; see
 * webhook.h (the way back, and the incident count, are in
 * webhook_serialize.c).
 *
 * Both dialects share Alertmanager's template data, so one reader serves
 * them: Grafana adds fields (values, valueString, the extra URLs, orgId) that
 * are simply absent from Alertmanager bodies. Every value is checked for its
 * JSON type and bounded by limits.h before anything is copied, so a hostile
 * body costs at most one jansson parse and a refusal. Errors name the field
 * ("alerts[3].labels.namespace: must be a string") because they go back to
 * whoever configured the sender, as the reason of a 400.
 */
#include "webhook.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "limits.h"
#include "util.h"
#include "webhook_int.h"

/*
 * 9999-12-31T23:59:59.999Z: util_time_format() writes four-digit years, so a
 * later instant (reachable with a negative offset on the last day of 9999)
 * could not be read back from the serialized form.
 */
#define WEBHOOK_MAX_TIME_MS 253402300799999LL

/* Names quoted in error messages are cut to this many bytes. */
#define WEBHOOK_ERR_NAME 64

struct parse {
	const struct webhook_opts *opts;
	char *err;
	size_t errlen;
	char pre[32]; /* "alerts[12]." inside an alert, "" at the top */
	size_t prelen;
};

static void parse_fail(struct parse *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Writes the reason into p->err. The result is always valid UTF-8: jansson's
 * reasons quote the offending input ("near '...'"), which may be the very
 * invalid bytes it refused, and the reason ends up inside a JSON reply.
 */
static void
parse_fail(struct parse *p, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	size_t n, i = 0;

	if (p->err == NULL || p->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	n = strlen(tmp);
	while (i < n) {
		unsigned char c = (unsigned char)tmp[i];
		size_t l = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (i + l > n || !util_utf8_valid(tmp + i, l)) {
			tmp[i++] = '?';
			continue;
		}
		i += l;
	}
	n = util_utf8_cut(tmp, n, p->errlen - 1);
	memcpy(p->err, tmp, n);
	p->err[n] = '\0';
}

/* Length of name to quote in an error: at most WEBHOOK_ERR_NAME bytes. */
static int
err_name_len(const char *name)
{
	return (int)util_utf8_cut(
	    name, strnlen(name, WEBHOOK_ERR_NAME + 1), WEBHOOK_ERR_NAME);
}

/*
 * 1 when the body nests arrays/objects deeper than LIMIT_JSON_DEPTH. Done on
 * the raw bytes, before jansson builds anything: brackets inside strings are
 * data, so strings are skipped (memchr to the next quote not escaped by an
 * odd run of backslashes; each byte is looked at a bounded number of times).
 * On malformed input the answer does not matter: jansson refuses it next.
 */
static int
json_too_deep(const char *s, size_t n)
{
	size_t depth = 0, i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '"':
			for (;;) {
				const char *q =
				    memchr(s + i + 1, '"', n - i - 1);
				size_t j, bs = 0;

				if (q == NULL)
					return 0;
				j = (size_t)(q - s);
				while (j - bs - 1 > i && s[j - bs - 1] == '\\')
					bs++;
				i = j;
				if (bs % 2 == 0)
					break;
			}
			break;
		case '[':
		case '{':
			if (++depth > LIMIT_JSON_DEPTH)
				return 1;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		}
	}
	return 0;
}

/*
 * Optional string member: 0 with *s NULL when absent or null, 0 with *s and *n
 * borrowed from obj, or -1 when it is not a string.
 */
static int
get_str(
    struct parse *p, json_t *obj, const char *key, const char **s, size_t *n)
{
	json_t *v = json_object_get(obj, key);

	*s = NULL;
	*n = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		parse_fail(p, "%s%s: must be a string", p->pre, key);
		return -1;
	}
	*s = json_string_value(v);
	*n = json_string_length(v);
	return 0;
}

/* Optional integer member; *has set when present and not null. 0 or -1. */
static int
get_int(struct parse *p, json_t *obj, const char *key, int *has, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		parse_fail(p, "%s%s: must be an integer", p->pre, key);
		return -1;
	}
	*has = 1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

/* Returns new: a copy of s[0..n), or "" for NULL. */
static char *
copy_str(const char *s, size_t n)
{
	return s != NULL ? xstrndup(s, n) : xstrdup("");
}

/*
 * labels or annotations: an object of string -> string, absent = empty.
 * Fills l in input order (the caller sorts); entries are validated before
 * anything is copied, so an oversized value is refused at no cost.
 */
static int
parse_kv(struct parse *p, json_t *obj, const char *field, struct kvlist *l)
{
	json_t *m = json_object_get(obj, field), *v;
	const char *k;
	size_t n;

	if (m == NULL || json_is_null(m))
		return 0;
	if (!json_is_object(m)) {
		parse_fail(p, "%s%s: must be an object", p->pre, field);
		return -1;
	}
	n = json_object_size(m);
	if (n > LIMIT_LABELS_PER_ALERT) {
		parse_fail(p, "%s%s: more than %d %s", p->pre, field,
		    LIMIT_LABELS_PER_ALERT, field);
		return -1;
	}
	if (n == 0)
		return 0;
	l->v = xcalloc(n, sizeof(*l->v));
	json_object_foreach(m, k, v)
	{
		size_t klen = strnlen(k, LIMIT_LABEL_NAME + 1);

		if (klen == 0) {
			parse_fail(p, "%s%s: empty name", p->pre, field);
			return -1;
		}
		if (klen > LIMIT_LABEL_NAME) {
			parse_fail(p, "%s%s.%.*s: name longer than %d bytes",
			    p->pre, field, err_name_len(k), k,
			    LIMIT_LABEL_NAME);
			return -1;
		}
		if (!json_is_string(v)) {
			parse_fail(p, "%s%s.%.*s: must be a string", p->pre,
			    field, err_name_len(k), k);
			return -1;
		}
		if (json_string_length(v) > LIMIT_LABEL_VALUE) {
			parse_fail(p, "%s%s.%.*s: value longer than %u bytes",
			    p->pre, field, err_name_len(k), k,
			    LIMIT_LABEL_VALUE);
			return -1;
		}
		l->v[l->n].key = xstrndup(k, klen);
		l->v[l->n].value =
		    xstrndup(json_string_value(v), json_string_length(v));
		l->n++;
	}
	kvlist_sort(l);
	return 0;
}

/*
 * values: RefID -> number, or null, or absent (a->values stays NULL). Null
 * entries are Grafana's "no value" and are skipped; a NaN cannot arrive
 * (JSON has none, jansson refuses overflowing reals) but is checked anyway
 * because serialize could not write it.
 */
static int
parse_values(struct parse *p, json_t *obj, struct alert *a)
{
	json_t *m = json_object_get(obj, "values"), *v;
	const char *k;
	size_t n;

	if (m == NULL || json_is_null(m))
		return 0;
	if (!json_is_object(m)) {
		parse_fail(p, "%svalues: must be an object or null", p->pre);
		return -1;
	}
	n = json_object_size(m);
	if (n > LIMIT_VALUES_PER_ALERT) {
		parse_fail(p, "%svalues: more than %d entries", p->pre,
		    LIMIT_VALUES_PER_ALERT);
		return -1;
	}
	if (n == 0)
		return 0;
	a->values = xcalloc(n, sizeof(*a->values));
	json_object_foreach(m, k, v)
	{
		size_t klen = strnlen(k, LIMIT_LABEL_NAME + 1);

		if (json_is_null(v))
			continue;
		if (klen > LIMIT_LABEL_NAME) {
			parse_fail(p, "%svalues: name longer than %d bytes",
			    p->pre, LIMIT_LABEL_NAME);
			return -1;
		}
		if (!json_is_number(v) || !isfinite(json_number_value(v))) {
			parse_fail(p, "%svalues.%.*s: must be a number", p->pre,
			    err_name_len(k), k);
			return -1;
		}
		a->values[a->nvalues].ref = xstrndup(k, klen);
		a->values[a->nvalues].v = json_number_value(v);
		a->nvalues++;
	}
	if (a->nvalues == 0) {
		free(a->values);
		a->values = NULL;
	}
	return 0;
}

/* startsAt/endsAt: RFC 3339, absent = 0 (Go's zero time also gives 0). */
static int
parse_time(struct parse *p, json_t *obj, const char *key, int64_t *ms)
{
	const char *s;
	size_t n;

	*ms = 0;
	if (get_str(p, obj, key, &s, &n) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (util_time_parse(s, ms) == -1) {
		parse_fail(p, "%s%s: not an RFC 3339 time", p->pre, key);
		return -1;
	}
	if (*ms > WEBHOOK_MAX_TIME_MS) {
		parse_fail(p, "%s%s: after year 9999", p->pre, key);
		return -1;
	}
	return 0;
}

/*
 * Fingerprints become part of stored identities and URLs: only letters and
 * digits, bounded. Alertmanager and Grafana send 16 lowercase hex digits.
 */
static int
fingerprint_ok(const char *s, size_t n)
{
	if (n > LIMIT_FINGERPRINT)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

/* Returns new: the alert's namespace from the configured labels. */
static char *
alert_namespace(const struct webhook_opts *o, const struct kvlist *labels)
{
	const struct strlist *nl = o->namespace_labels;

	for (size_t i = 0; nl != NULL && i < nl->n; i++) {
		const char *v = kvlist_get(labels, nl->v[i]);
		if (v != NULL && *v != '\0')
			return xstrdup(v);
	}
	return xstrdup(
	    o->default_namespace != NULL ? o->default_namespace : "");
}

/*
 * Returns new: the alert name. Grafana's NoData/Error alerts all share one
 * alertname, which would merge unrelated rules into one incident; the rule
 * they stand for is in rulename.
 */
static char *
alert_name(const struct kvlist *labels)
{
	const char *n = kvlist_get(labels, "alertname");

	if (n != NULL &&
	    (strcmp(n, "DatasourceNoData") == 0 ||
	        strcmp(n, "DatasourceError") == 0)) {
		const char *r = kvlist_get(labels, "rulename");
		if (r != NULL && *r != '\0')
			n = r;
	}
	return xstrdup(n != NULL && *n != '\0' ? n : "unknown");
}

/*
 * Optional string fields of an alert. URLs over LIMIT_URL are dropped (Slack
 * refuses them, and a missing link is better than a refused body);
 * valueString is display-only, so it is cut rather than refused.
 */
const struct webhook_str webhook_strs[] = {
    {"valueString", offsetof(struct alert, value_string), WEBHOOK_STR_CUT},
    {"generatorURL", offsetof(struct alert, generator_url),
        WEBHOOK_STR_DROP_URL},
    {"silenceURL", offsetof(struct alert, silence_url), WEBHOOK_STR_DROP_URL},
    {"dashboardURL", offsetof(struct alert, dashboard_url),
        WEBHOOK_STR_DROP_URL},
    {"panelURL", offsetof(struct alert, panel_url), WEBHOOK_STR_DROP_URL},
    {"imageURL", offsetof(struct alert, image_url), WEBHOOK_STR_DROP_URL},
};
const size_t webhook_nstrs = sizeof(webhook_strs) / sizeof(webhook_strs[0]);

/* Fills a (zeroed, owned by the batch) from alerts[i]; 0 or -1. */
static int
parse_alert(
    struct parse *p, json_t *o, const struct alert_batch *b, struct alert *a)
{
	const char *s;
	size_t n;
	int has_status = 0;

	if (!json_is_object(o)) {
		parse_fail(
		    p, "%.*s: must be an object", (int)(p->prelen - 1), p->pre);
		return -1;
	}
	if (parse_kv(p, o, "labels", &a->labels) == -1 ||
	    parse_kv(p, o, "annotations", &a->annotations) == -1 ||
	    parse_time(p, o, "startsAt", &a->starts_at) == -1 ||
	    parse_time(p, o, "endsAt", &a->ends_at) == -1 ||
	    parse_values(p, o, a) == -1)
		return -1;

	if (get_str(p, o, "status", &s, &n) == -1)
		return -1;
	if (s != NULL) {
		if (strcmp(s, "firing") == 0)
			a->status = ALERT_FIRING;
		else if (strcmp(s, "resolved") == 0)
			a->status = ALERT_RESOLVED;
		else {
			parse_fail(p,
			    "%sstatus: must be \"firing\" or "
			    "\"resolved\"",
			    p->pre);
			return -1;
		}
		has_status = 1;
	}
	/* Trimmed senders omit status: an end in the past means resolved. */
	if (!has_status)
		a->status = a->ends_at != 0 && a->ends_at <= p->opts->now
		    ? ALERT_RESOLVED
		    : ALERT_FIRING;

	a->has_org = b->has_org;
	a->org_id = b->org_id;
	if (get_int(p, o, "orgId", &a->has_org, &a->org_id) == -1)
		return -1;

	if (get_str(p, o, "fingerprint", &s, &n) == -1)
		return -1;
	if (s != NULL && n > 0) {
		if (!fingerprint_ok(s, n)) {
			parse_fail(p,
			    "%sfingerprint: must be 1-%d letters or digits",
			    p->pre, LIMIT_FINGERPRINT);
			return -1;
		}
		a->fingerprint = xstrndup(s, n);
	} else {
		a->fingerprint = xmalloc(17);
		alert_fingerprint(&a->labels, a->fingerprint);
	}

	for (size_t i = 0; i < webhook_nstrs; i++) {
		char **dst = (char **)((char *)a + webhook_strs[i].off);

		if (get_str(p, o, webhook_strs[i].key, &s, &n) == -1)
			return -1;
		if (webhook_strs[i].mode == WEBHOOK_STR_DROP_URL &&
		    n > LIMIT_URL)
			s = NULL;
		else if (webhook_strs[i].mode == WEBHOOK_STR_CUT)
			n = util_utf8_cut(s, n, LIMIT_LABEL_VALUE);
		*dst = copy_str(s, n);
	}

	a->namespace = alert_namespace(p->opts, &a->labels);
	a->alertname = alert_name(&a->labels);
	return 0;
}

/* Top-level fields other than alerts; 0 or -1. */
static int
parse_top(struct parse *p, json_t *root, struct alert_batch *b)
{
	const char *s;
	size_t n;
	json_t *v;

	if (get_str(p, root, "groupKey", &s, &n) == -1)
		return -1;
	if (n > LIMIT_GROUP_KEY) {
		parse_fail(
		    p, "groupKey: longer than %d bytes", LIMIT_GROUP_KEY);
		return -1;
	}
	b->group_key = copy_str(s, n);
	if (get_str(p, root, "receiver", &s, &n) == -1)
		return -1;
	b->receiver = copy_str(s, n);
	if (get_str(p, root, "externalURL", &s, &n) == -1)
		return -1;
	b->external_url = copy_str(n > LIMIT_URL ? NULL : s, n);

	/* Checked for type only: the endpoint, not version, picks the source,
	 * and the top-level status is derived from the alerts. */
	if (get_str(p, root, "version", &s, &n) == -1 ||
	    get_str(p, root, "status", &s, &n) == -1)
		return -1;
	if (get_int(p, root, "orgId", &b->has_org, &b->org_id) == -1)
		return -1;

	v = json_object_get(root, "truncatedAlerts");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			parse_fail(p,
			    "truncatedAlerts: must be a non-negative "
			    "integer");
			return -1;
		}
		b->truncated = (uint64_t)json_integer_value(v);
	}
	return 0;
}

struct alert_batch *
webhook_parse(enum alert_source src, const char *body, size_t len,
    const struct webhook_opts *opts, char *err, size_t errlen)
{
	static const struct webhook_opts defaults = {
	    NULL, "", LIMIT_MAX_ALERTS_DEFAULT, 0};
	struct parse p;
	struct alert_batch *b = NULL, *ret = NULL;
	json_t *root = NULL, *alerts;
	json_error_t jerr;
	size_t i, total, keep, max;
	uint64_t cut;

	memset(&p, 0, sizeof(p));
	p.opts = opts != NULL ? opts : &defaults;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (body == NULL) {
		body = "";
		len = 0;
	}

	/* jansson's "unexpected token near end of file" says less. */
	for (i = 0; i < len; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' &&
		    body[i] != '\n')
			break;
	if (i == len) {
		parse_fail(&p, "invalid JSON: empty body");
		goto done;
	}
	if (json_too_deep(body, len)) {
		parse_fail(&p, "invalid JSON: nested deeper than %d levels",
		    LIMIT_JSON_DEPTH);
		goto done;
	}
	/* JSON_DECODE_ANY so that a scalar body gets our reason below. */
	root = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		parse_fail(&p, "invalid JSON: %s at line %d column %d",
		    jerr.text, jerr.line, jerr.column);
		goto done;
	}
	if (!json_is_object(root)) {
		parse_fail(&p, "body: must be a JSON object");
		goto done;
	}
	alerts = json_object_get(root, "alerts");
	if (alerts == NULL) {
		parse_fail(&p, "alerts: missing (legacy Grafana body?)");
		goto done;
	}
	if (!json_is_array(alerts)) {
		parse_fail(&p, "alerts: must be an array");
		goto done;
	}

	b = xcalloc(1, sizeof(*b));
	b->source = src;
	if (parse_top(&p, root, b) == -1)
		goto done;

	/* Alerts past max are only counted: a huge body costs its parse, not
	 * a model of every alert in it. */
	max = p.opts->max_alerts > 0 ? p.opts->max_alerts
	                             : LIMIT_MAX_ALERTS_DEFAULT;
	total = json_array_size(alerts);
	keep = total < max ? total : max;
	cut = total - keep;
	/* Saturate at INT64_MAX: serialize must write what jansson reads. */
	if (cut >= INT64_MAX || b->truncated > (uint64_t)INT64_MAX - cut)
		b->truncated = INT64_MAX;
	else
		b->truncated += cut;
	if (keep > 0)
		b->alerts = xcalloc(keep, sizeof(*b->alerts));
	for (i = 0; i < keep; i++) {
		p.prelen =
		    (size_t)snprintf(p.pre, sizeof(p.pre), "alerts[%zu].", i);
		/* Counted first so that a half-built alert is freed too. */
		b->nalerts++;
		if (parse_alert(
		        &p, json_array_get(alerts, i), b, &b->alerts[i]) == -1)
			goto done;
	}
	ret = b;
	b = NULL;
done:
	alert_batch_free(b);
	json_decref(root);
	return ret;
}
