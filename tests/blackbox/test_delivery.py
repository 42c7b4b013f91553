"""Slack delivery against the fake Slack: threads and updates across a
restart, rate limits, Appendix B's answers, outages, kill -9, SIGTERM and
incoming-webhook mode."""
import json
import re
import os
import signal
import threading
import time
import unittest

from blockkit_check import problems
from fakeslack import FakeSlack
from harness import RelayTest, main

TOKEN = "xoxb-test-token"


def body(alerts, group="g1"):
    return {"version": "1", "groupKey": group, "orgId": 1, "alerts": alerts}


def alert(fp, ns, status="firing", name="Ingress5xx", starts="2024-01-01T00:00:00Z", **labels):
    lab = {"alertname": name, "namespace": ns}
    lab.update(labels)
    return {"status": status, "labels": lab, "annotations": {"summary": f"{ns} is down"},
            "startsAt": starts, "fingerprint": fp,
            "endsAt": "2024-01-01T01:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z"}


class DeliveryTest(RelayTest):
    extra = {}

    def setUp(self):
        self.slack = FakeSlack(token=TOKEN)
        self.addCleanup(self.slack.close)

    def start(self, **slack_cfg):
        cfg = {"bot_token": TOKEN, "api_url": self.slack.api_url,
               "update_debounce": "0", "retry_base": "100ms", "retry_max": "1s",
               "rate_per_channel": 0, "rate_workspace": 0, "rate_update": 0}
        cfg.update(slack_cfg)
        c = {"slack": cfg}
        c.update(self.extra)
        return self.start_relay(c)

    def post(self, relay, b):
        r = relay.post("/webhook/grafana", b)
        self.assertEqual(r.status, 202, r)

    def api_messages(self, relay):
        return list(reversed(relay.get("/api/v1/messages?limit=1000").json()["messages"]))

    def assert_clean(self, call):
        b = call.body
        self.assertEqual(b.get("parse"), "none", b)
        self.assertIs(b.get("link_names"), False, b)
        self.assertEqual(call.flags.get("non_verbatim"), [], call.flags)
        self.assertEqual(call.headers.get("Authorization"), f"Bearer {TOKEN}")
        self.assertIn("charset=utf-8", call.headers.get("Content-Type"))
        blocks = b.get("blocks") or []
        self.assertEqual(problems(b.get("text", ""), blocks), [])


class TestThreads(DeliveryTest):
    def test_roots_updates_replies_across_restart(self):
        relay = self.start()
        self.post(relay, body([alert("00000000000000a1", "chat"), alert("00000000000000a2", "billing")]))
        self.slack.wait_for(lambda: len(self.slack.calls("chat.postMessage", answered=True)) >= 2,
                            what="two roots")
        roots = {}
        for c in self.slack.calls("chat.postMessage", answered=True):
            self.assert_clean(c)
            self.assertEqual(c.body["channel"], "#alerts")
            self.assertNotIn("thread_ts", c.body)
            ns = c.body["blocks"][0]["text"]["text"].split(" · ")[1]
            roots[ns] = c.response
        # The API shows them posted, with Slack's ts.
        posted = relay.wait_for(lambda: [m for m in self.api_messages(relay)
                                         if m["state"] == "posted"] or None, what="posted")
        self.assertTrue(all(m["ts"] for m in posted))
        # chat resolves: an update of its root and a reply in its thread.
        self.post(relay, body([alert("00000000000000a1", "chat", status="resolved"),
                               alert("00000000000000a2", "billing")]))
        upd = self.slack.wait_for(lambda: self.slack.calls("chat.update"), what="update")
        self.assertEqual(upd[0].body["channel"], roots["chat"]["channel"])
        self.assertEqual(upd[0].body["ts"], roots["chat"]["ts"])
        self.assert_clean(upd[0])
        self.assertIn("RESOLVED", json.dumps(upd[0].body["blocks"]))
        reply = self.slack.wait_for(
            lambda: [c for c in self.slack.calls("chat.postMessage") if "thread_ts" in c.body],
            what="reply")
        self.assertEqual(reply[0].body["thread_ts"], roots["chat"]["ts"])
        self.assertEqual(reply[0].body["channel"], roots["chat"]["channel"])
        # Restart: billing's root ts comes from the database.
        self.assertEqual(relay.stop(), 0)
        relay.start()
        self.post(relay, body([alert("00000000000000a2", "billing", status="resolved")]))
        self.slack.wait_for(lambda: len(self.slack.calls("chat.update")) >= 2, what="second update")
        upd = self.slack.calls("chat.update")[1]
        self.assertEqual(upd.body["ts"], roots["billing"]["ts"])
        self.slack.wait_for(lambda: len([c for c in self.slack.calls("chat.postMessage")
                                         if c.body.get("thread_ts") == roots["billing"]["ts"]]) == 1,
                            what="billing reply")
        # Exactly two roots ever.
        self.assertEqual(len([c for c in self.slack.calls("chat.postMessage")
                              if "thread_ts" not in c.body]), 2)


