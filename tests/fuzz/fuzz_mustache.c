/*
 * fuzz_mustache.c: libFuzzer target for the Mustache engine.
 *
 * Input: a template, a NUL byte, then JSON data (an empty object when absent
 * or malformed). Every partial name resolves to the template itself, so
 * loops and deep recursion are exercised; output is capped at 1 MiB.
 *
 * Second, a differential check of partial indentation: the spec defines a
 * standalone partial as its source with every line indented, so rendering
 * "  {{>p}}" must equal rendering that indented source directly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "mustache.h"

#define WRAPPED "\x01wrapped"

struct src {
	const char *s;
	size_t n;
};

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Any name: the template itself (borrowed from the input). */
static const char *
partial_self(void *arg, const char *name, size_t *len)
{
	const struct src *t = arg;

	(void)name;
	*len = t->n;
	return t->s;
}

/* Only the wrapper's name resolves; partials inside it are empty. */
static const char *
partial_wrapped(void *arg, const char *name, size_t *len)
{
	const struct src *t = arg;

	if (strcmp(name, WRAPPED) != 0)
		return NULL;
	*len = t->n;
	return t->s;
}

/* Compiles and renders s; returns 0, -1 on a compile or render error. */
static int
run(const char *s, size_t n, json_t *ctx, struct mustache_opts *opts,
    struct buf *out, char *err, size_t errlen)
{
	struct mustache *t;
	int rc = -1;

	if ((t = mustache_compile(s, n, err, errlen)) != NULL) {
		rc = mustache_render(t, ctx, opts, out, err, errlen);
		mustache_free(t);
	}
	return rc;
}

/* A render error caused by a bound rather than by the template's text. */
static int
is_limit(const char *err)
{
	return strstr(err, "too expensive") != NULL ||
	    strstr(err, "output exceeds") != NULL;
}

static void
check_indentation(const struct src *tmpl, json_t *ctx)
{
	struct mustache_opts opts = {0};
	struct buf indented = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	char erra[256] = "", errb[256] = "";
	static const char wrapper[] = "  {{>" WRAPPED "}}";
	int ra, rb;

	if (tmpl->n > 0)
		buf_adds(&indented, "  ");
	for (size_t i = 0; i < tmpl->n; i++) {
		buf_addc(&indented, tmpl->s[i]);
		if (tmpl->s[i] == '\n' && i + 1 < tmpl->n)
			buf_adds(&indented, "  ");
	}
	opts.partial = partial_wrapped;
	opts.partial_arg = (void *)tmpl;
	opts.max_output = 1024 * 1024;
	ra = run(
	    wrapper, sizeof(wrapper) - 1, ctx, &opts, &a, erra, sizeof(erra));
	rb = run(
	    indented.data, indented.len, ctx, &opts, &b, errb, sizeof(errb));
	if (ra == 0 && rb == 0) {
		if (a.len != b.len || memcmp(buf_str(&a), buf_str(&b), a.len)) {
			fprintf(stderr, "indentation differs:\n[%s]\n[%s]\n",
			    buf_str(&a), buf_str(&b));
			abort();
		}
	} else if (ra != rb && !is_limit(erra) && !is_limit(errb)) {
		fprintf(stderr, "outcome differs: [%s] [%s]\n", erra, errb);
		abort();
	}
	buf_free(&indented);
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mustache_opts opts = {0};
	struct buf out = BUF_INIT;
	struct src tmpl;
	const uint8_t *nul;
	json_t *ctx = NULL;
	char err[256];

	nul = memchr(data, '\0', size);
	tmpl.s = (const char *)data;
	tmpl.n = nul != NULL ? (size_t)(nul - data) : size;
	if (nul != NULL)
		ctx = json_loadb((const char *)nul + 1, size - tmpl.n - 1,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (ctx == NULL)
		ctx = json_object();

	opts.partial = partial_self;
	opts.partial_arg = &tmpl;
	opts.max_output = 1024 * 1024;
	if (run(tmpl.s, tmpl.n, ctx, &opts, &out, err, sizeof(err)) == -1 &&
	    out.len != 0)
		abort(); /* an error must leave the buffer as it was */
	buf_reset(&out);
	mustache_escape_json_mrkdwn(&out, tmpl.s, tmpl.n);
	buf_free(&out);

	check_indentation(&tmpl, ctx);
	json_decref(ctx);
	return 0;
}
