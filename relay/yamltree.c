/*
 * yamltree.c: bounded libyaml document loading; see yamltree.h.
 */
#include "yamltree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

/*
 * One cheap event pass before the real load refuses what would make libyaml
 * slow: its scanner spends O(flow depth) per token, so a 4 MiB "[[[[...]]]]"
 * would take hours, and its loader searches anchors linearly (per anchor and
 * per alias), so 300k anchors take minutes. Hand-written files nest a few
 * levels and use a handful of anchors. The pass stops at the first excess,
 * long before the cost grows, and also at a second document.
 */
#define YAMLTREE_MAX_DEPTH 16
#define YAMLTREE_MAX_ANCHORS 1000
#define YAMLTREE_MAX_ALIASES 10000

static int problem(size_t *, size_t, char *, size_t, const char *, ...)
    __attribute__((format(printf, 5, 6)));

static int
problem(size_t *line, size_t at, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	*line = at;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reports libyaml's own error; reader errors only know a byte offset. */
static int
syntax_error(const yaml_parser_t *p, const char *data, size_t len, size_t *line,
    char *why, size_t whylen)
{
	const char *what = p->problem != NULL ? p->problem : "out of memory";
	size_t at = p->problem_mark.line + 1;

	if (p->error == YAML_READER_ERROR) {
		at = 1;
		for (size_t i = 0; i < p->problem_offset && i < len; i++)
			if (data[i] == '\n')
				at++;
	}
	if (p->context != NULL)
		return problem(line, at, why, whylen,
		    "syntax error: %s (%s at line %zu)", what, p->context,
		    p->context_mark.line + 1);
	return problem(line, at, why, whylen, "syntax error: %s", what);
}

static int
precheck(const char *data, size_t len, size_t *line, char *why, size_t whylen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, anchors = 0, aliases = 0, docs = 0, rc = 0, done = 0;
	const unsigned char *anchor;
	size_t at;

	if (!yaml_parser_initialize(&parser))
		return problem(line, 0, why, whylen, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc =
			    syntax_error(&parser, data, len, line, why, whylen);
			break;
		}
		at = ev.start_mark.line + 1;
		anchor = NULL;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = problem(line, at, why, whylen,
				    "more than one YAML document");
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAMLTREE_MAX_DEPTH)
				rc = problem(line, at, why, whylen,
				    "nested more than %d levels deep",
				    YAMLTREE_MAX_DEPTH);
			anchor = ev.type == YAML_SEQUENCE_START_EVENT
			    ? ev.data.sequence_start.anchor
			    : ev.data.mapping_start.anchor;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: depth--; break;
		case YAML_SCALAR_EVENT: anchor = ev.data.scalar.anchor; break;
		case YAML_ALIAS_EVENT:
			if (++aliases > YAMLTREE_MAX_ALIASES)
				rc = problem(line, at, why, whylen,
				    "more than %d aliases",
				    YAMLTREE_MAX_ALIASES);
			break;
		default: break;
		}
		if (anchor != NULL && rc == 0 &&
		    ++anchors > YAMLTREE_MAX_ANCHORS)
			rc = problem(line, at, why, whylen,
			    "more than %d anchors", YAMLTREE_MAX_ANCHORS);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int
yamltree_load(struct yamltree *t, const char *data, size_t len, size_t *line,
    char *why, size_t whylen)
{
	yaml_parser_t parser;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (precheck(data, len, line, why, whylen) == -1)
		return -1;
	if (!yaml_parser_initialize(&parser))
		return problem(line, 0, why, whylen, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	/* On failure yaml_parser_load deletes the document itself. */
	if (yaml_parser_load(&parser, &t->doc))
		t->loaded = 1;
	else
		rc = syntax_error(&parser, data, len, line, why, whylen);
	yaml_parser_delete(&parser);
	return rc;
}

char *
yamltree_read_file(
    const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(why, whylen, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			snprintf(why, whylen, "larger than %zu bytes", max);
			goto fail;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	return buf_steal(&b);
fail:
	close(fd);
	buf_free(&b);
	return NULL;
}

void
yamltree_free(struct yamltree *t)
{
	if (t->loaded)
		yaml_document_delete(&t->doc);
	t->loaded = 0;
}

yaml_node_t *
yamltree_root(struct yamltree *t)
{
	return t->loaded ? yaml_document_get_root_node(&t->doc) : NULL;
}

yaml_node_t *
yamltree_node(struct yamltree *t, int id)
{
	return t->loaded ? yaml_document_get_node(&t->doc, id) : NULL;
}

size_t
yamltree_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

const char *
yamltree_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE: return "list";
	case YAML_MAPPING_NODE: return "mapping";
	default: return "single value";
	}
}

const char *
yamltree_text(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)n->data.scalar.value;
	return strlen(s) == n->data.scalar.length ? s : NULL;
}

int
yamltree_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}
