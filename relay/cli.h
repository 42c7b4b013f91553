/*
 * cli.h: the command line (SPEC section 2). Options may stand before or
 * after the command's own words; each command says which it takes.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>

#include <jansson.h>

#include "alert.h"

#define CLI_MAX_WORDS 16

struct cli_args {
	const char *command; /* "serve", "check", ... */
	const char *config;  /* -c FILE, or NULL */
	int help;
	int online;                       /* check --online */
	int no_db;                        /* render --no-db */
	int json;                         /* history --json */
	int post;                         /* digest --post */
	const char *since;                /* --since DURATION */
	const char *for_;                 /* --for DURATION */
	const char *reason;               /* --reason TEXT */
	const char *words[CLI_MAX_WORDS]; /* the command's own words */
	int nwords;
};

/*
 * Parses argv. Returns 0, or 2 after printing a usage error on stderr
 * (unknown option, missing value, unknown command).
 */
int cli_parse(int argc, char **argv, struct cli_args *a);

/* Prints the help of a command (or the overview for NULL) on stdout. */
void cli_help(const char *command);

/* Reads a whole file of at most max bytes; returns new or NULL (err set). */
char *cli_read_file(
    const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* The webhook dialect of a parsed body: "version": "4" is Alertmanager. */
enum alert_source cli_dialect(json_t *body);

/* Runs every command but serve. Returns the exit status (0, 1, 2). */
int cli_run(const struct cli_args *a);

#endif /* CLI_H */
