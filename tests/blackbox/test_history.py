"""History and the digest: per-namespace events through the API and the CLI,
the namespace overview, and a digest per period (short periods) against the
fake Slack: exactly one per period, across restarts, one for a gap."""
import json
import re
import time
import unittest

from fakeslack import FakeSlack
from harness import RelayTest, main

TOKEN = "xoxb-history-test"


def alert(fp, ns, name="Ingress5xx", **labels):
    return {"labels": {"alertname": name, "namespace": ns, **labels},
            "fingerprint": fp, "startsAt": "2024-01-01T00:00:00Z"}


def body(*alerts, group="g"):
    return {"groupKey": group, "alerts": list(alerts)}


class TestHistoryApi(RelayTest):
    def events(self, relay, ns, query=""):
        r = relay.get(f"/api/v1/namespaces/{ns}/history{query}")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_events_of_one_namespace_only(self):
        relay = self.start_relay({"slack": {"update_debounce": "0"}})
        self.assertEqual(relay.post("/webhook/grafana", body(
            alert("00000000000000a1", "chat"), alert("00000000000000a2", "chat", "Latency"),
            alert("00000000000000b1", "billing"))).status, 202)
        relay.wait_for(lambda: any(e["kind"] == "posted"
                                   for e in self.events(relay, "chat")["events"]),
                       what="root posted (preview)")
        # chat resolves one of its alerts: absent from the next snapshot.
        relay.post("/webhook/grafana", body(alert("00000000000000a1", "chat"),
                                            alert("00000000000000b1", "billing")))
        relay.wait_for(lambda: any(e["kind"] == "resolved"
                                   for e in self.events(relay, "chat")["events"]),
                       what="resolved event")
        # The messages the resolution queued add events when rendered:
        # read the history once nothing is left to render.
        relay.wait_rendered()
        chat = self.events(relay, "chat")["events"]
        billing = self.events(relay, "billing")["events"]
        self.assertTrue(chat and billing)
        self.assertEqual({e["namespace"] for e in chat}, {"chat"})
        self.assertEqual({e["namespace"] for e in billing}, {"billing"})
        fired = sorted(e["alert"] for e in chat if e["kind"] == "firing")
        self.assertEqual(fired, ["grafana/00000000000000a1", "grafana/00000000000000a2"])
        resolved = [e for e in chat if e["kind"] == "resolved"]
        self.assertEqual([e["alert"] for e in resolved], ["grafana/00000000000000a2"])
        self.assertEqual(resolved[0]["alertname"], "Latency")
        self.assertEqual(resolved[0]["detail"]["why"], "absent")
        self.assertEqual([e["kind"] for e in billing if e["alert"]], ["firing"])
        # Newest first, ids strictly decreasing; times RFC 3339.
        ids = [e["id"] for e in chat]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertTrue(all(re.match(r"\d{4}-\d\d-\d\dT.*Z$", e["time"]) for e in chat))
        # A namespace nobody sent: no events, not an error.
        self.assertEqual(self.events(relay, "nobody"), {"events": [], "next": None})

        # Paging with limit and cursor walks every event once.
        seen, cursor = [], None
        while True:
            q = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = self.events(relay, "chat", q)
            self.assertLessEqual(len(page["events"]), 2)
            seen += [e["id"] for e in page["events"]]
            cursor = page["next"]
            if cursor is None:
                break
        self.assertEqual(seen, ids)
        # since/until: a window in the future is empty; durations work.
        self.assertEqual(self.events(relay, "chat", "?since=2999-01-01T00:00:00Z")["events"], [])
        self.assertEqual(len(self.events(relay, "chat", "?since=1h")["events"]), len(chat))
        self.assertEqual(self.events(relay, "chat", "?until=1h")["events"], [])
        for q in ("?limit=0", "?limit=x", "?cursor=-1", "?since=yesterday", "?until=1q"):
            r = relay.get(f"/api/v1/namespaces/chat/history{q}")
            self.assertEqual(r.status, 400, q)
            self.assertIn("error", r.json())
        self.assertEqual(relay.get("/api/v1/namespaces/chat/nothing").status, 404)

        # The CLI reads the same events.
        out = relay.cli("history", "billing", "--json", "-c", relay.config_path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual([e["id"] for e in json.loads(out.stdout)["events"]],
                         [e["id"] for e in self.events(relay, "billing")["events"]])
        out = relay.cli("history", "chat", "--since", "1h", "-c", relay.config_path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("resolved", out.stdout)
        self.assertNotIn("billing", out.stdout)
        self.assertEqual(relay.cli("history", "chat", "--since", "x", "-c",
                                   relay.config_path).returncode, 2)

    def test_namespaces_overview_and_snooze_events(self):
        relay = self.start_relay({"slack": {"update_debounce": "0"}})
        relay.post("/webhook/grafana", body(
            alert("00000000000000c1", "chat"), alert("00000000000000c2", "chat", "Latency"),
            alert("00000000000000d1", "billing")))
        relay.wait_for(lambda: len(relay.get("/api/v1/namespaces").json()["namespaces"]) == 2,
                       what="two namespaces")
        r = relay.post("/api/v1/snoozes", {"matchers": ['namespace="billing"'],
                                           "duration": "1h", "reason": "maintenance"})
        self.assertEqual(r.status, 201, r)
        snooze = r.json()["id"]

        def summary():
            return {n["namespace"]: n for n in relay.get("/api/v1/namespaces").json()["namespaces"]}
        relay.wait_for(lambda: summary()["billing"]["snoozed"] == 1, what="billing snoozed")
        s = summary()
        self.assertEqual((s["chat"]["firing"], s["chat"]["snoozed"], s["chat"]["fired_24h"]), (2, 0, 2))
        self.assertEqual((s["billing"]["firing"], s["billing"]["snoozed"], s["billing"]["fired_24h"]),
                         (1, 1, 1))
        for n in s.values():
            self.assertIn("team", n)
            self.assertIsInstance(n["owners"], list)
        # Worst first: unsnoozed firing alerts lead.
        self.assertEqual([n["namespace"] for n in relay.get("/api/v1/namespaces").json()["namespaces"]],
                         ["chat", "billing"])
        ev = relay.get("/api/v1/namespaces/billing/history").json()["events"]
        snoozed = [e for e in ev if e["kind"] == "snoozed"]
        self.assertEqual(len(snoozed), 1)
        self.assertEqual(snoozed[0]["detail"]["snooze"], snooze)
        self.assertEqual(relay.request("DELETE", f"/api/v1/snoozes/{snooze}").status, 204)
        relay.wait_for(lambda: any(e["kind"] == "unsnoozed" for e in
                                   relay.get("/api/v1/namespaces/billing/history").json()["events"]),
                       what="unsnoozed event")
        self.assertFalse(any(e["kind"] in ("snoozed", "unsnoozed") for e in
                             relay.get("/api/v1/namespaces/chat/history").json()["events"]))


DIGEST_LINE = re.compile(r"\|(?P<ns>[^>]+)>\* · fired (?P<fired>\d+) · resolved (?P<resolved>\d+)"
                         r" · firing (?P<firing>\d+)")


class TestDigest(RelayTest):
    def setUp(self):
        self.slack = FakeSlack(token=TOKEN)
        self.addCleanup(self.slack.close)

    def config(self):
        return {"slack": {"bot_token": TOKEN, "api_url": self.slack.api_url,
                          "update_debounce": "0", "rate_per_channel": 0,
                          "rate_workspace": 0, "rate_update": 0,
                          "digest_channel": "#alerts-digest"},
                "digest": {"every": "10s"}}

    def digests(self):
        return [c for c in self.slack.calls("chat.postMessage")
                if c.body.get("channel") == "#alerts-digest"]

    @staticmethod
    def period(call):
        """(from, to) of a digest, from the message (HH:MM:SS UTC)."""
        m = re.search(r"(\d\d:\d\d:\d\d) – (?:\d{4}-\d\d-\d\d )?(\d\d:\d\d:\d\d) UTC", call.body["text"])
        return m.group(1), m.group(2)

    @staticmethod
    def seconds(hms):
        h, m, s = map(int, hms.split(":"))
        return h * 3600 + m * 60 + s

    @staticmethod
    def rows(call):
        text = json.dumps(call.body["blocks"], ensure_ascii=False)
        return {m["ns"]: (int(m["fired"]), int(m["resolved"]), int(m["firing"]))
                for m in DIGEST_LINE.finditer(text)}

    def test_one_digest_per_period_restart_and_gap(self):
        relay = self.start_relay(self.config())
        relay.post("/webhook/grafana", body(
            alert("00000000000000e1", "chat"), alert("00000000000000e2", "chat"),
            alert("00000000000000e3", "chat", "Latency"), alert("00000000000000f1", "billing")))
        # The alerts count in the period they were processed in: the
        # first digest, or (posted just before a boundary) the second.
        try:
            self.slack.wait_for(lambda: [c for c in self.digests()
                                         if self.rows(c).get("chat", (0,))[0] > 0],
                                timeout=40, what="digest with the alerts")
        except AssertionError as e:
            raise AssertionError(f"{e}; digests: {[c.body for c in self.digests()]}; "
                                 f"history: {relay.get('/api/v1/namespaces/chat/history').json()}")
        first = [c for c in self.digests() if self.rows(c).get("chat", (0,))[0] > 0][0]
        self.assertEqual(self.rows(first)["chat"], (3, 0, 3))
        self.assertEqual(self.rows(first)["billing"], (1, 0, 1))
        self.assertIn("Latency", json.dumps(first.body["blocks"]))  # noisiest
        for c in self.digests():
            a, b = map(self.seconds, self.period(c))
            self.assertEqual(a % 10, 0)
            self.assertEqual(b % 10, 0)
        n = len(self.digests())
        # billing resolves; the next digest counts it as resolved in its period.
        relay.post("/webhook/grafana", body(
            alert("00000000000000e1", "chat"), alert("00000000000000e2", "chat"),
            alert("00000000000000e3", "chat", "Latency")))
        self.slack.wait_for(lambda: [c for c in self.digests()[n:]
                                     if self.rows(c).get("billing", (0, 0))[1] > 0],
                            timeout=40, what="digest with the resolution")
        second = [c for c in self.digests()[n:] if self.rows(c).get("billing", (0, 0))[1] > 0][0]
        self.assertEqual(self.rows(second)["billing"], (0, 1, 0))
        self.assertEqual(self.rows(second)["chat"], (0, 0, 3))

        # A restart inside a period repeats nothing.
        relay.stop()
        relay.start()
        time.sleep(0.5)
        n = len(self.digests())
        self.slack.wait_for(lambda: len(self.digests()) > n, timeout=15, what="a digest after it")
        periods = [self.period(c) for c in self.digests()]
        self.assertEqual(len(periods), len(set(periods)), periods)

        # 35 s of downtime (the relay's clock moved on): one digest covers
        # the whole gap.
        relay.stop()
        n = len(self.digests())
        relay.env["ALERT_DELIVERY_CLOCK_OFFSET"] = "35s"
        relay.start()
        self.slack.wait_for(lambda: len(self.digests()) > n, timeout=15, what="gap digest")
        time.sleep(1.5)
        after = self.digests()[n:]
        self.assertEqual(len(after), 1, [c.body["text"] for c in after])
        a, b = map(self.seconds, self.period(after[0]))
        self.assertGreaterEqual((b - a) % 86400, 30)
        # Periods join up: each starts where the one before ended.
        periods = [self.period(c) for c in self.digests()]
        for (a1, b1), (a2, b2) in zip(periods, periods[1:]):
            self.assertEqual(b1, a2, periods)

    def test_cli_digest_prints_and_posts_out_of_band(self):
        cfg = self.config()
        cfg["digest"] = {"every": "1h"}
        relay = self.start_relay(cfg)
        relay.post("/webhook/grafana", body(alert("0000000000000101", "chat")))
        relay.wait_for(lambda: relay.get("/api/v1/namespaces").json()["namespaces"], what="alert")
        out = relay.cli("digest", "--since", "1h", "-c", relay.config_path)
        self.assertEqual(out.returncode, 0, out.stderr)
        msg = json.loads(out.stdout)[0]
        self.assertEqual(msg["kind"], "digest")
        self.assertEqual(msg["channel"], "#alerts-digest")
        self.assertIn("fired 1", json.dumps(msg["blocks"], ensure_ascii=False))
        self.assertEqual(self.digests(), [])
        out = relay.cli("digest", "--post", "-c", relay.config_path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.slack.wait_for(lambda: self.digests(), timeout=5, what="posted digest")
        self.assertEqual(relay.cli("digest", "--since", "soon", "-c",
                                   relay.config_path).returncode, 2)


if __name__ == "__main__":
    main()
