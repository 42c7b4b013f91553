/*
 * test_catalog.c: catalog entries (parsing, Slack id and link checks, wrong
 * shapes), the catalog file (YAML and JSON, errors with FILE:LINE),
 * namespace validation, URL building and redaction, and offline lookups
 * against the SQLite cache and the file. The network side is in
 * test_catalog_live.c.
 */
/* cmocka.h needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog.h"
#include "catalog_file.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "store_catalog.h"
#include "util.h"

static const char spec_entry[] =
    "{\"namespace\": \"chat\", \"project\": \"chat-api\", \"tier\": \"1\","
    " \"team\": {\"code\": \"T0012\", \"name\": \"Chat\", "
    "\"slack_usergroup\": \"S0CHAT\", \"slack_channel\": \"#chat-alerts\"},"
    " \"owners\": [{\"name\": \"Kim\", \"slack_user\": \"U0KIM\"}],"
    " \"links\": {\"project\": \"https://kontrol.example/p/chat\", "
    "\"dashboard\": \"https://grafana.example/d/1\", "
    "\"logs\": \"http://logs.example/?q=chat\"}}";

/* Returns new: the entry in text, or NULL with err set. */
static struct catalog_entry *
parse(const char *text, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	struct catalog_entry *e;

	if (j == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	err[0] = '\0';
	e = catalog_entry_from_json(j, err, errlen);
	json_decref(j);
	return e;
}

static void
test_entry_spec(void **state)
{
	char err[256];
	struct catalog_entry *e = parse(spec_entry, err, sizeof(err));

	assert_non_null(e);
	assert_string_equal(e->namespace, "chat");
	assert_string_equal(e->project, "chat-api");
	assert_string_equal(e->tier, "1");
	assert_string_equal(e->team.code, "T0012");
	assert_string_equal(e->team.name, "Chat");
	assert_string_equal(e->team.slack_usergroup, "S0CHAT");
	assert_string_equal(e->team.slack_channel, "#chat-alerts");
	assert_int_equal(e->nowners, 1);
	assert_string_equal(e->owners[0].name, "Kim");
	assert_string_equal(e->owners[0].slack_user, "U0KIM");
	assert_string_equal(e->links.project, "https://kontrol.example/p/chat");
	assert_string_equal(e->links.logs, "http://logs.example/?q=chat");
	catalog_entry_free(e);
}

/* Ids that are not Slack ids would be markup in a message: dropped. */
static void
test_entry_hostile_ids(void **state)
{
	char err[256];
	struct catalog_entry *e = parse(
	    "{\"namespace\": \"chat\", \"team\": {\"code\": \"T1\", "
	    "\"slack_usergroup\": \"S0CHAT>\", "
	    "\"slack_channel\": \"#chat alerts\"}, "
	    "\"owners\": [{\"name\": \"Kim\", \"slack_user\": \"U0KIM>\"}, "
	    "{\"name\": \"Lee\", \"slack_user\": \"U0 LEE\"}, "
	    "{\"slack_user\": \"<!channel>\"}, "
	    "{\"name\": \"Ok\", \"slack_user\": \"W0OK\"}, "
	    "{\"slack_user\": \"@here\"}]}",
	    err, sizeof(err));

	assert_non_null(e);
	assert_string_equal(e->team.code, "T1");
	assert_string_equal(e->team.slack_usergroup, "");
	assert_string_equal(e->team.slack_channel, "");
	/* Owners with nothing left are gone; the others keep their names. */
	assert_int_equal(e->nowners, 3);
	assert_string_equal(e->owners[0].name, "Kim");
	assert_string_equal(e->owners[0].slack_user, "");
	assert_string_equal(e->owners[1].name, "Lee");
	assert_string_equal(e->owners[1].slack_user, "");
	assert_string_equal(e->owners[2].slack_user, "W0OK");
	catalog_entry_free(e);
}

static void
test_entry_channels(void **state)
{
	static const struct {
		const char *channel;
		int kept;
	} cases[] = {
	    {"#chat-alerts", 1},
	    {"#a_b.c", 1},
	    {"C0123ABC", 1},
	    {"G0123ABC", 1},
	    {"#\xc3\xa9quipe", 1},
	    {"#Chat", 0},
	    {"chat", 0},
	    {"#", 0},
	    {"#a>b", 0},
	    {"<#C0123|x>", 0},
	    {"C01 23", 0},
	    {"c0123", 0},
	    {"D0123", 0},
	};
	char text[256], err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct catalog_entry *e;
		json_t *j = json_pack("{s:s,s:{s:s,s:s}}", "namespace", "x",
		    "team", "code", "T1", "slack_channel", cases[i].channel);
		char *dump = json_dumps(j, 0);

		snprintf(text, sizeof(text), "%s", dump);
		free(dump);
		json_decref(j);
		e = parse(text, err, sizeof(err));
		assert_non_null(e);
		if (cases[i].kept)
			assert_string_equal(
			    e->team.slack_channel, cases[i].channel);
		else
			assert_string_equal(e->team.slack_channel, "");
		catalog_entry_free(e);
	}
}

