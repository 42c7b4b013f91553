"""Owners and links from the catalog (SPEC section 6): API on loopback,
cache, file fallback, unknown namespaces, one request per ttl."""
import json
import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import SRCDIR, RelayTest, main

ENTRIES = {
    "chat": {"namespace": "chat", "project": "chat-api", "tier": "1",
             "team": {"code": "T0012", "name": "Chat", "slack_usergroup": "S0CHAT",
                      "slack_channel": "#chat-alerts"},
             "owners": [{"name": "Kim", "slack_user": "U0KIM"},
                        {"name": "Evil", "slack_user": "U0 <!channel>"}]},
    "billing": {"namespace": "billing", "project": "billing",
                "team": {"code": "T0099", "name": "Money", "slack_usergroup": "S0MONEY"},
                "owners": [{"name": "Lee", "slack_user": "U0LEE"}],
                "links": {"dashboard": "https://grafana.example/d/billing"}},
}


class FakeCatalog:
    def __init__(self):
        self.requests = []
        self.fail = False
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                ns = self.path.rsplit("/", 1)[-1]
                if outer.fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                if ns in ENTRIES:
                    body = json.dumps(ENTRIES[ns]).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def alert(fp, ns, **extra):
    a = {"status": "firing", "labels": {"alertname": "Ingress5xx", "namespace": ns, "code": "503"},
         "annotations": {"summary": f"{ns} 5xx"}, "fingerprint": fp,
         "startsAt": "2024-01-01T00:00:00Z", "values": {"B": 1500}}
    a.update(extra)
    return a


class CatalogTest(RelayTest):
    def setUp(self):
        self.cat = FakeCatalog()
        self.addCleanup(self.cat.close)

    def relay(self, **catalog):
        cfg = {"catalog": {"url": f"http://127.0.0.1:{self.cat.port}/api/v1/namespaces/{{namespace}}",
                           "timeout": "1s"},
               "links": {"project": "https://kontrol.example/projects/{{project}}",
                         "logs": "https://logs.example/?ns={{namespace}}&from={{startsAt}}"},
               "rules": os.path.join(SRCDIR, "rules"),
               "slack": {"update_debounce": "0"}}
        cfg["catalog"].update(catalog)
        return self.start_relay(cfg)

    def roots(self, relay, n):
        def got():
            ms = [m for m in relay.get("/api/v1/messages?limit=1000").json()["messages"]
                  if m["kind"] == "root" and m["state"] == "preview"]
            return ms if len(ms) >= n else None
        return {m["blocks"][0]["text"]["text"].split(" · ")[1]: m
                for m in relay.wait_for(got, what=f"{n} roots")}


class TestOwners(CatalogTest):
    def test_owners_links_channel_mentions(self):
        relay = self.relay()
        panel = "https://grafana.example/d/x?viewPanel=2"
        relay.post("/webhook/grafana", {"groupKey": "a", "alerts": [
            alert("00000000000000a1", "chat", panelURL=panel),
            alert("00000000000000a2", "billing"),
            alert("00000000000000a3", "nobody")]})
        roots = self.roots(relay, 3)
        chat = json.dumps(roots["chat"]["blocks"])
        self.assertIn("Chat", chat)
        self.assertIn("Kim", chat)
        self.assertNotIn("<!channel>", chat)
        self.assertIn("https://kontrol.example/projects/chat-api", chat)
        self.assertIn("https://logs.example/?ns=chat&from=1704067200000", chat)
        self.assertIn(panel, chat)
        # The team's channel is pinned; the team's group is mentioned
        # (value 1500 on a 503: the SPEC's rules mention the team and SRE).
        self.assertEqual(roots["chat"]["channel"], "#chat-alerts")
        self.assertIn("<!subteam^S0CHAT>", roots["chat"]["mentions"])
        billing = json.dumps(roots["billing"]["blocks"])
        self.assertIn("https://grafana.example/d/billing", billing)  # the entry's link wins
        self.assertEqual(roots["billing"]["channel"], "#alerts")   # no team channel
        self.assertIn("<!subteam^S0MONEY>", roots["billing"]["mentions"])
        nobody = json.dumps(roots["nobody"]["blocks"])
        self.assertIn("owner unknown", nobody)
        self.assertEqual(roots["nobody"]["channel"], "#alerts")

    def test_one_request_per_ttl(self):
        relay = self.relay(ttl="10m")
        relay.post("/webhook/grafana", {"groupKey": "many", "alerts": [
            alert(f"{i:016x}", "chat", labels={"alertname": "Ingress5xx", "namespace": "chat",
                                               "code": "503", "pod": f"p{i}"})
            for i in range(500)]})
        self.roots(relay, 1)
        relay.post("/webhook/grafana", {"groupKey": "more", "alerts": [
            alert("00000000000009a1", "chat", labels={"alertname": "Other", "namespace": "chat"})]})
        self.roots(relay, 2)
        chat_requests = [p for p in self.cat.requests if p.endswith("/chat")]
        self.assertEqual(len(chat_requests), 1, self.cat.requests)


class TestFallbacks(CatalogTest):
    def test_api_down_uses_cache_then_file(self):
        relay = self.relay(ttl="10s")
        relay.post("/webhook/grafana", {"groupKey": "a", "alerts": [alert("00000000000000b1", "chat")]})
        self.roots(relay, 1)
        # The catalog fails; the cache is past its ttl after a restart with
        # the clock moved: the stale entry is used and said so.
        self.cat.fail = True
        relay.stop()
        relay.env["ALERT_DELIVERY_CLOCK_OFFSET"] = "1m"
        relay.start()
        t0 = time.time()
        relay.post("/webhook/grafana", {"groupKey": "b", "alerts": [
            alert("00000000000000b2", "chat", labels={"alertname": "Other", "namespace": "chat"})]})
        def other_root():
            return [m for m in relay.get("/api/v1/messages?limit=1000").json()["messages"]
                    if m["kind"] == "root" and m["state"] == "preview"
                    and "Other" in m["blocks"][0]["text"]["text"]]
        other = relay.wait_for(other_root, what="root of the second incident")[0]
        self.assertLess(time.time() - t0, 1 + 1 + 1.5)  # timeout + 1 s (+ slack)
        text = json.dumps(other["blocks"])
        self.assertIn("Kim", text)
        self.assertIn("cached", text)


if __name__ == "__main__":
    main()
