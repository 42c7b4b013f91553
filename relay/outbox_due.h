/*
 * outbox_due.h: the outbox's due messages (internal to outbox*.c): copying
 * them out of the store, pinning a root's channel when it goes out, and
 * rendering one with the incident's state of now.
 */
#ifndef OUTBOX_DUE_H
#define OUTBOX_DUE_H

#include <stddef.h>
#include <stdint.h>

struct relay;
struct store_message;

/* What a due message needs, copied out of the statement that found it. */
struct outbox_due {
	int64_t id;
	int64_t incident_id;
	int64_t thread_of;
	int64_t created_at;
	int attempts;
	int plain;
	char kind[16];
	char template[32];
	char channel[96];
	char root_channel[96];
	char root_ts[64];
	char *detail;
	char *text; /* for messages rendered when queued (digests) */
	char *blocks;
};

struct outbox_due_list {
	struct outbox_due *v;
	size_t n;
};

/* store_messages_sendable/_due callback: appends a copy of m to arg (a
 * struct outbox_due_list). Always 0. */
int outbox_due_collect(void *arg, const struct store_message *m);

/* Frees what the list owns (not the list itself). */
void outbox_due_free(struct outbox_due_list *l);

/*
 * A root whose incident has no channel yet gets it now (the catalog team's,
 * else the default) and pins it. 1 done, 2 waiting for the catalog, -1
 * database.
 */
int outbox_due_pin(struct relay *r, struct outbox_due *d, int64_t now);

/*
 * Renders d (pinned first, see above) with the state of now into *text,
 * *blocks and *mentions (new, caller frees). 1 rendered, 0 cannot be
 * rendered (err set), 2 waiting for the catalog, -1 database.
 */
int outbox_due_render(struct relay *r, struct outbox_due *d, int64_t now,
    char **text, char **blocks, char **mentions, char *err, size_t errlen);

#endif /* OUTBOX_DUE_H */
