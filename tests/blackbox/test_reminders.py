"""Reminders per rule: every remind_every in the thread, broadcast, with the
mentions again; never while snoozed; no burst after a restart."""
import os
import time
import unittest

from harness import RelayTest, main


class TestReminders(RelayTest):
    def test_remind_every(self):
        relay = self.start_relay({"slack": {"update_debounce": "0",
                                            "fallback_mention": "<!subteam^S0TEAM>"},
                                  "reminders": {"default_every": "0"}})
        rd = os.path.join(relay.dir, "rules")
        with open(os.path.join(rd, "r.yaml"), "w") as f:
            f.write("- name: fast\n  matchers: ['alertname=\"Fast\"']\n"
                    "  mention: [team]\n  remind_every: 4s\n")
        self.assertEqual(relay.cli("rules", "import", rd, "-c", relay.config_path).returncode, 0)
        time.sleep(2.2)
        body = {"groupKey": "g", "alerts": [{"labels": {"alertname": "Fast", "namespace": "r"},
                                             "fingerprint": "00000000000000f1"},
                                            {"labels": {"alertname": "Slow", "namespace": "r"},
                                             "fingerprint": "00000000000000f2"}]}
        self.assertEqual(relay.post("/webhook/grafana", body).status, 202)

        def reminders():
            return [m for m in relay.get("/api/v1/messages?limit=1000").json()["messages"]
                    if m["kind"] == "reminder"]
        first = relay.wait_for(lambda: reminders(), timeout=8, what="first reminder")
        t1 = time.time()
        relay.wait_for(lambda: len(reminders()) >= 2, timeout=8, what="second reminder")
        gap = time.time() - t1
        self.assertGreater(gap, 2.5)
        self.assertLess(gap, 6.5)
        for m in reminders():
            self.assertTrue(m["broadcast"])
            self.assertIsNotNone(m["thread_of"])
            self.assertIn("<!subteam^S0TEAM>", m["mentions"])
            self.assertIn("Fast", m["text"])  # Slow has no reminders (default 0)
        # Snoozed: no reminders.
        relay.post("/api/v1/snoozes", {"matchers": ['alertname="Fast"'], "duration": "1h"})
        time.sleep(0.5)
        n = len(reminders())
        time.sleep(5)
        self.assertEqual(len(reminders()), n)


if __name__ == "__main__":
    main()
