"""Rules (SPEC section 8) with the SPEC's example rule set: who is
mentioned, when, and why; the CLI; bad rules refused whole."""
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import RELAY_BIN, SRCDIR, RelayTest, main

TEAM = "<!subteam^S0TEAM>"   # the catalog's team group; here the fallback
SRE = "<!subteam^S0SRE>"


def ingress(fp, code, value, ns="chat", starts="2024-01-01T00:00:00Z", **labels):
    lab = {"alertname": "Ingress5xx", "namespace": ns, "code": code}
    lab.update(labels)
    return {"status": "firing", "labels": lab, "annotations": {},
            "startsAt": starts, "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": fp, "values": {"B": value, "C": 1}}


class RulesTest(RelayTest):
    relay_config = {"slack": {"fallback_mention": TEAM, "update_debounce": "0"}}

    def setUp(self):
        # The SPEC's example rules are the default rule set in rules/.
        self.rules_dir = os.path.join(SRCDIR, "rules")

    def relay_with_rules(self):
        cfg = dict(self.relay_config)
        cfg["rules"] = self.rules_dir
        return self.start_relay(cfg)

    def roots(self, relay, n):
        def got():
            ms = [m for m in relay.get("/api/v1/messages?limit=1000").json()["messages"]
                  if m["kind"] == "root" and m["state"] == "preview"]
            return ms if len(ms) >= n else None
        return {m["blocks"][0]["text"]["text"].split(" · ")[1]: m
                for m in relay.wait_for(got, what=f"{n} roots")}

    def post(self, relay, alerts, group="g"):
        r = relay.post("/webhook/grafana", {"groupKey": group, "alerts": alerts})
        self.assertEqual(r.status, 202, r)


class TestSpecExample(RulesTest):
    def test_decisions(self):
        relay = self.relay_with_rules()
        cases = {
            "quiet": (ingress("0000000000000001", "503", 500, ns="quiet"), []),
            "flag": (ingress("0000000000000002", "503", 10, ns="flag", responseFlag="UC"), [TEAM]),
            "large": (ingress("0000000000000003", "503", 1000, ns="large"), [TEAM]),
            "sre": (ingress("0000000000000004", "502", 1300, ns="sre"), [SRE]),
            "both": (ingress("0000000000000005", "503", 1300, ns="both"), [SRE, TEAM]),
        }
        for ns, (a, _) in cases.items():
            self.post(relay, [a], group=ns)
        roots = self.roots(relay, len(cases))
        for ns, (_, want) in cases.items():
            self.assertEqual(sorted(roots[ns]["mentions"]), sorted(want), ns)
            text = json.dumps(roots[ns]["blocks"])
            for w in want:
                self.assertIn(w, text)  # the mention is in the root itself

    def test_third_fire_mentions_the_team(self):
        relay = self.relay_with_rules()
        a = {"status": "firing", "labels": {"alertname": "DiskFull", "namespace": "db"},
             "fingerprint": "00000000000000f1", "startsAt": "2024-01-01T00:00:00Z"}
        mentions = []
        for i, starts in enumerate(["2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z",
                                    "2030-01-01T02:00:00Z"]):
            if i == 2:
                # The count survives a restart.
                self.assertEqual(relay.stop(), 0)
                relay.start()
            self.post(relay, [dict(a, startsAt=starts)], group="disk")
            def latest():
                ms = relay.get("/api/v1/messages?limit=1000").json()["messages"]
                ms = [m for m in ms if m["state"] == "preview"]
                return ms if len(ms) >= 1 + 2 * i else None
            ms = relay.wait_for(latest, what=f"fire {i + 1}")
            resolved = dict(a, startsAt=starts, status="resolved")
            self.post(relay, [resolved], group="disk")
            relay.wait_for(lambda: relay.get("/api/v1/incidents?state=open").json()["incidents"] == [],
                           what="resolved")
            time.sleep(0.3)
        ms = [m for m in relay.get("/api/v1/messages?limit=1000").json()["messages"]]
        with_team = [m for m in ms if TEAM in m.get("mentions", [])]
        # Only the third fire pings the team: an escalation in the thread,
        # broadcast to the channel (updates never ping).
        self.assertEqual(len(with_team), 1, [(m["kind"], m["mentions"]) for m in ms])
        self.assertEqual(with_team[0]["kind"], "reply")
        self.assertTrue(with_team[0]["broadcast"])
        fires = relay.alerts(namespace="db")[0]["fires"]
        self.assertEqual(fires, 3)


