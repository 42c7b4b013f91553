/*
 * limits.h: every bound the relay enforces, with the reason for its size.
 * Inputs are hostile; nothing grows without one of these in its path.
 */
#ifndef LIMITS_H
#define LIMITS_H

/* Webhook bodies: Grafana caps each templated string at 10 MiB, so a body with
 * a long message can legitimately reach tens of MiB. Configurable
 * (limits.max_body). */
#define LIMIT_MAX_BODY_DEFAULT (32u * 1024 * 1024)

/* Alerts kept per body; the rest are counted as truncated. Configurable. */
#define LIMIT_MAX_ALERTS_DEFAULT 10000

/* JSON nesting: Grafana bodies are 4 levels deep; jansson itself stops at
 * 2048, we refuse anything past this much earlier. */
#define LIMIT_JSON_DEPTH 32

/* Labels and annotations per alert: real alerts carry a few dozen; 1024
 * leaves room for label-heavy exporters without letting one alert hog memory.
 */
#define LIMIT_LABELS_PER_ALERT 1024

/* A label or annotation name: Prometheus names are short identifiers. */
#define LIMIT_LABEL_NAME 1024

/* A label or annotation value: descriptions and stack traces can be long, but
 * Slack shows at most 3000 characters of a section; 1 MiB is far past any
 * honest value and still bounds a body's per-alert cost. */
#define LIMIT_LABEL_VALUE (1024u * 1024)

/* Entries in Grafana's `values` object (one per expression RefID). */
#define LIMIT_VALUES_PER_ALERT 256

/* Fingerprints are 16 hex characters; anything longer is not one. */
#define LIMIT_FINGERPRINT 64

/* URLs we keep (generatorURL, silenceURL, ...): Slack refuses longer ones. */
#define LIMIT_URL 3000

/* groupKey is free text but stable per group; it is a storage key. */
#define LIMIT_GROUP_KEY 8192

/* Config: a file this large is not a config file. */
#define LIMIT_CONFIG_FILE (4u * 1024 * 1024)

/* HTTP: request headers and URIs. evhttp enforces these. */
#define LIMIT_HTTP_HEADERS (64u * 1024)
#define LIMIT_HTTP_TIMEOUT_SEC 30

/* Webhook requests waiting for one group commit; more wait for the next. */
#define LIMIT_COMMIT_BATCH 256

/* Jobs processed per loop tick, so that a backlog never stalls the loop. */
#define LIMIT_JOBS_PER_TICK 64

/* Alerts of committed webhook bodies kept parsed for the pipeline, which
 * then need not parse the stored body again (a few MB at most). */
#define LIMIT_PARSED_ALERTS 20000

/* Retry-After of the 503 past limits.max_pending (accepted webhook bodies
 * not processed yet): the relay acknowledges several times faster than it
 * processes, and a flood that never stops would otherwise grow the
 * database without bound. */
#define LIMIT_PENDING_RETRY_SEC 10

/* API list answers. */
#define LIMIT_API_LIST 1000
#define LIMIT_API_LIST_DEFAULT 100

/* Log line: long values are cut, never the line's structure. */
#define LIMIT_LOG_LINE 4096
#define LIMIT_LOG_VALUE 512

/* A turn of job processing or message rendering on the event loop stops
 * after this long (microseconds; at least one item is done) and yields to
 * I/O: webhooks are acknowledged between turns, so processing never holds
 * an acknowledgement back for more than about this. */
#define LIMIT_TURN_US 3000

/* A web page form (a snooze, a payload to test against the rules): the
 * largest is a pasted webhook body; more is not typed into a browser. */
#define LIMIT_WEB_FORM (2u * 1024 * 1024)

/* Web sessions held in memory: the oldest is dropped past this (a login
 * flood cannot grow the process). */
#define LIMIT_WEB_SESSIONS 256

/* A web session lasts this long (seconds) after login. */
#define LIMIT_WEB_SESSION_SEC (12 * 3600)

/* Rows a web page lists (incidents, alerts per incident, events,
 * messages): the page stays readable and cheap to build. */
#define LIMIT_WEB_ROWS 100

#endif /* LIMITS_H */
