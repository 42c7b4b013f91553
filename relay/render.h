/*
 * render.h: templates to Slack messages. Holds the compiled templates (the
 * built-in ones compiled into the binary, overridden by file name from the
 * `templates` folder) and renders a context into a message that is valid
 * JSON within Slack's Block Kit limits. Pure after loading.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>

#include <jansson.h>

struct config;
struct render;

/* Names of the templates a message can use. */
#define RENDER_TEMPLATES                                                       \
	{                                                                      \
		"firing", "resolved", "snoozed", "update", "reply",            \
		    "reminder", "digest"                                       \
	}

/*
 * Loads the built-in templates and the overrides in dir ("" for none): every
 * *.mustache file there replaces the built-in of that name or adds a
 * partial. Returns new (free with render_free), or NULL with err set to
 * "FILE:LINE: reason".
 */
struct render *render_load(const char *dir, char *err, size_t errlen);
void render_free(struct render *r);

/*
 * Renders template `name` with ctx (borrowed) into a message. On success
 * *text and *blocks are new strings (the fallback text and the JSON array
 * of blocks) and 0 is returned; *clamped tells whether limits cut anything.
 * Returns -1 with err set when the template fails or its output is not a
 * valid message.
 */
int render_message(const struct render *r, const char *name, json_t *ctx,
    char **text, char **blocks, int *clamped, char *err, size_t errlen);

/*
 * Renders with n list items, then fewer (halving, cap(ctx, n) keeps the
 * first n and says how many are left out) until nothing had to be cut.
 */
int render_fit(const struct render *r, const char *name, json_t *ctx, size_t n,
    void (*cap)(json_t *ctx, size_t n), char **text, char **blocks, char *err,
    size_t errlen);

/*
 * Renders a message of an incident: tries the context with all its alerts,
 * then fewer (halving) until nothing had to be cut, so "and N more" replaces
 * alerts rather than text being chopped. ctx is modified (capped).
 */
int render_fitted(const struct render *r, const char *name, json_t *ctx,
    char **text, char **blocks, char *err, size_t errlen);

/*
 * Renders every template against sample data with hostile values; returns 0
 * or -1 with err naming the template and the reason. Used by `check`.
 */
int render_check(
    const struct render *r, const struct config *cfg, char *err, size_t errlen);

#endif /* RENDER_H */