class TestRateLimits(DeliveryTest):
    def test_retry_after_pauses_the_method(self):
        relay = self.start()
        self.slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "2"},
                             body={"ok": False, "error": "ratelimited"})
        self.post(relay, body([alert("00000000000000b1", "x1")]))
        calls = self.slack.wait_for(lambda: (lambda c: c if len(c) >= 2 and c[-1].status == 200
                                             else None)(self.slack.calls("chat.postMessage")),
                                    timeout=10, what="retry after 429")
        gap = calls[1].received - calls[0].received
        self.assertGreaterEqual(gap, 1.9)
        self.assertLess(gap, 4.0)

    def test_per_channel_bucket(self):
        relay = self.start(rate_per_channel=1)
        self.post(relay, body([alert(f"{i:016x}", f"ns{i}") for i in range(8)]))
        calls = self.slack.wait_for(lambda: (lambda c: c if len(c) >= 8 else None)(
            self.slack.calls("chat.postMessage")), timeout=20, what="eight roots")
        t = [c.received for c in calls]
        # A burst of 3, then one per second.
        self.assertLess(t[2] - t[0], 0.8)
        for i in range(3, 8):
            self.assertGreaterEqual(t[i] - t[i - 1], 0.85, t)
        self.assertGreaterEqual(t[7] - t[0], 4.5)

    def test_joined_replies_merge_while_queued(self):
        # Slack takes one message a second: alerts that join while the
        # last "N more firing" reply still waits are added to it, so the
        # thread says the same with fewer messages.
        relay = self.start(rate_per_channel=1)
        alerts = [alert("00000000000000c0", "grow")]
        self.post(relay, body(alerts))
        root = self.slack.wait_for(lambda: self.slack.calls("chat.postMessage", answered=True),
                                   what="root")[0]
        ts = root.response["ts"]
        for i in range(1, 9):
            alerts.append(alert(f"00000000000000c{i}", "grow"))
            self.post(relay, body(alerts))
        def joined():
            return [c for c in self.slack.calls("chat.postMessage", answered=True)
                    if c.body.get("thread_ts") == ts and "more firing" in json.dumps(c.body)]
        def total(cs):
            return sum(int(re.search(r"\+(\d+) firing", c.body["text"]).group(1)) for c in cs)
        cs = self.slack.wait_for(lambda: (lambda c: c if total(c) >= 8 else None)(joined()),
                                 timeout=20, what="every joined alert told")
        self.assertEqual(total(cs), 8)
        self.assertLess(len(cs), 8, [c.body["text"] for c in cs])


