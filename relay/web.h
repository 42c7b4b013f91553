/*
 * web.h: the web page (SPEC section 11), served by the daemon: handlers of
 * the routes in http_server.c. Every page needs web_guard (Host check, and
 * a session when auth.admin_token is set); every form a CSRF token.
 *   GET  /                          overview: namespaces worst first, chart
 *   GET  /namespaces/{ns}           incidents, alerts, snoozes, timeline
 *   POST /namespaces/{ns}/snooze    snooze (duration, alert name, reason)
 *   GET  /snoozes, POST /snoozes    snoozes in force; create one
 *   POST /snoozes/{id}/end          end one
 *   GET  /rules, POST /rules        rules in order; test a payload
 *   GET  /messages                  messages as Slack shows them
 * Sessions, CSRF and /login are web_auth.h; the layout is web_html.h.
 */
#ifndef WEB_H
#define WEB_H

struct http_ctx;

void web_overview(struct http_ctx *c);
void web_namespace(struct http_ctx *c);
void web_snoozes(struct http_ctx *c);
void web_snooze_end(struct http_ctx *c);
void web_rules(struct http_ctx *c);
void web_messages(struct http_ctx *c);

#endif /* WEB_H */
