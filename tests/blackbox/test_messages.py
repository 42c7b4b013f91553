"""Incidents and messages in preview mode: one root per namespace and alert
name, updates and replies only when something changes, safe rendering."""
import copy
import json
import os
import subprocess
import time
import unittest

from blockkit_check import problems
from harness import RELAY_BIN, RelayTest, fixture_files, main, shared_path


def body(alerts, group="g1", **top):
    b = {"version": "1", "groupKey": group, "orgId": 1, "alerts": alerts}
    b.update(top)
    return b


def alert(fp, ns, name="Ingress5xx", status="firing", starts="2024-01-01T00:00:00Z",
          labels=None, annotations=None, **extra):
    lab = {"alertname": name, "namespace": ns}
    lab.update(labels or {})
    lab = {k: v for k, v in lab.items() if v is not None}
    a = {"status": status, "labels": lab, "annotations": annotations or {},
         "startsAt": starts, "fingerprint": fp,
         "endsAt": "2024-01-01T01:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z"}
    a.update(extra)
    return a


class MessagesTest(RelayTest):
    relay_config = {"slack": {"update_debounce": "0"}}

    def messages(self, relay, **q):
        qs = "&".join(f"{k}={v}" for k, v in q.items())
        r = relay.get("/api/v1/messages?limit=1000" + ("&" + qs if qs else ""))
        self.assertEqual(r.status, 200, r)
        return list(reversed(r.json()["messages"]))  # oldest first

    def settled(self, relay, n):
        """Waits until n messages exist and none is still being rendered."""
        def done():
            ms = self.messages(relay)
            return ms if len(ms) >= n and all(m["state"] != "pending" for m in ms) else None
        ms = relay.wait_for(done, what=f"{n} rendered messages")
        time.sleep(0.3)  # nothing more may arrive
        ms = self.messages(relay)
        for m in ms:
            self.assertEqual(problems(m["text"], m["blocks"]), [], m)
        return ms

    def post(self, relay, b, path="/webhook/grafana"):
        r = relay.post(path, b)
        self.assertEqual(r.status, 202, r)
        return r.json()


class TestSplit(MessagesTest):
    def test_fixture_split_per_namespace(self):
        path = shared_path("fixtures", "grafana", "g06_constructed_firing_three_namespaces.json")
        if path is None:
            self.skipTest("../shared not present")
        relay = self.start_relay()
        with open(path, "rb") as f:
            raw = f.read()
        reply = relay.post("/webhook/grafana", raw).json()
        self.assertEqual(reply, {"accepted": 3, "incidents": 3})
        ms = self.settled(relay, 3)
        self.assertEqual([m["kind"] for m in ms], ["root"] * 3)
        got = {}
        for m in ms:
            header = m["blocks"][0]["text"]["text"]
            ns = [n for n in ("payments", "checkout", "kube-system") if f"· {n} ·" in header]
            self.assertEqual(len(ns), 1, header)
            self.assertIn("KubePodNotReady", header)
            got[ns[0]] = json.dumps(m["blocks"])
        # Each root names only its own namespace's pods.
        self.assertIn("payments-api", got["payments"])
        self.assertNotIn("payments-api", got["checkout"] + got["kube-system"])
        self.assertIn("coredns", got["kube-system"])
        incidents = relay.get("/api/v1/incidents").json()["incidents"]
        self.assertEqual(sorted(i["namespace"] for i in incidents),
                         ["checkout", "kube-system", "payments"])
        # The same body again changes nothing.
        relay.post("/webhook/grafana", raw)
        time.sleep(0.5)
        self.assertEqual(len(self.messages(relay)), 3)

    def test_no_namespace_goes_to_default(self):
        relay = self.start_relay()
        self.post(relay, body([alert("0000000000000001", None, name="DatasourceNoData",
                                     labels={"rulename": "Disk full", "namespace": None})]))
        ms = self.settled(relay, 1)
        header = ms[0]["blocks"][0]["text"]["text"]
        self.assertIn("cluster", header)
        self.assertIn("Disk full", header)


