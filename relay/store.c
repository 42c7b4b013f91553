/*
 * store.c: SQLite connection, migrations, transactions and checkpoints.
 */
#include "store_int.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "embedded.h"
#include "log.h"
#include "util.h"

int
store_fail(struct store *s, const char *what)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what,
	    sqlite3_errmsg(s->db));
	s->errcode = sqlite3_errcode(s->db) & 0xff;
	return -1;
}

sqlite3_stmt *
store_stmt(struct store *s, enum stmt_id id, const char *sql)
{
	sqlite3_stmt *st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, sql, -1,
		        SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			store_fail(s, "prepare");
			return NULL;
		}
		s->stmt[id] = st;
		return st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

const char *
store_col_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t != NULL ? t : "";
}

const char *
store_col_text_or_null(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
store_exec_ii(struct store *s, enum stmt_id id, const char *sql, int64_t a,
    int64_t b, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, id, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return store_exec_stmt(s, st, what);
}

int
store_exec_ti(struct store *s, enum stmt_id id, const char *sql,
    const char *text, int64_t b, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, id, sql);

	if (st == NULL)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b);
	return store_exec_stmt(s, st, what);
}

int
store_exec_stmt(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/* Makes the folder of path (one level, plus parents), like mkdir -p. */
static int
make_parent(const char *path)
{
	/* dirname() may return static storage ("."): work on our own copy. */
	char *copy = xstrdup(path), *dir = xstrdup(dirname(copy));
	char *p = dir;
	int rc = 0;

	if (*p == '/')
		p++;
	for (;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (*dir != '\0' && mkdir(dir, 0750) != 0 &&
			    errno != EEXIST)
				rc = -1;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(dir);
	free(copy);
	return rc;
}

static int
exec_sql(struct store *s, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what,
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * The lock wait: the checkpointer holds the write lock for a few ms while it
 * empties the WAL, the CLI for about as long. SQLite's own handler sleeps
 * 1, 2, 5, 10 ms ... between tries, which on the event loop adds more delay
 * than the lock itself: try every 100 us instead, up to s->busy_ms.
 */
static int
busy_wait(void *arg, int tries)
{
	struct store *s = arg;
	struct timespec ts = {0, 100 * 1000};
	int64_t now = util_mono_us();

	if (tries == 0)
		s->busy_since = now;
	else if (now - s->busy_since >= s->busy_ms * 1000)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* WAL frames (4 KiB pages) after a commit past which the checkpointer is
 * woken at once instead of at its next interval: the WAL is what a start
 * after a crash reads in full (about 7 ms per MiB here), so keep it short. */
#define STORE_WAL_KICK_FRAMES 1024

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	if (frames >= STORE_WAL_KICK_FRAMES && s->ckpt_running) {
		pthread_mutex_lock(&s->ckpt_mu);
		if (!s->ckpt_kicked) {
			s->ckpt_kicked = 1;
			pthread_cond_signal(&s->ckpt_cv);
		}
		pthread_mutex_unlock(&s->ckpt_mu);
	}
	return SQLITE_OK;
}

struct store *
store_open(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int flags;

	s->path = xstrdup(path);
	s->mode = mode;
	if (mode == STORE_RW) {
		if (strcmp(path, ":memory:") != 0 && make_parent(path) != 0) {
			snprintf(err, errlen,
			    "database %s: cannot create its folder: %s", path,
			    strerror(errno));
			goto fail;
		}
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	} else {
		flags = SQLITE_OPEN_READONLY;
	}
	if (sqlite3_open_v2(path, &s->db,
	        flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
	        NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* A CLI writer holds the lock for milliseconds; waiting briefly is
	 * cheaper than failing, and short enough not to stall the loop. */
	s->busy_ms = mode == STORE_RW ? 200 : 2000;
	sqlite3_busy_handler(s->db, busy_wait, s);
	/* Touch the file: a corrupt or foreign file fails here, at start. */
	if (exec_sql(s, "SELECT count(*) FROM sqlite_master", "read") != 0) {
		snprintf(err, errlen, "database %s: %s", path, s->errmsg);
		goto fail;
	}
	/* Reads go through the 256 MiB map (the kernel's page cache, shared
	 * and reclaimable); SQLite's own cache then holds little more than a
	 * transaction's dirty pages (it spills to the WAL past that): 2 MiB
	 * processes a backlog as fast as 64 MiB did (bench/delivery: 3 371
	 * and 3 048 bodies in 10 s) and halves the RSS at 10 000 alerts
	 * (36 -> 16 MiB). */
	if (mode == STORE_RW &&
	    exec_sql(s,
	        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
	        "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0; "
	        "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864; "
	        "PRAGMA cache_size=-2048; PRAGMA mmap_size=268435456;",
	        "pragmas") != 0) {
		snprintf(err, errlen, "database %s: %s", path, s->errmsg);
		goto fail;
	}
	if (mode == STORE_RW)
		sqlite3_wal_hook(s->db, wal_hook, s);
	s->data_version = -1;
	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_cond_init(&s->ckpt_cv, NULL);
	return s;
fail:
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
	return NULL;
}

/*
 * Profiling aid (ALERT_DELIVERY_SQL_STATS set): at close, each prepared
 * statement's runs and virtual machine steps (SQLite's measure of work),
 * one line each on stderr, for `sort -k2 -n`.
 */
static void
sql_stats(struct store *s)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_stmt *st = s->stmt[i];
		if (st == NULL)
			continue;
		fprintf(stderr, "sql-stats steps %d runs %d sql %.120s\n",
		    sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0),
		    sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0),
		    sqlite3_sql(st));
	}
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->ckpt_running) {
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_stop = 1;
		pthread_cond_signal(&s->ckpt_cv);
		pthread_mutex_unlock(&s->ckpt_mu);
		pthread_join(s->ckpt_thread, NULL);
	}
	pthread_mutex_destroy(&s->ckpt_mu);
	pthread_cond_destroy(&s->ckpt_cv);
	if (getenv("ALERT_DELIVERY_SQL_STATS") != NULL)
		sql_stats(s);
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->mode == STORE_RW)
		sqlite3_exec(
		    s->db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL);
	sqlite3_close_v2(s->db);
	buf_free(&s->row);
	buf_free(&s->catalog_row);
	buf_free(&s->snooze_row);
	free(s->path);
	free(s);
}

