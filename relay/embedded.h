/*
 * embedded.h: files compiled into the binary by tools/embed (schema
 * migrations, built-in templates). Read-only; the table ends with a NULL name.
 */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char
	    *name; /* "schema/0001_init.sql", "templates/firing.mustache" */
	const char *data; /* NUL-terminated */
	size_t len;
};

extern const struct embedded_file embedded_files[];

#endif /* EMBEDDED_H */
