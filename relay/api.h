/*
 * api.h: the JSON API under /api/v1 and the health endpoints.
 * Handlers read the store and answer at once.
 */
#ifndef API_H
#define API_H

struct http_ctx;

void api_alerts(struct http_ctx *c);
void api_incidents(struct http_ctx *c);
void api_messages(struct http_ctx *c);
void api_rules(struct http_ctx *c);
void api_rule_delete(struct http_ctx *c);
void api_healthz(struct http_ctx *c);
void api_readyz(struct http_ctx *c);
/* POST /-/reload: as SIGHUP; 200 or 400 with the reason. */
void api_reload(struct http_ctx *c);

#endif /* API_H */