const char *
store_errmsg(struct store *s)
{
	return s->errmsg;
}

int
store_error_is_global(struct store *s)
{
	switch (s->errcode) {
	case SQLITE_OK: /* a failure that was not SQLite's */
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE: return 0;
	default: return 1; /* full, I/O, busy, locked, read-only, ... */
	}
}

int
store_degraded(struct store *s)
{
	return s->degraded;
}

/* Migration number from "schema/0001_init.sql"; -1 when not a migration. */
static int
migration_number(const char *name)
{
	long long n;
	const char *e;
	char digits[5];

	if (strncmp(name, "schema/", 7) != 0 || strlen(name) < 12 ||
	    name[11] != '_')
		return -1;
	memcpy(digits, name + 7, 4);
	digits[4] = '\0';
	if (util_strtonum(digits, 1, 9999, &n, &e) != 0)
		return -1;
	return (int)n;
}

static int
newest_migration(void)
{
	int newest = 0;
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		int n = migration_number(f->name);
		if (n > newest)
			newest = n;
	}
	return newest;
}

int
store_schema_version(struct store *s, int *have, int *newest)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*have = 0;
	*newest = newest_migration();
	rc = sqlite3_prepare_v2(s->db,
	    "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		/* No table yet: a new database. */
		sqlite3_finalize(st);
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		*have = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
store_migrate(struct store *s, char *err, size_t errlen)
{
	int have, newest;

	if (exec_sql(s,
	        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
	        "PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
	        "migrations table") != 0) {
		snprintf(err, errlen, "%s", s->errmsg);
		return -1;
	}
	store_schema_version(s, &have, &newest);
	if (have > newest) {
		snprintf(err, errlen,
		    "database %s has schema version %d, newer than this binary "
		    "(%d): use a newer alert-delivery",
		    s->path, have, newest);
		return -1;
	}
	/* Apply in order; embedded files are sorted by name at build time. */
	for (int v = have + 1; v <= newest; v++) {
		const struct embedded_file *m = NULL;
		sqlite3_stmt *st = NULL;

		for (const struct embedded_file *f = embedded_files; f->name;
		     f++)
			if (migration_number(f->name) == v)
				m = f;
		if (m == NULL) {
			snprintf(err, errlen, "migration %04d is missing", v);
			return -1;
		}
		if (exec_sql(s, "BEGIN IMMEDIATE", "begin") != 0)
			goto fail;
		if (exec_sql(s, m->data, m->name) != 0) {
			exec_sql(s, "ROLLBACK", "rollback");
			goto fail;
		}
		if (sqlite3_prepare_v2(s->db,
		        "INSERT INTO schema_migrations "
		        "(version, name, applied_at) "
		        "VALUES (?, ?, ?)",
		        -1, &st, NULL) != SQLITE_OK) {
			store_fail(s, "record migration");
			exec_sql(s, "ROLLBACK", "rollback");
			goto fail;
		}
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_text(st, 2, m->name + 7, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, util_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, "record migration");
			sqlite3_finalize(st);
			exec_sql(s, "ROLLBACK", "rollback");
			goto fail;
		}
		sqlite3_finalize(st);
		if (exec_sql(s, "COMMIT", "commit") != 0) {
			exec_sql(s, "ROLLBACK", "rollback");
			goto fail;
		}
		log_event(
		    LOG_INFO, "migration applied", "name", m->name + 7, NULL);
	}
	return 0;
fail:
	snprintf(err, errlen, "migration: %s", s->errmsg);
	return -1;
}

