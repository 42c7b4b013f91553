-- 0003_catalog: the catalog cache. One row per namespace asked of the
-- catalog API: the entry it gave (JSON, as catalog_entry_to_json writes it),
-- or NULL when it answered 404 (unknown, remembered for catalog.ttl). Rows
-- are kept past ttl: a stale entry is the fallback when the API fails.

CREATE TABLE catalog_cache (
	namespace  TEXT PRIMARY KEY,
	entry      TEXT,              -- JSON object; NULL: unknown to the catalog
	fetched_at INTEGER NOT NULL   -- Unix ms of the answer
) WITHOUT ROWID;
CREATE INDEX catalog_cache_fetched ON catalog_cache(fetched_at);
