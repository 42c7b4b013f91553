"""/metrics: passes promtool and its counters match the traffic sent."""
import re
import shutil
import subprocess
import unittest

from harness import RelayTest, main

PROMTOOL = shutil.which("promtool")


def value(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pat = re.escape(name) + (r"\{" + re.escape(want) + r"\}" if want else "") + r" (\S+)"
    m = re.search("^" + pat + "$", text, re.M)
    return float(m.group(1)) if m else None


class TestMetrics(RelayTest):
    def test_scrape_after_traffic(self):
        relay = self.start_relay({"slack": {"update_debounce": "0"}})
        for i in range(3):
            r = relay.post("/webhook/grafana", {"groupKey": f"g{i}", "alerts": [
                {"labels": {"alertname": "A", "namespace": f"m{i}"}, "fingerprint": f"{i:016x}"},
                {"labels": {"alertname": "Watchdog"}, "fingerprint": f"{i+100:016x}"}]})
            self.assertEqual(r.status, 202)
        self.assertEqual(relay.post("/webhook/alertmanager", {"alerts": [
            {"labels": {"alertname": "B", "namespace": "x"}}]}).status, 202)
        self.assertEqual(relay.post("/webhook/grafana", b"{bad").status, 400)
        self.assertEqual(relay.post("/webhook/grafana", b"{}",
                                    headers={"Content-Type": "text/plain"}).status, 415)
        relay.wait_for(lambda: len([m for m in relay.get("/api/v1/messages").json()["messages"]
                                    if m["state"] == "preview"]) >= 4, what="messages")
        r = relay.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        text = r.body.decode()
        P = "alert_delivery_"
        self.assertEqual(value(text, P + "webhooks_received_total", source="grafana", code="202"), 3)
        self.assertEqual(value(text, P + "webhooks_received_total", source="alertmanager", code="202"), 1)
        self.assertEqual(value(text, P + "webhooks_received_total", source="grafana", code="400"), 1)
        self.assertEqual(value(text, P + "webhooks_received_total", source="grafana", code="415"), 1)
        self.assertEqual(value(text, P + "alerts_received_total", source="grafana"), 6)
        self.assertEqual(value(text, P + "incidents_open"), 5)  # 3 + Watchdog (silent) + B
        self.assertEqual(value(text, P + "outbox_pending"), 0)
        self.assertGreater(value(text, P + "watchdog_last_seen_timestamp_seconds"), 1.7e9)
        self.assertEqual(value(text, P + "notifications_total", kind="root", result="suppressed"), 1)
        self.assertEqual(value(text, P + "ingest_duration_seconds_count"), 4)
        self.assertIsNotNone(value(text, "process_resident_memory_bytes"))
        self.assertEqual(value(text, P + "build_info", version=re.search(
            r'build_info\{version="([^"]+)"', text).group(1)), 1)
        if PROMTOOL is None:
            self.skipTest("promtool (Debian prometheus) not installed")
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=r.body,
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), b"")


if __name__ == "__main__":
    main()