static void
test_entry_links(void **state)
{
	char err[256];
	struct catalog_entry *e =
	    parse("{\"namespace\": \"chat\", \"links\": {"
	          "\"project\": \"javascript:alert(1)\", "
	          "\"dashboard\": \"ftp://files.example/x\", "
	          "\"logs\": \"https://logs.example/a b\"}}",
	        err, sizeof(err));

	assert_non_null(e);
	assert_string_equal(e->links.project, "");
	assert_string_equal(e->links.dashboard, "");
	assert_string_equal(e->links.logs, "");
	catalog_entry_free(e);
}

static void
test_entry_wrong_shapes(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* in err */
	} cases[] = {
	    {"[1, 2]", "expected an object, got a list"},
	    {"\"chat\"", "expected an object"},
	    {"{\"namespace\": 7}", "namespace: expected a string"},
	    {"{\"project\": {}}", "project: expected a string"},
	    {"{\"tier\": true}", "tier: expected a string, got a boolean"},
	    {"{\"team\": \"Chat\"}", "team: expected an object, got a string"},
	    {"{\"team\": {\"slack_channel\": [\"#a\"]}}",
	        "team.slack_channel: expected a string, got a list"},
	    {"{\"owners\": \"Kim\"}", "owners: expected a list"},
	    {"{\"owners\": {\"name\": \"Kim\"}}", "owners: expected a list"},
	    {"{\"owners\": [\"U0KIM\"]}", "owners[0]: expected an object"},
	    {"{\"owners\": [{\"name\": \"Kim\"}, {\"slack_user\": 5}]}",
	        "owners[1].slack_user: expected a string"},
	    {"{\"links\": [\"https://x\"]}", "links: expected an object"},
	    {"{\"namespace\": \"a\\u0000b\"}", "namespace: contains a NUL"},
	    {"{\"namespace\": \"a\\nb\"}", "namespace: contains a control"},
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(
		    cases[i].text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		struct catalog_entry *e;

		assert_non_null(j);
		err[0] = '\0';
		e = catalog_entry_from_json(j, err, sizeof(err));
		json_decref(j);
		if (e != NULL || strstr(err, cases[i].want) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].text,
			    err, cases[i].want);
	}
}

