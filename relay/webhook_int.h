/*
 * webhook_int.h: what the reader (webhook.c) and the writer
 * (webhook_serialize.c) share: the one table of an alert's optional string
 * fields, so that a stored batch reads back to an equal one.
 */
#ifndef WEBHOOK_INT_H
#define WEBHOOK_INT_H

#include <stddef.h>

/* URLs over LIMIT_URL are dropped; display-only strings are cut. */
enum webhook_str_mode { WEBHOOK_STR_DROP_URL, WEBHOOK_STR_CUT };

struct webhook_str {
	const char *key; /* the JSON field */
	size_t off;      /* its char * in struct alert */
	enum webhook_str_mode mode;
};

/* In the order they are written. */
extern const struct webhook_str webhook_strs[];
extern const size_t webhook_nstrs;

#endif /* WEBHOOK_INT_H */