int
store_begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (store_exec_stmt(
	        s, store_stmt(s, ST_BEGIN, "BEGIN IMMEDIATE"), "begin") != 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

int
store_commit(struct store *s)
{
	if (!s->in_tx)
		return 0;
	if (store_exec_stmt(s, store_stmt(s, ST_COMMIT, "COMMIT"), "commit") !=
	    0) {
		/* A failed COMMIT may leave the transaction open (SQLITE_BUSY)
		 * or already rolled back (SQLITE_FULL): end it either way. */
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = 0;
		s->degraded = 1;
		return -1;
	}
	s->in_tx = 0;
	s->degraded = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!s->in_tx)
		return;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
}

int64_t
store_scalar(
    struct store *s, enum stmt_id id, const char *sql, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, id, sql);
	int64_t v;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail(s, what);
	}
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
store_changed(struct store *s)
{
	sqlite3_stmt *st =
	    store_stmt(s, ST_DATA_VERSION, "PRAGMA data_version");
	int64_t v;
	int changed;

	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		return 0;
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	changed = s->data_version >= 0 && v != s->data_version;
	s->data_version = v;
	return changed;
}

int
store_import_readonly(
    struct store *s, const char *path, char *err, size_t errlen)
{
	static const char *const tables[] = {"alerts", "episodes", "incidents",
	    "messages", "rules", "meta", "incident_mentions", "catalog_cache"};
	sqlite3_stmt *st = NULL;
	char *uri;
	int rc = -1;

