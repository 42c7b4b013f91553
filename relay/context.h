/*
 * context.h: the template context of a message (a public interface,
 * documented in README.md "Templates"). Built from stored rows; pure: no
 * I/O, the clock is passed in. Every function returns or fills jansson
 * values under jansson's rules (new / borrowed / stolen as stated).
 */
#ifndef CONTEXT_H
#define CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

struct config;

/* Alerts a message lists at most ("… and N more" for the rest): 20 lines
 * fit one Block Kit section, and a message is read, not scrolled. Every
 * one costs a row read and its JSON each time the message is rendered. */
#define CONTEXT_MAX_ALERTS 20

/*
 * Returns new: the context of an incident message of `kind` ("root",
 * "update", "reply", "reminder") with the event detail (a JSON object
 * text, may be NULL). Add its alerts with context_add_alert, then call
 * context_finish.
 */
json_t *context_begin(const struct config *cfg,
    const struct store_incident *inc,
    const struct store_incident_counts *counts, const char *kind,
    const char *detail, int64_t now);

/* Adds one alert (row borrowed) unless CONTEXT_MAX_ALERTS are kept. */
void context_add_alert(json_t *ctx, const struct config *cfg,
    const struct store_alert_row *r, int64_t now);

/* Computes what depends on every alert (common labels, links, summary). */
void context_finish(json_t *ctx, const struct config *cfg);

/*
 * Sets the mentions of the message from targets (borrowed): an object
 * target -> {"rules": [...], "why": "..."} (see mention.h).
 */
void context_set_mentions(json_t *ctx, json_t *targets);

/*
 * Sets owners, team, owner_text and the catalog's links from a catalog
 * entry (borrowed; NULL: owner unknown). source is "fresh", "api",
 * "stale", "file" or "unknown"; a stale answer is said in owner_text.
 * Then adds the links of the config's link templates (Mustache, values
 * percent-encoded; http(s) results only) where the entry has none.
 */
struct catalog_entry;
void context_set_owners(json_t *ctx, const struct config *cfg,
    const struct catalog_entry *e, const char *source);

/* Sets the root's buttons (stolen; NULL: none). */
void context_set_buttons(json_t *ctx, json_t *buttons);

/* Keeps the first `cap` alerts and sets more_count/has_more. */
void context_cap(json_t *ctx, size_t cap);

/* Number of alerts listed in ctx. */
size_t context_alerts(const json_t *ctx);

/* Returns new: sample data for `check` (a firing incident of 3 alerts with
 * hostile label values). */
json_t *context_sample(const struct config *cfg, const char *kind, int64_t now);

/* Sets "first", "last" and "index" on each object of a list (borrowed). */
void context_mark_ends(json_t *list);

/* Writes the web page of namespace ns (public_url + "/namespaces/" + ns
 * percent-encoded) to url; the overview when it would not fit. */
void context_namespace_url(
    const struct config *cfg, const char *ns, char *url, size_t len);

/* Returns new: an RFC 3339 UTC string, or JSON null for 0 ("none"). */
json_t *context_time(int64_t ms);

/* Appends a short human duration ("5m", "2h10m", "3d4h") to buf. */
void context_duration(int64_t ms, char *buf, size_t len);

/* Formats a value the way people read it: 1350, 0.25, 1.5e+06. */
void context_number(double v, char *buf, size_t len);

#endif /* CONTEXT_H */
