/*
 * reminder.h: reminders (SPEC section 5): a still-firing, unsnoozed
 * incident gets a thread reply broadcast to the channel, with its mentions
 * again, every remind_every (the smallest of its alerts' deciding rules,
 * else reminders.default_every; 0 = none), counted from its last
 * channel-visible post. Driven by the relay's own timer; the time of the
 * last visible post is stored, so a restart does not burst.
 */
#ifndef REMINDER_H
#define REMINDER_H

struct relay;

/* Queues the reminders that are due. Returns how many, or -1. */
int reminder_tick(struct relay *r);

#endif /* REMINDER_H */