	/* mode=ro: the file is opened read-only whatever happens below. */
	uri = sqlite3_mprintf("file:%s?mode=ro", path);
	if (sqlite3_prepare_v2(s->db, "ATTACH ? AS src", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char *sql = sqlite3_mprintf("INSERT INTO main.%s SELECT * FROM "
		                            "src.%s",
		    tables[i], tables[i]);
		int ok =
		    sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK;
		sqlite3_free(sql);
		if (!ok &&
		    strstr(sqlite3_errmsg(s->db), "no such table") == NULL)
			goto fail;
	}
	rc = 0;
fail:
	if (rc != 0)
		snprintf(err, errlen, "database %s: %s", path,
		    sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "DETACH src", NULL, NULL, NULL);
	sqlite3_free(uri);
	return rc;
}

const char *
store_idle_check(struct store *s)
{
	sqlite3_stmt *st = NULL;

	if (s->in_tx)
		return NULL;
	while ((st = sqlite3_next_stmt(s->db, st)) != NULL) {
		if (sqlite3_stmt_busy(st)) {
			const char *sql = sqlite3_sql(st);
			sqlite3_reset(st);
			return sql;
		}
	}
	return NULL;
}

int
store_backup(struct store *s, const char *file, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (access(file, F_OK) == 0) {
		snprintf(err, errlen, "%s: already exists", file);
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "VACUUM INTO ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "backup to %s: %s", file,
		    sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* WAL frames (pages) past which the checkpointer restarts the WAL itself
 * once it is copied back: 4 096 frames of 4 KiB = 16 MiB. */
#define STORE_WAL_RESTART_FRAMES (4 * STORE_WAL_KICK_FRAMES)

static void *
checkpointer(void *arg)
{
	struct store *s = arg;
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(s->path, &db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		log_event(LOG_ERROR, "checkpointer: cannot open database",
		    "error", sqlite3_errmsg(db), NULL);
		sqlite3_close(db);
		return NULL;
	}
	/* RESTART holds the write lock while it waits for readers: give up
	 * soon (it is tried again at the next wake) rather than make the
	 * relay's own writes wait. */
	sqlite3_busy_timeout(db, 20);
	/* A connection that has never read the database has not opened its
	 * WAL, and a checkpoint through it does nothing at all. */
	sqlite3_exec(
	    db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	pthread_mutex_lock(&s->ckpt_mu);
	while (!s->ckpt_stop) {
		struct timespec ts;
		int log_frames = 0, done = 0;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += s->ckpt_interval_ms / 1000;
		ts.tv_nsec += (long)(s->ckpt_interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!s->ckpt_kicked)
			pthread_cond_timedwait(&s->ckpt_cv, &s->ckpt_mu, &ts);
		if (s->ckpt_stop)
			break;
		s->ckpt_kicked = 0;
		pthread_mutex_unlock(&s->ckpt_mu);
		sqlite3_wal_checkpoint_v2(
		    db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done);
		/*
		 * A WAL starts over when a writer finds it fully copied back:
		 * the relay's writes pause between turns, so this copy usually
		 * lets the next one restart it, with no lock taken. Writes
		 * that never pause would let it grow without end: once it is
		 * large and copied back, RESTART takes the write lock for the
		 * frames written meanwhile and starts it over (frames past the
		 * new start are never read again, even after a crash). Taking
		 * that lock at every wake put 10-25 ms lock waits into webhook
		 * answers (ack p99 13 ms against 7.5 ms without).
		 */
		if (log_frames >= STORE_WAL_RESTART_FRAMES &&
		    done == log_frames)
			sqlite3_wal_checkpoint_v2(db, NULL,
			    SQLITE_CHECKPOINT_RESTART, &log_frames, &done);
		pthread_mutex_lock(&s->ckpt_mu);
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	sqlite3_close(db);
	return NULL;
}

int
store_checkpointer_start(struct store *s, int interval_ms)
{
	if (s->mode != STORE_RW || s->ckpt_running)
		return 0;
	s->ckpt_interval_ms = interval_ms;
	if (pthread_create(&s->ckpt_thread, NULL, checkpointer, s) != 0)
		return -1;
	s->ckpt_running = 1;
	return 0;
}
