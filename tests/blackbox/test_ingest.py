"""Webhook intake: every real fixture is accepted and stored as the right
alerts (namespace, state, identity); auth; group commit under concurrency."""
import base64
import hashlib
import hmac
import json
import os
import threading
import time
import unittest

from harness import RelayTest, fixture_files, main

NS_LABELS = ["namespace", "kubernetes_namespace", "exported_namespace"]


def am_fingerprint(labels):
    """Prometheus' LabelSet fingerprint: FNV-1a 64 with 0xff separators."""
    h = 14695981039346656037
    for k in sorted(labels):
        for part in (k, labels[k]):
            for b in part.encode():
                h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
            h = ((h ^ 0xFF) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def expected_alerts(source, body):
    """What SPEC section 5 says the relay must store for a body."""
    out = {}
    for a in body["alerts"]:
        labels = a.get("labels") or {}
        ns = next((labels[k] for k in NS_LABELS if labels.get(k)), "cluster")
        name = labels.get("alertname", "unknown")
        if name in ("DatasourceNoData", "DatasourceError") and labels.get("rulename"):
            name = labels["rulename"]
        fp = a.get("fingerprint") or am_fingerprint(labels)
        org = a.get("orgId", body.get("orgId"))
        ident = f"{source}/{org}/{fp}" if org is not None else f"{source}/{fp}"
        status = a.get("status") or "firing"
        out[ident] = (ns, name, status)
    return out


class TestFixtures(RelayTest):
    def test_every_fixture_is_stored(self):
        relay = self.start_relay()
        files = [("grafana", f) for f in fixture_files("grafana")] + \
                [("alertmanager", f) for f in fixture_files("alertmanager")]
        if not files:
            self.skipTest("../shared/fixtures not present")
        want = {}
        for source, path in files:
            with open(path, "rb") as f:
                raw = f.read()
            body = json.loads(raw)
            r = relay.post(f"/webhook/{source}", raw,
                           headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 202, f"{path}: {r}")
            reply = r.json()
            self.assertEqual(reply["accepted"], len(body["alerts"]), path)
            self.assertGreaterEqual(reply["incidents"], 1, path)
            want.update(expected_alerts(source, body))

        def stored():
            got = {a["id"]: a for a in relay.alerts()}
            return got if set(want) <= set(got) else None
        got = relay.wait_for(stored, what="all fixture alerts stored")
        for ident, (ns, name, status) in want.items():
            a = got[ident]
            self.assertEqual((a["namespace"], a["alertname"], a["state"]),
                             (ns, name, status), ident)
        # Known values, spelled out (g06: three namespaces; g08: NoData).
        by_ns = {}
        for a in got.values():
            by_ns.setdefault(a["namespace"], set()).add(a["alertname"])
        if any("g06" in f for _, f in files):
            for ns in ("payments", "checkout", "kube-system"):
                self.assertIn("KubePodNotReady", by_ns.get(ns, set()))
        if any("g08" in f for _, f in files):
            self.assertTrue(any(a["namespace"] == "cluster"
                                and a["labels"].get("alertname") == "DatasourceNoData"
                                and a["alertname"] != "DatasourceNoData"
                                for a in got.values()))
        # Filters.
        for a in relay.alerts(namespace="payments"):
            self.assertEqual(a["namespace"], "payments")
        for a in relay.alerts(state="resolved"):
            self.assertEqual(a["state"], "resolved")

    def test_values_and_value(self):
        relay = self.start_relay()
        body = {"version": "1", "groupKey": "g", "orgId": 1, "alerts": [
            {"status": "firing", "labels": {"alertname": "Ingress5xx", "namespace": "chat",
                                            "code": "503"},
             "annotations": {"summary": "5xx"}, "startsAt": "2024-01-01T00:00:00Z",
             "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "00000000000000aa",
             "values": {"B": 1350.5, "C": 1}}]}
        self.assertEqual(relay.post("/webhook/grafana", body).status, 202)
        a = relay.wait_for(lambda: relay.alerts(), what="alert")[0]
        self.assertEqual(a["id"], "grafana/1/00000000000000aa")
        self.assertEqual(a["value"], 1350.5)
        self.assertEqual(a["starts_at"], "2024-01-01T00:00:00Z")
        self.assertIsNone(a["ends_at"])
        self.assertEqual(a["fires"], 1)


class TestAuth(RelayTest):
    relay_config = {"auth": {"webhook_token": "tok3n", "webhook_hmac_secret": "hm4c",
                             "webhook_hmac_timestamp_header": "X-Ts"}}

    BODY = json.dumps({"alerts": [{"labels": {"alertname": "A", "namespace": "x"}}]}).encode()

    def sign(self, body, ts):
        return hmac.new(b"hm4c", f"{ts}:".encode() + body, hashlib.sha256).hexdigest()

    def test_token_and_hmac(self):
        relay = self.start_relay()
        ts = str(int(time.time()))
        good = {"Authorization": "Bearer tok3n", "X-Ts": ts,
                "X-Grafana-Alerting-Signature": self.sign(self.BODY, ts)}
        self.assertEqual(relay.post("/webhook/grafana", self.BODY, headers=good).status, 202)
        # Basic auth with the token as password.
        basic = dict(good, Authorization="Basic " + base64.b64encode(b"grafana:tok3n").decode())
        self.assertEqual(relay.post("/webhook/grafana", self.BODY, headers=basic).status, 202)
        cases = [
            dict(good, Authorization="Bearer wrong"),
            {k: v for k, v in good.items() if k != "Authorization"},
            dict(good, **{"X-Grafana-Alerting-Signature": "0" * 64}),
            {k: v for k, v in good.items() if k != "X-Grafana-Alerting-Signature"},
            dict(good, **{"X-Ts": str(int(time.time()) - 360)}),  # stale, re-signed below
        ]
        stale_ts = str(int(time.time()) - 360)
        cases[-1]["X-Grafana-Alerting-Signature"] = self.sign(self.BODY, stale_ts)
        cases[-1]["X-Ts"] = stale_ts
        for h in cases:
            r = relay.post("/webhook/grafana", self.BODY, headers=h)
            self.assertEqual(r.status, 401, (h, r))
            self.assertIn("error", r.json())
        # Alertmanager cannot sign: the token is enough there.
        r = relay.post("/webhook/alertmanager", self.BODY,
                       headers={"Authorization": "Bearer tok3n"})
        self.assertEqual(r.status, 202, r)
        r = relay.post("/webhook/alertmanager", self.BODY)
        self.assertEqual(r.status, 401, r)


class TestConcurrency(RelayTest):
    def test_parallel_posts_all_stored(self):
        relay = self.start_relay({"log": {"level": "info"}})
        n_threads, per_thread = 8, 25
        errors = []

        def worker(t):
            for i in range(per_thread):
                body = {"alerts": [{"labels": {"alertname": "Load", "namespace": f"ns{t}",
                                               "i": str(i)}}]}
                r = relay.post("/webhook/alertmanager", body)
                if r.status != 202:
                    errors.append(r)
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        relay.wait_for(lambda: len(relay.alerts()) == n_threads * per_thread,
                       what="every alert stored")

    def test_backlog_full_answers_503_with_retry_after(self):
        # limits.max_pending: 1. Bodies read in one loop turn are committed
        # together, so among simultaneous bodies all but the first find
        # one accepted and not processed yet, and get 503.
        relay = self.start_relay({"limits": {"max_pending": 1}})
        refused = []
        for attempt in range(10):
            barrier = threading.Barrier(16)
            results = []

            def worker(i, attempt=attempt, barrier=barrier, results=results):
                body = {"alerts": [{"labels": {"alertname": "Flood", "namespace": "ns",
                                               "i": f"{attempt}-{i}"}}]}
                barrier.wait()
                results.append(relay.post("/webhook/alertmanager", body))
            threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertTrue(all(r.status in (202, 503) for r in results), results)
            self.assertTrue(any(r.status == 202 for r in results), results)
            refused = [r for r in results if r.status == 503]
            if refused:
                break
        self.assertTrue(refused, "no 503 in 10 rounds of 16 simultaneous bodies")
        self.assertEqual(refused[0].headers.get("Retry-After"), "10")
        self.assertIn("backlog full", refused[0].json()["error"])
        # Once the backlog is processed, bodies are accepted again.
        body = {"alerts": [{"labels": {"alertname": "Flood", "namespace": "ns", "i": "late"}}]}
        relay.wait_for(lambda: relay.post("/webhook/alertmanager", body).status == 202,
                       what="a body accepted after the backlog")
        m = relay.get("/metrics").body.decode()
        self.assertRegex(m, r'webhooks_received_total\{source="alertmanager",code="503"\} [1-9]')


if __name__ == "__main__":
    main()
