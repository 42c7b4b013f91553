"""Snoozing from Slack: a signed block_actions click built from the posted
message's own button snoozes the incident; bad clicks change nothing."""
import hashlib
import hmac
import json
import time
import unittest
import urllib.parse

from fakeslack import FakeSlack
from harness import RelayTest, main

TOKEN = "xoxb-test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def sign(body, ts=None, secret=SECRET):
    ts = str(int(time.time()) if ts is None else ts)
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body,
                           hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


def click_body(button, channel, ts, user="U0KIM", team="T0TEAM"):
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "kim", "name": "kim", "team_id": team},
        "api_app_id": "A0APP", "token": "legacy",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                      "is_ephemeral": False},
        "trigger_id": "1.2.3", "team": {"id": team, "domain": "example"},
        "channel": {"id": channel, "name": "alerts"},
        "message": {"type": "message", "ts": ts, "text": "x"},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/abc",
        "actions": [{"action_id": button["action_id"], "block_id": "snooze",
                     "text": button["text"], "value": button["value"],
                     "type": "button", "action_ts": "1700000000.000001"}],
    }
    return ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()


class TestButtons(RelayTest):
    def setUp(self):
        self.slack = FakeSlack(token=TOKEN)
        self.addCleanup(self.slack.close)

    def start(self, secret=SECRET):
        return self.start_relay({"slack": {
            "bot_token": TOKEN, "api_url": self.slack.api_url, "signing_secret": secret,
            "update_debounce": "0", "rate_per_channel": 0, "rate_workspace": 0,
            "rate_update": 0}})

    def alert_body(self):
        return {"groupKey": "g", "alerts": [{"labels": {"alertname": "Ingress5xx",
                                                        "namespace": "chat"},
                                             "fingerprint": "00000000000000a1",
                                             "startsAt": "2024-01-01T00:00:00Z"}]}

    def root(self):
        call = self.slack.wait_for(lambda: self.slack.calls("chat.postMessage", answered=True),
                                  what="root")[0]
        return call

    def buttons(self, blocks):
        for b in blocks:
            if b.get("type") == "actions" and b.get("block_id") == "snooze":
                return {e["action_id"]: e for e in b["elements"]}
        return {}

    def test_click_snoozes_and_unsnoozes(self):
        relay = self.start()
        self.assertEqual(relay.post("/webhook/grafana", self.alert_body()).status, 202)
        root = self.root()
        btn = self.buttons(root.body["blocks"])
        self.assertIn("snooze_1h", btn)
        ch, ts = root.response["channel"], root.response["ts"]
        body = click_body(btn["snooze_1h"], ch, ts)
        t0 = time.time()
        r = relay.post("/slack/interactions", body, headers=sign(body))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"")
        self.assertLess(time.time() - t0, 3)
        upd = self.slack.wait_for(lambda: self.slack.calls("chat.update"), what="root updated")[0]
        self.assertEqual(upd.body["ts"], ts)
        self.assertIn("SNOOZED", json.dumps(upd.body["blocks"]))
        self.assertIn("unsnooze", self.buttons(upd.body["blocks"]))
        self.slack.wait_for(lambda: [c for c in self.slack.calls("chat.postMessage")
                                     if c.body.get("thread_ts") == ts and "kim" in c.body["text"] + json.dumps(c.body.get("blocks"))],
                            what="reply naming who snoozed")
        snoozes = relay.get("/api/v1/snoozes").json()["snoozes"]
        self.assertEqual(len(snoozes), 1)
        self.assertEqual(snoozes[0]["author"], "U0KIM")
        # The next Grafana re-send posts nothing.
        n = len(self.slack.calls())
        relay.post("/webhook/grafana", self.alert_body())
        time.sleep(0.7)
        self.assertEqual(len(self.slack.calls()), n)
        # A second snooze that holds the same alert (whole namespace):
        # "Unsnooze" ends it too, or the incident would stay snoozed.
        r = relay.post("/api/v1/snoozes", {"matchers": ['namespace="chat"'],
                                           "duration": "2h", "reason": "wide"})
        self.assertEqual(r.status, 201, r)
        # Unsnooze from the updated root's button.
        body = click_body(self.buttons(upd.body["blocks"])["unsnooze"], ch, ts)
        self.assertEqual(relay.post("/slack/interactions", body, headers=sign(body)).status, 200)
        relay.wait_for(lambda: relay.get("/api/v1/snoozes").json()["snoozes"] == [],
                       what="snooze ended")
        self.slack.wait_for(lambda: len(self.slack.calls("chat.update")) >= 2, what="root firing again")

    def test_bad_clicks_change_nothing(self):
        relay = self.start()
        relay.post("/webhook/grafana", self.alert_body())
        root = self.root()
        btn = self.buttons(root.body["blocks"])["snooze_1h"]
        ch, ts = root.response["channel"], root.response["ts"]
        body = click_body(btn, ch, ts)
        cases = [
            ({}, 401),                                           # no signature
            (sign(body, secret="wrong"), 401),
            (sign(body, ts=int(time.time()) - 360), 401),        # 6 minutes old
            (sign(body, ts=int(time.time()) + 360), 401),        # in the future
            (dict(sign(body), **{"X-Slack-Signature": "v1=" + "0" * 64}), 401),
        ]
        for headers, status in cases:
            h = {"Content-Type": "application/x-www-form-urlencoded"}
            h.update(headers)
            r = relay.post("/slack/interactions", body, headers=h)
            self.assertEqual(r.status, status, (headers, r))
        altered = body + b"x"
        self.assertEqual(relay.post("/slack/interactions", altered,
                                    headers=sign(body)).status, 401)
        notjson = b"payload=%7Bnot"
        self.assertEqual(relay.post("/slack/interactions", notjson,
                                    headers=sign(notjson)).status, 400)
        unknown = click_body(dict(btn, action_id="other_app"), ch, ts)
        self.assertEqual(relay.post("/slack/interactions", unknown,
                                    headers=sign(unknown)).status, 200)
        gone = click_body(dict(btn, value="v1:99999:1h"), ch, ts)
        self.assertEqual(relay.post("/slack/interactions", gone,
                                    headers=sign(gone)).status, 200)
        big = b"payload=" + b"a" * (5 * 1024 * 1024)
        self.assertEqual(relay.post("/slack/interactions", big, headers=sign(big)).status, 413)
        time.sleep(0.5)
        self.assertEqual(relay.get("/api/v1/snoozes?all=1").json()["snoozes"], [])
        self.assertEqual(self.slack.calls("chat.update"), [])

    def test_no_secret_no_endpoint(self):
        relay = self.start(secret="")
        self.assertEqual(relay.post("/slack/interactions", b"payload=x").status, 404)
        relay.post("/webhook/grafana", self.alert_body())
        root = self.root()
        self.assertEqual(self.buttons(root.body["blocks"]), {})


if __name__ == "__main__":
    main()
