"""A small W3C WebDriver client for black-box tests of the web page.

Python 3 standard library only. It drives Debian's headless Chromium
(package `chromium`) through Debian's chromedriver (package
`chromium-driver`):

    import webdriver

    @unittest.skipUnless(webdriver.available(), "chromium/chromedriver not installed")
    class PageTest(unittest.TestCase):
        def test_title(self):
            with webdriver.Browser() as b:
                b.get(f"http://127.0.0.1:{port}/")
                self.assertEqual(b.title(), "alert-delivery")
                b.click(b.find("button#send"))
                b.wait_for(lambda: "sent" in b.text(b.find("#status")))

Every Browser runs in its own temporary directory (Chromium profile, HOME,
chromedriver log) and its own process group; close() - called by the
`with` block also when a test fails - ends all of them. A small guardian
process (this file run with --guard) ends them too if the test process
dies without closing, e.g. killed by the harness' alarm.

Run this file to self-test it:  python3 tests/blackbox/webdriver.py
"""
import base64
import html
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# The key under which WebDriver wraps an element reference in JSON.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"

_THIS_FILE = os.path.abspath(__file__)


def available():
    """True when chromedriver and chromium are installed (else tests skip)."""
    def installed(path):
        found = shutil.which(path)
        return found is not None and os.access(found, os.X_OK)
    return installed(CHROMEDRIVER) and installed(CHROMIUM)


class WebDriverError(Exception):
    """An error answered by chromedriver: .error is the W3C error code
    (e.g. "no such element", "javascript error"), .message its text."""

    def __init__(self, error, message, status=None):
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.status = status


