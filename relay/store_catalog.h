/*
 * store_catalog.h: the catalog's cache table (schema/0003_catalog.sql), one
 * row per namespace: the entry as JSON, or NULL when the catalog said it
 * does not know the namespace (404). Part of the store (store_catalog.c
 * shares store_int.h); declared apart so that store.h stays as it is.
 * Called by catalog.c only. Writes run inside the caller's transaction.
 */
#ifndef STORE_CATALOG_H
#define STORE_CATALOG_H

#include <stdint.h>

#include "store.h"

/*
 * The cached row of ns. Returns 1 with *entry_json (borrowed: valid until
 * the next store call; NULL for a cached "unknown") and *fetched_at (Unix
 * ms) set, 0 when there is none, -1 on error.
 */
int store_catalog_get(struct store *s, const char *ns, const char **entry_json,
    int64_t *fetched_at);

/* Writes ns's row (entry_json NULL: "unknown"). 0 or -1. */
int store_catalog_put(struct store *s, const char *ns, const char *entry_json,
    int64_t fetched_at);

/*
 * Deletes "unknown" rows fetched before unknown_before (worthless once
 * stale) and entries fetched before known_before (too old even as a
 * fallback). Returns the number of rows deleted, or -1.
 */
int64_t store_catalog_purge(
    struct store *s, int64_t unknown_before, int64_t known_before);

#endif /* STORE_CATALOG_H */
