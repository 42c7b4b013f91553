/*
 * mention.c: mention targets; see mention.h.
 */
#include "mention.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "slack.h"
#include "util.h"

static void
add_target(json_t *targets, const char *target, const struct rule_mention *m)
{
	json_t *t = json_object_get(targets, target), *rules;
	size_t i;
	json_t *x;

	if (t == NULL) {
		t = json_pack("{s:[],s:s}", "rules", "why", m->why);
		json_object_set_new(targets, target, t);
	}
	rules = json_object_get(t, "rules");
	json_array_foreach(rules, i, x)
	{
		if (strcmp(json_string_value(x), m->rule) == 0)
			return;
	}
	json_array_append_new(rules, json_string(m->rule));
}

int
mention_collect(const struct rule_decision *d,
    const struct mention_owners *owners, const char *fallback, json_t *targets)
{
	int unknown = 0;
	char buf[96];

	for (size_t i = 0; i < d->nmentions; i++) {
		const struct rule_mention *m = &d->mentions[i];
		const char *item = m->item;

		if (strcmp(item, "here") == 0) {
			add_target(targets, "<!here>", m);
		} else if (strcmp(item, "team") == 0) {
			if (owners != NULL && owners->usergroup != NULL &&
			    slack_group_id(owners->usergroup)) {
				snprintf(buf, sizeof(buf), "<!subteam^%s>",
				    owners->usergroup);
				add_target(targets, buf, m);
			} else {
				unknown = 1;
				if (fallback != NULL &&
				    rules_mention_valid(fallback) &&
				    fallback[0] == '<')
					add_target(targets, fallback, m);
			}
		} else if (strcmp(item, "owners") == 0) {
			size_t n = 0;
			for (size_t k = 0; owners != NULL && k < owners->nusers;
			     k++) {
				if (!slack_user_id(owners->users[k]))
					continue;
				snprintf(buf, sizeof(buf), "<@%s>",
				    owners->users[k]);
				add_target(targets, buf, m);
				n++;
			}
			if (n == 0) {
				unknown = 1;
				if (fallback != NULL &&
				    rules_mention_valid(fallback) &&
				    fallback[0] == '<')
					add_target(targets, fallback, m);
			}
		} else if (rules_mention_valid(item)) {
			add_target(targets, item, m);
		}
	}
	return unknown;
}

char *
mention_text(json_t *targets)
{
	struct buf b = BUF_INIT;
	const char *k;
	json_t *v;

	json_object_foreach(targets, k, v)
	{
		if (b.len > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, k);
	}
	return buf_steal(&b);
}
