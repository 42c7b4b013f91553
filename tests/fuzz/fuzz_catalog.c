/*
 * fuzz_catalog.c: libFuzzer target for catalog entries and the catalog
 * file. The input is read twice: as a catalog file (YAML, or JSON through
 * YAML or jansson) and, when it is JSON, as one API answer. Beyond "no
 * crash, no leak", every entry that comes out must hold only what may reach
 * a Slack message (Slack-shaped ids, http(s) links), survive its cache form
 * (to_json, then from_json gives the same JSON), and a refused input must
 * say why in one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog_file.h"
#include "log.h"
#include "slack.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_entry(const struct catalog_entry *e)
{
	const char *ch = e->team.slack_channel;
	struct catalog_entry *back;
	json_t *j, *j2;
	char err[512];

	if (e->team.slack_usergroup[0] != '\0' &&
	    !slack_group_id(e->team.slack_usergroup))
		abort();
	if (ch[0] != '\0' && ch[0] != '#' && ch[0] != 'C' && ch[0] != 'G')
		abort();
	if (strpbrk(ch, "<>&| @!") != NULL)
		abort();
	for (size_t i = 0; i < e->nowners; i++) {
		const struct catalog_owner *o = &e->owners[i];
		if (o->slack_user[0] != '\0' && !slack_user_id(o->slack_user))
			abort();
		if (o->name[0] == '\0' && o->slack_user[0] == '\0')
			abort();
	}
	if (e->nowners > CATALOG_MAX_OWNERS)
		abort();
	if ((e->links.project[0] != '\0' && !util_http_url(e->links.project)) ||
	    (e->links.dashboard[0] != '\0' &&
	        !util_http_url(e->links.dashboard)) ||
	    (e->links.logs[0] != '\0' && !util_http_url(e->links.logs)))
		abort();
	/* The cache round trip. */
	j = catalog_entry_to_json(e);
	back = catalog_entry_from_json(j, err, sizeof(err));
	if (back == NULL)
		abort();
	j2 = catalog_entry_to_json(back);
	if (!json_equal(j, j2))
		abort();
	json_decref(j);
	json_decref(j2);
	catalog_entry_free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog_list l;
	struct catalog_entry *e;
	json_t *j;
	char err[512], *ns;

	/* Dropped values are logged at warn; the fuzzer needs no output. */
	log_setup(LOG_ERROR, LOG_LOGFMT);

	err[0] = '\0';
	if (catalog_file_parse((const char *)data, size, "fuzz.yaml", &l, err,
	        sizeof(err)) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			check_entry(l.v[i]);
			if (l.v[i]->namespace[0] == '\0')
				abort();
			/* Sorted and unique: what the lookup's bsearch needs.
			 */
			if (i > 0 &&
			    strcmp(l.v[i - 1]->namespace, l.v[i]->namespace) >=
			        0)
				abort();
			if (catalog_list_find(&l, l.v[i]->namespace) != l.v[i])
				abort();
		}
		catalog_list_free(&l);
	} else if (err[0] == '\0' || strchr(err, '\n') != NULL ||
	    strncmp(err, "fuzz.yaml:", 10) != 0 || l.n != 0) {
		abort();
	}

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (j != NULL) {
		err[0] = '\0';
		e = catalog_entry_from_json(j, err, sizeof(err));
		if (e != NULL)
			check_entry(e);
		else if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		catalog_entry_free(e);
		json_decref(j);
	}
	/* A namespace is a C string: the input up to its first NUL. */
	ns = xstrndup((const char *)data, size);
	if (catalog_namespace_valid(ns) &&
	    (strlen(ns) > CATALOG_MAX_NAMESPACE ||
	        strspn(ns, "abcdefghijklmnopqrstuvwxyz0123456789-.") !=
	            strlen(ns)))
		abort();
	free(ns);
	return 0;
}
