"""Durability: an acknowledged alert survives kill -9 and restarts."""
import signal
import sqlite3
import time
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

    def test_locked_database_answers_503(self):
        # Another writer holds the database: the webhook gets a prompt 503
        # (the sender retries), and a 202 once the lock is gone.
        relay = self.start_relay()
        body = {"alerts": [{"labels": {"alertname": "L", "namespace": "lk"},
                            "fingerprint": "00000000000000f1"}]}
        db = sqlite3.connect(relay.db_path, timeout=5, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            t0 = time.time()
            r = relay.post("/webhook/alertmanager", body, timeout=8)
            self.assertEqual(r.status, 503, r)
            self.assertIn("retry", r.json()["error"])
            self.assertLess(time.time() - t0, 3)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(relay.post("/webhook/alertmanager", body).status, 202)
        relay.wait_for(lambda: relay.alerts(namespace="lk"), what="stored")

    def test_poison_job_is_set_aside(self):
        # A job that fails on its own data (here: a trigger refuses its
        # alert) must not hold up the jobs behind it; after some tries it
        # is set aside, kept in the jobs table, and logged.
        relay = self.start_relay()
        db = sqlite3.connect(relay.db_path, timeout=5)
        db.execute("CREATE TRIGGER poison BEFORE INSERT ON alerts "
                   "WHEN NEW.namespace = 'poison' "
                   "BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
        db.commit()
        db.close()

        def body(ns, fp):
            return {"alerts": [{"labels": {"alertname": "P", "namespace": ns},
                                "fingerprint": fp}]}
        self.assertEqual(relay.post("/webhook/alertmanager",
                                    body("poison", "00000000000000a1")).status, 202)
        self.assertEqual(relay.post("/webhook/alertmanager",
                                    body("fine", "00000000000000a2")).status, 202)
        relay.wait_for(lambda: relay.alerts(namespace="fine"), timeout=20,
                       what="the job behind the poisoned one")
        db = sqlite3.connect(relay.db_path, timeout=5)
        n = db.execute("SELECT count(*) FROM jobs WHERE body LIKE '%poison%' "
                       "AND done_at IS NOT NULL").fetchone()[0]
        db.close()
        self.assertEqual(n, 1)  # set aside, its body kept for inspection
        with open(relay.log_path, encoding="utf-8", errors="replace") as f:
            self.assertIn("set aside", f.read())

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
