"""Tests of the fake Slack itself (tests/blackbox/fakeslack.py), so that the
relay's black-box tests can trust it. Standard library only; http.client
talks to the fake exactly as a client on the wire would."""
import http.client
import json
import os
import socket
import sys
import threading
import time
import unittest
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeslack import FakeSlack, RESPONSE_URL, WEBHOOK, validate_message  # noqa: E402

TOKEN = "xoxb-test-token"
JSON_CT = "application/json; charset=utf-8"
FORM_CT = "application/x-www-form-urlencoded"


def request(port, verb, path, body=b"", headers=None, timeout=5, conn=None):
    """One HTTP request; returns (status, headers dict, body bytes)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(verb, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        if own:
            conn.close()


def section(text, **extra):
    """A section block with mrkdwn text."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, **extra}}


def button(text="Snooze", **extra):
    """A button element."""
    return {"type": "button", "text": {"type": "plain_text", "text": text},
            "action_id": "snooze", "value": "1h", **extra}


class FakeSlackTest(unittest.TestCase):
    """Starts one fake per test."""

    def setUp(self):
        self.slack = FakeSlack(token=TOKEN)
        self.addCleanup(self.slack.close)

    def api(self, method, body=None, token=TOKEN, ctype=JSON_CT, conn=None):
        """Web API call; returns (HTTP status, decoded JSON)."""
        headers = {"Content-Type": ctype}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body or {})
        status, _, data = request(self.slack.port, "POST", f"/api/{method}",
                                  raw, headers, conn=conn)
        return status, json.loads(data)

    def post(self, channel="#alerts", **fields):
        """chat.postMessage that must succeed; returns the JSON answer."""
        status, data = self.api("chat.postMessage", {"channel": channel, **fields})
        self.assertEqual((status, data["ok"]), (200, True), data)
        return data

    def assert_api_error(self, method, body, error):
        """A call must fail with HTTP 200 ok:false error."""
        status, data = self.api(method, body)
        self.assertEqual(status, 200)
        self.assertEqual((data["ok"], data.get("error")), (False, error), data)
        return data


class TestPostAndAuth(FakeSlackTest):
    def test_post_by_name_and_id(self):
        first = self.post(text="hello")
        self.assertEqual(first["channel"], "C0ALERTS")
        self.assertEqual(first["ts"], "1700000001.000100")
        self.assertEqual(first["message"]["text"], "hello")
        self.assertEqual(first["message"]["ts"], first["ts"])
        second = self.post(channel="C0ALERTS", text="again")
        self.assertEqual(second["channel"], "C0ALERTS")
        self.assertGreater(float(second["ts"]), float(first["ts"]))
        self.assertEqual(self.slack.channel_id("#alerts-digest"), "C0ALERTSDIGEST")
        msgs = self.slack.messages("#alerts")
        self.assertEqual([m["text"] for m in msgs], ["hello", "again"])
        self.assertEqual(msgs[0]["channel_name"], "alerts")
        self.assertEqual(self.slack.messages("#other"), [])

    def test_ts_unique_under_concurrency(self):
        results = []

        def worker():
            results.append(self.post(text="x")["ts"])
        threads = [threading.Thread(target=worker) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(set(results)), 20)
        self.assertEqual(len(self.slack.calls("chat.postMessage")), 20)

    def test_auth(self):
        status, data = self.api("auth.test")
        self.assertEqual((status, data["ok"], data["user_id"]), (200, True, "U0FAKEBOT"))
        self.assertEqual(self.api("auth.test", token=None)[1]["error"], "not_authed")
        self.assertEqual(self.api("auth.test", token="wrong")[1]["error"], "invalid_auth")
        self.slack.set_token("xoxb-new")
        self.assertEqual(self.api("auth.test")[1]["error"], "invalid_auth")

    def test_form_body_and_token_param(self):
        body = urlencode({"token": TOKEN, "channel": "#alerts", "text": "form",
                          "blocks": json.dumps([section("*b*", verbatim=True)]),
                          "link_names": "false", "parse": "none"})
        status, data = self.api("chat.postMessage", body, token=None, ctype=FORM_CT)
        self.assertTrue(data["ok"], data)
        self.assertNotIn("warning", data)
        msg = self.slack.messages()[0]
        self.assertEqual(msg["blocks"][0]["type"], "section")
        self.assertNotIn("token", msg["params"])
        self.assertEqual(msg["flags"]["link_names"], False)
        self.assertEqual(msg["flags"]["verbatim"], True)

    def test_charset_warnings(self):
        status, data = self.api("auth.test", ctype="application/json")
        self.assertTrue(data["ok"])
        self.assertEqual(data["warning"], "missing_charset")
        status, data = self.api("auth.test", b"", ctype=FORM_CT + "; charset=utf-8")
        self.assertEqual(data["warning"], "superfluous_charset")
        self.assertEqual(self.slack.calls()[-1].warnings, ["superfluous_charset"])

    def test_bad_json_and_unknown_method(self):
        self.assertEqual(self.api("chat.postMessage", b"{nope")[1]["error"], "invalid_json")
        status, data = self.api("chat.nope", {})
        self.assertEqual((status, data["error"]), (404, "unknown_method"))

    def test_records_calls(self):
        self.post(text="x", parse="none", link_names=False,
                  blocks=[section("a", verbatim=True), section("b")])
        call = self.slack.calls("chat.postMessage")[0]
        self.assertEqual(call.headers["authorization"], f"Bearer {TOKEN}")
        self.assertEqual(call.body["text"], "x")
        self.assertEqual(call.status, 200)
        self.assertTrue(call.ok)
        self.assertEqual(call.response["channel"], "C0ALERTS")
        self.assertLessEqual(call.received, call.answered)
        self.assertEqual(call.flags["parse"], "none")
        self.assertIs(call.flags["link_names"], False)
        self.assertIs(call.flags["verbatim"], False)
        self.assertEqual(call.flags["non_verbatim"], ["/blocks/1/text"])
        self.assertEqual(self.slack.calls("chat.update"), [])


