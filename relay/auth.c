/*
 * auth.c: webhook tokens and request signatures; see auth.h.
 */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util.h"

/* Decodes standard base64 (with padding) into out; returns the length or -1. */
static int
b64_decode(const char *in, unsigned char *out, size_t outlen)
{
	size_t n = strlen(in), o = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		int v;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=') {
			pad++;
			continue;
		} else
			return -1;
		if (pad > 0)
			return -1; /* data after padding */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2)
		return -1;
	return (int)o;
}

int
auth_webhook_token(const char *authorization, const char *token)
{
	size_t tlen = strlen(token);

	if (authorization == NULL || tlen == 0)
		return 0;
	if (strncasecmp(authorization, "Bearer ", 7) == 0) {
		const char *t = authorization + 7;
		while (*t == ' ')
			t++;
		return util_ct_equal(t, strlen(t), token, tlen);
	}
	if (strncasecmp(authorization, "Basic ", 6) == 0) {
		unsigned char dec[1024];
		const char *t = authorization + 6;
		const unsigned char *colon;
		int n;

		while (*t == ' ')
			t++;
		if (strlen(t) > 4 * sizeof(dec) / 3)
			return 0;
		n = b64_decode(t, dec, sizeof(dec));
		if (n <= 0)
			return 0;
		colon = memchr(dec, ':', (size_t)n);
		if (colon == NULL)
			return 0;
		colon++;
		return util_ct_equal(
		    colon, (size_t)(dec + n - colon), token, tlen);
	}
	return 0;
}

void
auth_hmac_hex(const char *secret, const void *p1, size_t n1, const void *p2,
    size_t n2, const void *p3, size_t n3, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t outl = 0;

	out[0] = '\0';
	if (ctx == NULL)
		goto done;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(
	        ctx, (const unsigned char *)secret, strlen(secret), params))
		goto done;
	if ((p1 != NULL && !EVP_MAC_update(ctx, p1, n1)) ||
	    (p2 != NULL && !EVP_MAC_update(ctx, p2, n2)) ||
	    (p3 != NULL && !EVP_MAC_update(ctx, p3, n3)))
		goto done;
	if (!EVP_MAC_final(ctx, md, &outl, sizeof(md)))
		goto done;
	mdlen = (unsigned int)outl;
	if (mdlen == 32)
		util_hex(md, 32, out);
done:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* Parses a Unix-seconds timestamp and checks it against now. */
static int
check_ts(const char *ts, int64_t now_sec, const char **reason)
{
	long long t;
	const char *e;

	if (ts == NULL || *ts == '\0') {
		*reason = "missing timestamp";
		return -1;
	}
	if (util_strtonum(ts, 0, 1LL << 40, &t, &e) != 0) {
		*reason = "timestamp is not Unix seconds";
		return -1;
	}
	if (t < now_sec - AUTH_MAX_SKEW_SEC ||
	    t > now_sec + AUTH_MAX_SKEW_SEC) {
		*reason = "timestamp outside the 5 minute window";
		return -1;
	}
	return 0;
}

int
auth_grafana_hmac(const char *secret, const char *sig, int use_ts,
    const char *ts, const void *body, size_t len, int64_t now_sec,
    const char **reason)
{
	char want[65];

	if (sig == NULL || *sig == '\0') {
		*reason = "missing signature";
		return -1;
	}
	if (use_ts) {
		if (check_ts(ts, now_sec, reason) != 0)
			return -1;
		auth_hmac_hex(secret, ts, strlen(ts), ":", 1, body, len, want);
	} else {
		auth_hmac_hex(secret, body, len, NULL, 0, NULL, 0, want);
	}
	if (want[0] == '\0' || !util_ct_equal(sig, strlen(sig), want, 64)) {
		*reason = "signature mismatch";
		return -1;
	}
	return 0;
}

int
auth_slack_signature(const char *secret, const char *ts, const char *sig,
    const void *body, size_t len, int64_t now_sec, const char **reason)
{
	char want[65];

	if (sig == NULL || *sig == '\0') {
		*reason = "missing signature";
		return -1;
	}
	if (strncmp(sig, "v0=", 3) != 0) {
		*reason = "unknown signature version";
		return -1;
	}
	if (check_ts(ts, now_sec, reason) != 0)
		return -1;
	{
		/* "v0:" ts ":" is short; build it on the stack. */
		char prefix[64];
		int n = snprintf(prefix, sizeof(prefix), "v0:%s:", ts);
		if (n < 0 || (size_t)n >= sizeof(prefix)) {
			*reason = "timestamp too long";
			return -1;
		}
		auth_hmac_hex(
		    secret, prefix, (size_t)n, body, len, NULL, 0, want);
	}
	if (want[0] == '\0' ||
	    !util_ct_equal(sig + 3, strlen(sig + 3), want, 64)) {
		*reason = "signature mismatch";
		return -1;
	}
	return 0;
}
