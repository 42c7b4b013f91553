/*
 * interact.h: the pure part of POST /slack/interactions: form decoding,
 * block_actions payload parsing and validation, and the encoding of our own
 * snooze buttons (action_id and value). No I/O and no clock: the HTTP handler
 * verifies the signature first (auth_slack_signature on the raw body), then
 * calls interact_parse, checks team and response_url host against the config
 * and hands the click to the snooze logic.
 *
 * Every error reason is a static string without any input bytes in it:
 * payloads carry response_url, a secret-bearing URL that must never reach
 * logs or HTTP answers.
 */
#ifndef INTERACT_H
#define INTERACT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Bounds. A block_actions payload echoes the whole message (at most 50
 * blocks, and Slack refuses messages past ~13k characters of blocks), so a
 * few tens of KiB percent-encoded; 1 MiB leaves a wide margin.
 */
#define INTERACT_MAX_BODY (1024u * 1024)
/* Slack ids are 9-11 upper-case alphanumerics today; 32 allows growth. */
#define INTERACT_MAX_ID 32
/* Slack timestamps are "1613575038.002800"; digits.digits, bounded. */
#define INTERACT_MAX_TS 32
/* Display names are at most 80 characters, 4 bytes each in UTF-8. */
#define INTERACT_MAX_NAME 320
/* Block Kit: action_id and block_id at most 255, button value 2000, option
 * value 75 (the smaller of the two documented limits). */
#define INTERACT_MAX_ACTION_ID 255
#define INTERACT_MAX_VALUE 2000
#define INTERACT_MAX_OPTION_VALUE 75
/* DNS names are at most 253 characters. */
#define INTERACT_MAX_HOST 253
/* Room for any action token interact_value_decode returns ("unsnooze"). */
#define INTERACT_ACTION_LEN 16

/* interact_parse results: answer 400 on ERR, 200 doing nothing on UNSUPPORTED.
 */
enum interact_rc {
	INTERACT_ERR = -1,
	INTERACT_OK = 0,
	INTERACT_UNSUPPORTED = 1
};

/*
 * One click. Every string is owned by the struct, non-NULL, NUL-terminated,
 * free of control characters and within the bounds above.
 */
struct interact {
	char *user_id;    /* U... or W... */
	char *user_name;  /* user.name, else user.username, else "" */
	char *team_id;    /* T... */
	char *channel_id; /* channel.id, else container.channel_id: C/G/D... */
	char *message_ts; /* container.message_ts, else message.ts */
	char *response_url; /* https; see interact_url_host. A secret: never log
	                     */
	char *action_id;    /* actions[0] */
	char *block_id;
	char *value; /* .value, else .selected_option.value, else "" */
	char *action_ts;
};

/* Frees the result and its strings; NULL is fine. */
void interact_free(struct interact *ia);

/*
 * Finds field `name` in an application/x-www-form-urlencoded body and decodes
 * it ('+' is a space, %XX a byte). Every pair of the body must be well formed
 * (a bad or truncated escape, or an escaped NUL, is an error) and the field
 * must not be repeated. Returns 0 with *out new (caller frees, NUL-terminated,
 * *outlen bytes) when found, 1 when absent, -1 with *err (static) set.
 */
int interact_form_field(const char *body, size_t len, const char *name,
    char **out, size_t *outlen, const char **err);

/*
 * Parses a request body: form decoding, then interact_parse_payload on the
 * `payload` field. Returns INTERACT_OK with *out new (caller frees with
 * interact_free), or INTERACT_UNSUPPORTED / INTERACT_ERR with *out NULL and
 * *err (static) set, e.g. "payload: not JSON", "actions: missing".
 */
int interact_parse(
    const char *body, size_t len, struct interact **out, const char **err);

/* The same for the payload JSON text itself (already form-decoded). */
int interact_parse_payload(
    const char *json, size_t len, struct interact **out, const char **err);

/*
 * Copies the lower-cased host of an https URL into host[len]: no user info,
 * no IP-literal brackets, only letters, digits, '-' and '.', an optional
 * numeric port (not copied). The caller compares it with
 * slack.response_url_hosts. Returns 0, or -1 when the URL is not such a URL
 * or the host does not fit.
 */
int interact_url_host(const char *url, char *host, size_t len);

/*
 * Our buttons. Each carries action_id "snooze_1h", "snooze_4h", "snooze_24h",
 * "snooze_resolved" or "unsnooze" (unique within the block, as Slack
 * requires) and value "v1:<incident id>:<action>" where action is "1h",
 * "4h", "24h", "resolved" or "unsnooze": at most 31 bytes, so it also fits
 * an option value should the lead move some into an overflow menu.
 */

/*
 * Writes the value for (incident_id, action) into buf[len]. Returns 0, or -1
 * when incident_id is not positive, the action is unknown or buf too small.
 */
int interact_value_encode(
    int64_t incident_id, const char *action, char *buf, size_t len);

/*
 * Decodes a value written by interact_value_encode; anything else (another
 * version, a non-canonical or non-positive id, an unknown action, over
 * INTERACT_MAX_OPTION_VALUE bytes) is refused. Returns 0 with *incident_id
 * and action[len] set, or -1.
 */
int interact_value_decode(
    const char *value, int64_t *incident_id, char *action, size_t len);

/*
 * The click as one of ours: the value decodes and action_id is the one our
 * button for that action carries. Returns 0 with *incident_id and action[len]
 * set, or -1 with *err (static) set: not one of our clicks (another app's
 * element, or a value under the wrong button); answer 200 and ignore it.
 */
int interact_click(const struct interact *ia, int64_t *incident_id,
    char *action, size_t len, const char **err);

/*
 * Snooze length of an action: 0 with *ms set for "1h", "4h", "24h"; 0 with
 * *ms = 0 for "resolved" (until the incident resolves; the snooze module caps
 * it at its maximum); -1 for "unsnooze" and anything else.
 */
int interact_action_ms(const char *action, int64_t *ms);

/*
 * Returns new (caller json_decref's): the buttons of a root message as the
 * template context's `buttons[]` wants them (templates/buttons.mustache):
 * objects with exactly `text`, `action_id`, `value` and, on some, `style`.
 * The snooze buttons, or "Unsnooze" alone when `snoozed`. The caller adds the
 * list's first/last/index flags like every context list. NULL when
 * incident_id is not positive.
 */
json_t *interact_buttons(int64_t incident_id, int snoozed);

#endif /* INTERACT_H */
