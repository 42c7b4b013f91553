/*
 * fuzz_slackhtml.c: libFuzzer target for slackhtml.c.
 *
 * The input is drawn both as mrkdwn text and, when it parses, as a JSON
 * array of blocks. The output must hold no markup but the module's own:
 * every '<' opens one of the tags below, a link's href is an http(s) URL
 * without a raw quote or angle bracket, and no '>' or '"' stands outside a
 * tag. Whatever the input, it can only ever be text.
 * Seeds: tests/fuzz/corpus/slackhtml/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "slackhtml.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const tags[] = {"<strong>", "</strong>", "<em>", "</em>",
    "<del>", "</del>", "<code>", "</code>", "<br>", "</a>", "<hr>", "</span>",
    "</div>", "<div>", "<span>", "<span class=\"mention\">",
    "<div class=\"bk-header\">", "<div class=\"bk-section\">",
    "<div class=\"bk-fields\">", "<div class=\"bk-context\">",
    "<div class=\"bk-actions\">", "<span class=\"bk-button\">"};

static void
bad(const char *what, const char *out, size_t at)
{
	fprintf(
	    stderr, "fuzz_slackhtml: %s at %zu: %.300s\n", what, at, out + at);
	abort();
}

/* Length of the link tag at p (<a href="URL" rel=...> or the button's
 * <a class="bk-button" href="URL" rel=...>), or 0. */
static size_t
link_tag(const char *out, const char *p)
{
	static const char *const opens[] = {
	    "<a href=\"", "<a class=\"bk-button\" href=\""};
	static const char tail[] = "\" rel=\"noopener noreferrer\">";

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(opens[i]), u;
		if (strncmp(p, opens[i], n) != 0)
			continue;
		/* Schemes are case-insensitive (RFC 3986). */
		if (strncasecmp(p + n, "http://", 7) != 0 &&
		    strncasecmp(p + n, "https://", 8) != 0)
			bad("link is not http(s)", out, (size_t)(p - out));
		u = strcspn(p + n, "\"<>");
		if (strncmp(p + n + u, tail, sizeof(tail) - 1) != 0)
			bad("link URL not closed by the tag", out,
			    (size_t)(p - out));
		return n + u + sizeof(tail) - 1;
	}
	return 0;
}

static void
check(const char *out)
{
	const char *p = out;

	while (*p != '\0') {
		size_t n = 0;
		if (*p == '<') {
			n = link_tag(out, p);
			for (size_t i = 0;
			     n == 0 && i < sizeof(tags) / sizeof(tags[0]); i++)
				if (strncmp(p, tags[i], strlen(tags[i])) == 0)
					n = strlen(tags[i]);
			if (n == 0)
				bad("markup not ours", out, (size_t)(p - out));
			p += n;
			continue;
		}
		if (*p == '>' || *p == '"')
			bad("raw > or \" in text", out, (size_t)(p - out));
		p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct buf b = BUF_INIT;
	json_t *j;

	memcpy(s, data, size);
	s[size] = '\0';
	slackhtml_mrkdwn(&b, s);
	check(buf_str(&b));
	buf_reset(&b);
	j = json_loadb((const char *)data, size, 0, NULL);
	if (j != NULL) {
		slackhtml_blocks(&b, j);
		check(buf_str(&b));
		json_decref(j);
	}
	buf_free(&b);
	free(s);
	return 0;
}