class TestFaults(DeliveryTest):
    def test_transient_answers_are_retried(self):
        relay = self.start()
        faults = [
            dict(status=500), dict(status=503),
            dict(body={"ok": False, "error": "internal_error"}),
            dict(body={"ok": False, "error": "service_unavailable"}),
            dict(body="<html>bad gateway</html>"), dict(body=b""),
        ]
        for f in faults:
            self.slack.fail_next("chat.postMessage", **f)
        self.slack.reset_next("chat.postMessage")
        self.post(relay, body([alert("00000000000000c1", "flaky")]))
        def delivered():
            return [c for c in self.slack.calls("chat.postMessage")
                    if c.fault is None and c.ok]
        self.slack.wait_for(delivered, timeout=20, what="delivered after faults")
        m = relay.wait_for(lambda: [m for m in self.api_messages(relay)
                                    if m["kind"] == "root" and m["state"] == "posted"],
                           what="posted")[0]
        time.sleep(0.5)
        self.assertEqual(len(delivered()), 1)
        self.assertEqual(m["attempts"], len(faults) + 2)

    def test_blocks_refused_sends_plain_text(self):
        relay = self.start()
        self.slack.error_next("chat.postMessage", "invalid_blocks")
        self.post(relay, body([alert("00000000000000c2", "blocky")]))
        calls = self.slack.wait_for(lambda: (lambda c: c if len(c) >= 2 else None)(
            self.slack.calls("chat.postMessage")), what="plain text retry")
        self.assertIn("blocks", calls[0].body)
        self.assertNotIn("blocks", calls[1].body)
        self.assertTrue(calls[1].body["text"])

    def test_other_errors_fail_and_are_shown(self):
        relay = self.start()
        self.slack.error_next("chat.postMessage", "too_many_attachments")
        self.post(relay, body([alert("00000000000000c3", "bad")]))
        m = relay.wait_for(lambda: [m for m in self.api_messages(relay)
                                    if m["state"] == "failed"], what="failed")[0]
        self.assertEqual(m["error"], "too_many_attachments")

    def test_update_of_a_vanished_root_reposts(self):
        relay = self.start()
        self.post(relay, body([alert("00000000000000c4", "gone"), alert("00000000000000c5", "gone", pod="b")]))
        self.slack.wait_for(lambda: self.slack.calls("chat.postMessage"), what="root")
        self.slack.error_next("chat.update", "message_not_found")
        self.post(relay, body([alert("00000000000000c4", "gone")]))  # c5 absent: update
        roots = self.slack.wait_for(lambda: (lambda c: c if len(c) >= 2 else None)(
            [c for c in self.slack.calls("chat.postMessage", answered=True)
             if "thread_ts" not in c.body]),
            what="new root")
        self.assertEqual(len(roots), 2)
        inc = relay.get("/api/v1/incidents").json()["incidents"][0]
        relay.wait_for(lambda: relay.get("/api/v1/incidents").json()["incidents"][0]["root"]["ts"]
                       == roots[1].response["ts"], what="new root pinned")

    def test_auth_error_pauses_until_reload(self):
        relay = self.start()
        self.slack.set_token("xoxb-other")
        self.post(relay, body([alert("00000000000000c6", "auth")]))
        self.slack.wait_for(lambda: self.slack.calls("chat.postMessage"), what="refused call")
        relay.wait_for(lambda: [m for m in self.api_messages(relay)
                                if m["error"] == "invalid_auth"], what="pause recorded")
        self.post(relay, body([alert("00000000000000c7", "auth2")], group="g2"))
        time.sleep(1)
        self.assertEqual(len(self.slack.calls("chat.postMessage")), 1)  # paused
        ms = self.api_messages(relay)
        self.assertTrue(all(m["state"] == "pending" for m in ms), ms)
        self.assertIn("invalid_auth", [m["error"] for m in ms])
        # The token is fixed (here: Slack accepts it again) and reloaded.
        self.slack.set_token(TOKEN)
        relay.proc.send_signal(signal.SIGHUP)
        self.slack.wait_for(lambda: len([c for c in self.slack.calls("chat.postMessage") if c.ok]) == 2,
                            what="both sent after reload")


    def test_reload_endpoint(self):
        self.extra = {"auth": {"admin_token": "adm"}}
        relay = self.start(default_channel="#before")
        adm = {"Authorization": "Bearer adm"}
        self.assertEqual(relay.post("/-/reload").status, 401)
        # A broken config is refused with its reason; the old one serves.
        with open(relay.config_path, "a") as f:
            f.write("slack_typo: 1\n")
        r = relay.post("/-/reload", headers=adm)
        self.assertEqual(r.status, 400, r)
        self.assertIn("slack_typo", r.json()["error"])
        self.post(relay, body([alert("00000000000000d1", "before")]))
        self.slack.wait_for(lambda: self.slack.calls("chat.postMessage"), what="first post")
        self.assertEqual(self.slack.calls("chat.postMessage")[0].body["channel"], "#before")
        # A good one takes effect at once.
        relay.config["slack"]["default_channel"] = "#after"
        relay.write_config()
        r = relay.post("/-/reload", headers=adm)
        self.assertEqual(r.status, 200, r)
        self.post(relay, body([alert("00000000000000d2", "after")], group="g2"))
        self.slack.wait_for(lambda: len(self.slack.calls("chat.postMessage")) == 2, what="second post")
        self.assertEqual(self.slack.calls("chat.postMessage")[1].body["channel"], "#after")


    def test_failed_root_is_replaced_not_threaded(self):
        # A root that failed for good carries no thread: the incident's
        # next change posts a new root instead of queuing replies that
        # could never go out.
        self.slack.close()
        self.slack = FakeSlack(token=TOKEN, strict_channels=True)
        relay = self.start(default_channel="#nope")
        self.post(relay, body([alert("00000000000000e1", "gone")]))
        relay.wait_for(lambda: [m for m in self.api_messages(relay)
                                if m["kind"] == "root" and m["state"] == "failed"],
                       what="root failed")
        self.slack.add_channel("#nope")
        self.post(relay, body([alert("00000000000000e1", "gone"),
                               alert("00000000000000e2", "gone", name="Other")]))
        relay.wait_for(lambda: [m for m in self.api_messages(relay)
                                if m["kind"] == "root" and m["state"] == "posted"],
                       what="a new root posted")
        relay.wait_for(lambda: not [m for m in self.api_messages(relay)
                                    if m["state"] in ("pending", "queued", "sending")],
                       what="nothing left pending")
        # (alert e2 opens an incident of its own: look at e1's only)
        first = [m for m in self.api_messages(relay) if m["kind"] == "root"][0]
        roots = [m for m in self.api_messages(relay)
                 if m["kind"] == "root" and m["incident_id"] == first["incident_id"]]
        self.assertEqual([m["state"] for m in roots], ["failed", "posted"], roots)
        inc = [i for i in relay.get("/api/v1/incidents").json()["incidents"]
               if i["id"] == first["incident_id"]][0]
        self.assertEqual(inc["root"]["message_id"], roots[1]["id"], inc)


    def test_busy_channel_does_not_hold_up_others(self):
        # 40 roots wait for #alerts at 1/s; a root for #vip, queued after
        # them, goes out at once instead of after the backlog.
        import tempfile
        rd = tempfile.mkdtemp(prefix="rules-")
        with open(os.path.join(rd, "vip.yaml"), "w") as f:
            f.write("- name: vip\n  matchers: ['namespace=\"vip\"']\n  channel: \"#vip\"\n")
        self.extra = {"rules": rd}
        relay = self.start(default_channel="#alerts", rate_per_channel=1)
        self.post(relay, body([alert(f"{i:016x}", f"ns{i}") for i in range(40)]))
        self.slack.wait_for(lambda: self.slack.calls("chat.postMessage"), what="first posts")
        self.post(relay, body([alert("00000000000000fe", "vip")], group="vip"))
        t0 = time.time()
        self.slack.wait_for(lambda: [c for c in self.slack.calls("chat.postMessage")
                                     if c.body.get("channel") == "#vip"],
                            timeout=8, what="the #vip root")
        self.assertLess(time.time() - t0, 5)
        alerts_posts = [c for c in self.slack.calls("chat.postMessage")
                        if c.body.get("channel") == "#alerts"]
        self.assertLess(len(alerts_posts), 30)  # the backlog is still there


