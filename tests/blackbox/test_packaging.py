"""Packaging: what `make install` installs and what contrib/ and examples/
ship, checked with the tools that consume them.

- Prometheus rules: `promtool check rules` and `promtool test rules` (the
  unit tests in contrib/prometheus), and every relay metric the rules use is
  one that /metrics really exposes.
- `make install DESTDIR=...`: the layout, the installed binary (version,
  check of the installed config, serve, /healthz, /readyz, /metrics, the
  default rules imported from the installed folder, SIGTERM), the unit's
  paths, a reinstall that keeps an edited config, and uninstall.
- The systemd unit: `systemd-analyze verify` (as shipped and as installed)
  and its exposure score from `systemd-analyze security --offline`.
- The manual page: lint, and a SYNOPSIS that names every command of
  `alert-delivery --help`.
- contrib/nginx: a real nginx in front of the relay lets through only the
  webhook and Slack paths.
- Kubernetes and the container: the ConfigMap's and the image's configs pass
  `check` with the Secret's variables (and fail without them), the manifests
  say what they must, and the image installs a package for every library
  the binary links.
- examples/: `amtool check-config` on the Alertmanager snippet, the Grafana
  contact point and the Slack manifest carry what the relay needs.

Tools that are missing (promtool, amtool, nginx, systemd-analyze, mandoc or
groff) skip their checks; RELAY_BUILDDIR unset skips the install checks.
"""
import glob
import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import RELAY_BIN, SRCDIR, Relay, free_port, main

BUILDDIR = os.environ.get("RELAY_BUILDDIR")


def src(*parts):
    return os.path.join(SRCDIR, *parts)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def run(args, env=None, cwd=None, timeout=60):
    e = dict(os.environ)
    e.pop("ALERT_DELIVERY_CONFIG", None)
    e.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, env=e,
                          cwd=cwd, timeout=timeout)


def make_env():
    """The environment for a nested make: no jobserver or flags of the make
    that runs the tests (its file descriptors are not passed on)."""
    e = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DESTDIR"):
        e.pop(k, None)
    return e


def make(*targets, destdir):
    r = subprocess.run(["make", "-s", "-C", BUILDDIR, *targets,
                        "DESTDIR=" + destdir],
                       capture_output=True, text=True, env=make_env(),
                       timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"make {' '.join(targets)} failed:\n"
                             f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def files_under(root):
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


def http_get(port, path, host=None, method="GET", body=None, headers=None,
             timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Host": host or f"127.0.0.1:{port}"}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def metric_names_used_by_rules():
    text = read(src("contrib", "prometheus", "alert-delivery.rules.yml"))
    exprs = []
    for m in re.finditer(r"expr: *(\|[^\n]*\n((?: {10,}[^\n]*\n)+)|[^\n]+)",
                         text):
        exprs.append(m.group(2) or m.group(1))
    names = set()
    for e in exprs:
        names.update(re.findall(r"\b(alert_delivery_[a-z_]+|process_[a-z_]+)",
                                e))
    return names


def exposed_names(metrics_text):
    names = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, 1)[0])
    return names


# --- Prometheus rules --------------------------------------------------------

