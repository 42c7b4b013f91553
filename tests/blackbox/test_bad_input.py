"""Hostile and malformed webhook bodies: each gets its status and a JSON
reason, the daemon keeps serving, and nothing accepted before is lost."""
import json
import socket
import time
import unittest

from harness import RelayTest, main


def alert(**labels):
    labels.setdefault("alertname", "A")
    return {"labels": labels, "startsAt": "2024-01-01T00:00:00Z"}


class TestBadInput(RelayTest):
    relay_config = {"limits": {"max_body": "16MiB", "max_alerts": 10000},
                    "log": {"level": "info"}}

    def setUp(self):
        self.relay = self.start_relay()
        # Something accepted before the abuse starts; it must survive it.
        r = self.relay.post("/webhook/alertmanager", {"alerts": [alert(namespace="keep")]})
        self.assertEqual(r.status, 202)

    def tearDown(self):
        # Still serving, and the first alert is still there.
        self.assertEqual(self.relay.get("/healthz").status, 200)
        got = self.relay.wait_for(lambda: self.relay.alerts(namespace="keep"),
                                  what="kept alert")
        self.assertEqual(len(got), 1)

    def expect(self, status, body, path="/webhook/grafana", headers=None, reason=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        r = self.relay.post(path, body, headers=h)
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.headers.get("Content-Type"), "application/json", r)
        err = r.json().get("error")
        self.assertTrue(err, r)
        if reason:
            self.assertIn(reason, err)
        return err

    def test_invalid_json(self):
        self.expect(400, b"{not json", reason="invalid JSON")
        self.expect(400, b'{"alerts": [}', reason="invalid JSON")

    def test_empty_body(self):
        self.expect(400, b"", reason="empty")

    def test_wrong_top_level(self):
        for b in (b"[]", b'"x"', b"42", b"null"):
            self.expect(400, b)

    def test_alerts_missing_or_not_array(self):
        legacy = {"ruleName": "old", "evalMatches": [], "state": "alerting"}
        err = self.expect(400, json.dumps(legacy))
        self.assertEqual(err, "alerts: missing (legacy Grafana body?)")
        self.expect(400, json.dumps({"alerts": {}}), reason="alerts")
        self.expect(400, json.dumps({"alerts": "x"}), reason="alerts")

    def test_many_alerts_truncated(self):
        body = {"alerts": [alert(namespace="many", i=str(i)) for i in range(12000)]}
        r = self.relay.post("/webhook/alertmanager", body)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["accepted"], 10000)

    def test_huge_label_value(self):
        body = {"alerts": [alert(namespace="x", big="v" * (10 * 1024 * 1024))]}
        self.expect(400, json.dumps(body), reason="longer than")

    def test_deep_nesting(self):
        deep = "[" * 10000 + "]" * 10000
        self.expect(400, '{"alerts": [], "x": ' + deep + "}")

    def test_invalid_utf8(self):
        self.expect(400, b'{"alerts": [{"labels": {"alertname": "\xff\xfe"}}]}')

    def test_nul_in_string(self):
        self.expect(400, b'{"alerts": [{"labels": {"alertname": "a\\u0000b"}}]}')

    def test_numbers_as_strings_and_back(self):
        self.expect(400, json.dumps({"orgId": "1", "alerts": [alert()]}), reason="orgId")
        self.expect(400, json.dumps({"alerts": [{"labels": {"alertname": 5}}]}),
                    reason="alertname")
        self.expect(400, json.dumps({"alerts": [dict(alert(), values={"A": "1"})]}),
                    reason="values")
        self.expect(400, json.dumps({"truncatedAlerts": "3", "alerts": [alert()]}),
                    reason="truncatedAlerts")
        self.expect(400, json.dumps({"alerts": [dict(alert(), startsAt=1704067200)]}),
                    reason="startsAt")

    def test_timestamps(self):
        good = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123456789+02:00",
                "2024-01-01t00:00:00z", "0001-01-01T00:00:00Z", "2016-12-31T23:59:60Z"]
        for i, ts in enumerate(good):
            b = {"alerts": [dict(alert(namespace="ts", i=str(i)), startsAt=ts)]}
            r = self.relay.post("/webhook/alertmanager", b)
            self.assertEqual(r.status, 202, (ts, r))
        for ts in ("yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "", "2024-01-01T00:00:00Zx"):
            b = {"alerts": [dict(alert(), startsAt=ts)]}
            self.expect(400, json.dumps(b), reason="startsAt")

    def test_body_over_max_body(self):
        # Refused from Content-Length, before the body is read, as JSON.
        big = b'{"alerts": [], "pad": "' + b"x" * (17 * 1024 * 1024) + b'"}'
        err = self.expect(413, big, reason="limits.max_body")
        self.assertIn(str(len(big)), err)
        # The connection of a refused body is closed; a new one works.
        self.assertEqual(self.relay.get("/healthz").status, 200)

    def test_keep_alive_connection(self):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.relay.port, timeout=5)
        for i in range(5):
            body = json.dumps({"alerts": [alert(namespace="ka", i=str(i))]})
            c.request("POST", "/webhook/alertmanager", body=body,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            self.assertEqual(r.status, 202)
            r.read()
        c.request("GET", "/healthz")
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def test_content_type(self):
        self.expect(415, json.dumps({"alerts": [alert()]}),
                    headers={"Content-Type": "text/plain"})
        r = self.relay.post("/webhook/grafana", json.dumps({"alerts": [alert(namespace="ct")]}),
                            headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 202, r)

    def test_wrong_method_and_path(self):
        r = self.relay.request("GET", "/webhook/grafana")
        self.assertEqual(r.status, 405, r)
        self.assertIn("error", r.json())
        r = self.relay.request("PUT", "/webhook/alertmanager", body=b"{}")
        self.assertEqual(r.status, 405, r)
        r = self.relay.request("FOO", "/webhook/grafana")
        self.assertIn(r.status, (405, 501), r)
        r = self.relay.get("/nope")
        self.assertEqual(r.status, 404, r)
        self.assertIn("error", r.json())

    def test_garbage_on_the_socket(self):
        with socket.create_connection(("127.0.0.1", self.relay.port), timeout=5) as s:
            s.sendall(b"\x00\xff GARBAGE \r\n\r\n")
            try:
                s.recv(1024)
            except OSError:
                pass


    def raw(self, data, timeout=5):
        """Sends data on a fresh connection; returns all it gets back."""
        with socket.create_connection(("127.0.0.1", self.relay.port), timeout=timeout) as s:
            s.sendall(data)
            got = b""
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    got += b
            except socket.timeout:
                pass
            return got

    def test_headers_split_across_segments(self):
        # A client stops in the middle of a header line: the relay keeps
        # serving everyone else, then finishes that request.
        host = f"127.0.0.1:{self.relay.port}".encode()
        with socket.create_connection(("127.0.0.1", self.relay.port), timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\nUser-Ag")
            time.sleep(0.3)
            t0 = time.time()
            self.assertEqual(self.relay.get("/healthz", timeout=3).status, 200)
            self.assertLess(time.time() - t0, 2)
            s.sendall(b"ent: x\r\nConnection: close\r\n\r\n")
            got = s.recv(4096)
            self.assertTrue(got.startswith(b"HTTP/1.1 200"), got)

    def test_odd_content_length_is_answered(self):
        # Framing the filter cannot read strictly is left to libevent: an
        # answer comes back (never a hang until the timeout).
        host = f"127.0.0.1:{self.relay.port}".encode()
        for cl in (b"+2", b"2, 2", b"2\r\nContent-Length: 3"):
            t0 = time.time()
            got = self.raw(b"POST /webhook/grafana HTTP/1.1\r\nHost: " + host +
                           b"\r\nContent-Type: application/json\r\nConnection: close"
                           b"\r\nContent-Length: " + cl + b"\r\n\r\n{}", timeout=4)
            self.assertTrue(got.startswith(b"HTTP/1.1 "), (cl, got))
            self.assertLess(time.time() - t0, 3, cl)

    def test_413_keeps_pipelined_order(self):
        # An earlier answer on the same connection goes out first.
        host = f"127.0.0.1:{self.relay.port}".encode()
        got = self.raw(b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"
                       b"POST /webhook/grafana HTTP/1.1\r\nHost: " + host +
                       b"\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 99999999999\r\n\r\n", timeout=4)
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got)
        self.assertIn(b"HTTP/1.1 413", got)


if __name__ == "__main__":
    main()