class TestOutage(DeliveryTest):
    def test_webhook_fast_while_slack_stalls(self):
        relay = self.start()
        self.slack.stall_next("chat.postMessage", 30, times=None)
        for i in range(10):
            t0 = time.time()
            self.post(relay, body([alert(f"{i:016x}", f"stall{i}")], group=f"g{i}"))
            self.assertLess(time.time() - t0, 0.2)
        self.slack.clear_faults()

    def test_outage_kill9_delivers_exactly_once(self):
        relay = self.start()
        self.slack.down()
        n = 200
        for i in range(0, n, 20):
            self.post(relay, body([alert(f"{j:016x}", f"o{j}") for j in range(i, i + 20)],
                                  group=f"g{i}"))
        relay.wait_for(lambda: len(self.api_messages(relay)) >= n, what="200 queued")
        time.sleep(0.5)
        relay.kill9()
        self.slack.up()
        relay.start()
        self.slack.wait_for(lambda: len([c for c in self.slack.calls("chat.postMessage") if c.ok]) >= n,
                            timeout=60, what="all delivered")
        time.sleep(1)
        ok = [c for c in self.slack.calls("chat.postMessage") if c.ok]
        headers = [c.body["blocks"][0]["text"]["text"] for c in ok]
        self.assertEqual(len(headers), n)
        self.assertEqual(len(set(headers)), n)  # exactly once

    def test_sigterm_keeps_pending(self):
        relay = self.start()
        self.slack.stall_next("chat.postMessage", 60, times=None)
        self.post(relay, body([alert(f"{i:016x}", f"t{i}") for i in range(5)]))
        self.slack.wait_for(lambda: self.slack.calls("chat.postMessage"), what="a stalled call")
        t0 = time.time()
        self.assertEqual(relay.stop(), 0)
        self.assertLess(time.time() - t0, 11.5)
        self.slack.clear_faults()
        self.slack.reset()
        relay.start()
        self.slack.wait_for(lambda: len([c for c in self.slack.calls("chat.postMessage") if c.ok]) >= 5,
                            timeout=20, what="pending sent after restart")


class TestWebhookMode(DeliveryTest):
    def test_incoming_webhook(self):
        url = self.slack.webhook_url("#hooked")
        relay = self.start_relay({"slack": {"webhook_url": url, "update_debounce": "0",
                                            "rate_per_channel": 0}})
        self.post(relay, body([alert("00000000000000d1", "hook")]))
        self.slack.wait_for(lambda: self.slack.calls("webhook"), what="webhook post")
        self.post(relay, body([alert("00000000000000d1", "hook", status="resolved")]))
        calls = self.slack.wait_for(lambda: (lambda c: c if len(c) >= 2 else None)(
            self.slack.calls("webhook")), what="resolved as a new message")
        self.assertIn("Resolved", calls[1].body["text"])
        self.assertEqual(self.slack.calls("chat.update"), [])
        self.assertEqual(self.slack.calls("chat.postMessage"), [])
        for c in calls:
            self.assertEqual(problems(c.body.get("text", ""), c.body.get("blocks", [])), [])


if __name__ == "__main__":
    main()
