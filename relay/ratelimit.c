/*
 * ratelimit.c: token buckets and backoff; see ratelimit.h.
 */
#include "ratelimit.h"

#include "util.h"

static void
refill(struct bucket *b, int64_t now)
{
	if (now > b->at) {
		b->tokens += (double)(now - b->at) / 1000.0 * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->at = now;
}

void
bucket_init(struct bucket *b, double rate, double burst, int64_t now)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	b->tokens = b->burst;
	b->at = now;
}

void
bucket_set(struct bucket *b, double rate, double burst)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
}

int
bucket_ready(struct bucket *b, int64_t now)
{
	if (b->rate <= 0)
		return 1;
	refill(b, now);
	return b->tokens >= 1.0;
}

void
bucket_take(struct bucket *b, int64_t now)
{
	if (b->rate <= 0)
		return;
	refill(b, now);
	b->tokens -= 1.0;
}

int64_t
bucket_wait(struct bucket *b, int64_t now)
{
	if (b->rate <= 0)
		return 0;
	refill(b, now);
	if (b->tokens >= 1.0)
		return 0;
	return (int64_t)((1.0 - b->tokens) / b->rate * 1000.0) + 1;
}

int64_t
backoff_ms(int64_t base, int64_t max, int attempt, uint32_t random)
{
	int64_t d = base;

	for (int i = 0; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	/* Jitter keeps retries of many messages from arriving together. */
	return d / 2 + (int64_t)((double)(d / 2) * (random / 4294967296.0));
}

int64_t
retry_after_ms(const char *header, int64_t default_s)
{
	long long v;
	const char *err;

	if (header == NULL || util_strtonum(header, 0, 86400, &v, &err) != 0)
		return default_s * 1000;
	return v * 1000;
}
