"""Black-box harness: starts the real alert-delivery binary on a random
loopback port with a temporary database, and talks HTTP to it.

Python 3 standard library only. Every test module imports this; a hard
alarm ends a hung test file instead of hanging `make check`.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

RELAY_BIN = os.environ.get("RELAY_BIN", os.path.abspath("alert-delivery"))
SRCDIR = os.environ.get("RELAY_SRCDIR", os.path.abspath("."))
SHARED = os.environ.get("RELAY_SHARED", os.path.join(SRCDIR, "..", "shared"))

# A test file that runs longer than this is killed (and fails).
signal.alarm(int(os.environ.get("RELAY_TEST_TIMEOUT", "300")))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_path(*parts):
    """Path under ../shared, or None when it is not there (tests skip)."""
    p = os.path.join(SHARED, *parts)
    return p if os.path.exists(p) else None


def fixture_files(kind):
    d = shared_path("fixtures", kind)
    if d is None:
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json"))


def yaml_quote(v):
    return json.dumps(v)


def render_yaml(cfg, indent=0):
    """Tiny YAML writer for nested dicts/lists of scalars."""
    out = []
    pad = "  " * indent
    for k, v in cfg.items():
        if isinstance(v, dict):
            out.append(f"{pad}{k}:")
            out.append(render_yaml(v, indent + 1))
        elif isinstance(v, list):
            out.append(f"{pad}{k}: [{', '.join(yaml_quote(x) for x in v)}]")
        elif isinstance(v, bool):
            out.append(f"{pad}{k}: {'true' if v else 'false'}")
        elif isinstance(v, (int, float)):
            out.append(f"{pad}{k}: {v}")
        else:
            out.append(f"{pad}{k}: {yaml_quote(v)}")
    return "\n".join(x for x in out if x != "")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Relay:
    """One relay process with its own folder, config and database."""

    def __init__(self, config=None, env=None, workdir=None):
        self.owns_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="relay-test-")
        self.port = free_port()
        self.config = {
            "listen": f"127.0.0.1:{self.port}",
            "public_url": f"http://127.0.0.1:{self.port}",
            "database": "relay.db",
            "rules": "rules",
            "log": {"level": "debug"},
        }
        if config:
            for k, v in config.items():
                if isinstance(v, dict) and isinstance(self.config.get(k), dict):
                    self.config[k].update(v)
                else:
                    self.config[k] = v
        os.makedirs(os.path.join(self.dir, "rules"), exist_ok=True)
        self.config_path = os.path.join(self.dir, "alert-delivery.yaml")
        self.write_config()
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.log_path = os.path.join(self.dir, "relay.log")

    def write_config(self):
        with open(self.config_path, "w") as f:
            f.write(render_yaml(self.config) + "\n")

    @property
    def db_path(self):
        return os.path.join(self.dir, "relay.db")

    def start(self, wait=True, expect_exit=False):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [RELAY_BIN, "serve", "-c", self.config_path],
            stdout=self.log, stderr=self.log, env=self.env, cwd=self.dir)
        if wait and not expect_exit:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"relay exited with {self.proc.returncode}:\n{self.logtext()}")
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("relay did not come up:\n" + self.logtext())

    def logtext(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-8000:]
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = {"Host": f"127.0.0.1:{self.port}"}
            h.update(headers or {})
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                h.setdefault("Content-Type", "application/json")
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def alerts(self, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        r = self.get("/api/v1/alerts?limit=1000" + ("&" + q if q else ""))
        assert r.status == 200, r
        return r.json()["alerts"]

    def wait_rendered(self, timeout=10):
        """Waits until no message is pending or being sent: rendering
        (and its events) runs in loop turns after the job that queued it."""
        self.wait_for(lambda: all(m["state"] not in ("pending", "sending") for m in
                                  self.get("/api/v1/messages?limit=1000").json()["messages"]),
                      timeout=timeout, what="every message rendered")

    def wait_for(self, pred, timeout=10, what="condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = pred()
            if last:
                return last
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; last={last!r}\n"
                             + self.logtext()[-3000:])

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("relay did not stop in time")
        rc = self.proc.returncode
        self.proc = None
        self.log.close()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def cli(self, *args, input=None, timeout=30):
        return subprocess.run([RELAY_BIN, *args], capture_output=True, text=True,
                              env=self.env, cwd=self.dir, timeout=timeout,
                              input=input)

    def cleanup(self):
        if self.proc is not None:
            try:
                self.stop()
            except AssertionError:
                pass
        # A sanitizer report in the log fails the test that caused it.
        text = self.logtext()
        if self.owns_dir and os.environ.get("RELAY_KEEP") is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        return text


class RelayTest(unittest.TestCase):
    """Base class: self.relay is started per test; its log is checked for
    sanitizer reports at the end."""

    relay_config = None
    relay_env = None

    def start_relay(self, config=None, env=None, **kw):
        cfg = dict(self.relay_config or {})
        cfg.update(config or {})
        r = Relay(cfg, env or self.relay_env, **kw)
        self.addCleanup(self._finish, r)
        return r.start()

    def _finish(self, r):
        text = r.cleanup()
        # The log's tail is read: a long report's first line may be cut,
        # its SUMMARY line never is.
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                       "SUMMARY: AddressSanitizer", "runtime error:"):
            if marker in text:
                self.fail(f"sanitizer report in relay log:\n{text[-6000:]}")


def main():
    unittest.main(verbosity=2)
