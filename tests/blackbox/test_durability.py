"""Durability: an acknowledged alert survives kill -9 and restarts."""
import signal
import threading
import unittest

from harness import Relay, RelayTest, main


class TestDurability(RelayTest):
    def test_restart_keeps_state(self):
        relay = self.start_relay()
        body = {"alerts": [{"labels": {"alertname": "Disk", "namespace": "db"},
                            "fingerprint": "00000000000000d1"}]}
        self.assertEqual(relay.post("/webhook/alertmanager", body).status, 202)
        relay.wait_for(lambda: relay.alerts(), what="stored")
        self.assertEqual(relay.stop(), 0)
        relay.start()
        got = relay.alerts()
        self.assertEqual([a["id"] for a in got], ["alertmanager/00000000000000d1"])

    def test_kill9_right_after_202(self):
        relay = self.start_relay()
        accepted = []
        lock = threading.Lock()
        stop = threading.Event()

        def sender(t):
            i = 0
            while not stop.is_set():
                fp = f"{t:04x}{i:012x}"
                body = {"alerts": [{"labels": {"alertname": "K", "namespace": "k9",
                                               "i": str(i), "t": str(t)},
                                    "fingerprint": fp}]}
                try:
                    r = relay.post("/webhook/alertmanager", body, timeout=5)
                except OSError:
                    return
                if r.status == 202:
                    with lock:
                        accepted.append("alertmanager/" + fp)
                i += 1
        threads = [threading.Thread(target=sender, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        relay.wait_for(lambda: len(accepted) >= 200, what="some accepted")
        relay.kill9()
        stop.set()
        for t in threads:
            t.join()
        relay.start()
        ids = {a["id"] for a in relay.wait_for(
            lambda: (lambda x: x if len(x) >= len(accepted) else None)(
                relay.alerts(namespace="k9")), what="alerts after restart")}
        missing = [a for a in accepted if a not in ids]
        self.assertEqual(missing, [], f"{len(missing)} of {len(accepted)} lost")


if __name__ == "__main__":
    main()
