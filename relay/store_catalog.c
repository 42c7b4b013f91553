/*
 * store_catalog.c: the catalog cache; see store_catalog.h.
 */
#include "store_catalog.h"

#include "store_int.h"

int
store_catalog_get(struct store *s, const char *ns, const char **entry_json,
    int64_t *fetched_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_CATALOG_GET,
	    "SELECT entry, fetched_at FROM catalog_cache WHERE namespace = ?");
	int rc;

	*entry_json = NULL;
	*fetched_at = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* Copied and reset at once: a statement left mid-row holds a
		 * read snapshot that keeps the WAL from being checkpointed. */
		const char *t = store_col_text_or_null(st, 0);
		buf_reset(&s->catalog_row);
		if (t != NULL) {
			buf_adds(&s->catalog_row, t);
			*entry_json = buf_str(&s->catalog_row);
		}
		*fetched_at = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "catalog get");
}

int
store_catalog_put(
    struct store *s, const char *ns, const char *entry_json, int64_t fetched_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_CATALOG_PUT,
	    "INSERT INTO catalog_cache (namespace, entry, fetched_at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (namespace) DO UPDATE SET "
	    "entry = excluded.entry, fetched_at = excluded.fetched_at");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	if (entry_json != NULL)
		sqlite3_bind_text(st, 2, entry_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, fetched_at);
	return store_exec_stmt(s, st, "catalog put");
}

int64_t
store_catalog_purge(
    struct store *s, int64_t unknown_before, int64_t known_before)
{
	if (store_exec_ii(s, ST_CATALOG_PURGE,
	        "DELETE FROM catalog_cache WHERE fetched_at < CASE WHEN "
	        "entry IS NULL THEN ?1 ELSE ?2 END",
	        unknown_before, known_before, "catalog purge") != 0)
		return -1;
	return sqlite3_changes(s->db);
}
