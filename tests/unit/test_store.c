/* Unit tests: store (migrations, jobs, alerts, episodes, backup). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "alert.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* A folder that does not exist yet: the store makes it. */
	snprintf(f->path, sizeof(f->path), "%s/sub/dir/relay.db", f->dir);
	f->s = store_open(f->path, STORE_RW, err, sizeof(err));
	if (f->s == NULL || store_migrate(f->s, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
test_migrations(void **state)
{
	struct fixture *f = *state;
	int have = -1, newest = -1;
	char err[512];

	store_schema_version(f->s, &have, &newest);
	assert_true(newest >= 1);
	assert_int_equal(have, newest);
	/* Idempotent. */
	assert_int_equal(store_migrate(f->s, err, sizeof(err)), 0);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s2;
	sqlite3 *db;
	char err[512];

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
	        "INSERT INTO schema_migrations VALUES (9999, 'x', 0)", NULL,
	        NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s2 = store_open(f->path, STORE_RW, err, sizeof(err));
	assert_non_null(s2);
	assert_int_equal(store_migrate(s2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "newer than this binary"));
	store_close(s2);
}

static void
test_corrupt_file(void **state)
{
	struct fixture *f = *state;
	char path[160], err[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("not a database at all ", fp);
	fclose(fp);
	assert_null(store_open(path, STORE_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "junk.db"));
	/* Read-only open of a missing file fails instead of creating it. */
	snprintf(path, sizeof(path), "%s/missing.db", f->dir);
	assert_null(store_open(path, STORE_RO, err, sizeof(err)));
	assert_int_equal(access(path, F_OK), -1);
}

static int
count_job(void *arg, const struct store_job *j)
{
	int *n = arg;
	assert_string_equal(j->body, "{\"alerts\":[]}");
	assert_string_equal(j->group_key, "{}:{}");
	assert_int_equal(j->source, ALERT_SRC_ALERTMANAGER);
	(*n)++;
	return 0;
}

static void
test_jobs(void **state)
{
	struct fixture *f = *state;
	struct store_job j;
	int64_t id1, id2;
	int n = 0;

	memset(&j, 0, sizeof(j));
	j.received_at = 1000;
	j.source = ALERT_SRC_ALERTMANAGER;
	j.group_key = "{}:{}";
	j.body = "{\"alerts\":[]}";
	j.body_len = strlen(j.body);
	assert_int_equal(store_begin(f->s), 0);
	id1 = store_job_add(f->s, &j);
	id2 = store_job_add(f->s, &j);
	assert_true(id1 > 0 && id2 > id1);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_jobs_pending_count(f->s), 2);
	assert_int_equal(store_jobs_pending(f->s, 10, count_job, &n), 2);
	assert_int_equal(n, 2);
	assert_int_equal(store_job_done(f->s, id1, 2000), 0);
	assert_int_equal(store_jobs_pending_count(f->s), 1);
	/* A rolled-back job is not there. */
	assert_int_equal(store_begin(f->s), 0);
	assert_true(store_job_add(f->s, &j) > 0);
	store_rollback(f->s);
	assert_int_equal(store_jobs_pending_count(f->s), 1);
}

struct rows {
	int n;
	char ids[4][64];
};

static int
collect(void *arg, const struct store_alert_row *r)
{
	struct rows *rows = arg;
	if (rows->n < 4)
		snprintf(rows->ids[rows->n], sizeof(rows->ids[0]), "%s", r->id);
	rows->n++;
	return 0;
}

static void
test_alerts_and_episodes(void **state)
{
	struct fixture *f = *state;
	struct kv labels[2] = {{"alertname", "A"}, {"namespace", "chat"}};
	struct alert a;
	struct store_alert_prev prev;
	struct store_alert_filter flt;
	struct rows rows;

	memset(&a, 0, sizeof(a));
	a.fingerprint = "00000000000000aa";
	a.namespace = "chat";
	a.alertname = "A";
	a.labels.v = labels;
	a.labels.n = 2;
	a.value_string = a.generator_url = a.silence_url = "";
	a.dashboard_url = a.panel_url = a.image_url = "";
	a.starts_at = 5000;

	assert_int_equal(
	    store_alert_prev(f->s, "x/00000000000000aa", &prev), 0);
	assert_false(prev.found);
	assert_int_equal(
	    store_alert_put(f->s, "x/00000000000000aa", ALERT_SRC_GRAFANA, "g",
	        &a, 6000, 6000, 1, 0, 0, 0),
	    0);
	assert_int_equal(
	    store_episode_start(f->s, "x/00000000000000aa", 5000, 6000), 0);
	assert_int_equal(
	    store_episode_start(f->s, "x/00000000000000aa", 5000, 6000), 0);
	assert_int_equal(
	    store_episode_start(f->s, "x/00000000000000aa", 9000, 9500), 0);
	assert_int_equal(store_episode_count(f->s, "x/00000000000000aa", 0), 2);
	assert_int_equal(
	    store_episode_count(f->s, "x/00000000000000aa", 9000), 1);
	assert_int_equal(
	    store_alert_prev(f->s, "x/00000000000000aa", &prev), 0);
	assert_true(prev.found);
	assert_true(prev.firing);
	assert_int_equal(prev.starts_at, 5000);
	assert_int_equal(prev.notifications, 1);
	assert_int_equal(prev.first_seen, 6000);

	memset(&flt, 0, sizeof(flt));
	flt.limit = 10;
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(store_alerts_list(f->s, &flt, collect, &rows), 1);
	assert_string_equal(rows.ids[0], "x/00000000000000aa");
	flt.namespace = "other";
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(store_alerts_list(f->s, &flt, collect, &rows), 0);
	flt.namespace = "chat";
	flt.state = "resolved";
	assert_int_equal(store_alerts_list(f->s, &flt, collect, &rows), 0);
}

static void
test_backup(void **state)
{
	struct fixture *f = *state;
	char out[160], err[512];

	snprintf(out, sizeof(out), "%s/copy.db", f->dir);
	assert_int_equal(store_backup(f->s, out, err, sizeof(err)), 0);
	assert_int_equal(access(out, F_OK), 0);
	assert_int_equal(store_backup(f->s, out, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_newer_schema_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_alerts_and_episodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
