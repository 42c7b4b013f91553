/* Unit tests: util.c and buf.c (durations, sizes, times, UTF-8, escapers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "util.h"

static void
test_duration(void **state)
{
	static const struct {
		const char *in;
		int ok;
		int64_t ms;
	} cases[] = {
	    {"0", 1, 0},
	    {"500ms", 1, 500},
	    {"30s", 1, 30000},
	    {"5m", 1, 300000},
	    {"4h", 1, 14400000},
	    {"1d", 1, 86400000},
	    {"1h30m", 1, 5400000},
	    {"1w", 1, 604800000},
	    {"1m500ms", 1, 60500},
	    {"", 0, 0},
	    {"5", 0, 0},
	    {"5x", 0, 0},
	    {"h", 0, 0},
	    {"1m1h", 0, 0},
	    {"1h1h", 0, 0},
	    {"-5s", 0, 0},
	    {"1.5h", 0, 0},
	    {"99999999999999999999h", 0, 0},
	    {"5s ", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -1;
		int rc = util_duration_parse(cases[i].in, &ms);
		if (cases[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(ms, cases[i].ms);
		} else {
			if (rc == 0)
				fail_msg("duration %s accepted", cases[i].in);
		}
	}
}

static void
test_duration_format(void **state)
{
	char buf[32];
	util_duration_format(5400000, buf, sizeof(buf));
	assert_string_equal(buf, "1h30m");
	util_duration_format(500, buf, sizeof(buf));
	assert_string_equal(buf, "500ms");
	util_duration_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	util_duration_format(90061001, buf, sizeof(buf));
	assert_string_equal(buf, "1d1h1m1s1ms");
}

static void
test_size(void **state)
{
	uint64_t n = 0;
	assert_int_equal(util_size_parse("512KiB", &n), 0);
	assert_int_equal(n, 512 * 1024);
	assert_int_equal(util_size_parse("32MiB", &n), 0);
	assert_int_equal(n, 32 * 1024 * 1024);
	assert_int_equal(util_size_parse("100", &n), 0);
	assert_int_equal(n, 100);
	assert_int_equal(util_size_parse("10MB", &n), 0);
	assert_int_equal(n, 10000000);
	assert_int_equal(util_size_parse("10XB", &n), -1);
	assert_int_equal(util_size_parse("-1", &n), -1);
	assert_int_equal(util_size_parse("", &n), -1);
	assert_int_equal(util_size_parse("99999999999999999999GiB", &n), -1);
}

static void
test_time(void **state)
{
	static const struct {
		const char *in;
		int ok;
		int64_t ms;
	} cases[] = {
	    {"1970-01-01T00:00:01Z", 1, 1000},
	    {"2024-01-01T00:00:00Z", 1, 1704067200000LL},
	    {"2024-01-01T00:00:00z", 1, 1704067200000LL},
	    {"2024-01-01t00:00:00Z", 1, 1704067200000LL},
	    {"2024-01-01T02:00:00+02:00", 1, 1704067200000LL},
	    {"2023-12-31T19:00:00-05:00", 1, 1704067200000LL},
	    {"2024-01-01T00:00:00.5Z", 1, 1704067200500LL},
	    {"2024-01-01T00:00:00.123456789Z", 1, 1704067200123LL},
	    {"2021-10-12T09:51:03.157076+02:00", 1, 1634025063157LL},
	    {"2016-12-31T23:59:60Z", 1, 1483228799000LL},
	    {"0001-01-01T00:00:00Z", 1, 0},
	    {"2024-02-29T00:00:00Z", 1, 1709164800000LL},
	    {"2023-02-29T00:00:00Z", 0, 0},
	    {"2024-13-01T00:00:00Z", 0, 0},
	    {"2024-01-01", 0, 0},
	    {"yesterday", 0, 0},
	    {"2024-01-01T00:00:00", 0, 0},
	    {"2024-01-01T00:00:00Zjunk", 0, 0},
	    {"2024-01-01T00:00:00.Z", 0, 0},
	    {"2024-01-01T00:00:00.1234567891Z", 0, 0},
	    {"2024-01-01T24:00:00Z", 0, 0},
	    {"2024-01-01T00:00:00+2:00", 0, 0},
	    {"", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -1;
		int rc = util_time_parse(cases[i].in, &ms);
		if (cases[i].ok) {
			if (rc != 0)
				fail_msg("time %s refused", cases[i].in);
			if (ms != cases[i].ms)
				fail_msg("time %s: %lld != %lld", cases[i].in,
				    (long long)ms, (long long)cases[i].ms);
		} else if (rc == 0) {
			fail_msg("time %s accepted", cases[i].in);
		}
	}
}

static void
test_time_format(void **state)
{
	char buf[40];
	int64_t back;

	util_time_format(1704067200000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-01T00:00:00Z");
	util_time_format(1704067200123LL, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-01T00:00:00.123Z");
	/* Round trip across many days, leap years included. */
	for (int64_t t = 0; t < 4102444800000LL; t += 86400000LL * 37 + 12345) {
		util_time_format(t, buf, sizeof(buf));
		assert_int_equal(util_time_parse(buf, &back), 0);
		assert_int_equal(back, t == 0 ? 0 : t);
	}
}

