/*
 * render.c: template loading and rendering into Block Kit; see render.h.
 */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockkit.h"
#include "buf.h"
#include "config.h"
#include "context.h"
#include "digest.h"
#include "embedded.h"
#include "mustache.h"
#include "util.h"

/* A template file larger than this is not a message template. */
#define RENDER_MAX_TEMPLATE (256 * 1024)
/* Templates (and partials) at most. */
#define RENDER_MAX_TEMPLATES 64
/* Rendered output before it is parsed: far above Slack's 12 000 characters
 * of blocks, yet small enough that a template bomb cannot hurt. */
#define RENDER_MAX_OUTPUT (1024 * 1024)

struct tpl {
	char *name; /* "firing" */
	char *file; /* where it came from, for errors */
	char *src;
	size_t len;
	struct mustache *compiled;
};

struct render {
	struct tpl tpls[RENDER_MAX_TEMPLATES];
	size_t n;
};

static struct tpl *
find(const struct render *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->tpls[i].name, name) == 0)
			return (struct tpl *)&r->tpls[i];
	return NULL;
}

/* Adds or replaces a template; src is stolen. Returns 0 or -1 (err set). */
static int
add(struct render *r, const char *name, const char *file, char *src, size_t len,
    char *err, size_t errlen)
{
	struct tpl *t = find(r, name);
	struct mustache *m;
	char merr[256];

	m = mustache_compile(src, len, merr, sizeof(merr));
	if (m == NULL) {
		/* mustache says "line N: reason": make it FILE:N: reason. */
		if (strncmp(merr, "line ", 5) == 0)
			snprintf(err, errlen, "%s:%s", file, merr + 5);
		else
			snprintf(err, errlen, "%s: %s", file, merr);
		free(src);
		return -1;
	}
	if (t == NULL) {
		if (r->n == RENDER_MAX_TEMPLATES) {
			snprintf(err, errlen, "%s: more than %d templates",
			    file, RENDER_MAX_TEMPLATES);
			mustache_free(m);
			free(src);
			return -1;
		}
		t = &r->tpls[r->n++];
		t->name = xstrdup(name);
	} else {
		mustache_free(t->compiled);
		free(t->src);
		free(t->file);
	}
	t->file = xstrdup(file);
	t->src = src;
	t->len = len;
	t->compiled = m;
	return 0;
}

/* Loads the overrides of one folder. */
static int
load_dir(struct render *r, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		snprintf(err, errlen, "templates %s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char path[4096], name[256];
		struct stat st;
		FILE *f;
		char *src;

		if (n <= 9 || strcmp(e->d_name + n - 9, ".mustache") != 0 ||
		    n - 9 >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 9), e->d_name);
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_size > RENDER_MAX_TEMPLATE) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    RENDER_MAX_TEMPLATE);
			rc = -1;
			break;
		}
		f = fopen(path, "rb");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		src = xmalloc((size_t)st.st_size + 1);
		n = fread(src, 1, (size_t)st.st_size, f);
		src[n] = '\0';
		fclose(f);
		rc = add(r, name, path, src, n, err, errlen);
	}
	closedir(d);
	return rc;
}

struct render *
render_load(const char *dir, char *err, size_t errlen)
{
	struct render *r = xcalloc(1, sizeof(*r));

	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		size_t n = strlen(f->name);
		char name[256];

		if (strncmp(f->name, "templates/", 10) != 0 || n < 19 ||
		    strcmp(f->name + n - 9, ".mustache") != 0)
			continue;
		snprintf(
		    name, sizeof(name), "%.*s", (int)(n - 19), f->name + 10);
		if (add(r, name, f->name, xstrndup(f->data, f->len), f->len,
		        err, errlen) != 0)
			goto fail;
	}
	if (dir != NULL && *dir != '\0' && load_dir(r, dir, err, errlen) != 0)
		goto fail;
	return r;
fail:
	render_free(r);
	return NULL;
}

