/*
 * yamltree.h: one YAML document loaded with libyaml as a node tree with line
 * numbers, within bounds that keep libyaml fast on hostile input, and the
 * few node helpers a schema walk needs. Used by config.c; fit for any small
 * YAML file (e.g. the catalog file). A leaf: depends on libyaml and buf.
 */
#ifndef YAMLTREE_H
#define YAMLTREE_H

#include <stddef.h>

#include <yaml.h>

struct yamltree {
	yaml_document_t doc; /* valid after yamltree_load returned 0 */
	int loaded;
};

/*
 * Loads data[0..len) (UTF-8/16, one document at most). Returns 0, or -1
 * with *line (1-based; 0 when unknown) and why set to one line such as
 * "syntax error: did not find expected key (while parsing a block mapping
 * at line 2)" or "nested more than 16 levels deep". why never quotes the
 * input. Free t with yamltree_free either way.
 */
int yamltree_load(struct yamltree *t, const char *data, size_t len,
    size_t *line, char *why, size_t whylen);

/*
 * Returns new (free()): the contents of path, NUL-terminated, *len set; or
 * NULL with why set ("No such file or directory", "larger than N bytes").
 * Reads rather than stats, so that pipes and /dev/stdin work too.
 */
char *yamltree_read_file(
    const char *path, size_t max, size_t *len, char *why, size_t whylen);

/* Frees the document; t may be unloaded or zeroed. */
void yamltree_free(struct yamltree *t);

/* Borrowed (valid until yamltree_free): the root, NULL for an empty file. */
yaml_node_t *yamltree_root(struct yamltree *t);
/* Borrowed: a node by id (pair keys/values, sequence items); NULL if none. */
yaml_node_t *yamltree_node(struct yamltree *t, int id);

/* The node's 1-based line. */
size_t yamltree_line(const yaml_node_t *n);
/* "mapping", "list" or "single value", for messages. */
const char *yamltree_kind(const yaml_node_t *n);
/* Borrowed: a scalar's text, or NULL when it holds a NUL byte ("a\0b"). */
const char *yamltree_text(const yaml_node_t *n);
/* 1 for YAML's null: an empty plain scalar, ~ or null ("" is a string). */
int yamltree_is_null(const yaml_node_t *n);

#endif /* YAMLTREE_H */