static void
test_strtonum(void **state)
{
	long long v;
	const char *err;
	assert_int_equal(util_strtonum("42", 0, 100, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(util_strtonum("101", 0, 100, &v, &err), -1);
	assert_int_equal(util_strtonum("-1", 0, 100, &v, &err), -1);
	assert_int_equal(util_strtonum("4x", 0, 100, &v, &err), -1);
	assert_int_equal(util_strtonum("", 0, 100, &v, &err), -1);
	assert_int_equal(util_strtonum(" 4", 0, 100, &v, &err), -1);
	assert_int_equal(
	    util_strtonum("99999999999999999999", 0, 100, &v, &err), -1);
}

static void
test_utf8(void **state)
{
	const char *emoji = "ab\xf0\x9f\x94\xb4"; /* "ab" + U+1F534 */
	assert_true(util_utf8_valid(emoji, strlen(emoji)));
	assert_false(util_utf8_valid("\xc0\xaf", 2));     /* overlong */
	assert_false(util_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(util_utf8_valid("\xf0\x9f\x94", 3)); /* cut */
	/* Cutting inside the emoji steps back to its start. */
	assert_int_equal(util_utf8_cut(emoji, 6, 4), 2);
	assert_int_equal(util_utf8_cut(emoji, 6, 3), 2);
	assert_int_equal(util_utf8_cut(emoji, 6, 6), 6);
	assert_int_equal(util_utf8_cut(emoji, 6, 2), 2);
}

static void
test_escapers(void **state)
{
	struct buf b = BUF_INIT;
	const char *hostile = "<!channel> & <https://evil|click> \"q\"\n";

	buf_mrkdwn_esc(&b, hostile, strlen(hostile));
	assert_string_equal(buf_str(&b),
	    "&lt;!channel&gt; &amp; &lt;https://evil|click&gt; \"q\"\n");
	buf_reset(&b);
	buf_json_esc(&b, hostile, strlen(hostile));
	assert_string_equal(
	    buf_str(&b), "<!channel> & <https://evil|click> \\\"q\\\"\\n");
	buf_reset(&b);
	buf_json_esc(&b, "\x01\\", 2);
	assert_string_equal(buf_str(&b), "\\u0001\\\\");
	buf_reset(&b);
	buf_html_esc(&b, "<script>'\"&", 11);
	assert_string_equal(buf_str(&b), "&lt;script&gt;&#39;&quot;&amp;");
	buf_reset(&b);
	buf_url_esc(&b, "a b/c?d=é", strlen("a b/c?d=é"));
	assert_string_equal(buf_str(&b), "a%20b%2Fc%3Fd%3D%C3%A9");
	buf_free(&b);
}

static void
test_ct_equal(void **state)
{
	assert_true(util_ct_equal("abc", 3, "abc", 3));
	assert_false(util_ct_equal("abc", 3, "abd", 3));
	assert_false(util_ct_equal("abc", 3, "abcd", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_duration_format),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_time_format),
	    cmocka_unit_test(test_strtonum),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_escapers),
	    cmocka_unit_test(test_ct_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