static void
test_entry_lenient(void **state)
{
	char err[256], many[4096];
	struct catalog_entry *e;
	size_t n;

	/* A numeric tier and code, nulls as absent, unknown keys ignored. */
	e = parse("{\"namespace\": \"chat\", \"tier\": 1, \"extra\": [1], "
	          "\"team\": {\"code\": 12, \"name\": null}, \"owners\": "
	          "null, \"links\": null}",
	    err, sizeof(err));
	assert_non_null(e);
	assert_string_equal(e->tier, "1");
	assert_string_equal(e->team.code, "12");
	assert_string_equal(e->team.name, "");
	assert_int_equal(e->nowners, 0);
	catalog_entry_free(e);

	/* A team without a code is no team. */
	e = parse("{\"team\": {\"name\": \"Chat\", \"slack_usergroup\": "
	          "\"S1\"}}",
	    err, sizeof(err));
	assert_non_null(e);
	assert_string_equal(e->namespace, "");
	assert_string_equal(e->team.code, "");
	assert_string_equal(e->team.name, "");
	assert_string_equal(e->team.slack_usergroup, "");
	catalog_entry_free(e);

	/* Owners past the bound are dropped, not refused. */
	n = (size_t)snprintf(many, sizeof(many), "{\"owners\": [");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
		    "%s{\"name\": \"o%d\"}", i > 0 ? "," : "", i);
	snprintf(many + n, sizeof(many) - n, "]}");
	e = parse(many, err, sizeof(err));
	assert_non_null(e);
	assert_int_equal(e->nowners, CATALOG_MAX_OWNERS);
	assert_string_equal(e->owners[31].name, "o31");
	catalog_entry_free(e);
}

static void
test_entry_roundtrip(void **state)
{
	char err[256];
	struct catalog_entry *e = parse(spec_entry, err, sizeof(err)), *e2;
	json_t *j = catalog_entry_to_json(e), *j2, *orig;

	orig = json_loads(spec_entry, 0, NULL);
	assert_true(json_equal(j, orig));
	e2 = catalog_entry_from_json(j, err, sizeof(err));
	assert_non_null(e2);
	j2 = catalog_entry_to_json(e2);
	assert_true(json_equal(j, j2));
	json_decref(j);
	json_decref(j2);
	json_decref(orig);
	catalog_entry_free(e);
	catalog_entry_free(e2);
}

static void
test_namespace_valid(void **state)
{
	char longest[300];

	assert_true(catalog_namespace_valid("chat"));
	assert_true(catalog_namespace_valid("a"));
	assert_true(catalog_namespace_valid("0"));
	assert_true(catalog_namespace_valid("kube-system"));
	assert_true(catalog_namespace_valid("a.b-c.d"));
	assert_false(catalog_namespace_valid(""));
	assert_false(catalog_namespace_valid("-a"));
	assert_false(catalog_namespace_valid("a-"));
	assert_false(catalog_namespace_valid(".a"));
	assert_false(catalog_namespace_valid("Chat"));
	assert_false(catalog_namespace_valid("a_b"));
	assert_false(catalog_namespace_valid("a b"));
	assert_false(catalog_namespace_valid("a/b"));
	assert_false(catalog_namespace_valid("a%2f"));
	assert_false(catalog_namespace_valid("\xc3\xa9"));
	memset(longest, 'a', 253);
	longest[253] = '\0';
	assert_true(catalog_namespace_valid(longest));
	longest[253] = 'a';
	longest[254] = '\0';
	assert_false(catalog_namespace_valid(longest));
}

static void
test_url_build(void **state)
{
	char *u;

	u = catalog_url_build(
	    "http://katalog/api/v1/namespaces/{namespace}", "chat");
	assert_string_equal(u, "http://katalog/api/v1/namespaces/chat");
	free(u);
	/* Anything but unreserved characters is encoded (file-only names
	 * never get here, but the builder does not rely on that). */
	u = catalog_url_build("http://k/{namespace}?x={namespace}", "a/b c?&");
	assert_string_equal(u, "http://k/a%2Fb%20c%3F%26?x=a%2Fb%20c%3F%26");
	free(u);
	assert_null(catalog_url_build("http://k/namespaces/", "chat"));
}

static void
test_url_redact(void **state)
{
	char out[128];

	catalog_url_redact("https://user:s3cret@katalog.example:8443/api/"
	                   "{namespace}?token=abc",
	    out, sizeof(out));
	assert_string_equal(out, "https://katalog.example:8443");
	catalog_url_redact("http://k/x#frag", out, sizeof(out));
	assert_string_equal(out, "http://k");
	catalog_url_redact("http://a@b@host?x", out, sizeof(out));
	assert_string_equal(out, "http://host");
	catalog_url_redact("no url", out, sizeof(out));
	assert_string_equal(out, "-");
}