class TestChannels(FakeSlackTest):
    def test_strict_channels_and_channel_errors(self):
        strict = FakeSlack(token=TOKEN, channels=["#alerts"], strict_channels=True)
        self.addCleanup(strict.close)
        self.slack = strict
        self.post(text="ok")
        self.assert_api_error("chat.postMessage", {"channel": "#nope", "text": "x"},
                              "channel_not_found")
        self.assert_api_error("chat.postMessage", {"channel": "C0NOPE", "text": "x"},
                              "channel_not_found")
        self.assert_api_error("chat.postMessage", {"text": "x"}, "channel_not_found")
        strict.channel_error("#alerts", "not_in_channel")
        self.assert_api_error("chat.postMessage", {"channel": "#alerts", "text": "x"},
                              "not_in_channel")
        strict.channel_error("#alerts")
        self.post(text="ok again")

    def test_custom_id(self):
        self.assertEqual(self.slack.add_channel("#ops", "C0123ABC"), "C0123ABC")
        self.assertEqual(self.post(channel="#ops", text="x")["channel"], "C0123ABC")


class TestThreadsAndUpdates(FakeSlackTest):
    def test_thread(self):
        root = self.post(text="root")["ts"]
        reply = self.post(text="r1", thread_ts=root, reply_broadcast=True)
        self.assertEqual(reply["message"]["thread_ts"], root)
        self.post(text="r2", thread_ts=reply["ts"])   # a reply's ts: joins the root
        self.assertEqual([m["text"] for m in self.slack.replies("#alerts", root)], ["r1", "r2"])
        self.assertEqual([m["text"] for m in self.slack.roots()], ["root"])
        self.assertTrue(self.slack.message("#alerts", reply["ts"])["reply_broadcast"])
        self.assertEqual(len(self.slack.messages("#alerts")), 3)

    def test_thread_not_found(self):
        root = self.post(text="root")["ts"]
        self.assert_api_error("chat.postMessage",
                              {"channel": "#alerts", "text": "x", "thread_ts": "1.000000"},
                              "thread_not_found")
        self.assert_api_error("chat.postMessage",
                              {"channel": "#other", "text": "x", "thread_ts": root},
                              "thread_not_found")
        # ts sent as a JSON number loses its trailing zeros: not found.
        self.assert_api_error("chat.postMessage",
                              {"channel": "#alerts", "text": "x", "thread_ts": float(root)},
                              "thread_not_found")

    def test_update(self):
        posted = self.post(text="v1", blocks=[section("one")])
        status, data = self.api("chat.update", {"channel": posted["channel"], "ts": posted["ts"],
                                                "text": "v2", "blocks": [section("two")]})
        self.assertTrue(data["ok"], data)
        self.assertEqual((data["channel"], data["ts"], data["text"]),
                         (posted["channel"], posted["ts"], "v2"))
        msg = self.slack.message("#alerts", posted["ts"])
        self.assertEqual((msg["text"], msg["updates"]), ("v2", 1))
        self.assertEqual(msg["blocks"][0]["text"]["text"], "two")
        self.assertEqual(msg["history"][0]["text"], "v1")

    def test_update_errors(self):
        posted = self.post(text="v1")
        self.assert_api_error("chat.update", {"channel": "#alerts", "ts": posted["ts"], "text": "x"},
                              "channel_not_found")
        self.assert_api_error("chat.update", {"channel": "C0ALERTS", "ts": "1.000000", "text": "x"},
                              "message_not_found")
        self.assert_api_error("chat.update", {"channel": "C0ALERTS", "text": "x"},
                              "message_not_found")
        self.assert_api_error("chat.update", {"channel": "C0OTHER", "ts": posted["ts"], "text": "x"},
                              "message_not_found")
        self.assert_api_error("chat.update", {"channel": "C0ALERTS", "ts": posted["ts"]},
                              "no_text")


