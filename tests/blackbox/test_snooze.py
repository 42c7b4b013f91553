"""Snoozes (SPEC section 9) through the API and the CLI: changes are shown,
snoozed alerts post nothing, expiry resumes posting, bad snoozes refused."""
import json
import time
import unittest

from harness import RelayTest, main


def alert(fp, ns, name="Ingress5xx", status="firing", **labels):
    lab = {"alertname": name, "namespace": ns}
    lab.update(labels)
    return {"status": status, "labels": lab, "fingerprint": fp,
            "startsAt": "2024-01-01T00:00:00Z",
            "endsAt": "2024-01-01T01:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z"}


class SnoozeTest(RelayTest):
    relay_config = {"slack": {"update_debounce": "0"}}

    def msgs(self, relay):
        return list(reversed(relay.get("/api/v1/messages?limit=1000").json()["messages"]))

    def settle(self, relay, n):
        def done():
            ms = self.msgs(relay)
            return ms if len(ms) >= n and all(m["state"] != "pending" for m in ms) else None
        ms = relay.wait_for(done, what=f"{n} messages")
        time.sleep(0.3)
        return self.msgs(relay)

    def post(self, relay, alerts, group="g"):
        r = relay.post("/webhook/grafana", {"groupKey": group, "alerts": alerts})
        self.assertEqual(r.status, 202, r)


class TestApi(SnoozeTest):
    def test_snooze_cycle(self):
        relay = self.start_relay()
        self.post(relay, [alert("00000000000000a1", "chat")])
        root = self.settle(relay, 1)[0]
        r = relay.post("/api/v1/snoozes", {"matchers": ['namespace="chat"', 'alertname="Ingress5xx"'],
                                           "duration": "3s", "reason": "deploying fix"})
        self.assertEqual(r.status, 201, r)
        z = r.json()
        self.assertEqual(z["author"], "api")
        self.assertTrue(z["active"])
        self.assertEqual(z["reason"], "deploying fix")
        ms = self.settle(relay, 3)
        new = ms[1:]
        self.assertEqual(sorted(m["kind"] for m in new), ["reply", "update"])
        self.assertTrue(all(m["thread_of"] == root["id"] for m in new))
        self.assertIn("SNOOZED", json.dumps([m["blocks"] for m in new]))
        self.assertIn("deploying fix", json.dumps([m["blocks"] for m in new]))
        self.assertEqual([s["id"] for s in relay.get("/api/v1/snoozes").json()["snoozes"]], [z["id"]])
        # A re-send while snoozed posts nothing; neither does a joining alert.
        self.post(relay, [alert("00000000000000a1", "chat"), alert("00000000000000a2", "chat", pod="b")])
        time.sleep(0.5)
        self.assertEqual(len(self.msgs(relay)), 3)
        # The snooze ends: a reply says so at once and posting resumes.
        ms = self.settle(relay, 5)
        self.assertIn("Snooze ended", json.dumps([m["blocks"] for m in ms[3:]]))
        self.assertEqual(relay.get("/api/v1/snoozes").json()["snoozes"], [])
        self.assertEqual(len(relay.get("/api/v1/snoozes?all=1").json()["snoozes"]), 1)

    def test_snoozed_from_the_start_and_delete(self):
        relay = self.start_relay()
        r = relay.post("/api/v1/snoozes", {"matchers": ['namespace="quiet"'], "duration": "1h"})
        self.assertEqual(r.status, 201, r)
        sid = r.json()["id"]
        self.post(relay, [alert("00000000000000b1", "quiet")])
        time.sleep(0.6)
        self.assertEqual(self.msgs(relay), [])
        states = relay.alerts(namespace="quiet")
        self.assertEqual(len(states), 1)
        self.assertEqual(states[0]["snoozed_by"], sid)
        self.assertEqual([a["id"] for a in relay.alerts(state="snoozed")], [states[0]["id"]])
        self.assertEqual(relay.request("DELETE", f"/api/v1/snoozes/{sid}").status, 204)
        self.assertEqual(relay.request("DELETE", f"/api/v1/snoozes/{sid}").status, 404)
        ms = self.settle(relay, 1)
        self.assertEqual(ms[0]["kind"], "root")

    def test_resolved_while_snoozed(self):
        relay = self.start_relay()
        self.post(relay, [alert("00000000000000c1", "rs")])
        self.settle(relay, 1)
        relay.post("/api/v1/snoozes", {"matchers": ['namespace="rs"'], "duration": "1h"})
        self.settle(relay, 3)
        self.post(relay, [alert("00000000000000c1", "rs", status="resolved")])
        ms = self.settle(relay, 5)
        self.assertIn("Resolved while snoozed", json.dumps([m["blocks"] for m in ms[3:]]))

    def test_bad_snoozes(self):
        relay = self.start_relay()
        bad = [{"matchers": ['namespace="x"'], "duration": "-5m"},
               {"matchers": ['namespace="x"'], "duration": "3650d"},
               {"matchers": ['namespace=~"("'], "duration": "1h"},
               {"matchers": [], "duration": "1h"},
               {"matchers": ['namespace="x"']},
               {"matchers": ['namespace="x"'], "duration": "1h", "reason": "r" * 2000},
               {"matchers": "namespace=x", "duration": "1h"}]
        for b in bad:
            r = relay.post("/api/v1/snoozes", b)
            self.assertEqual(r.status, 400, (b, r))
            self.assertIn("error", r.json())
        self.assertEqual(relay.get("/api/v1/snoozes?all=1").json()["snoozes"], [])


class TestCli(SnoozeTest):
    def test_cli_add_list_remove(self):
        relay = self.start_relay()
        self.post(relay, [alert("00000000000000d1", "cli")])
        self.settle(relay, 1)
        r = relay.cli("snooze", "add", 'namespace="cli"', "--for", "1h", "--reason", "maintenance",
                      "-c", relay.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The daemon notices within 2 s and shows the change.
        ms = self.settle(relay, 3)
        self.assertIn("SNOOZED", json.dumps([m["blocks"] for m in ms[1:]]))
        r = relay.cli("snooze", "list", "-c", relay.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("maintenance", r.stdout)
        self.assertIn('namespace', r.stdout)
        sid = r.stdout.splitlines()[1].split()[0]
        self.assertEqual(relay.cli("snooze", "remove", sid, "-c", relay.config_path).returncode, 0)
        ms = self.settle(relay, 5)
        self.assertIn("Snooze ended", json.dumps([m["blocks"] for m in ms[3:]]))
        self.assertEqual(relay.cli("snooze", "add", "bad=~\"(\"", "--for", "1h",
                                   "-c", relay.config_path).returncode, 2)
        self.assertEqual(relay.cli("snooze", "add", 'a="b"', "-c", relay.config_path).returncode, 2)


if __name__ == "__main__":
    main()
