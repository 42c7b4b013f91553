/*
 * ratelimit.h: token buckets and pauses for Slack's limits (SPEC section
 * 10). Pure: the caller passes the time. A rate of 0 means unlimited.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stdint.h>

struct bucket {
	double rate;  /* tokens per second; 0 = unlimited */
	double burst; /* most tokens held */
	double tokens;
	int64_t at; /* Unix ms of the last refill */
};

/* Sets up a full bucket. */
void bucket_init(struct bucket *b, double rate, double burst, int64_t now);

/* Changes rate and burst (a reload) keeping the tokens it has. */
void bucket_set(struct bucket *b, double rate, double burst);

/* 1 when a token is there (it is not taken). */
int bucket_ready(struct bucket *b, int64_t now);

/* Takes a token (call after bucket_ready). */
void bucket_take(struct bucket *b, int64_t now);

/* Milliseconds until a token is there (0 when it is). */
int64_t bucket_wait(struct bucket *b, int64_t now);

/*
 * Exponential backoff with jitter: base * 2^attempt, capped at max, times a
 * factor in [0.5, 1.0) from `random` (any 32-bit value: the caller's RNG,
 * so tests can fix it). attempt counts from 0.
 */
int64_t backoff_ms(int64_t base, int64_t max, int attempt, uint32_t random);

/* Parses a Retry-After header (seconds); default_s when absent or bad. */
int64_t retry_after_ms(const char *header, int64_t default_s);

#endif /* RATELIMIT_H */