class TestLifecycle(MessagesTest):
    def test_resolve_one_namespace(self):
        relay = self.start_relay()
        a1 = alert("00000000000000a1", "chat", labels={"code": "503"})
        a2 = alert("00000000000000a2", "billing", labels={"code": "502"})
        self.post(relay, body([a1, a2]))
        ms = self.settled(relay, 2)
        root = {m["blocks"][0]["text"]["text"].split(" · ")[1]: m for m in ms}
        # chat resolves.
        r1 = dict(a1, status="resolved", endsAt="2024-01-01T00:10:00Z")
        self.post(relay, body([r1, a2]))
        ms = self.settled(relay, 4)
        new = ms[2:]
        kinds = sorted(m["kind"] for m in new)
        self.assertEqual(kinds, ["reply", "update"])
        for m in new:
            self.assertEqual(m["thread_of"], root["chat"]["id"])
        upd = [m for m in new if m["kind"] == "update"][0]
        self.assertIn("RESOLVED", upd["blocks"][0]["text"]["text"])
        rep = [m for m in new if m["kind"] == "reply"][0]
        self.assertIn("Resolved", rep["text"])
        inc = {i["namespace"]: i for i in relay.get("/api/v1/incidents").json()["incidents"]}
        self.assertEqual(inc["chat"]["state"], "closed")
        self.assertEqual(inc["billing"]["state"], "open")

    def test_absent_from_snapshot_resolves(self):
        relay = self.start_relay()
        a1 = alert("00000000000000b1", "web", labels={"pod": "a"})
        a2 = alert("00000000000000b2", "web", labels={"pod": "b"})
        self.post(relay, body([a1, a2]))
        self.settled(relay, 1)
        self.post(relay, body([a1]))  # b2 is gone from the group
        ms = self.settled(relay, 2)
        self.assertEqual(ms[1]["kind"], "update")
        states = {a["id"]: a["state"] for a in relay.alerts()}
        self.assertEqual(states["grafana/1/00000000000000b2"], "resolved")
        self.assertEqual(states["grafana/1/00000000000000b1"], "firing")
        # A truncated body proves nothing about absent alerts.
        self.post(relay, body([a1, a2]))
        self.settled(relay, 4)
        self.post(relay, body([a1], truncatedAlerts=3))
        time.sleep(0.5)
        states = {a["id"]: a["state"] for a in relay.alerts()}
        self.assertEqual(states["grafana/1/00000000000000b2"], "firing")

    def test_join_and_firing_again(self):
        relay = self.start_relay()
        a1 = alert("00000000000000c1", "shop", labels={"pod": "a"})
        a2 = alert("00000000000000c2", "shop", labels={"pod": "b"})
        self.post(relay, body([a1]))
        self.settled(relay, 1)
        self.post(relay, body([a1, a2]))
        ms = self.settled(relay, 3)
        self.assertEqual(sorted(m["kind"] for m in ms[1:]), ["reply", "update"])
        self.assertIn("more firing", json.dumps([m["blocks"] for m in ms[1:]]))
        root_id = ms[0]["id"]
        # Everything resolves, then fires again within reopen_window.
        self.post(relay, body([dict(a1, status="resolved"), dict(a2, status="resolved")]))
        ms = self.settled(relay, 5)
        self.post(relay, body([dict(a1, startsAt="2024-01-01T02:00:00Z")]))
        ms = self.settled(relay, 7)
        again = ms[5:]
        self.assertTrue(all(m["thread_of"] == root_id for m in again), again)
        self.assertIn("Firing again", json.dumps([m["blocks"] for m in again]))
        self.assertEqual(len([m for m in ms if m["kind"] == "root"]), 1)

    def test_resolved_never_seen_firing_is_not_posted(self):
        relay = self.start_relay()
        self.post(relay, body([alert("00000000000000d1", "x", status="resolved")]))
        time.sleep(0.5)
        self.assertEqual(self.messages(relay), [])
        self.assertEqual(relay.alerts()[0]["state"], "resolved")


class TestHostile(MessagesTest):
    def test_labels_never_become_markup(self):
        relay = self.start_relay()
        hostile = {"pod": "<!channel>", "team": "<https://evil|click>", "who": "@here",
                   "amp": "&lt;", "big": "x" * 100 * 1024}
        for i in range(500):
            hostile[f"l{i:03}"] = f"v{i}"
        anns = {"summary": "<!everyone> <@U123> *boom*", "description": "<#C1>",
                "runbook_url": "javascript:alert(1)"}
        a = alert("00000000000000e1", "evil", labels=hostile, annotations=anns)
        b = alert("00000000000000e2", "evil", labels=dict(hostile, pod="<!here|here>"),
                  annotations=anns)
        # An emoji sitting across the 150-character header limit.
        name = "A" * 140 + "\U0001F525" * 10
        c = alert("00000000000000e3", "evil", name=name)
        self.post(relay, body([a, b, c]))
        ms = self.settled(relay, 2)
        for m in ms:
            dump = json.dumps(m)
            self.assertNotIn("javascript:", dump)
            header = m["blocks"][0]["text"]["text"]
            header.encode("utf-8")  # valid UTF-8: no half emoji
            self.assertLessEqual(len(header), 150)

    def test_many_alerts_in_one_namespace(self):
        relay = self.start_relay({"log": {"level": "info"}})
        alerts = [alert(f"{i:016x}", "storm", labels={"pod": f"p{i}"}) for i in range(20000)]
        self.post(relay, body(alerts))
        ms = self.settled(relay, 1)
        self.assertEqual(len(ms), 1)
        # limits.max_alerts keeps 10 000; the message says the rest was lost.
        self.assertIn("10000", ms[0]["blocks"][0]["text"]["text"])
        dump = json.dumps(ms[0]["blocks"])
        self.assertIn("more", dump)
        self.assertIn("dropped 10000", dump)


class TestRenderCommand(unittest.TestCase):
    def test_render_prints_messages_without_touching_the_db(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="render-")
        cfg = os.path.join(d, "c.yaml")
        with open(cfg, "w") as f:
            f.write("database: never.db\n")
        payload = os.path.join(d, "p.json")
        with open(payload, "w") as f:
            json.dump(body([alert("00000000000000f1", "chat", labels={"code": "503"}),
                            alert("00000000000000f2", "billing")]), f)
        r = subprocess.run([RELAY_BIN, "render", "-c", cfg, payload],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(sorted(m["incident"] for m in out),
                         ["billing/Ingress5xx", "chat/Ingress5xx"])
        for m in out:
            self.assertEqual(m["kind"], "root")
            self.assertIsNone(m["thread_of"])
            self.assertIn(m["namespace"], m["text"])
            self.assertEqual(problems(m["text"], m["blocks"]), [])
            for k in ("channel", "mentions", "decisions"):
                self.assertIn(k, m)
        self.assertFalse(os.path.exists(os.path.join(d, "never.db")))
        # A bad payload: exit 2 with the reason.
        with open(payload, "w") as f:
            f.write('{"ruleName": "legacy"}')
        r = subprocess.run([RELAY_BIN, "render", "-c", cfg, payload],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("alerts: missing", r.stderr)


if __name__ == "__main__":
    main()