class ElementId(str):
    """An element id as returned by find(); a plain string, except that
    execute() passes it to the script as the element itself."""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _live_processes(pgid=None, mentioning=None):
    """Pids of live (non-zombie) processes in process group `pgid`, or whose
    command line contains the string `mentioning`. Reads /proc."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            # "pid (comm) state ppid pgrp ..."; comm may hold spaces and ')'.
            state, _ppid, pgrp = stat[stat.rindex(b")") + 2:].split()[:3]
            if state == b"Z":
                continue
            if pgid is not None and int(pgrp) == pgid:
                found.append(int(name))
            elif mentioning is not None:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if mentioning.encode() in f.read():
                        found.append(int(name))
        except (OSError, ValueError):
            pass  # the process went away while we looked
    return found


def _end_processes(pgid, tempdir, spare=(), grace=5.0):
    """End process group `pgid` (chromedriver and the Chromium it started)
    and any process mentioning `tempdir` (Chromium's crashpad handlers
    start their own sessions), but not the pids in `spare` (the guardian):
    SIGTERM, then SIGKILL after `grace` s."""
    def remaining():
        pids = set(_live_processes(pgid=pgid)) | set(_live_processes(mentioning=tempdir))
        return pids - set(spare) - {os.getpid()}

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        pids = remaining()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while remaining() and time.monotonic() < deadline:
            time.sleep(0.05)


class Browser:
    """A headless Chromium session. Use as a context manager:

        with Browser() as b:
            b.get(url)

    start_timeout bounds the wait for chromedriver and the browser;
    .startup_seconds tells how long start-up took.
    """

    ARGS = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ]

    def __init__(self, start_timeout=20.0, request_timeout=60.0):
        self._request_timeout = request_timeout
        self._driver = None
        self._guard = None
        self._session = None
        self._log = None
        self.tempdir = tempfile.mkdtemp(prefix="webdriver-")
        started = time.monotonic()
        try:
            self._start_driver(start_timeout)
            self._start_session(start_timeout)
        except BaseException:
            self.close()
            raise
        self.startup_seconds = time.monotonic() - started

    # -- start and stop ---------------------------------------------------

    def _start_driver(self, timeout):
        deadline = time.monotonic() + timeout
        # Chromium writes to $HOME (crash reports, caches): keep it in tempdir.
        home = os.path.join(self.tempdir, "home")
        os.mkdir(home)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"))
        self._log = open(os.path.join(self.tempdir, "chromedriver.log"), "wb")
        for _attempt in range(3):  # another program may take the free port first
            self.port = _free_port()
            self._driver = subprocess.Popen(
                [CHROMEDRIVER, f"--port={self.port}"],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                env=env, start_new_session=True)
            self._start_guard()
            while time.monotonic() < deadline and self._driver.poll() is None:
                try:
                    if self._call("GET", "/status", timeout=2).get("ready"):
                        return
                except (OSError, WebDriverError, ValueError):
                    pass
                time.sleep(0.05)
            if self._driver.poll() is None:
                break  # running but not ready in time
            self._stop_driver()
        raise RuntimeError(f"chromedriver did not get ready in {timeout} s:\n"
                           + self._log_tail())

    def _start_guard(self):
        """Start the guardian: it waits for EOF on its stdin, which comes when
        we close it or when this process dies, then ends chromedriver's
        process group. Its own session keeps it out of Ctrl-C's way."""
        self._guard = subprocess.Popen(
            [sys.executable, _THIS_FILE, "--guard", str(self._driver.pid), self.tempdir],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def _start_session(self, timeout):
        options = {
            "binary": CHROMIUM,
            "args": self.ARGS + [f"--user-data-dir={os.path.join(self.tempdir, 'profile')}"],
        }
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"pageLoad": 30000, "script": 30000, "implicit": 0},
        }
        value = self._call("POST", "/session",
                           {"capabilities": {"alwaysMatch": capabilities}},
                           timeout=max(timeout, 5))
        self._session = value["sessionId"]
        self.capabilities = value["capabilities"]

    def _stop_driver(self):
        if self._driver is not None:
            _end_processes(self._driver.pid, self.tempdir,
                           spare=[self._guard.pid] if self._guard else [])
            self._driver.wait()  # reap it; _end_processes made sure it ended
            self._driver = None
        if self._guard is not None:
            self._guard.stdin.close()
            try:
                self._guard.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._guard.kill()
                self._guard.wait()
            self._guard = None

    def close(self):
        """End the session, chromedriver and Chromium; remove the temp dir.
        Safe to call more than once."""
        if self._session is not None:
            try:
                self._call("DELETE", f"/session/{self._session}", timeout=10)
            except (OSError, WebDriverError, ValueError):
                pass  # the processes are ended below anyway
            self._session = None
        self._stop_driver()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.tempdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _log_tail(self, size=2000):
        try:
            with open(os.path.join(self.tempdir, "chromedriver.log"), "rb") as f:
                return f.read()[-size:].decode(errors="replace")
        except OSError:
            return ""

    # -- protocol ------------------------------------------------------------

    def _call(self, method, path, body=None, timeout=None):
        """One WebDriver request; returns the answer's "value" or raises
        WebDriverError."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout or self._request_timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, path, body=data,
                         headers={"Content-Type": "application/json; charset=utf-8"})
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            value = json.loads(raw)["value"]
        except (ValueError, KeyError, TypeError):
            raise WebDriverError("unknown error", raw[:500].decode(errors="replace"), resp.status)
        if resp.status >= 400 or (isinstance(value, dict) and "error" in value):
            raise WebDriverError(value.get("error", "unknown error"),
                                 value.get("message", ""), resp.status)
        return value

    def _s(self, method, path, body=None):
        """A request to this session: path is relative to /session/{id}."""
        if method == "POST" and body is None:
            body = {}
        return self._call(method, f"/session/{self._session}{path}", body)

    @staticmethod
    def _unwrap(value):
        """Turn element references in a result into ElementId strings."""
        if isinstance(value, list):
            return [Browser._unwrap(v) for v in value]
        if isinstance(value, dict):
            if ELEMENT_KEY in value:
                return ElementId(value[ELEMENT_KEY])
            return {k: Browser._unwrap(v) for k, v in value.items()}
        return value

    @staticmethod
    def _wrap(value):
        """Turn ElementId arguments into element references for a script."""
        if isinstance(value, ElementId):
            return {ELEMENT_KEY: str(value)}
        if isinstance(value, (list, tuple)):
            return [Browser._wrap(v) for v in value]
        if isinstance(value, dict):
            return {k: Browser._wrap(v) for k, v in value.items()}
        return value

    # -- the API tests use ------------------------------------------------------

    def get(self, url):
        """Load url and wait for the page to finish loading."""
        self._s("POST", "/url", {"url": url})

    def url(self):
        """The current page's URL."""
        return self._s("GET", "/url")

    def title(self):
        """The current page's title."""
        return self._s("GET", "/title")

    def source(self):
        """The current page's source (serialized DOM)."""
        return self._s("GET", "/source")

    def find(self, css):
        """The first element matching the CSS selector; raises WebDriverError
        ("no such element") when there is none."""
        return self._unwrap(self._s("POST", "/element", {"using": "css selector", "value": css}))

    def find_all(self, css):
        """All elements matching the CSS selector (maybe none)."""
        return self._unwrap(self._s("POST", "/elements", {"using": "css selector", "value": css}))

    def text(self, el):
        """The element's rendered text."""
        return self._s("GET", f"/element/{el}/text")

    def attr(self, el, name):
        """The element's attribute `name`, or None when it has none."""
        return self._s("GET", f"/element/{el}/attribute/{urllib.parse.quote(name, safe='')}")

    def click(self, el):
        """Click the element (scrolls it into view first)."""
        self._s("POST", f"/element/{el}/click")

    def type(self, el, text):
        """Type text into the element (appends to what it holds)."""
        self._s("POST", f"/element/{el}/value", {"text": text})

    def clear(self, el):
        """Empty an input or textarea."""
        self._s("POST", f"/element/{el}/clear")

    def execute(self, script, *args):
        """Run a script's body synchronously, e.g. execute("return
        arguments[0].value", el); returns its value (elements as ElementId)."""
        result = self._s("POST", "/execute/sync", {"script": script, "args": self._wrap(list(args))})
        return self._unwrap(result)

    def screenshot(self, path):
        """Write a PNG of the viewport to path; returns path."""
        png = base64.b64decode(self._s("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path

    def logs(self):
        """Browser console entries since the last call, each a dict with
        level ("INFO", "WARNING", "SEVERE"), message, source, timestamp.
        CSP violations and uncaught script errors show up here."""
        return self._s("POST", "/se/log", {"type": "browser"})

    def wait_for(self, predicate, timeout=10, interval=0.1):
        """Call predicate() until it returns something true and return that;
        a WebDriverError (element not there yet, page changing) counts as
        false. Raises TimeoutError after timeout seconds."""
        deadline = time.monotonic() + timeout
        last_error = None
        while True:
            try:
                result = predicate()
                if result:
                    return result
            except WebDriverError as e:
                last_error = e
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met in {timeout} s"
                                   + (f" (last error: {last_error})" if last_error else ""))
            time.sleep(interval)


# -- guardian ----------------------------------------------------------------------


def _guard_main(pgid, tempdir):
    """Wait for EOF on stdin (the test process closed it or died), then end
    chromedriver's process group and whatever mentions tempdir."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()
    _end_processes(pgid, tempdir)
    shutil.rmtree(tempdir, ignore_errors=True)


# -- self-test -----------------------------------------------------------------------

FORM_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>webdriver self-test</title></head>
<body>
<h1 id="heading">Self-test form</h1>
<form method="post" action="/submit">
  <input id="msg" name="msg" type="text">
  <button id="send" type="submit">Send</button>
</form>
</body></html>
"""

# Inline script: runs unless a Content-Security-Policy blocks it.
INLINE_SCRIPT_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>before</title></head>
<body><p>csp</p><script>document.title='pwned'</script></body></html>
"""

STRICT_CSP = "default-src 'none'; script-src 'self'"


class _SelfTestHandler(http.server.BaseHTTPRequestHandler):
    posted = []  # values the form posted

    def _send(self, body, extra_headers=()):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self._send(FORM_PAGE)
        elif self.path == "/csp":
            self._send(INLINE_SCRIPT_PAGE, [("Content-Security-Policy", STRICT_CSP)])
        elif self.path == "/no-csp":
            self._send(INLINE_SCRIPT_PAGE)
        else:
            self.send_error(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        value = form.get("msg", [""])[0]
        self.posted.append(value)
        self._send(f"""<!doctype html><html><head><meta charset="utf-8">
<title>received</title></head><body><p id="result">received: {html.escape(value)}</p>
</body></html>""".encode())

    def log_message(self, *args):
        pass


def _self_test():
    def check(cond, what):
        if not cond:
            raise AssertionError(what)
        print(f"  ok  {what}")

    if not available():
        print(f"skip: {CHROMEDRIVER} or {CHROMIUM} not installed")
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SelfTestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    value = "hello <b>&</b> wörld"
    try:
        with Browser() as b:
            print(f"  browser started in {b.startup_seconds:.2f} s "
                  f"(Chromium {b.capabilities.get('browserVersion')})")
            driver_pid, tempdir = b._driver.pid, b.tempdir

            b.get(base + "/")
            check(b.title() == "webdriver self-test", "title of the form page")
            check(b.text(b.find("#heading")) == "Self-test form", "text of #heading")
            check(len(b.find_all("input, button")) == 2, "find_all finds input and button")
            check(b.find_all(".nothing") == [], "find_all of nothing is []")
            field = b.find("#msg")
            check(b.attr(field, "name") == "msg" and b.attr(field, "title") is None, "attr")
            check(b.execute("return arguments[0].tagName + arguments[1]", field, 1) == "INPUT1",
                  "execute with an element argument")
            check(b.execute("return document.querySelector('#send')") == b.find("#send"),
                  "execute returns an element id")
            try:
                b.find("#missing")
                check(False, "find of a missing element raises")
            except WebDriverError as e:
                check(e.error == "no such element", "find of a missing element raises")
            try:
                b.execute("throw new Error('boom')")
                check(False, "script error raises")
            except WebDriverError as e:
                check(e.error == "javascript error" and "boom" in e.message, "script error raises")
            check("<form" in b.source(), "source")

            b.type(field, value)
            check(b.execute("return arguments[0].value", field) == value, "type into input")
            b.click(b.find("#send"))
            b.wait_for(lambda: b.title() == "received")
            check(_SelfTestHandler.posted == [value], "server received the typed value")
            check(b.text(b.find("#result")) == "received: " + value, "text of #result")
            check(b.url() == base + "/submit", "url after submit")

            b.screenshot("/tmp/webdriver-selftest.png")
            with open("/tmp/webdriver-selftest.png", "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", "screenshot is a PNG")

            b.logs()  # drop what came before
            b.get(base + "/no-csp")
            check(b.title() == "pwned", "without CSP the inline script runs")
            b.get(base + "/csp")
            check(b.title() == "before", "strict CSP blocks the inline script")
            check(any("Content Security Policy" in e["message"] for e in b.logs()),
                  "the CSP violation is in the console log")

        check(not _live_processes(pgid=driver_pid) and not _live_processes(mentioning=tempdir)
              and not os.path.exists(tempdir), "close() left no process and no temp dir")
    finally:
        server.shutdown()
        server.server_close()

    # A test process that dies without closing: the guardian cleans up.
    child = subprocess.run(
        [sys.executable, "-c", f"""
import os, signal, sys
sys.path.insert(0, {os.path.dirname(_THIS_FILE)!r})
import webdriver
b = webdriver.Browser()
print(b._driver.pid, b.tempdir, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""], capture_output=True, text=True, timeout=60)
    driver_pid, tempdir = child.stdout.split()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (_live_processes(pgid=int(driver_pid))
                                            or _live_processes(mentioning=tempdir)
                                            or os.path.exists(tempdir)):
        time.sleep(0.1)
    check(not _live_processes(pgid=int(driver_pid)) and not _live_processes(mentioning=tempdir)
          and not os.path.exists(tempdir),
          "a killed test process leaves no browser behind")
    print("ok")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--guard"]:
        _guard_main(int(sys.argv[2]), sys.argv[3])
    else:
        _self_test()
