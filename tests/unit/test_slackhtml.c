/* Unit tests: slackhtml (Block Kit and mrkdwn as HTML for the web page). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "slackhtml.h"

static char *
md(const char *s)
{
	struct buf b = BUF_INIT;

	slackhtml_mrkdwn(&b, s);
	return buf_steal(&b);
}

#define MD(in, want)                                                           \
	do {                                                                   \
		char *got_ = md(in);                                           \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

static void
test_styles(void **state)
{
	(void)state;
	MD("*bold* and _it_ ~gone~ `x &lt; y`",
	    "<strong>bold</strong> and <em>it</em> <del>gone</del> "
	    "<code>x &lt; y</code>");
	/* Unpaired or spaced markers stay text. */
	MD("a * b * c", "a * b * c");
	MD("2*3", "2*3");
	MD("line\nnext", "line<br>next");
}

static void
test_entities_and_hostile_text(void **state)
{
	(void)state;
	/* Slack's entities are text: decoded, then escaped for HTML. */
	MD("&lt;script&gt;alert(1)&lt;/script&gt; &amp;",
	    "&lt;script&gt;alert(1)&lt;/script&gt; &amp;");
	MD("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
	    "&amp;quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	/* Raw angle brackets are Slack controls: a control that is no link
	 * shows its text, escaped. */
	MD("\"><img src=x onerror=alert(1)>",
	    "&quot;&gt;img src=x onerror=alert(1)");
}

static void
test_links_and_mentions(void **state)
{
	(void)state;
	MD("<https://g.example/d?a=1&amp;b=2|Dash>",
	    "<a href=\"https://g.example/d?a=1&amp;b=2\" rel=\"noopener "
	    "noreferrer\">Dash</a>");
	MD("<javascript:alert(1)|click>", "click");
	/* A quote in a URL stays inside the attribute, escaped. */
	MD("<https://x.example/\"onmouseover=\"y|z>",
	    "<a href=\"https://x.example/&quot;onmouseover=&quot;y\" "
	    "rel=\"noopener noreferrer\">z</a>");
	MD("<!subteam^S0TEAM|@chat-team> <!subteam^S1> <!here> <@U123>",
	    "<span class=\"mention\">@chat-team</span> <span "
	    "class=\"mention\">@S1</span> <span class=\"mention\">@here</span> "
	    "<span class=\"mention\">@U123</span>");
	MD("a < b", "a &lt; b");
}

static void
test_blocks(void **state)
{
	struct buf b = BUF_INIT;
	json_t *j = json_loads(
	    "[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":"
	    "\"*H* <b>\"}},{\"type\":\"section\",\"fields\":[{\"type\":"
	    "\"mrkdwn\",\"text\":\"*k*\\nv\"}]},{\"type\":\"actions\","
	    "\"elements\":[{\"type\":\"button\",\"text\":{\"type\":\"plain_"
	    "text\",\"text\":\"Snooze\"}},{\"type\":\"button\",\"text\":{"
	    "\"type\":\"plain_text\",\"text\":\"Go\"},\"url\":\"https://x."
	    "example\"}]},{\"type\":\"video\"},{\"type\":\"divider\"}]",
	    0, NULL);

	(void)state;
	assert_non_null(j);
	slackhtml_blocks(&b, j);
	/* plain_text is not mrkdwn: no bold, and <b> is text. */
	assert_non_null(strstr(
	    buf_str(&b), "<div class=\"bk-header\">*H* &lt;b&gt;</div>"));
	assert_non_null(strstr(buf_str(&b),
	    "<div class=\"bk-fields\"><div><strong>k</strong><br>v</div>"));
	assert_non_null(
	    strstr(buf_str(&b), "<span class=\"bk-button\">Snooze</span>"));
	assert_non_null(strstr(
	    buf_str(&b), "<a class=\"bk-button\" href=\"https://x.example\""));
	assert_non_null(strstr(buf_str(&b), "<hr>"));
	assert_null(strstr(buf_str(&b), "video"));
	json_decref(j);
	/* Not an array: nothing. */
	buf_reset(&b);
	j = json_string("x");
	slackhtml_blocks(&b, j);
	assert_int_equal(b.len, 0);
	json_decref(j);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_styles),
	    cmocka_unit_test(test_entities_and_hostile_text),
	    cmocka_unit_test(test_links_and_mentions),
	    cmocka_unit_test(test_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
