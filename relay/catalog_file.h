/*
 * catalog_file.h: catalog entries (SPEC section 6): reading one from JSON
 * (an API answer or a cache row), writing one back, and the catalog file (a
 * YAML or JSON list of entries). Pure: no clock, no network; the only I/O is
 * catalog_file_load reading its file. Used by catalog.c and by `check`.
 *
 * Whatever an entry says ends up in Slack messages, so every value that
 * Slack would read as markup is checked here: Slack ids must look like Slack
 * ids, a channel like a channel, links must be http(s) URLs. A value that
 * fails is dropped (and logged), not the entry: one bad owner id must not
 * hide the team. A value of the wrong JSON type refuses the entry.
 */
#ifndef CATALOG_FILE_H
#define CATALOG_FILE_H

#include <stddef.h>

#include <jansson.h>

/*
 * Bounds (candidates for limits.h). A namespace is a DNS subdomain (253).
 * Names, codes and the tier are short labels; 1 KiB is far past any honest
 * one. Slack shows a handful of owners; 32 keeps a message readable and an
 * entry small. A file of 100k entries is a very large cluster fleet; 32 MiB
 * is 300 bytes an entry with room to spare.
 */
#define CATALOG_MAX_NAMESPACE 253
#define CATALOG_MAX_STRING 1024
#define CATALOG_MAX_OWNERS 32
#define CATALOG_MAX_ENTRIES 100000
#define CATALOG_MAX_FILE (32u * 1024 * 1024)

struct catalog_owner {
	char *name;       /* "" when not given */
	char *slack_user; /* a Slack user id (U..., W...) or "" */
};

/*
 * One entry. Every string is owned and non-NULL: "" when absent or dropped.
 * A team without a code is no team (team.code is its key; a renamed team
 * keeps its code), so team.code == "" means "no team".
 */
struct catalog_entry {
	char *namespace;
	char *project;
	char *tier;
	struct {
		char *code;
		char *name;
		char *slack_usergroup; /* S... */
		char *slack_channel;   /* "#name" or a channel id C.../G... */
	} team;
	struct catalog_owner *owners; /* nowners of them, in catalog order */
	size_t nowners;
	struct {
		char *project; /* http(s) URLs */
		char *dashboard;
		char *logs;
	} links;
};

/*
 * Reads an entry from j (borrowed). Returns new (free with
 * catalog_entry_free), or NULL with err set to one line naming the field
 * ("owners[2]: expected an object, got a string"). Unknown keys are ignored
 * (a catalog may carry more than we use); null is the same as absent; the
 * tier may be a number. "namespace" may be absent (an API answer is for the
 * namespace asked): the entry then has namespace "". Values that fail their
 * check are dropped and logged at warn level.
 */
struct catalog_entry *catalog_entry_from_json(
    const json_t *j, char *err, size_t errlen);

/* Returns new: e as a JSON object that catalog_entry_from_json reads back to
 * an equal entry (empty fields left out). */
json_t *catalog_entry_to_json(const struct catalog_entry *e);

void catalog_entry_free(struct catalog_entry *e);

/*
 * 1 when ns may be asked of the catalog API: [a-z0-9]([-a-z0-9.]*[a-z0-9])?
 * and at most 253 bytes. Others are looked up only in the file.
 */
int catalog_namespace_valid(const char *ns);

/* The file's entries, sorted by namespace (unique). */
struct catalog_list {
	struct catalog_entry **v; /* owned, as is each entry */
	size_t n;
};

/*
 * Loads the catalog file at path: a YAML list of entries, or a JSON array
 * (JSON is read as YAML flow text, so both give line numbers; JSON that YAML
 * cannot read, such as \ud83d\ude00 escapes, is read by jansson). An empty
 * file is an empty list. Each entry needs a namespace; a namespace twice is
 * an error. Returns 0 with *out filled (free with catalog_list_free), or -1
 * with err set to "FILE:LINE: reason" and *out empty.
 */
int catalog_file_load(
    const char *path, struct catalog_list *out, char *err, size_t errlen);

/* As catalog_file_load, from memory; name stands for the file in messages.
 * For tests and fuzzing. */
int catalog_file_parse(const char *data, size_t len, const char *name,
    struct catalog_list *out, char *err, size_t errlen);

/* Borrowed (valid until the list is freed): the entry of ns, or NULL. */
const struct catalog_entry *catalog_list_find(
    const struct catalog_list *l, const char *ns);

/* Frees the entries and the array; leaves an empty list. */
void catalog_list_free(struct catalog_list *l);

#endif /* CATALOG_FILE_H */