class TestPrometheusRules(unittest.TestCase):
    def setUp(self):
        if shutil.which("promtool") is None:
            self.skipTest("promtool not installed (Debian package prometheus)")

    def test_check_rules(self):
        r = run(["promtool", "check", "rules",
                 src("contrib", "prometheus", "alert-delivery.rules.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS", r.stdout + r.stderr)

    def test_rule_unit_tests(self):
        r = run(["promtool", "test", "rules",
                 src("contrib", "prometheus", "alert-delivery.tests.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS", r.stdout + r.stderr)

    def test_every_alert_is_tested_and_routable(self):
        rules = read(src("contrib", "prometheus", "alert-delivery.rules.yml"))
        tests = read(src("contrib", "prometheus", "alert-delivery.tests.yml"))
        alerts = re.findall(r"^\s*- alert: (\w+)", rules, re.M)
        self.assertGreaterEqual(len(alerts), 8)
        for a in alerts:
            self.assertRegex(tests, rf"alertname: {a}\n\s+exp_alerts:\n\s+- exp_labels",
                             f"{a} has no firing case in the unit tests")
        # Every alert carries the label that routes it around the relay.
        self.assertEqual(
            len(re.findall(r"(?m)^ +component: alert-delivery$", rules)),
            len(alerts))


# --- make install ------------------------------------------------------------

@unittest.skipIf(BUILDDIR is None, "RELAY_BUILDDIR not set")
class TestInstall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.destdir = tempfile.mkdtemp(prefix="relay-install-")
        make("install", destdir=cls.destdir)
        cls.files = files_under(cls.destdir)

        def find(suffix):
            hits = [f for f in cls.files if f.endswith(suffix)]
            if len(hits) != 1:
                raise AssertionError(f"{suffix}: {hits} in {cls.files}")
            return hits[0]

        cls.bin_rel = find("bin/alert-delivery")
        cls.bin = os.path.join(cls.destdir, cls.bin_rel)
        cls.conf_rel = find("alert-delivery/alert-delivery.yaml")
        cls.conf = os.path.join(cls.destdir, cls.conf_rel)
        cls.unit_rel = find("systemd/system/alert-delivery.service")
        cls.unit = os.path.join(cls.destdir, cls.unit_rel)
        cls.man_rel = find("man8/alert-delivery.8")
        cls.rules_rel = os.path.dirname(find("alert-delivery/rules/default.yaml"))
        cls.pkgdata_rel = os.path.dirname(cls.rules_rel)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.destdir, ignore_errors=True)

    def test_layout(self):
        pkgdata = self.pkgdata_rel
        for sub, pattern in (("templates", "*.mustache"), ("rules", "*.yaml"),
                             ("schema", "*.sql")):
            want = sorted(os.path.basename(p)
                          for p in glob.glob(src(sub, pattern)))
            self.assertTrue(want, sub)
            have = sorted(os.path.basename(f) for f in self.files
                          if f.startswith(f"{pkgdata}/{sub}/"))
            self.assertEqual(have, want, sub)
        self.assertIn(f"{pkgdata}/prometheus/alert-delivery.rules.yml",
                      self.files)
        self.assertEqual(read(os.path.join(self.destdir, self.man_rel)),
                         read(src("doc", "alert-delivery.8")))
        self.assertTrue(os.access(self.bin, os.X_OK))

    def test_version(self):
        r = run([self.bin, "version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^alert-delivery \d+\.\d+")

    def test_installed_config(self):
        text = read(self.conf)
        # Production paths: the state directory of the unit and the
        # installed rules, instead of the example's relative paths.
        self.assertRegex(text, r"(?m)^database: /var/lib/alert-delivery/alert-delivery\.db$")
        self.assertRegex(text, rf"(?m)^rules: /{re.escape(self.rules_rel)}$")
        self.assertNotIn("../", text)
        # check accepts it as installed (it opens no database) ...
        r = run([self.bin, "check", "-c", self.conf])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok", r.stdout)

    def write_copy(self, tmp, port):
        """The installed config with the database in tmp, the installed rules
        (under DESTDIR) and a free port."""
        text = read(self.conf)
        text = re.sub(r"(?m)^database:.*$", "database: " + os.path.join(tmp, "db", "relay.db"), text)
        text = re.sub(r"(?m)^rules:.*$", "rules: " + os.path.join(self.destdir, self.rules_rel), text)
        text = re.sub(r"(?m)^listen:.*$", f"listen: 127.0.0.1:{port}", text)
        text = re.sub(r"(?m)^public_url:.*$", f"public_url: http://127.0.0.1:{port}", text)
        return write(os.path.join(tmp, "alert-delivery.yaml"), text)

    def test_serve_installed(self):
        tmp = tempfile.mkdtemp(prefix="relay-installed-")
        self.addCleanup(shutil.rmtree, tmp, True)
        port = free_port()
        conf = self.write_copy(tmp, port)
        r = run([self.bin, "check", "-c", conf])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        log = open(os.path.join(tmp, "relay.log"), "wb")
        self.addCleanup(log.close)
        env = dict(os.environ)
        env.pop("ALERT_DELIVERY_CONFIG", None)
        proc = subprocess.Popen([self.bin, "serve", "-c", conf], cwd=tmp,
                                stdout=log, stderr=log, env=env)

        def logtext():
            with open(os.path.join(tmp, "relay.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.addCleanup(stop)

        deadline = time.time() + 15
        status = None
        while time.time() < deadline:
            if proc.poll() is not None:
                self.fail(f"installed relay exited {proc.returncode}:\n{logtext()}")
            try:
                status = http_get(port, "/healthz")[0]
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        self.assertEqual(status, 200, logtext())
        deadline = time.time() + 10
        while http_get(port, "/readyz")[0] != 200 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(http_get(port, "/readyz")[0], 200, logtext())

        # Every series the Prometheus rules use is exposed.
        status, _, body = http_get(port, "/metrics")
        self.assertEqual(status, 200)
        have = exposed_names(body.decode())
        used = metric_names_used_by_rules()
        self.assertIn("alert_delivery_outbox_pending", used)
        self.assertEqual(sorted(used - have), [],
                         "metrics used by contrib/prometheus but not exposed")

        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(15), 0, logtext())
        for marker in ("ERROR: AddressSanitizer", "runtime error:"):
            self.assertNotIn(marker, logtext())
        # The default rules came from the installed folder.
        r = run([self.bin, "rules", "list", "-c", conf])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Watchdog", r.stdout)

    def test_unit_paths(self):
        text = read(self.unit)
        conf = "/" + self.conf_rel
        self.assertIn(f"ExecStart=/{self.bin_rel} serve -c {conf}\n", text)
        self.assertIn("EnvironmentFile=-" + os.path.dirname(conf) + "/env\n", text)

    def test_reinstall_keeps_config_and_uninstall(self):
        dest = tempfile.mkdtemp(prefix="relay-reinstall-")
        self.addCleanup(shutil.rmtree, dest, True)
        make("install", destdir=dest)
        conf = os.path.join(dest, self.conf_rel)
        edited = read(conf) + "retention: 7d\n"
        write(conf, edited)
        make("install", destdir=dest)
        self.assertEqual(read(conf), edited)
        self.assertEqual(read(conf + ".new"), read(self.conf))
        make("uninstall", destdir=dest)
        # Only the edited config is left.
        self.assertEqual(files_under(dest), [self.conf_rel])
        make("install", destdir=dest)
        os.unlink(conf)
        make("install", destdir=dest)
        make("uninstall", destdir=dest)
        self.assertEqual(files_under(dest), [])


# --- systemd -----------------------------------------------------------------

UNIT = src("contrib", "systemd", "alert-delivery.service")


class TestSystemdUnit(unittest.TestCase):
    def test_hardening_directives(self):
        text = read(UNIT)
        for line in ("DynamicUser=yes", "StateDirectory=alert-delivery",
                     "ProtectSystem=strict", "ProtectHome=yes",
                     "PrivateTmp=yes", "NoNewPrivileges=yes",
                     "CapabilityBoundingSet=\n",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                     "SystemCallFilter=@system-service",
                     "MemoryDenyWriteExecute=yes", "TimeoutStopSec=15",
                     "ExecReload=/bin/kill -HUP $MAINPID",
                     "ExecStart=/usr/bin/alert-delivery serve -c /etc/alert-delivery/alert-delivery.yaml"):
            self.assertIn(line, text)
        # The installed config's database lives in the StateDirectory.
        self.assertIn("AD_STATEDIR = /var/lib/alert-delivery",
                      read(src("packaging.am")))

    def verify(self, unit_text, binary, manpath=None):
        """systemd-analyze verify on unit_text with ExecStart's binary
        replaced by one that exists here. Skips when this machine cannot
        verify any unit (no systemd, a container without what it needs)."""
        exe = shutil.which("systemd-analyze")
        if exe is None:
            self.skipTest("systemd-analyze not installed")
        tmp = tempfile.mkdtemp(prefix="relay-unit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        env = {"SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""}
        # A canary that any working systemd-analyze accepts: if it fails, the
        # environment is the problem, not our unit.
        canary = write(os.path.join(tmp, "relay-canary.service"),
                       "[Unit]\nDescription=canary\n[Service]\n"
                       f"ExecStart={binary} version\n")
        r = run([exe, "verify", "--man=no", canary], env=env)
        if r.returncode != 0 or r.stderr.strip():
            self.skipTest("systemd-analyze verify does not work here: "
                          + (r.stderr.strip() or r.stdout.strip())[:300])
        text = re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={binary}", unit_text)
        self.assertIn(f"ExecStart={binary} serve", text)
        unit = write(os.path.join(tmp, "alert-delivery.service"), text)
        args = [exe, "verify"]
        if manpath:
            env["MANPATH"] = manpath
        if not manpath or shutil.which("man") is None:
            args.append("--man=no")
        r = run(args + [unit], env=env)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""),
                         "systemd-analyze verify found problems")
        return unit

    def test_verify_as_shipped(self):
        unit = self.verify(read(UNIT), os.path.abspath(RELAY_BIN))
        # Exposure score: the hardening must not quietly erode.
        r = run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                 unit], env={"SYSTEMD_LOG_COLOR": "0"})
        m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
        if m is None:
            self.skipTest("systemd-analyze security --offline unsupported: "
                          + r.stderr[:200])
        self.assertLessEqual(float(m.group(1)), 2.0, r.stdout)

    @unittest.skipIf(BUILDDIR is None, "RELAY_BUILDDIR not set")
    def test_verify_as_installed(self):
        dest = tempfile.mkdtemp(prefix="relay-unit-install-")
        self.addCleanup(shutil.rmtree, dest, True)
        make("install", destdir=dest)
        files = files_under(dest)
        unit = [f for f in files if f.endswith("systemd/system/alert-delivery.service")]
        binary = [f for f in files if f.endswith("bin/alert-delivery")]
        man = [f for f in files if f.endswith("man8/alert-delivery.8")]
        self.assertEqual((len(unit), len(binary), len(man)), (1, 1, 1), files)
        # MANPATH makes Documentation=man:alert-delivery(8) resolve to the
        # installed page.
        manpath = os.path.dirname(os.path.dirname(os.path.join(dest, man[0])))
        self.verify(read(os.path.join(dest, unit[0])),
                    os.path.join(dest, binary[0]), manpath=manpath)


# --- the manual page ---------------------------------------------------------

MAN = src("doc", "alert-delivery.8")


class TestManPage(unittest.TestCase):
    def test_lint(self):
        if shutil.which("mandoc"):
            r = run(["mandoc", "-T", "lint", "-W", "warning", MAN])
        elif shutil.which("groff"):
            r = run(["groff", "-mdoc", "-Tutf8", "-ww", "-z", MAN])
        else:
            self.skipTest("neither mandoc nor groff installed")
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_synopsis_names_every_command(self):
        text = read(MAN)
        synopsis = text.split(".Sh SYNOPSIS", 1)[1].split(".Sh ", 1)[0]
        commands = set(re.findall(r"^\.Cm (\S+)", synopsis, re.M))
        r = run([RELAY_BIN, "--help"])
        self.assertEqual(r.returncode, 0)
        listed = re.findall(r"^  ([a-z][a-z-]*)\b", r.stdout, re.M)
        self.assertIn("serve", listed)
        for cmd in listed:
            self.assertIn(cmd, commands, f"{cmd} missing from SYNOPSIS")
        for word in ("--online", "list", "import", "export", "test"):
            self.assertIn(word.lstrip("-"), synopsis)
        for section in ("NAME", "DESCRIPTION", "FILES", "SIGNALS",
                        "EXIT STATUS", "SEE ALSO"):
            self.assertIn(f".Sh {section}\n", text)


# --- nginx -------------------------------------------------------------------

class TestNginx(unittest.TestCase):
    """contrib/nginx/alert-delivery.conf in a real nginx, TLS replaced by a
    plain loopback listener, in front of a real relay."""

    def setUp(self):
        nginx = shutil.which("nginx") or (
            "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        if nginx is None:
            self.skipTest("nginx not installed")
        self.relay = Relay({"public_url": "http://relay.example"})
        self.addCleanup(self.relay.cleanup)
        self.relay.start()

        tmp = tempfile.mkdtemp(prefix="relay-nginx-")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.chmod(tmp, 0o755)
        self.port = free_port()
        conf = read(src("contrib", "nginx", "alert-delivery.conf"))
        subs = [
            (r"server 127\.0\.0\.1:9095;", f"server 127.0.0.1:{self.relay.port};"),
            (r"listen 443 ssl;", f"listen 127.0.0.1:{self.port};"),
            (r"listen \[::\]:443 ssl;\n", ""),
            (r"(?m)^\s*ssl_\w+ [^\n]*\n", ""),
            (r"access_log \S+;", f"access_log {tmp}/access.log;"),
        ]
        for pattern, repl in subs:
            conf, n = re.subn(pattern, repl, conf)
            self.assertGreater(n, 0, f"{pattern} not in the nginx config")
        write(os.path.join(tmp, "alert-delivery.conf"), conf)
        user = "user root;\n" if os.geteuid() == 0 else ""
        main_conf = write(os.path.join(tmp, "nginx.conf"), f"""{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/alert-delivery.conf;
}}
""")
        r = run([nginx, "-t", "-p", tmp, "-c", main_conf])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.nginx = subprocess.Popen(
            [nginx, "-p", tmp, "-c", main_conf, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop():
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        self.addCleanup(stop)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                http_get(self.port, "/")
                return
            except OSError:
                time.sleep(0.05)
        self.fail("nginx did not come up:\n" + read(f"{tmp}/error.log"))

    def req(self, method, path, body=None):
        h = {"Content-Type": "application/json"} if body is not None else {}
        return http_get(self.port, path, host="relay.example", method=method,
                        body=body, headers=h)

    def test_only_webhooks_and_slack_pass(self):
        grafana = read(src("examples", "payloads", "grafana-mixed.json")).encode()
        am = read(src("examples", "payloads", "alertmanager-mixed.json")).encode()
        status, _, body = self.req("POST", "/webhook/grafana", grafana)
        self.assertEqual(status, 202, body)
        status, _, body = self.req("POST", "/webhook/alertmanager", am)
        self.assertEqual(status, 202, body)
        # Query strings pass, dot segments are resolved by nginx and the
        # fixed path goes upstream.
        status, _, body = self.req("POST", "/webhook/grafana?x=1", grafana)
        self.assertEqual(status, 202, body)
        status, _, body = self.req("POST", "/api/../webhook/grafana", grafana)
        self.assertEqual(status, 202, body)
        # The Slack path reaches the relay (its JSON answer, whatever it is
        # without a signing secret).
        status, headers, body = self.req("POST", "/slack/interactions", b"payload=%7B%7D")
        self.assertNotIn(status, (502, 504), body)
        self.assertTrue(body.startswith(b"{"), (status, body))
        # Everything else is nginx's 404 and never reaches the relay.
        for method, path in (("GET", "/"), ("GET", "/api/v1/alerts"),
                             ("GET", "/api/v1/messages"), ("GET", "/metrics"),
                             ("GET", "/healthz"), ("GET", "/readyz"),
                             ("POST", "/-/reload"), ("POST", "/api/v1/rules"),
                             ("GET", "/webhook/grafana"),
                             ("PUT", "/webhook/alertmanager"),
                             ("GET", "/slack/interactions"),
                             ("POST", "/webhook/grafana/"),
                             ("POST", "/webhook/grafana/../../api/v1/rules"),
                             ("GET", "/webhook/%2e%2e/api/v1/alerts")):
            status, _, body = self.req(method, path, b"{}" if method != "GET" else None)
            self.assertEqual(status, 404, f"{method} {path}: {body[:200]!r}")
            self.assertFalse(body.startswith(b"{"), f"{method} {path} reached the relay")


# --- Kubernetes, the container image -----------------------------------------

K8S = src("contrib", "kubernetes")
TOKENS = {"ALERT_DELIVERY_WEBHOOK_TOKEN": "wt", "ALERT_DELIVERY_ADMIN_TOKEN": "at"}


def configmap_config():
    """The alert-delivery.yaml block of the ConfigMap, dedented."""
    lines = read(os.path.join(K8S, "configmap.yaml")).splitlines()
    start = lines.index("  alert-delivery.yaml: |") + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block) + "\n"


def package_of(lib):
    """The Debian package that ships the shared library lib, or None."""
    r = run([shutil.which("ldconfig") or "/sbin/ldconfig", "-p"])
    for line in r.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == lib and "=>" in parts:
            path = os.path.realpath(parts[-1])
            for candidate in (path, path.replace("/usr/lib/", "/lib/", 1)):
                q = run(["dpkg", "-S", candidate])
                if q.returncode == 0:
                    return q.stdout.split(":", 1)[0].strip()
    return None


class TestDeployFiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="relay-deploy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def check_container_config(self, text, name):
        # The image's paths do not exist here: point them at the sources.
        text = re.sub(r"(?m)^rules: .*$", "rules: " + src("rules"), text)
        text = re.sub(r"(?m)^database: .*$",
                      "database: " + os.path.join(self.tmp, "relay.db"), text)
        self.assertIn("listen: 0.0.0.0:9095", text)
        conf = write(os.path.join(self.tmp, name), text)
        r = run([RELAY_BIN, "check", "-c", conf], env=TOKENS)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("preview mode", r.stdout)
        r = run([RELAY_BIN, "check", "-c", conf],
                env=dict(TOKENS, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s",
                         ALERT_DELIVERY_HMAC_SECRET="h"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("preview mode", r.stdout)
        # Without the Secret's tokens a relay on 0.0.0.0 must not start.
        for missing in TOKENS:
            env = dict(TOKENS)
            del env[missing]
            e = dict(os.environ, **env)
            e.pop(missing, None)
            e.pop("ALERT_DELIVERY_CONFIG", None)
            r = subprocess.run([RELAY_BIN, "check", "-c", conf], env=e,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn(missing, r.stderr)

    def test_configmap_config_passes_check(self):
        self.check_container_config(configmap_config(), "k8s.yaml")

    def test_docker_config_passes_check(self):
        self.check_container_config(
            read(src("contrib", "docker", "alert-delivery.yaml")), "docker.yaml")

    def test_manifests(self):
        files = {os.path.basename(p): read(p)
                 for p in glob.glob(os.path.join(K8S, "*.yaml"))}
        dep = files["deployment.yaml"]
        for want in ("kind: Deployment", "replicas: 1", "type: Recreate",
                     "path: /healthz", "path: /readyz", "memory: 64Mi",
                     "memory: 256Mi", "runAsNonRoot: true",
                     "readOnlyRootFilesystem: true",
                     "allowPrivilegeEscalation: false",
                     "mountPath: /var/lib/alert-delivery",
                     "claimName: alert-delivery", "containerPort: 9095"):
            self.assertIn(want, dep)
        for name, text in files.items():
            self.assertNotRegex(text, r"(?m)^  namespace:", name)
        for key in ("ALERT_DELIVERY_WEBHOOK_TOKEN", "ALERT_DELIVERY_ADMIN_TOKEN",
                    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
            self.assertIn(key + ":", files["secret.yaml"])
            self.assertIn("key: " + key, dep)
            self.assertIn("${" + key, files["configmap.yaml"])
        self.assertIn("kind: Secret", files["secret.yaml"])
        self.assertIn("ReadWriteOnce", files["pvc.yaml"])
        self.assertIn("kind: Service", files["service.yaml"])
        self.assertIn("port: 9095", files["service.yaml"])
        for f in ("configmap.yaml", "secret.yaml", "pvc.yaml",
                  "deployment.yaml", "service.yaml"):
            self.assertIn("  - " + f, files["kustomization.yaml"])
        paths = re.findall(r"- path: (\S+)\n\s+pathType: Exact", files["ingress.yaml"])
        self.assertEqual(sorted(paths), ["/slack/interactions",
                                         "/webhook/alertmanager",
                                         "/webhook/grafana"])
        try:
            import yaml  # optional: PyYAML is not in the standard library
        except ImportError:
            return
        for name, text in files.items():
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
            self.assertTrue(docs, name)
            for d in docs:
                self.assertIn("kind", d, name)

    def test_dockerfile(self):
        text = read(src("Dockerfile"))
        froms = re.findall(r"(?m)^FROM (\S+)(?: AS (\w+))?", text)
        self.assertEqual(len(froms), 2, froms)
        self.assertEqual(froms[0][1], "build")
        self.assertTrue(froms[1][0].endswith("-slim"), froms)
        runtime = text.split("\nFROM ", 2)[2]
        self.assertRegex(runtime, r"(?m)^USER 10001:10001$")
        self.assertRegex(runtime, r'(?m)^VOLUME \["/var/lib/alert-delivery"\]$')
        self.assertRegex(runtime, r"(?m)^EXPOSE 9095$")
        self.assertRegex(runtime, r"(?m)^HEALTHCHECK .*\n.*http://127\.0\.0\.1:9095/healthz")
        self.assertIn("COPY contrib/docker/alert-delivery.yaml /etc/alert-delivery/alert-delivery.yaml", runtime)
        self.assertIn("/usr/share/alert-delivery", runtime)
        # Every library the binary links comes from a package the runtime
        # stage installs (sanitizer and C runtime libraries aside).
        if shutil.which("readelf") is None or shutil.which("dpkg") is None:
            self.skipTest("readelf or dpkg missing")
        r = run(["readelf", "-d", RELAY_BIN])
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)
        self.assertTrue(needed)
        install = runtime.split("apt-get install", 1)[1].split("&&", 1)[0]
        for lib in needed:
            if re.match(r"lib(c|m|pthread|dl|rt|gcc_s|asan|ubsan|lsan|tsan|stdc\+\+)\.so|ld-linux", lib):
                continue
            pkg = package_of(lib)
            self.assertTrue(pkg, f"no Debian package owns {lib}")
            self.assertRegex(install, rf"(?<![\w.-]){re.escape(pkg)}(?![\w.-])",
                             f"{lib} ({pkg}) is not installed in the runtime image")

    def test_dockerignore_keeps_sources(self):
        ignored = [l.strip() for l in read(src(".dockerignore")).splitlines()
                   if l.strip() and not l.startswith("#")]
        for needed in ("relay", "templates", "schema", "rules", "doc", "contrib",
                       "examples", "configure.ac", "Makefile.am", "packaging.am"):
            self.assertNotIn(needed, ignored)


# --- examples/ ---------------------------------------------------------------

class TestExamples(unittest.TestCase):
    def test_alertmanager(self):
        path = src("examples", "alertmanager", "alertmanager.yml")
        text = read(path)
        for want in ("/webhook/alertmanager", "send_resolved: true",
                     "max_alerts:", "type: Bearer", "credentials_file:",
                     "matchers: ['component=\"alert-delivery\"']"):
            self.assertIn(want, text)
        if shutil.which("amtool") is None:
            self.skipTest("amtool not installed (prometheus-alertmanager)")
        r = run(["amtool", "check-config", path])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS", r.stdout + r.stderr)

    def test_grafana_contact_point(self):
        text = read(src("examples", "grafana", "contact-point.yaml"))
        for want in ("apiVersion: 1", "contactPoints:", "type: webhook",
                     "/webhook/grafana\n", "hmacConfig:", "secret: ",
                     "header: X-Grafana-Alerting-Signature\n",
                     "authorization_credentials:",
                     "disableResolveMessage: false"):
            self.assertIn(want, text)
        # Grafana signs "TS:body" with a timestamp header: the relay's
        # configs must name the same one.
        ts = re.search(r"timestampHeader: (\S+)", text).group(1)
        for conf in (configmap_config(),
                     read(src("contrib", "docker", "alert-delivery.yaml"))):
            self.assertIn("webhook_hmac_timestamp_header: " + ts, conf)

    def test_slack_manifest(self):
        text = read(src("examples", "slack", "manifest.yml"))
        scopes = re.search(r"bot:\n((?:\s+- \S+\n)+)", text).group(1).split()
        self.assertEqual(sorted(s for s in scopes if s != "-"),
                         ["chat:write", "chat:write.public"])
        self.assertRegex(text, r"interactivity:\n\s+is_enabled: true\n\s+request_url: https://\S+/slack/interactions\n")
        for want in ("display_information:", "bot_user:", "display_name:"):
            self.assertIn(want, text)


if __name__ == "__main__":
    main()
