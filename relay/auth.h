/*
 * auth.h: request authentication that needs no I/O: webhook bearer/basic
 * tokens, Grafana's HMAC-SHA256 signature and Slack's v0 request signature.
 * Pure (the clock is passed in); every secret comparison is constant time.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>
#include <stdint.h>

/* Largest clock skew accepted for signed timestamps (Grafana, Slack). */
#define AUTH_MAX_SKEW_SEC 300

/*
 * 1 when `authorization` (the header value, NULL when absent) is
 * "Bearer <token>" or "Basic base64(user:<token>)" (any user name).
 */
int auth_webhook_token(const char *authorization, const char *token);

/*
 * Grafana 12+ webhook signature: `sig` is lowercase hex
 * HMAC-SHA256(secret, [ts ":"] body). When `use_ts` is set the signed string
 * starts with ts (Unix seconds) and ts must be within AUTH_MAX_SKEW_SEC of
 * now. Returns 0 when valid, else -1 with *reason (static) set.
 */
int auth_grafana_hmac(const char *secret, const char *sig, int use_ts,
    const char *ts, const void *body, size_t len, int64_t now_sec,
    const char **reason);

/*
 * Slack request signing: sig must be "v0=" + hex HMAC-SHA256(secret,
 * "v0:" ts ":" body) and ts within AUTH_MAX_SKEW_SEC of now.
 * Returns 0 when valid, else -1 with *reason (static) set.
 */
int auth_slack_signature(const char *secret, const char *ts, const char *sig,
    const void *body, size_t len, int64_t now_sec, const char **reason);

/* Lowercase hex HMAC-SHA256 of the concatenation of up to three parts
 * (NULL parts skipped) into out[65]. */
void auth_hmac_hex(const char *secret, const void *p1, size_t n1,
    const void *p2, size_t n2, const void *p3, size_t n3, char out[65]);

#endif /* AUTH_H */