class TestValidation(FakeSlackTest):
    CASES = [
        # (name, fields, error, json-pointer expected in the messages)
        ("no text", {}, "no_text", None),
        ("empty text, empty blocks", {"text": "", "blocks": []}, "no_text", None),
        ("text too long", {"text": "x" * 4001}, "msg_too_long", None),
        ("blocks not array", {"blocks": {"type": "divider"}}, "invalid_blocks", "/blocks"),
        ("blocks bad json string", {"blocks": "[{"}, "invalid_blocks", "/blocks"),
        ("51 blocks", {"blocks": [{"type": "divider"}] * 51}, "invalid_blocks", "/blocks"),
        ("unknown type", {"blocks": [{"type": "table"}]}, "invalid_blocks", "/blocks/0/type"),
        ("block not object", {"blocks": ["x"]}, "invalid_blocks", "/blocks/0"),
        ("header too long", {"blocks": [{"type": "header", "text": {
            "type": "plain_text", "text": "h" * 151}}]}, "invalid_blocks", "/blocks/0/text/text"),
        ("header mrkdwn", {"blocks": [{"type": "header", "text": {
            "type": "mrkdwn", "text": "h"}}]}, "invalid_blocks", "/blocks/0/text/type"),
        ("section text too long", {"blocks": [section("s" * 3001)]},
         "invalid_blocks", "/blocks/0/text/text"),
        ("section text empty", {"blocks": [section("")]}, "invalid_blocks", "/blocks/0/text/text"),
        ("section without text or fields", {"blocks": [{"type": "section"}]},
         "invalid_blocks", "/blocks/0"),
        ("11 fields", {"blocks": [{"type": "section", "fields": [
            {"type": "mrkdwn", "text": "f"}] * 11}]}, "invalid_blocks", "/blocks/0/fields"),
        ("field too long", {"blocks": [{"type": "section", "fields": [
            {"type": "mrkdwn", "text": "f" * 2001}]}]}, "invalid_blocks", "/blocks/0/fields/0/text"),
        ("11 context elements", {"blocks": [{"type": "context", "elements": [
            {"type": "mrkdwn", "text": "c"}] * 11}]}, "invalid_blocks", "/blocks/0/elements"),
        ("26 actions", {"blocks": [{"type": "actions", "elements": [
            button(action_id=f"a{i}") for i in range(26)]}]}, "invalid_blocks", "/blocks/0/elements"),
        ("button text too long", {"blocks": [{"type": "actions", "elements": [
            button("b" * 76)]}]}, "invalid_blocks", "/blocks/0/elements/0/text/text"),
        ("action_id too long", {"blocks": [{"type": "actions", "elements": [
            button(action_id="a" * 256)]}]}, "invalid_blocks", "/blocks/0/elements/0/action_id"),
        ("value too long", {"blocks": [{"type": "actions", "elements": [
            button(value="v" * 2001)]}]}, "invalid_blocks", "/blocks/0/elements/0/value"),
        ("url too long", {"blocks": [{"type": "actions", "elements": [
            button(url="http://x/" + "u" * 2992)]}]}, "invalid_blocks", "/blocks/0/elements/0/url"),
        ("duplicate action_id", {"blocks": [{"type": "actions", "elements": [
            button(), button()]}]}, "invalid_blocks", "/blocks/0/elements/1/action_id"),
        ("bad button style", {"blocks": [{"type": "actions", "elements": [
            button(style="green")]}]}, "invalid_blocks", "/blocks/0/elements/0/style"),
        ("option value too long", {"blocks": [{"type": "actions", "elements": [{
            "type": "overflow", "action_id": "o", "options": [
                {"text": {"type": "plain_text", "text": "a"}, "value": "v" * 76},
                {"text": {"type": "plain_text", "text": "b"}, "value": "b"}]}]}]},
         "invalid_blocks", "/blocks/0/elements/0/options/0/value"),
        ("accessory not allowed", {"blocks": [dict(section("s"), accessory={
            "type": "header"})]}, "invalid_blocks", "/blocks/0/accessory/type"),
        ("blocks over 12000 chars", {"blocks": [section("s" * 2900)] * 5},
         "msg_blocks_too_long", "/blocks"),
        ("markdown_text with text", {"markdown_text": "m", "text": "t"},
         "markdown_text_conflict", None),
    ]

    def test_errors(self):
        for name, fields, error, pointer in self.CASES:
            with self.subTest(name):
                data = self.assert_api_error("chat.postMessage",
                                             {"channel": "#alerts", **fields}, error)
                if pointer:
                    lines = data["response_metadata"]["messages"]
                    self.assertTrue(any(f"[json-pointer:{pointer}]" in ln for ln in lines),
                                    lines)
                    self.assertTrue(all(ln.startswith("[ERROR] ") for ln in lines), lines)
        self.assertEqual(self.slack.messages(), [])

    def test_limits_are_inclusive(self):
        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 1000},
             "fields": [{"type": "mrkdwn", "text": "f" * 200}] * 10,
             "accessory": button("b" * 75, action_id="a" * 255, value="v" * 200)},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 9
             + [{"type": "image", "image_url": "http://i/x.png", "alt_text": "i"}]},
            {"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(25)]},
            {"type": "divider", "block_id": "d" * 255},
            {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": []}]},
            {"type": "image", "image_url": "http://i/x.png", "alt_text": "i"},
            {"type": "markdown", "text": "**m**"},
        ] + [{"type": "divider"}] * 42
        self.assertEqual(len(blocks), 50)
        self.post(text="t" * 4000, blocks=blocks)
        self.post(blocks=[section("s" * 3000)])

    def test_validate_message_is_pure(self):
        self.assertEqual(validate_message({"text": "x"})[0], None)
        self.assertEqual(validate_message({"blocks": "[]"})[0], "no_text")


class TestWebhookAndResponseUrl(FakeSlackTest):
    def hook(self, url, body, ctype="application/json"):
        """POST to a webhook / response_url; returns (status, body text)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        status, headers, data = request(self.slack.port, "POST", urlsplit(url).path,
                                        raw, {"Content-Type": ctype})
        return status, headers, data.decode()

    def test_webhook(self):
        url = self.slack.webhook_url("#alerts")
        status, headers, text = self.hook(url, {"text": "hi", "blocks": [section("b")]})
        self.assertEqual((status, text), (200, "ok"))
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        self.assertEqual(self.slack.messages("#alerts")[0]["via"], WEBHOOK)
        self.assertEqual(self.hook(url, b"{not json")[::2], (400, "invalid_payload"))
        self.assertEqual(self.hook(url, {"channel": "#x"})[::2], (400, "no_text"))
        self.assertEqual(self.hook(url, {"blocks": [{"type": "bogus"}]})[::2],
                         (400, "invalid_blocks"))
        other = f"{self.slack.url}/hooks/services/T1/B1/unregistered"
        self.assertEqual(self.hook(other, {"text": "x"})[::2], (200, "ok"))
        self.assertEqual(self.slack.messages("C0WEBHOOK")[0]["text"], "x")
        calls = self.slack.calls(WEBHOOK)
        self.assertEqual([c.status for c in calls], [200, 400, 400, 400, 200])
        self.assertEqual(calls[1].error, "invalid_payload")

    def test_response_url(self):
        posted = self.post(text="root", blocks=[section("firing")])
        url = self.slack.response_url(posted["channel"], posted["ts"])
        status, _, text = self.hook(url, {"response_type": "ephemeral", "text": "closed"})
        self.assertEqual((status, json.loads(text)), (200, {"ok": True}))
        status, _, _ = self.hook(url, {"replace_original": True, "text": "snoozed",
                                       "blocks": [section("snoozed by <@U1>")]})
        self.assertEqual(status, 200)
        msg = self.slack.message("#alerts", posted["ts"])
        self.assertEqual((msg["text"], msg["updates"]), ("snoozed", 1))
        self.assertEqual([c.body.get("response_type") for c in self.slack.calls(RESPONSE_URL)],
                         ["ephemeral", None])
        anywhere = f"{self.slack.url}/actions/T1/2/abc"
        self.assertEqual(self.hook(anywhere, {"text": "x"})[0], 200)
        self.hook(url, {"delete_original": True})
        self.assertEqual(self.slack.messages("#alerts"), [])


class TestFaults(FakeSlackTest):
    def test_ratelimited_then_normal(self):
        self.slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "2"},
                             body={"ok": False, "error": "ratelimited"}, times=2)
        for _ in range(2):
            status, headers, data = request(
                self.slack.port, "POST", "/api/chat.postMessage",
                json.dumps({"channel": "#a", "text": "x"}),
                {"Content-Type": JSON_CT, "Authorization": f"Bearer {TOKEN}"})
            self.assertEqual((status, headers["retry-after"]), (429, "2"))
            self.assertEqual(json.loads(data)["error"], "ratelimited")
        self.post(channel="#a", text="x")
        self.assertEqual([c.fault for c in self.slack.calls()], ["respond", "respond", None])
        self.assertEqual(len(self.slack.messages()), 1)

    def test_http_errors_and_ok_false(self):
        self.slack.fail_next("chat.postMessage", status=503)
        self.slack.fail_next("chat.postMessage", status=500)
        self.slack.error_next("chat.postMessage", "fatal_error")
        self.assertEqual(self.api("chat.postMessage", {"channel": "#a", "text": "x"}),
                         (503, {"ok": False, "error": "service_unavailable"}))
        self.assertEqual(self.api("chat.postMessage", {"channel": "#a", "text": "x"})[0], 500)
        self.assertEqual(self.api("chat.postMessage", {"channel": "#a", "text": "x"}),
                         (200, {"ok": False, "error": "fatal_error"}))
        self.assertEqual(self.slack.messages(), [])
        self.assertEqual(self.slack.calls()[0].error, "service_unavailable")

    def test_faults_are_per_method_and_wildcard(self):
        self.slack.error_next("chat.update", "update_failed")
        self.post(text="unaffected")
        self.slack.error_next("*", "internal_error")
        self.assertEqual(self.api("auth.test")[1]["error"], "internal_error")
        self.assertTrue(self.api("auth.test")[1]["ok"])

    def test_process_then_fail(self):
        self.slack.fail_next("chat.postMessage", status=500, process=True)
        self.assertEqual(self.api("chat.postMessage", {"channel": "#a", "text": "x"})[0], 500)
        self.assertEqual(len(self.slack.messages()), 1)   # posted, answer lost

    def test_garbage_and_empty(self):
        self.slack.garbage_next("chat.postMessage")
        self.slack.empty_next("chat.postMessage", status=200)
        headers = {"Content-Type": JSON_CT, "Authorization": f"Bearer {TOKEN}"}
        body = json.dumps({"channel": "#a", "text": "x"})
        status, hdrs, data = request(self.slack.port, "POST", "/api/chat.postMessage", body, headers)
        self.assertEqual((status, hdrs["content-type"]), (200, "text/html"))
        self.assertRaises(ValueError, json.loads, data)
        status, hdrs, data = request(self.slack.port, "POST", "/api/chat.postMessage", body, headers)
        self.assertEqual((status, data, hdrs["content-length"]), (200, b"", "0"))

    def test_reset_mid_response(self):
        self.slack.reset_next("chat.postMessage")
        self.slack.reset_next("chat.postMessage", partial=False)
        for _ in range(2):
            with self.assertRaises((http.client.HTTPException, OSError)):
                self.api("chat.postMessage", {"channel": "#a", "text": "x"})
        self.post(channel="#a", text="after")
        self.assertEqual([c.fault for c in self.slack.calls()], ["reset", "close", None])
        self.assertEqual([c.status for c in self.slack.calls()], [None, None, 200])

    def test_stall_does_not_block_others(self):
        self.slack.stall_next("chat.postMessage", 1.5)
        result = {}

        def stalled():
            start = time.monotonic()
            result["answer"] = self.api("chat.postMessage", {"channel": "#a", "text": "slow"})
            result["took"] = time.monotonic() - start
        worker = threading.Thread(target=stalled)
        worker.start()
        self.slack.wait_for(lambda: self.slack.calls("chat.postMessage"), what="stalled call")
        start = time.monotonic()
        self.post(channel="#b", text="fast")
        self.assertLess(time.monotonic() - start, 0.5)
        self.assertIsNone(self.slack.calls("chat.postMessage")[0].answered)
        worker.join(5)
        self.assertTrue(result["answer"][1]["ok"])
        self.assertGreaterEqual(result["took"], 1.4)
        self.assertEqual(self.slack.calls("chat.postMessage")[0].fault, "stall")

    def test_rate_limit_mode(self):
        self.slack.rate_limit(2, retry_after=3)
        statuses = [self.api("chat.postMessage", {"channel": "#a", "text": "x"})[0]
                    for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 429])
        self.assertEqual(self.slack.calls()[-1].response_headers["Retry-After"], "3")
        self.post(channel="#b", text="other channel")
        self.assertEqual(self.api("auth.test")[0], 200)      # not a limited method
        time.sleep(1.05)
        self.post(channel="#a", text="later")
        self.slack.rate_limit(None)
        for _ in range(4):
            self.post(channel="#c", text="free")

    def test_webhook_faults(self):
        url = urlsplit(self.slack.webhook_url()).path
        self.slack.fail_next(WEBHOOK, status=410)
        status, _, data = request(self.slack.port, "POST", url, b'{"text":"x"}',
                                  {"Content-Type": "application/json"})
        self.assertEqual((status, data), (410, b"internal_error"))
        self.slack.fail_next(WEBHOOK, status=404, body="channel_not_found")
        status, _, data = request(self.slack.port, "POST", url, b'{"text":"x"}',
                                  {"Content-Type": "application/json"})
        self.assertEqual((status, data), (404, b"channel_not_found"))

    def test_wait_for_times_out(self):
        with self.assertRaises(AssertionError):
            self.slack.wait_for(lambda: False, timeout=0.2, what="nothing")


class TestLifecycle(FakeSlackTest):
    def test_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.slack.port, timeout=5)
        self.addCleanup(conn.close)
        for _ in range(3):
            self.assertTrue(self.api("auth.test", conn=conn)[1]["ok"])

    def test_reset(self):
        first = self.post(text="x")["ts"]
        self.slack.error_next("chat.postMessage", "fatal_error")
        self.slack.rate_limit(1)
        self.slack.reset()
        self.assertEqual((self.slack.calls(), self.slack.messages()), ([], []))
        second = self.post(text="y")["ts"]
        self.post(text="z")
        self.assertGreater(float(second), float(first))

    def test_down_and_up(self):
        port = self.slack.port
        posted = self.post(text="before")
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.addCleanup(idle.close)
        self.api("auth.test", conn=idle)
        self.slack.down()
        self.assertFalse(self.slack.is_up)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.api("auth.test", conn=idle)       # open connections are dropped too
        self.slack.up()
        self.assertEqual(self.slack.port, port)
        self.post(text="after", thread_ts=posted["ts"])
        self.assertEqual(len(self.slack.messages("#alerts")), 2)

    def test_down_interrupts_stall(self):
        self.slack.stall_next("auth.test", 30)
        errors = []

        def stalled():
            try:
                self.api("auth.test")
            except (http.client.HTTPException, OSError) as exc:
                errors.append(exc)
        worker = threading.Thread(target=stalled)
        worker.start()
        self.slack.wait_for(lambda: self.slack.calls("auth.test"))
        start = time.monotonic()
        self.slack.down()
        worker.join(5)
        self.assertLess(time.monotonic() - start, 3)
        self.assertEqual(len(errors), 1)

    def test_context_manager_and_close(self):
        with FakeSlack() as other:
            port = other.port
            self.assertEqual(request(port, "GET", "/api/auth.test?token=xoxb-fake-token")[0], 200)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        other.close()   # idempotent
        self.assertRaises(RuntimeError, other.up)


if __name__ == "__main__":
    unittest.main(verbosity=2)
