/*
 * mention.c: mention targets; see mention.h.
 */
#include "mention.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "slack.h"
#include "util.h"

/* Adds (or merges) key -> {"rules": [rule...], "why": why} into obj. */
static void
add(json_t *obj, const char *key, json_t *rules, const char *why)
{
	json_t *t = json_object_get(obj, key), *have;
	size_t i, j;
	json_t *x, *y;

	if (t == NULL) {
		t = json_pack(
		    "{s:[],s:s}", "rules", "why", why != NULL ? why : "");
		json_object_set_new(obj, key, t);
	}
	have = json_object_get(t, "rules");
	json_array_foreach(rules, i, x)
	{
		int seen = 0;
		json_array_foreach(have, j, y)
		{
			if (json_equal(x, y))
				seen = 1;
		}
		if (!seen)
			json_array_append(have, x);
	}
}

void
mention_collect(const struct rule_decision *d, json_t *items)
{
	for (size_t i = 0; i < d->nmentions; i++) {
		json_t *rules = json_pack("[s]", d->mentions[i].rule);
		add(items, d->mentions[i].item, rules, d->mentions[i].why);
		json_decref(rules);
	}
}

json_t *
mention_resolve(json_t *items, const struct mention_owners *owners,
    const char *fallback, int *unknown)
{
	json_t *out = json_object(), *v;
	const char *item;
	char buf[96];
	int fb = fallback != NULL && fallback[0] == '<' &&
	    rules_mention_valid(fallback);

	*unknown = 0;
	json_object_foreach(items, item, v)
	{
		json_t *rules = json_object_get(v, "rules");
		const char *why = json_string_value(json_object_get(v, "why"));
		size_t n = 0;

		if (strcmp(item, "here") == 0) {
			add(out, "<!here>", rules, why);
		} else if (strcmp(item, "team") == 0) {
			if (owners != NULL && owners->usergroup != NULL &&
			    slack_group_id(owners->usergroup)) {
				snprintf(buf, sizeof(buf), "<!subteam^%s>",
				    owners->usergroup);
				add(out, buf, rules, why);
				n = 1;
			}
		} else if (strcmp(item, "owners") == 0) {
			for (size_t k = 0; owners != NULL && k < owners->nusers;
			     k++) {
				if (!slack_user_id(owners->users[k]))
					continue;
				snprintf(buf, sizeof(buf), "<@%s>",
				    owners->users[k]);
				add(out, buf, rules, why);
				n++;
			}
		} else if (rules_mention_valid(item)) {
			add(out, item, rules, why);
		}
		if ((strcmp(item, "team") == 0 ||
		        strcmp(item, "owners") == 0) &&
		    n == 0) {
			*unknown = 1;
			if (fb)
				add(out, fallback, rules, why);
		}
	}
	return out;
}
