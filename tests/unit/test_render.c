/* Unit tests: context.c and render.c with the built-in templates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "context.h"
#include "render.h"
#include "util.h"

static struct config *cfg;
static struct render *rnd;

static int
setup(void **state)
{
	char err[512];

	cfg = config_defaults("/tmp");
	rnd = render_load("", err, sizeof(err));
	if (cfg == NULL || rnd == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	render_free(rnd);
	config_free(cfg);
	return 0;
}

/* Every built-in template renders the hostile sample into valid blocks. */
static void
test_builtin_templates(void **state)
{
	char err[512];

	assert_int_equal(render_check(rnd, cfg, err, sizeof(err)), 0);
}

/* Walks every text object: no live markup from data may survive. */
static void
assert_no_markup(json_t *j)
{
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
		{
			if (strcmp(k, "text") == 0 && json_is_string(v)) {
				const char *s = json_string_value(v);
				if (strstr(s, "<!") || strstr(s, "<@") ||
				    strstr(s, "<http"))
					fail_msg("live markup in %s", s);
			} else {
				assert_no_markup(v);
			}
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) assert_no_markup(v);
	}
}

static void
test_hostile_sample(void **state)
{
	json_t *ctx = context_sample(cfg, "root", 1700000000000LL);
	char *text = NULL, *blocks = NULL, err[512];
	json_t *b;

	assert_int_equal(
	    render_fitted(rnd, "firing", ctx, &text, &blocks, err, sizeof(err)),
	    0);
	b = json_loads(blocks, 0, NULL);
	assert_non_null(b);
	assert_no_markup(b);
	/* Escaped, still visible. */
	assert_non_null(strstr(blocks, "&lt;!channel&gt;"));
	/* javascript: links are dropped; the runbook stays. */
	assert_null(strstr(blocks, "javascript:"));
	assert_non_null(strstr(blocks, "https://runbooks.example/5xx"));
	/* Values as people read them. */
	assert_non_null(strstr(blocks, "1350.5"));
	assert_null(strstr(text, "<!"));
	json_decref(b);
	free(text);
	free(blocks);
	json_decref(ctx);
}

static void
test_context_cap(void **state)
{
	json_t *ctx = context_sample(cfg, "root", 1700000000000LL);

	assert_int_equal(context_alerts(ctx), 4);
	context_cap(ctx, 1);
	assert_int_equal(context_alerts(ctx), 1);
	/* 3 firing in the sample's counts, 1 shown. */
	assert_int_equal(
	    json_integer_value(json_object_get(ctx, "more_count")), 2);
	assert_true(json_is_true(json_object_get(ctx, "has_more")));
	json_decref(ctx);
}

static void
test_numbers_and_durations(void **state)
{
	char b[64];

	context_number(1350, b, sizeof(b));
	assert_string_equal(b, "1350");
	context_number(0.25, b, sizeof(b));
	assert_string_equal(b, "0.25");
	context_number(1e6, b, sizeof(b));
	assert_string_equal(b, "1000000");
	context_number(1.23456789e-7, b, sizeof(b));
	assert_string_equal(b, "1.23457e-07");
	context_duration(59000, b, sizeof(b));
	assert_string_equal(b, "59s");
	context_duration(600000, b, sizeof(b));
	assert_string_equal(b, "10m");
	context_duration(3600000 * 2 + 600000, b, sizeof(b));
	assert_string_equal(b, "2h10m");
	context_duration(86400000LL * 3 + 3600000 * 4, b, sizeof(b));
	assert_string_equal(b, "3d4h");
}

static void
test_override_folder(void **state)
{
	char dir[] = "/tmp/test_render.XXXXXX", path[256], err[512];
	struct render *r2;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/firing.mustache", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"text\": \"x\",\n\n\"blocks\": [{{#alerts}}]}\n", f);
	fclose(f);
	r2 = render_load(dir, err, sizeof(err));
	assert_null(r2);
	/* FILE:LINE: reason */
	assert_non_null(strstr(err, "firing.mustache:3:"));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_templates),
	    cmocka_unit_test(test_hostile_sample),
	    cmocka_unit_test(test_context_cap),
	    cmocka_unit_test(test_numbers_and_durations),
	    cmocka_unit_test(test_override_folder),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
