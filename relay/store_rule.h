/*
 * store_rule.h: rules, flags and mention memory in the database (see
 * store.h for the conventions). Kept apart from store.h so that the rules
 * code depends on only what it uses.
 */
#ifndef STORE_RULE_H
#define STORE_RULE_H

#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "store.h"

/* Calls cb with each rule's JSON text (borrowed). Returns count or -1. */
int store_rules_each(struct store *s,
    int (*cb)(void *arg, const char *name, const char *body), void *arg);

/* Inserts or replaces a rule (inside the caller's transaction). */
int store_rule_put(
    struct store *s, const char *name, const char *body, int64_t now);

/* Deletes a rule; returns 1 when it existed, 0 when not, -1 on error. */
int store_rule_delete(struct store *s, const char *name);

/* Deletes every rule (before an import, in the same transaction). */
int store_rules_clear(struct store *s);

/* A flag or value: 1 with out filled, 0 when absent, -1 on error. */
int store_meta_get(struct store *s, const char *key, struct buf *out);
int store_meta_put(struct store *s, const char *key, const char *value);

/* 1 when target was already mentioned in the incident, 0 if not, -1. */
int store_mentioned(struct store *s, int64_t incident_id, const char *target);
int store_mention_put(struct store *s, int64_t incident_id, const char *target,
    const char *rules_json, int64_t now);

/* Adds to targets (a JSON object, borrowed) every target mentioned in the
 * incident: target -> the stored {"rules": [...], "why": "..."}. 0 or -1. */
int store_mentions_of(struct store *s, int64_t incident_id, json_t *targets);

#endif /* STORE_RULE_H */