class TestCli(RulesTest):
    def test_rules_test_explains(self):
        relay = self.relay_with_rules()
        path = os.path.join(relay.dir, "p.json")
        with open(path, "w") as f:
            json.dump({"alerts": [ingress("0000000000000009", "503", 1300)]}, f)
        r = relay.cli("rules", "test", "-c", relay.config_path, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)[0]
        self.assertEqual([h["rule"] for h in out["matched"]],
                         ["ingress-5xx-sre", "ingress-503-large"])
        self.assertIn("1300", out["matched"][0]["why"])
        self.assertEqual(out["decided_by"], "ingress-503-large")
        self.assertEqual(sorted(m["mention"] for m in out["mentions"]), [SRE, "team"])

    def test_import_export_roundtrip_and_bad_rules(self):
        relay = self.relay_with_rules()
        r = relay.cli("rules", "export", "-c", relay.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = os.path.join(relay.dir, "exported")
        os.makedirs(d)
        with open(os.path.join(d, "all.yaml"), "w") as f:
            f.write(r.stdout)
        r = relay.cli("rules", "import", d, "-c", relay.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("~ ", r.stdout)  # nothing changed
        before = relay.cli("rules", "list", "-c", relay.config_path).stdout
        bad = {
            "regex": "- name: r1\n  matchers: ['a=~\"(\"']\n",
            "field": "- name: r2\n  colour: red\n",
            "when": "- name: r3\n  when: value >>> 3\n",
            "parens": "- name: r4\n  when: (value > 3\n",
            "var": "- name: r5\n  when: valeu > 3\n",
            "dup": "- name: r6\n- name: r6\n",
            "yaml": "- name: [unclosed\n",
        }
        for what, text in bad.items():
            bd = os.path.join(relay.dir, "bad-" + what)
            os.makedirs(bd)
            with open(os.path.join(bd, "x.yaml"), "w") as f:
                f.write("- name: fine\n  priority: 1\n" + text)
            r = relay.cli("rules", "import", bd, "-c", relay.config_path)
            self.assertEqual(r.returncode, 2, (what, r.stdout, r.stderr))
            self.assertIn("x.yaml:", r.stderr, what)
        # Nothing half-imported.
        self.assertEqual(relay.cli("rules", "list", "-c", relay.config_path).stdout, before)


class TestApi(RulesTest):
    def test_get_post_delete(self):
        relay = self.relay_with_rules()
        rules = relay.get("/api/v1/rules").json()["rules"]
        self.assertEqual(rules[0]["name"], "watchdog")  # priority 1000 first
        prios = [r["priority"] for r in rules]
        self.assertEqual(prios, sorted(prios, reverse=True))
        new = {"name": "api-rule", "matchers": ['alertname="X"'], "mention": ["here"],
               "priority": 500}
        r = relay.post("/api/v1/rules", new)
        self.assertEqual(r.status, 201, r)
        names = [x["name"] for x in relay.get("/api/v1/rules").json()["rules"]]
        self.assertEqual(names[1], "api-rule")
        for bad in ({"name": "b", "when": "value >>> 3"}, {"name": "b", "colour": 1},
                    {"matchers": []}, {"name": "b", "matchers": ['a=~"("']},
                    {"name": "b", "mention": ["<!channel>"]}):
            r = relay.post("/api/v1/rules", bad)
            self.assertEqual(r.status, 400, (bad, r))
            self.assertIn("error", r.json())
        # The rule decides at once.
        relay.post("/webhook/grafana", {"alerts": [{"labels": {"alertname": "X", "namespace": "api"}}]})
        self.assertEqual(self.roots(relay, 1)["api"]["mentions"], ["<!here>"])
        self.assertEqual(relay.request("DELETE", "/api/v1/rules/api-rule").status, 204)
        self.assertEqual(relay.request("DELETE", "/api/v1/rules/api-rule").status, 404)
        self.assertNotIn("api-rule", [x["name"] for x in relay.get("/api/v1/rules").json()["rules"]])


class TestRegexLimits(RulesTest):
    def test_catastrophic_regex_does_not_stall(self):
        relay = self.relay_with_rules()
        rd = os.path.join(relay.dir, "evil")
        os.makedirs(rd)
        with open(os.path.join(rd, "evil.yaml"), "w") as f:
            f.write("- name: evil\n  matchers: ['big=~\"(a+)+$\"']\n  mention: [here]\n")
        r = relay.cli("rules", "import", rd, "-c", relay.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        time.sleep(2.5)  # the daemon notices within 2 s
        big = "a" * (64 * 1024) + "!"
        t0 = time.time()
        self.post(relay, [{"labels": {"alertname": "X", "namespace": "evil", "big": big}}],
                  group="evil")
        self.assertLess(time.time() - t0, 1.0)
        root = self.roots(relay, 1)["evil"]
        self.assertEqual(root["mentions"], [])  # a regex at its limit is no match


if __name__ == "__main__":
    main()
