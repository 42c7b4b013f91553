"""A real Prometheus Alertmanager (Debian prometheus-alertmanager) delivers
to the relay: its alerts arrive stored with the right namespace and state,
and resolving them is recorded."""
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import RelayTest, free_port, main

AM_BIN = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


@unittest.skipIf(AM_BIN is None, "prometheus-alertmanager is not installed")
class TestRealAlertmanager(RelayTest):
    relay_config = {"slack": {"update_debounce": "0"}}

    def messages(self, relay):
        return list(reversed(relay.get("/api/v1/messages?limit=1000").json()["messages"]))
    def start_am(self, relay):
        d = tempfile.mkdtemp(prefix="am-")
        self.addCleanup(shutil.rmtree, d, True)
        self.am_port = free_port()
        with open(os.path.join(d, "am.yml"), "w") as f:
            f.write(f"""
route:
  receiver: relay
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: relay
    webhook_configs:
      - url: http://127.0.0.1:{relay.port}/webhook/alertmanager
        send_resolved: true
""")
        log = open(os.path.join(d, "am.log"), "wb")
        self.am = subprocess.Popen(
            [AM_BIN, f"--config.file={d}/am.yml", f"--storage.path={d}/data",
             f"--web.listen-address=127.0.0.1:{self.am_port}",
             "--cluster.listen-address="],
            stdout=log, stderr=log)
        self.addCleanup(self.stop_am, log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.am_port}/-/ready", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.fail("alertmanager did not start")

    def stop_am(self, log):
        self.am.terminate()
        try:
            self.am.wait(10)
        except subprocess.TimeoutExpired:
            self.am.kill()
        log.close()

    def push(self, alerts):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.am_port}/api/v2/alerts",
            data=json.dumps(alerts).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()

    def test_delivery_split_and_resolve(self):
        relay = self.start_relay()
        self.start_am(relay)
        now = time.time()
        alerts = [{"labels": {"alertname": "KubePodCrashLooping", "namespace": ns,
                              "pod": f"{ns}-0", "severity": "warning"},
                   "annotations": {"summary": f"{ns} is crashing"},
                   "startsAt": iso(now - 60)} for ns in ("chat", "billing", "search")]
        alerts.append({"labels": {"alertname": "KubePodCrashLooping", "pod": "x-0"},
                       "startsAt": iso(now - 60)})
        self.push(alerts)

        def arrived():
            got = relay.alerts()
            return got if len(got) == 4 else None
        got = relay.wait_for(arrived, timeout=30, what="alertmanager delivery")
        self.assertEqual(sorted(a["namespace"] for a in got),
                         ["billing", "chat", "cluster", "search"])
        for a in got:
            self.assertEqual(a["state"], "firing")
            self.assertTrue(a["id"].startswith("alertmanager/"), a["id"])
            self.assertEqual(len(a["id"].split("/")[-1]), 16)
        # One root per namespace, as for Grafana's bodies.
        roots = relay.wait_for(
            lambda: [m for m in self.messages(relay) if m["kind"] == "root"
                     and m["state"] == "preview"] if len(self.messages(relay)) >= 4 else None,
            what="four roots")
        headers = sorted(m["blocks"][0]["text"]["text"].split(" · ")[1] for m in roots)
        self.assertEqual(headers, ["billing", "chat", "cluster", "search"])
        chat_root = [m for m in roots if "· chat ·" in m["blocks"][0]["text"]["text"]][0]
        # Resolve one namespace's alert.
        resolved = dict(alerts[0], endsAt=iso(time.time() - 1))
        self.push([resolved])
        relay.wait_for(lambda: relay.alerts(namespace="chat", state="resolved"),
                       timeout=30, what="resolved delivery")
        self.assertEqual(len(relay.alerts(state="firing")), 3)
        thread = relay.wait_for(
            lambda: (lambda t: t if len(t) >= 2 else None)(
                [m for m in self.messages(relay) if m["thread_of"] == chat_root["id"]]),
            what="update and reply for chat")
        self.assertEqual(sorted(m["kind"] for m in thread), ["reply", "update"])
        # Nothing for the other namespaces.
        self.assertEqual(len(self.messages(relay)), 6)


if __name__ == "__main__":
    main()
