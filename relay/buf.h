/*
 * buf.h: a growable byte buffer, always NUL-terminated, and the escapers
 * that write into one (JSON string, Slack mrkdwn, HTML, URL).
 * A leaf module.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NUL-terminated when cap > 0 */
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_reserve(struct buf *b, size_t more);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns new: the contents (caller frees); the buffer is left empty. */
char *buf_steal(struct buf *b);
/* Borrowed: the contents as a C string ("" when empty), valid until the next
 * write. */
const char *buf_str(struct buf *b);

/* Escapers: append s[0..n) escaped for the target. */
/* JSON string body (no quotes): ", \, control characters. */
void buf_json_esc(struct buf *b, const char *s, size_t n);
/* Slack mrkdwn: & < > become &amp; &lt; &gt; (Slack decodes only these). */
void buf_mrkdwn_esc(struct buf *b, const char *s, size_t n);
/* HTML text and attribute values: & < > " ' . */
void buf_html_esc(struct buf *b, const char *s, size_t n);
/* Percent-encoding of everything but RFC 3986 unreserved characters. */
void buf_url_esc(struct buf *b, const char *s, size_t n);

#endif /* BUF_H */
