"""The command line: check, version, help, migrate, backup, protected mode."""
import os
import re
import sqlite3
import subprocess
import tempfile
import unittest

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

from fakeslack import FakeSlack
from harness import RELAY_BIN, Relay, RelayTest, free_port, main


def run(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop("ALERT_DELIVERY_CONFIG", None)
    e.update(env or {})
    return subprocess.run([RELAY_BIN, *args], capture_output=True, text=True,
                          cwd=cwd, env=e, timeout=30)


class TestCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="relay-cli-")

    def write(self, name, text):
        p = os.path.join(self.dir, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_version_and_help(self):
        r = run("version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^alert-delivery \d+\.\d+")
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for cmd in ("serve", "check", "migrate", "backup", "version"):
            self.assertIn(cmd, r.stdout)
        for cmd in ("serve", "check", "migrate", "backup"):
            r = run(cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("usage: alert-delivery " + cmd, r.stdout)
        r = run("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command", r.stderr)
        r = run("check", "--bogus")
        self.assertEqual(r.returncode, 2)

    def test_check_online(self):
        slack = FakeSlack(token="xoxb-right")
        self.addCleanup(slack.close)
        status = {"code": 404}
        seen = []

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                self.send_response(status["code"])
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        cat = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=cat.serve_forever, daemon=True).start()
        self.addCleanup(cat.server_close)
        self.addCleanup(cat.shutdown)
        os.makedirs(os.path.join(self.dir, "rules"), exist_ok=True)

        def cfg(token, cat_url):
            return self.write("online.yaml", (
                "rules: rules\n"
                f"slack:\n  api_url: {slack.api_url}\n  bot_token: {token}\n"
                "  default_channel: \"#alerts\"\n"
                f"catalog:\n  url: {cat_url}\n  timeout: 2s\n"))

        url = f"http://127.0.0.1:{cat.server_port}/ns/{{namespace}}"
        # Offline check never calls anything.
        r = run("check", "-c", cfg("xoxb-right", url))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(seen, [])
        self.assertEqual(slack.calls("auth.test"), [])
        # Both reachable: 404 is the catalog's "unknown namespace".
        r = run("check", "--online", "-c", cfg("xoxb-right", url))
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("slack: ok", r.stdout)
        self.assertIn("scopes chat:write,chat:write.public", r.stdout)
        self.assertIn("catalog: ok", r.stdout)
        self.assertEqual(seen, ["/ns/alert-delivery-check"])
        self.assertEqual(len(slack.calls("auth.test")), 1)
        # A token without chat:write could never post.
        slack.scopes = "channels:read, chat:write.customize"
        r = run("check", "--online", "-c", cfg("xoxb-right", url))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("lacks the chat:write scope", r.stderr)
        slack.scopes = "channels:read, chat:write"
        r = run("check", "--online", "-c", cfg("xoxb-right", url))
        self.assertEqual(r.returncode, 0, r)
        slack.scopes = "chat:write.public,chat:write"
        r = run("check", "--online", "-c", cfg("xoxb-right", url))
        self.assertEqual(r.returncode, 0, r)
        # A refused token is a runtime failure with Slack's reason.
        r = run("check", "--online", "-c", cfg("xoxb-wrong", url))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("invalid_auth", r.stderr)
        # A failing catalog.
        status["code"] = 500
        r = run("check", "--online", "-c", cfg("xoxb-right", url))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("catalog: HTTP 500", r.stderr)
        # An unreachable catalog.
        dead = f"http://127.0.0.1:{free_port()}/ns/{{namespace}}"
        r = run("check", "--online", "-c", cfg("xoxb-right", dead))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("alert-delivery: catalog:", r.stderr)
        # Preview mode has nothing to call.
        p = self.write("preview.yaml", "rules: rules\n")
        r = run("check", "--online", "-c", p)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("preview mode", r.stdout)

    def test_check_reports_file_line_key(self):
        p = self.write("bad.yaml", "listen: 127.0.0.1:9095\nslack:\n  rate_per_channel: -1\n")
        r = run("check", "-c", p)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn(f"{p}:3: slack.rate_per_channel", r.stderr)
        p = self.write("typo.yaml", "listen: 127.0.0.1:9095\nlisen: x\n")
        r = run("check", "-c", p)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{p}:2: lisen", r.stderr)
        p = self.write("syntax.yaml", "a: [b\n")
        r = run("check", "-c", p)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, re.escape(p) + r":\d+:")
        # Options after the command's words work as well as before.
        good = self.write("good.yaml", "log:\n  level: warn\n")
        self.assertEqual(run("check", "-c", good).returncode, 0)
        self.assertEqual(run("-c", good, "check").returncode, 0)
        # An empty file is a valid config.
        self.assertEqual(run("check", "-c", self.write("empty.yaml", "")).returncode, 0)

    def test_check_renders_templates(self):
        tdir = os.path.join(self.dir, "tpl")
        os.makedirs(tdir)
        p = self.write("t.yaml", "templates: tpl\n")
        self.assertEqual(run("check", "-c", p).returncode, 0)
        cases = {
            "unclosed section": ("firing.mustache", '{"text": "x",\n"blocks": [{{#alerts}}]}'),
            "not JSON": ("firing.mustache", '{"text": "{{alertname}}", "blocks": [}'),
            "partial loop": ("firing.mustache", '{{> loop}}'),
        }
        for what, (name, src) in cases.items():
            for f in os.listdir(tdir):
                os.unlink(os.path.join(tdir, f))
            with open(os.path.join(tdir, name), "w") as f:
                f.write(src)
            with open(os.path.join(tdir, "loop.mustache"), "w") as f:
                f.write("{{> loop}}")
            r = run("check", "-c", p)
            self.assertEqual(r.returncode, 2, what)
            self.assertIn(name, r.stderr, what)
            # serve refuses the same templates.
            r = run("serve", "-c", p)
            self.assertEqual(r.returncode, 2, what)
        # A valid override is used.
        for f in os.listdir(tdir):
            os.unlink(os.path.join(tdir, f))
        with open(os.path.join(tdir, "firing.mustache"), "w") as f:
            f.write('{"text": "custom {{alertname}}", "blocks": []}')
        self.assertEqual(run("check", "-c", p).returncode, 0)

    def test_env_substitution(self):
        p = self.write("env.yaml", "slack:\n  bot_token: ${RELAY_TEST_TOKEN}\n")
        r = run("check", "-c", p)
        self.assertEqual(r.returncode, 2)
        self.assertIn("RELAY_TEST_TOKEN", r.stderr)
        r = run("check", "-c", p, env={"RELAY_TEST_TOKEN": "xoxb-1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("xoxb-1", r.stdout + r.stderr)

    def test_non_loopback_refuses_to_start(self):
        port = free_port()
        p = self.write("open.yaml", f"listen: 0.0.0.0:{port}\ndatabase: db.sqlite\n")
        r = run("serve", "-c", p)
        self.assertEqual(r.returncode, 2)
        self.assertIn("loopback", r.stderr)
        self.assertEqual(run("check", "-c", p).returncode, 2)
        p = self.write("closed.yaml",
                       f"listen: 0.0.0.0:{port}\nauth:\n  webhook_token: t\n  admin_token: a\n")
        self.assertEqual(run("check", "-c", p).returncode, 0)

    def test_migrate_and_backup(self):
        p = self.write("c.yaml", "database: var/relay.db\n")
        r = run("migrate", "-c", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        db = os.path.join(self.dir, "var", "relay.db")
        self.assertTrue(os.path.exists(db))
        out = os.path.join(self.dir, "copy.db")
        r = run("backup", "-c", p, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        con = sqlite3.connect(out)
        self.assertGreaterEqual(con.execute("select max(version) from schema_migrations").fetchone()[0], 1)
        con.close()
        # Refuses to overwrite.
        self.assertEqual(run("backup", "-c", p, out).returncode, 1)
        # A database newer than the binary is refused.
        con = sqlite3.connect(db)
        con.execute("insert into schema_migrations values (9999, 'future', 0)")
        con.commit()
        con.close()
        r = run("migrate", "-c", p)
        self.assertEqual(r.returncode, 1)
        self.assertIn("newer", r.stderr)

    def test_corrupt_database(self):
        db = self.write("junk.db", "this is not a database" * 100)
        p = self.write("c.yaml", f"database: junk.db\nlisten: 127.0.0.1:{free_port()}\n")
        r = run("serve", "-c", p)
        self.assertEqual(r.returncode, 1)
        self.assertIn("database", r.stderr)


class TestBackupWhileRunning(RelayTest):
    def test_backup_live(self):
        relay = self.start_relay()
        body = {"alerts": [{"labels": {"alertname": "B", "namespace": "bk"}}]}
        self.assertEqual(relay.post("/webhook/alertmanager", body).status, 202)
        relay.wait_for(lambda: relay.alerts(), what="stored")
        out = os.path.join(relay.dir, "live-copy.db")
        r = relay.cli("backup", "-c", relay.config_path, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        con = sqlite3.connect(out)
        self.assertEqual(con.execute("select count(*) from alerts").fetchone()[0], 1)
        con.close()


if __name__ == "__main__":
    main()