void
render_free(struct render *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->tpls[i].name);
		free(r->tpls[i].file);
		free(r->tpls[i].src);
		mustache_free(r->tpls[i].compiled);
	}
	free(r);
}

static const char *
partial(void *arg, const char *name, size_t *len)
{
	struct tpl *t = find(arg, name);

	if (t == NULL)
		return NULL;
	*len = t->len;
	return t->src;
}

int
render_message(const struct render *r, const char *name, json_t *ctx,
    char **text, char **blocks, int *clamped, char *err, size_t errlen)
{
	struct tpl *t = find(r, name);
	struct mustache_opts o;
	struct buf out = BUF_INIT;
	struct blockkit_report rep;
	char merr[256];
	json_t *msg = NULL;
	int rc = -1;

	*text = *blocks = NULL;
	*clamped = 0;
	if (t == NULL) {
		snprintf(err, errlen, "no template named %s", name);
		return -1;
	}
	memset(&o, 0, sizeof(o));
	/* {{x}} is data: JSON string and mrkdwn; {{{x}}} is ours: JSON only. */
	o.escape = mustache_escape_json_mrkdwn;
	o.raw = mustache_escape_json;
	o.partial = partial;
	o.partial_arg = (void *)r;
	o.max_output = RENDER_MAX_OUTPUT;
	if (mustache_render(t->compiled, ctx, &o, &out, merr, sizeof(merr)) !=
	    0) {
		snprintf(err, errlen, "%s: %s", t->file, merr);
		goto done;
	}
	msg = blockkit_parse(buf_str(&out), out.len, merr, sizeof(merr));
	if (msg == NULL) {
		snprintf(err, errlen, "%s: output is not a message: %s",
		    t->file, merr);
		goto done;
	}
	memset(&rep, 0, sizeof(rep));
	if (blockkit_clamp(msg, &rep, merr, sizeof(merr)) != 0) {
		snprintf(err, errlen, "%s: %s", t->file, merr);
		goto done;
	}
	*clamped = rep.clamped > 0;
	*text = xstrdup(json_string_value(json_object_get(msg, "text")) != NULL
	        ? json_string_value(json_object_get(msg, "text"))
	        : "");
	*blocks = json_dumps(json_object_get(msg, "blocks"), JSON_COMPACT);
	if (*blocks == NULL)
		*blocks = xstrdup("[]");
	rc = 0;
done:
	json_decref(msg);
	buf_free(&out);
	return rc;
}

int
render_fit(const struct render *r, const char *name, json_t *ctx, size_t n,
    void (*cap)(json_t *ctx, size_t n), char **text, char **blocks, char *err,
    size_t errlen)
{
	int clamped;

	for (;;) {
		cap(ctx, n);
		if (render_message(
		        r, name, ctx, text, blocks, &clamped, err, errlen) != 0)
			return -1;
		if (!clamped || n <= 1)
			return 0;
		free(*text);
		free(*blocks);
		n /= 2;
	}
}

int
render_fitted(const struct render *r, const char *name, json_t *ctx,
    char **text, char **blocks, char *err, size_t errlen)
{
	return render_fit(r, name, ctx, context_alerts(ctx), context_cap, text,
	    blocks, err, errlen);
}

int
render_check(
    const struct render *r, const struct config *cfg, char *err, size_t errlen)
{
	static const char *const names[] = RENDER_TEMPLATES;
	int64_t now = util_now_ms();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int digest = strcmp(names[i], "digest") == 0;
		json_t *ctx = digest ? digest_sample(cfg, now)
		                     : context_sample(cfg, names[i], now);
		char *text = NULL, *blocks = NULL;
		int rc = digest
		    ? digest_render(r, ctx, &text, &blocks, err, errlen)
		    : render_fitted(
		          r, names[i], ctx, &text, &blocks, err, errlen);
		json_decref(ctx);
		free(text);
		free(blocks);
		if (rc != 0)
			return -1;
	}
	return 0;
}
