/*
 * config.h: the YAML configuration (SPEC section 3) as an immutable struct.
 * config_load() builds a new one; a reload builds another and swaps it in,
 * so a config is never changed after load. Times are milliseconds, sizes
 * bytes; every path is absolute or relative to the config file's folder
 * (already resolved). Every string is non-NULL ("" when unset).
 * In the file, scalar values expand ${NAME} and ${NAME:-default} from the
 * environment, and $$ is a literal $ (details at the top of config.c).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "util.h"

struct config {
	char *path;        /* the file read, or "" for built-in defaults */
	char *listen;      /* "host:port" */
	char *listen_host; /* from listen, no brackets: "0.0.0.0", "::1" */
	int listen_port;
	char *public_url; /* no trailing '/'; "http://" + listen when unset */
	char *database;   /* resolved path */
	char *templates;  /* resolved folder, "" for built-ins only */
	char *rules;      /* resolved folder of rule files, "" for none */

	struct {
		char *webhook_token;
		char *webhook_hmac_secret;
		char *webhook_hmac_header;
		char *webhook_hmac_timestamp_header;
		char *admin_token;
	} auth;

	struct {
		uint64_t max_body;
		long long max_alerts;
		long long max_pending; /* bodies accepted, not processed */
	} limits;

	struct {
		char *api_url; /* no trailing '/' */
		char *bot_token;
		char *webhook_url;
		char *signing_secret;
		struct strlist allowed_team_ids;
		struct strlist response_url_hosts; /* includes api_url's host */
		char *default_channel;
		char *digest_channel;
		char *fallback_mention;
		double rate_per_channel; /* per second; 0 = unlimited */
		double rate_workspace;
		double rate_update;
		int64_t update_debounce;
		int64_t timeout;
		int64_t retry_base;
		int64_t retry_max;
		int64_t give_up_after;
	} slack;

	struct {
		char *file; /* resolved path or "" */
		char *url;
		int64_t ttl;
		int64_t timeout;
	} catalog;

	struct {
		char *project;
		char *dashboard;
		char *logs;
	} links;

	struct {
		struct strlist namespace_labels;
		char *default_namespace;
		struct strlist incident_labels;
		struct strlist hidden_labels;
		struct strlist value_ref;
		int64_t resolve_after;
		int64_t reopen_window;
	} grouping;

	struct {
		int64_t default_every;
	} reminders;

	struct {
		int64_t every;
		int skip_empty;
	} digest;

	int64_t retention;

	struct {
		enum log_level level;
		enum log_format format;
	} log;
};

/*
 * Loads path (NULL: $ALERT_DELIVERY_CONFIG, else ./alert-delivery.yaml if it
 * exists, else built-in defaults). Returns new (free with config_free), or
 * NULL with err set to "file:line: key: reason".
 */
struct config *config_load(const char *path, char *err, size_t errlen);

/*
 * As config_load, from memory: data[0..len) is the file's text and name
 * stands for its path in messages and for resolving relative paths (not made
 * absolute: the file system is not touched). For tests and fuzzing.
 */
struct config *config_load_buffer(
    const char *data, size_t len, const char *name, char *err, size_t errlen);

/* Built-in defaults only, as for an empty file; relative paths against dir
 * (NULL: the current directory, made absolute). Returns new. */
struct config *config_defaults(const char *dir);

/*
 * The checks serve makes beyond parsing: a non-loopback listen address needs
 * webhook auth and an admin token. Returns 0, or -1 with err set.
 */
int config_check_exposure(const struct config *c, char *err, size_t errlen);

/* 1 when listen is a loopback address (127.0.0.0/8, ::1, localhost). */
int config_listen_loopback(const struct config *c);

/* 1 when neither a bot token nor a webhook URL is set. */
int config_preview(const struct config *c);

void config_free(struct config *c);

#endif /* CONFIG_H */
