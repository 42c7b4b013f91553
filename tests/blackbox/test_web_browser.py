"""The web page in a real browser (Debian's headless Chromium through
chromedriver): the overview's rows and chart, a snooze made through the
namespace page's form, and script in labels that never runs. Skipped when
chromium or chromedriver is not installed (./quickstart test installs them).
Screenshots go to the build folder (web-*.png)."""
import os
import time
import unittest

import webdriver
from harness import RelayTest, main

PWNED = "document.title='pwned';document.body.setAttribute('data-pwned','1')"


def hostile_body():
    return {"groupKey": "g", "alerts": [
        {"labels": {"alertname": "Ingress5xx", "namespace": "chat",
                    "pod": f"<script>{PWNED}</script>"},
         "annotations": {"summary": f'"><img src=x onerror="{PWNED}">'},
         "fingerprint": "00000000000000a1"},
        {"labels": {"alertname": "Latency", "namespace": "chat"},
         "fingerprint": "00000000000000a2"},
        {"labels": {"alertname": "DiskFull", "namespace": "billing",
                    "device": f"<svg onload=\"{PWNED}\">"},
         "fingerprint": "00000000000000b1"}]}


@unittest.skipUnless(webdriver.available(), "chromium and chromedriver are not installed")
class TestBrowser(RelayTest):
    def setUp(self):
        self.relay = self.start_relay({"slack": {"update_debounce": "0"}})
        self.assertEqual(self.relay.post("/webhook/grafana", hostile_body()).status, 202)
        self.relay.wait_for(lambda: len(self.relay.get("/api/v1/messages").json()["messages"]) >= 2,
                            what="messages")
        self.browser = webdriver.Browser()
        self.addCleanup(self.browser.close)
        self.base = f"http://127.0.0.1:{self.relay.port}"

    def shot(self, name):
        self.browser.screenshot(os.path.join(os.getcwd(), f"web-{name}.png"))

    def assert_not_pwned(self):
        b = self.browser
        self.assertNotEqual(b.title(), "pwned")
        self.assertIsNone(b.execute("return document.body.getAttribute('data-pwned')"))
        self.assertEqual(b.find_all("main img"), [])

    def test_overview_rows_and_chart(self):
        b = self.browser
        b.get(self.base + "/")
        names = [b.text(el) for el in b.find_all("table.namespaces tbody tr td:first-child a")]
        self.assertEqual(names, ["chat", "billing"])  # worst first: 2 firing, then 1
        first = b.find_all("table.namespaces tbody tr")[0]
        cells = b.execute("return Array.from(arguments[0].cells).map(c => c.textContent)", first)
        self.assertEqual(cells[1:3], ["2", "0"])
        self.assertEqual(len(b.find_all("figure.chart svg rect.bar")), 24)
        height = b.execute("return document.querySelector('figure.chart svg')"
                           ".getBoundingClientRect().height")
        self.assertGreater(height, 50)  # drawn, not collapsed
        self.assert_not_pwned()
        self.shot("overview")

    def test_script_in_labels_never_runs(self):
        b = self.browser
        for path in ("/", "/namespaces/chat", "/namespaces/billing", "/messages"):
            b.get(self.base + path)
            time.sleep(0.2)
            self.assert_not_pwned()
        b.get(self.base + "/namespaces/chat")
        # The hostile text is there, as text.
        self.assertIn("<script>", b.execute("return document.querySelector('main').textContent"))
        self.shot("namespace")
        b.get(self.base + "/messages")
        self.shot("messages")

    def test_snooze_through_the_form(self):
        b = self.browser
        b.get(self.base + "/namespaces/chat")
        b.type(b.find("input[name=reason]"), "deploying the fix")
        b.execute("arguments[0].value = '1h'", b.find("select[name=duration]"))
        b.click(b.find("form[action$='/snooze'] button"))
        b.wait_for(lambda: "deploying the fix" in b.execute(
            "return document.querySelector('ul.snoozes').textContent"), timeout=10)
        snoozes = self.relay.get("/api/v1/snoozes").json()["snoozes"]
        self.assertEqual(len(snoozes), 1)
        self.assertEqual(snoozes[0]["author"], "web")
        self.assertEqual(snoozes[0]["matchers"], ['namespace="chat"'])
        # The snoozes page lists it; its End button ends it.
        b.get(self.base + "/snoozes")
        self.assertIn("deploying the fix", b.text(b.find("table.snoozes")))
        b.click(b.find("table.snoozes form button"))
        b.wait_for(lambda: b.find_all("table.snoozes tbody tr") == [], timeout=10)
        self.assertEqual(self.relay.get("/api/v1/snoozes").json()["snoozes"], [])
        self.assertEqual([e for e in b.logs() if "Content Security Policy" in e.get("message", "")], [])


if __name__ == "__main__":
    main()
