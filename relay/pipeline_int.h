/*
 * pipeline_int.h: what pipeline.c (applying jobs to alerts and incidents)
 * and pipeline_finish.c (turning what a transaction did to each incident
 * into messages) share. Not for other modules.
 */
#ifndef PIPELINE_INT_H
#define PIPELINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct relay;

/* What one transaction did to an incident; turned into messages at its end. */
struct touch {
	int64_t incident_id;
	int opened;        /* created now */
	int reopened;      /* closed within reopen_window, firing again */
	size_t joined;     /* alerts that started firing in it */
	size_t resolved;   /* alerts that resolved */
	size_t stale;      /* of which: not re-sent for resolve_after */
	int64_t truncated; /* what the body said it dropped (-1: no body) */
	json_t *targets;   /* mention targets the rules decided (object) */
	json_t *decisions; /* per alert: rules, mentions, why (for render) */
	int64_t remind;    /* smallest remind_every of deciding rules, -1 */
	int loud;          /* a firing alert not decided silent */
};

struct apply {
	struct relay *relay;
	int64_t now;
	struct touch *touched;
	size_t ntouched;
	int failed;
	int64_t job; /* the job being applied */
	size_t applied;
	int64_t deadline_us; /* stop before a job after this (0: never) */
	size_t jobs;         /* jobs applied */
	int stopped;         /* stopped at the deadline: more may wait */
	/* snapshot diffing: the ids of the batch, sorted */
	char **ids;
	size_t nids;
};

/*
 * At the end of a transaction: for every incident it touched, open, close,
 * reopen, escalate, snooze and queue the root, updates and replies (SPEC
 * sections 5, 8, 9), in that transaction. 0 or -1.
 */
int pipeline_finish(struct apply *ap);

#endif /* PIPELINE_INT_H */
