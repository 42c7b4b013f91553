"""The web page over HTTP: every page and form, escaping of hostile labels,
CSRF, login and logout, the Host check. (test_web_browser.py drives a real
browser.)"""
import html
import http.client
import json
import re
import time
import urllib.parse

from harness import RelayTest, main

XSS_LABEL = "<script>alert(1)</script>"
XSS_ANNOTATION = '"><img src=x onerror=alert(2)>'
ADMIN = "s3cret-admin-token"


class Browser:
    """Cookies and CSRF tokens the way a browser carries them."""

    def __init__(self, relay):
        self.relay = relay
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.relay.port, timeout=10)
        h = {"Host": f"127.0.0.1:{self.relay.port}"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
            for c in cookies:
                name, _, rest = c.partition("=")
                value = rest.split(";")[0]
                if "Max-Age=0" in c:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return r.status, dict(r.getheaders()), data, cookies
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def csrf(self, path="/snoozes"):
        status, _, page, _ = self.get(path)
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
        assert m, (status, page[:500])
        return m.group(1)

    def post(self, path, form, csrf=True):
        form = dict(form)
        if csrf is True:
            form["csrf"] = self.csrf()
        elif csrf:
            form["csrf"] = csrf
        return self.request("POST", path, form=form)


def hostile_body():
    return {"groupKey": "g", "alerts": [
        {"labels": {"alertname": "Ingress5xx", "namespace": "chat", "pod": XSS_LABEL},
         "annotations": {"summary": XSS_ANNOTATION}, "fingerprint": "00000000000000a1",
         "generatorURL": "javascript:alert(3)"},
        {"labels": {"alertname": "Latency", "namespace": "chat", "pod": "ok"},
         "fingerprint": "00000000000000a2"},
        {"labels": {"alertname": "Odd", "namespace": "a/../b"}, "fingerprint": "00000000000000a3"}]}


class TestPages(RelayTest):
    def setUp(self):
        self.relay = self.start_relay({"slack": {"update_debounce": "0"}})
        self.assertEqual(self.relay.post("/webhook/grafana", hostile_body()).status, 202)
        def rendered():
            msgs = self.relay.get("/api/v1/messages").json()["messages"]
            return len(msgs) >= 3 and all(m["text"] for m in msgs)
        self.relay.wait_for(rendered, what="messages rendered")
        self.b = Browser(self.relay)

    def assert_safe(self, page):
        """Hostile values appear, escaped, and never as markup."""
        self.assertNotIn("<script>alert", page)
        self.assertNotIn("<img src=x", page)
        self.assertNotIn("javascript:", page)

    def test_pages_escape_and_send_csp(self):
        for path in ("/", "/namespaces/chat", "/snoozes", "/rules", "/messages"):
            status, headers, page, _ = self.b.get(path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), path)
            csp = headers["Content-Security-Policy"]
            self.assertIn("script-src 'self'", csp)
            self.assertNotIn("unsafe-inline", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assert_safe(page)
        _, _, ns, _ = self.b.get("/namespaces/chat")
        self.assertIn(html.escape(XSS_LABEL), ns)
        _, _, msgs, _ = self.b.get("/messages")
        self.assertIn("&quot;&gt;&lt;img src=x", msgs)  # the summary, shown as text
        self.assertIn('class="bk-header"', msgs)
        self.assertIn("preview", msgs)

    def test_overview_counts_and_chart(self):
        _, _, page, _ = self.b.get("/")
        rows = re.findall(r'<tr class="(\w+)"><td><a href="([^"]+)">([^<]+)</a></td>'
                          r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', page)
        got = {html.unescape(name): (href, int(f), int(s)) for _, href, name, f, s in rows}
        self.assertEqual(got["chat"], ("/namespaces/chat", 2, 0))
        self.assertEqual(got["a/../b"], ("/namespaces/a%2F..%2Fb", 1, 0))
        self.assertIn("<svg", page)
        self.assertEqual(len(re.findall(r'<rect class="bar"', page)), 24)
        self.assertIn("3 in all", page)

    def test_namespace_with_slashes(self):
        status, _, page, _ = self.b.get("/namespaces/a%2F..%2Fb")
        self.assertEqual(status, 200)
        self.assertIn("<h1>a/../b</h1>", page)
        self.assertIn("Odd", page)
        status, _, page, _ = self.b.get("/namespaces/nobody")
        self.assertEqual(status, 200)
        self.assertIn("None.", page)

    def test_snooze_form_suppresses_the_next_post(self):
        csrf = self.b.csrf("/namespaces/chat")
        status, headers, _, _ = self.b.post("/namespaces/chat/snooze",
                                            {"duration": "1h", "alertname": "",
                                             "reason": "deploying <b>fix</b>"}, csrf=csrf)
        self.assertEqual(status, 303)
        self.assertEqual(headers["Location"], "/namespaces/chat")
        snoozes = self.relay.get("/api/v1/snoozes").json()["snoozes"]
        self.assertEqual(len(snoozes), 1)
        self.assertEqual(snoozes[0]["author"], "web")
        self.assertEqual(snoozes[0]["matchers"], ['namespace="chat"'])
        self.assertEqual(snoozes[0]["reason"], "deploying <b>fix</b>")
        _, _, page, _ = self.b.get("/namespaces/chat")
        self.assertIn("deploying &lt;b&gt;fix&lt;/b&gt;", page)
        # A new alert in the namespace: recorded, not posted.
        self.relay.wait_for(lambda: all(a["snoozed_by"] for a in
                                        self.relay.get("/api/v1/alerts?namespace=chat&state=firing")
                                        .json()["alerts"]), what="snoozed")
        before = len(self.relay.get("/api/v1/messages?namespace=chat&limit=1000").json()["messages"])
        body = hostile_body()
        body["alerts"].append({"labels": {"alertname": "NewOne", "namespace": "chat"},
                               "fingerprint": "00000000000000a4"})
        self.relay.post("/webhook/grafana", body)
        self.relay.wait_for(lambda: any(a["alertname"] == "NewOne" for a in
                                        self.relay.get("/api/v1/alerts?namespace=chat").json()["alerts"]),
                            what="alert stored")
        time.sleep(0.5)
        msgs = self.relay.get("/api/v1/messages?namespace=chat&limit=1000").json()["messages"]
        self.assertEqual(len(msgs), before, [m["text"] for m in msgs[:3]])
        # One alert name only, from the select.
        status, _, _, _ = self.b.post("/namespaces/a%2F..%2Fb/snooze",
                                      {"duration": "4h", "alertname": "Odd", "reason": "x"})
        self.assertEqual(status, 303)
        ms = [z["matchers"] for z in self.relay.get("/api/v1/snoozes").json()["snoozes"]]
        self.assertIn(['namespace="a/../b"', 'alertname="Odd"'], ms)

    def test_bad_snooze_forms(self):
        for form, want in (({"duration": "1h"}, "reason"),
                           ({"duration": "1h", "reason": "x" * 100 * 1024}, "reason"),
                           ({"duration": "soon", "reason": "x"}, "duration")):
            status, _, page, _ = self.b.post("/namespaces/chat/snooze", form)
            self.assertEqual(status, 400, form.keys())
            self.assertIn(want, page)
        status, _, page, _ = self.b.post("/snoozes", {"matchers": 'namespace=~"(', "duration": "1h",
                                                      "reason": "x"})
        self.assertEqual(status, 400)
        self.assertIn('class="error"', page)
        self.assertEqual(self.relay.get("/api/v1/snoozes").json()["snoozes"], [])

    def test_csrf_refused(self):
        form = {"duration": "1h", "reason": "x"}
        self.assertEqual(self.b.post("/namespaces/chat/snooze", form, csrf=False)[0], 403)
        self.assertEqual(self.b.post("/namespaces/chat/snooze", form, csrf="0" * 64)[0], 403)
        # A token of another browser (another cookie) does not fit this one.
        other = Browser(self.relay)
        token = other.csrf()
        self.b.get("/snoozes")
        self.assertEqual(self.b.post("/namespaces/chat/snooze", form, csrf=token)[0], 403)
        # Without any cookie: refused too.
        fresh = Browser(self.relay)
        self.assertEqual(fresh.post("/namespaces/chat/snooze", form, csrf=token)[0], 403)
        self.assertEqual(self.relay.get("/api/v1/snoozes").json()["snoozes"], [])

    def test_snoozes_page_create_and_end(self):
        status, _, _, _ = self.b.post("/snoozes", {"matchers": 'alertname="Latency"\r\n\r\nnamespace="chat"',
                                                   "duration": "2h", "reason": "noisy"})
        self.assertEqual(status, 303)
        z = self.relay.get("/api/v1/snoozes").json()["snoozes"]
        self.assertEqual(z[0]["matchers"], ['alertname="Latency"', 'namespace="chat"'])
        _, _, page, _ = self.b.get("/snoozes")
        self.assertIn("noisy", page)
        status, headers, _, _ = self.b.post(f"/snoozes/{z[0]['id']}/end", {})
        self.assertEqual(status, 303)
        self.assertEqual(self.relay.get("/api/v1/snoozes").json()["snoozes"], [])
        self.assertEqual(self.b.post(f"/snoozes/{z[0]['id']}/end", {})[0], 404)
        self.assertEqual(self.b.post("/snoozes/x/end", {})[0], 404)

    def test_rules_page_tests_a_payload(self):
        payload = json.dumps(hostile_body())
        status, _, page, _ = self.b.post("/rules", {"payload": payload})
        self.assertEqual(status, 200)
        self.assertIn('class="explain"', page)
        self.assertIn("grafana/00000000000000a1", page)
        # The payload is echoed back into its box, as text only.
        self.assertNotIn("<script>alert", page)
        self.assertNotIn("<img src=x", page)
        status, _, page, _ = self.b.post("/rules", {"payload": "{not json"})
        self.assertEqual(status, 400)
        self.assertIn('class="error"', page)

    def test_foreign_host_refused(self):
        for path in ("/", "/snoozes", "/login"):
            status, _, _, _ = self.b.request("GET", path, headers={"Host": "evil.example:80"})
            self.assertEqual(status, 403, path)

    def test_timeline_pages_back(self):
        many = {"groupKey": "many", "alerts": [
            {"labels": {"alertname": "Many", "namespace": "busy", "pod": f"p{i}"},
             "fingerprint": f"{0xb000 + i:016x}"} for i in range(120)]}
        self.assertEqual(self.relay.post("/webhook/grafana", many).status, 202)
        self.relay.wait_for(lambda: len(self.relay.get(
            "/api/v1/namespaces/busy/history?limit=1000").json()["events"]) >= 120, what="events")
        self.relay.wait_rendered()  # its messages add events too
        total = len(self.relay.get("/api/v1/namespaces/busy/history?limit=1000").json()["events"])
        _, _, page, _ = self.b.get("/namespaces/busy")
        first = page.count('<span class="when">')
        self.assertEqual(first, 100)
        m = re.search(r'href="(/namespaces/busy\?before=\d+)">Older events', page)
        self.assertIsNotNone(m)
        _, _, older, _ = self.b.get(html.unescape(m.group(1)))
        self.assertEqual(first + older.count('<span class="when">'), total)
        self.assertNotIn("Older events", older)

    def test_static_assets(self):
        status, headers, css, _ = self.b.get("/static/app.css")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/css"))
        status, headers, js, _ = self.b.get("/static/app.js")
        self.assertEqual(status, 200)
        self.assertIn("javascript", headers["Content-Type"])
        self.assertEqual(self.b.get("/static/nothing.js")[0], 404)
        self.assertEqual(self.b.get("/static/../relay.db")[0], 404)


class TestLogin(RelayTest):
    def setUp(self):
        self.relay = self.start_relay({"auth": {"admin_token": ADMIN}})
        self.b = Browser(self.relay)

    def test_login_logout_and_writes(self):
        status, _, page, _ = self.b.get("/")
        self.assertEqual(status, 401)
        self.assertIn('name="token"', page)
        # Writes without a session are refused before anything happens.
        self.assertEqual(self.b.request("POST", "/snoozes", form={"matchers": 'a="b"'})[0], 401)
        self.assertEqual(self.relay.get("/api/v1/snoozes",
                                        headers={"Authorization": f"Bearer {ADMIN}"}).json()["snoozes"], [])
        # A wrong token.
        csrf = self.b.csrf("/login")
        status, _, page, _ = self.b.post("/login", {"token": "wrong"}, csrf=csrf)
        self.assertEqual(status, 401)
        # The right one, with the form's CSRF token.
        status, headers, _, cookies = self.b.post("/login", {"token": ADMIN}, csrf=self.b.csrf("/login"))
        self.assertEqual(status, 303)
        session = [c for c in cookies if c.startswith("ad_session=")][0]
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, session)
        status, _, page, _ = self.b.get("/")
        self.assertEqual(status, 200)
        self.assertIn("Log out", page)
        status, _, _, _ = self.b.post("/snoozes", {"matchers": 'namespace="x"', "duration": "1h",
                                                   "reason": "logged in"}, csrf=self.b.csrf("/snoozes"))
        self.assertEqual(status, 303)
        # A cookie the relay never issued (or that expired) is no session.
        stolen = dict(self.b.cookies)
        forged = Browser(self.relay)
        forged.cookies = {"ad_session": "f" * 64}
        self.assertEqual(forged.get("/")[0], 401)
        # Logout ends the session, also for a copy of the cookie.
        status, _, _, _ = self.b.post("/logout", {}, csrf=self.b.csrf("/"))
        self.assertEqual(status, 303)
        self.assertNotIn("ad_session", self.b.cookies)
        copy = Browser(self.relay)
        copy.cookies = stolen
        self.assertEqual(copy.get("/")[0], 401)

    def test_rotated_token_ends_sessions(self):
        status, _, _, _ = self.b.post("/login", {"token": ADMIN}, csrf=self.b.csrf("/login"))
        self.assertEqual(status, 303)
        self.assertEqual(self.b.get("/")[0], 200)
        self.relay.config["auth"]["admin_token"] = "a-new-token"
        self.relay.write_config()
        r = self.relay.post("/-/reload", headers={"Authorization": f"Bearer {ADMIN}"})
        self.assertEqual(r.status, 200, r)
        # The session of the old token is no session any more.
        self.assertEqual(self.b.get("/")[0], 401)

    def test_login_guessing_is_slowed(self):
        # The brake counts per wall-clock minute: start well inside one.
        if time.time() % 60 > 50:
            time.sleep(61 - time.time() % 60)
        statuses = [self.b.post("/login", {"token": f"guess-{i}"},
                                csrf=self.b.csrf("/login"))[0] for i in range(12)]
        self.assertEqual(statuses[:10], [401] * 10)
        self.assertEqual(statuses[10:], [429, 429])
        # Even the right token waits for the next minute.
        self.assertEqual(self.b.post("/login", {"token": ADMIN},
                                     csrf=self.b.csrf("/login"))[0], 429)

    def test_bearer_works_for_pages(self):
        status, _, _, _ = self.b.request("GET", "/", headers={"Authorization": f"Bearer {ADMIN}"})
        self.assertEqual(status, 200)


if __name__ == "__main__":
    main()