static const char yaml_file[] = "# two entries\n"
                                "- namespace: chat\n"
                                "  project: chat-api\n"
                                "  tier: 1\n"
                                "  team:\n"
                                "    code: T0012\n"
                                "    name: Chat\n"
                                "    slack_usergroup: S0CHAT\n"
                                "    slack_channel: \"#chat-alerts\"\n"
                                "  owners:\n"
                                "    - {name: Kim, slack_user: U0KIM}\n"
                                "    - name: Lee\n"
                                "      slack_user: U0LEE>\n"
                                "  links:\n"
                                "    project: https://kontrol.example/p/chat\n"
                                "- namespace: Team Billing\n"
                                "  owners: [{name: Ann}]\n";

static void
test_file_yaml(void **state)
{
	struct catalog_list l;
	const struct catalog_entry *e;
	char err[256];

	assert_int_equal(catalog_file_parse(yaml_file, strlen(yaml_file),
	                     "cat.yaml", &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 2);
	e = catalog_list_find(&l, "chat");
	assert_non_null(e);
	assert_string_equal(e->tier, "1");
	assert_string_equal(e->team.slack_channel, "#chat-alerts");
	assert_int_equal(e->nowners, 2);
	assert_string_equal(e->owners[1].slack_user, "");
	/* Names that the API could not be asked about are fine here. */
	e = catalog_list_find(&l, "Team Billing");
	assert_non_null(e);
	assert_string_equal(e->owners[0].name, "Ann");
	assert_null(catalog_list_find(&l, "nope"));
	catalog_list_free(&l);
}

static void
test_file_json(void **state)
{
	static const char json_file[] =
	    "[\n"
	    "\t{\"namespace\": \"chat\", \"tier\": 1,\n"
	    "\t \"owners\": [{\"name\": \"Kim\", \"slack_user\": "
	    "\"U0KIM\"}]},\n"
	    "\t{\"namespace\": \"web\", \"team\": {\"code\": \"T2\", "
	    "\"name\": \"Web \\u00e9\"}}\n"
	    "]\n";
	/* Surrogate pairs: JSON that libyaml refuses, read by jansson. */
	static const char emoji_file[] =
	    "\xef\xbb\xbf [{\"namespace\": \"chat\", \"team\": {\"code\": "
	    "\"T1\", \"name\": \"\\ud83d\\ude80 Rocket\"}}]";
	struct catalog_list l;
	const struct catalog_entry *e;
	char err[256];

	assert_int_equal(catalog_file_parse(json_file, strlen(json_file),
	                     "cat.json", &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 2);
	e = catalog_list_find(&l, "web");
	assert_non_null(e);
	assert_string_equal(e->team.name, "Web \xc3\xa9");
	assert_string_equal(catalog_list_find(&l, "chat")->tier, "1");
	catalog_list_free(&l);

	assert_int_equal(catalog_file_parse(emoji_file, strlen(emoji_file),
	                     "cat.json", &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->team.name, "\xf0\x9f\x9a\x80 Rocket");
	catalog_list_free(&l);

	/* Empty files are empty catalogs. */
	assert_int_equal(
	    catalog_file_parse("", 0, "e", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(
	    catalog_file_parse("[]", 2, "e", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(
	    catalog_file_parse("# nothing\n", 10, "e", &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 0);
}

static void
test_file_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* err starts with this */
	} cases[] = {
	    /* YAML syntax error: the line libyaml stops at. */
	    {"- namespace: chat\n  team: {code: T1\n- namespace: x\n",
	        "f.yaml:3: syntax error"},
	    /* JSON syntax error: jansson's line. */
	    {"[\n {\"namespace\": \"chat\"},\n {\"namespace\": }\n]\n",
	        "f.yaml:3: "},
	    {"namespace: chat\n", "f.yaml:1: expected a list of entries"},
	    {"- namespace: chat\n- project: x\n",
	        "f.yaml:2: namespace: missing"},
	    /* The line of the value at fault, not the entry's. */
	    {"- namespace: chat\n  team:\n    code: T1\n    name: [a, b]\n",
	        "f.yaml:4: team.name: expected a string, got a list"},
	    {"- namespace: chat\n  owners:\n    - Kim\n",
	        "f.yaml:3: owners[0]: expected an object, got a string"},
	    {"- namespace: chat\n- namespace: web\n- namespace: chat\n",
	        "f.yaml:3: namespace \"chat\" is also at line 1"},
	    {"- namespace: chat\n  namespace: web\n",
	        "f.yaml:2: duplicate key \"namespace\""},
	    {"- namespace: chat\n  owners: [{? [a]: b}]\n",
	        "f.yaml:2: a key must be"},
	    {"- a\n--- \n- b\n", "f.yaml:2: more than one YAML document"},
	    {"[{\"namespace\": \"a\", \"namespace\": \"b\"}]",
	        "f.yaml:1: duplicate key"},
	};
	struct catalog_list l;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (catalog_file_parse(cases[i].text, strlen(cases[i].text),
		        "f.yaml", &l, err, sizeof(err)) != -1 ||
		    strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err,
			    cases[i].want);
		assert_null(strchr(err, '\n'));
		assert_int_equal(l.n, 0);
	}
}

/* An alias bomb stops at the value budget instead of eating memory. */
static void
test_file_alias_bomb(void **state)
{
	char text[8192];
	size_t n = 0;
	struct catalog_list l;
	char err[256];

	n += (size_t)snprintf(text + n, sizeof(text) - n,
	    "- namespace: x\n  l0: &a0 [o, o, o, o, o, o, o, o, o, o]\n");
	for (int i = 1; i < 9; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "  l%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
		    "*a%d, *a%d, *a%d]\n",
		    i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
		    i - 1, i - 1, i - 1);
	assert_int_equal(
	    catalog_file_parse(text, n, "b.yaml", &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
}

static void
test_file_load(void **state)
{
	char path[] = "/tmp/test_catalog.XXXXXX";
	struct catalog_list l;
	char err[512];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml_file, strlen(yaml_file)),
	    (ssize_t)strlen(yaml_file));
	close(fd);
	assert_int_equal(catalog_file_load(path, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	catalog_list_free(&l);
	unlink(path);
	assert_int_equal(catalog_file_load(path, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
}

/* Offline lookups (the render command): cache and file, never waiting. */
static void
test_offline_lookups(void **state)
{
	char path[] = "/tmp/test_catalog.XXXXXX";
	struct config *cfg = config_defaults("/tmp");
	struct store *s;
	struct catalog *c;
	struct catalog_answer a;
	const struct catalog_stats *st;
	char err[512];
	int64_t now = 1700000000000LL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml_file, strlen(yaml_file)),
	    (ssize_t)strlen(yaml_file));
	close(fd);
	s = store_open(":memory:", STORE_RW, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_migrate(s, err, sizeof(err)), 0);
	assert_int_equal(
	    store_catalog_put(s, "web",
	        "{\"namespace\":\"web\",\"project\":\"w\"}", now - 1000),
	    0);
	assert_int_equal(
	    store_catalog_put(s, "old",
	        "{\"namespace\":\"old\",\"project\":\"o\"}", now - 3600 * 1000),
	    0);
	assert_int_equal(store_catalog_put(s, "chat", NULL, now - 1000), 0);
	free(cfg->catalog.url);
	cfg->catalog.url = xstrdup("http://katalog/ns/{namespace}");
	free(cfg->catalog.file);
	cfg->catalog.file = xstrdup(path);
	cfg->catalog.ttl = 10 * 60 * 1000;

	c = catalog_new(NULL, NULL, s, cfg, NULL, NULL, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(catalog_lookup(c, "web", now, &a), 1);
	assert_int_equal(a.source, CATALOG_FRESH);
	assert_string_equal(a.entry->project, "w");
	assert_int_equal(a.fetched_at, now - 1000);
	assert_int_equal(catalog_lookup(c, "old", now, &a), 1);
	assert_int_equal(a.source, CATALOG_STALE);
	/* A remembered 404 falls through to the file. */
	assert_int_equal(catalog_lookup(c, "chat", now, &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);
	assert_string_equal(a.entry->team.code, "T0012");
	assert_int_equal(catalog_lookup(c, "Team Billing", now, &a), 1);
	assert_int_equal(a.source, CATALOG_FILE);
	assert_int_equal(catalog_lookup(c, "nobody", now, &a), 1);
	assert_int_equal(a.source, CATALOG_UNKNOWN);
	assert_null(a.entry);
	st = catalog_stats(c);
	assert_int_equal(st->hit, 1);
	assert_int_equal(st->stale, 1);
	assert_int_equal(st->file, 2);
	assert_int_equal(st->unknown, 1);
	assert_int_equal(st->requests, 0);
	assert_string_equal(catalog_source_name(CATALOG_STALE), "stale");
	catalog_free(c);

	/* A URL without {namespace} is a configuration error. */
	free(cfg->catalog.url);
	cfg->catalog.url = xstrdup("http://katalog/ns/");
	assert_null(
	    catalog_new(NULL, NULL, s, cfg, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "{namespace}"));
	/* So is a broken file, with its line. */
	free(cfg->catalog.url);
	cfg->catalog.url = xstrdup("");
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "- namespace: [\n", 15), 15);
	close(fd);
	assert_null(
	    catalog_new(NULL, NULL, s, cfg, NULL, NULL, err, sizeof(err)));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_non_null(strstr(err, ":2: syntax error"));
	unlink(path);
	store_close(s);
	config_free(cfg);
}

static void
test_store_purge(void **state)
{
	struct store *s;
	const char *text;
	int64_t at;
	char err[256];

	s = store_open(":memory:", STORE_RW, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_migrate(s, err, sizeof(err)), 0);
	assert_int_equal(store_catalog_put(s, "a", NULL, 100), 0);
	assert_int_equal(store_catalog_put(s, "b", "{}", 100), 0);
	assert_int_equal(store_catalog_put(s, "c", "{}", 5000), 0);
	assert_int_equal(store_catalog_put(s, "c", "{\"x\":1}", 6000), 0);
	assert_int_equal(store_catalog_get(s, "c", &text, &at), 1);
	assert_string_equal(text, "{\"x\":1}");
	assert_int_equal(at, 6000);
	assert_int_equal(store_catalog_get(s, "a", &text, &at), 1);
	assert_null(text);
	assert_int_equal(store_catalog_get(s, "zz", &text, &at), 0);
	/* Unknowns go once stale; entries only when very old. */
	assert_int_equal(store_catalog_purge(s, 1000, 50), 1);
	assert_int_equal(store_catalog_get(s, "b", &text, &at), 1);
	assert_int_equal(store_catalog_purge(s, 1000, 5500), 1);
	assert_int_equal(store_catalog_get(s, "b", &text, &at), 0);
	assert_int_equal(store_catalog_get(s, "c", &text, &at), 1);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entry_spec),
	    cmocka_unit_test(test_entry_hostile_ids),
	    cmocka_unit_test(test_entry_channels),
	    cmocka_unit_test(test_entry_links),
	    cmocka_unit_test(test_entry_wrong_shapes),
	    cmocka_unit_test(test_entry_lenient),
	    cmocka_unit_test(test_entry_roundtrip),
	    cmocka_unit_test(test_namespace_valid),
	    cmocka_unit_test(test_url_build),
	    cmocka_unit_test(test_url_redact),
	    cmocka_unit_test(test_file_yaml),
	    cmocka_unit_test(test_file_json),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_file_alias_bomb),
	    cmocka_unit_test(test_file_load),
	    cmocka_unit_test(test_offline_lookups),
	    cmocka_unit_test(test_store_purge),
	};

	/* Dropped values are logged at warn: keep the output readable. */
	log_setup(LOG_ERROR, LOG_LOGFMT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
