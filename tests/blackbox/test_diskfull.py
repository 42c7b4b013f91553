"""A database that cannot commit (disk full): webhooks get 503 and nothing
acknowledged is lost; when the disk has room again everything resumes."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import SRCDIR, RelayTest, main

CC = shutil.which("cc") or shutil.which("gcc")


@unittest.skipIf(CC is None, "no C compiler to build the fault shim")
class TestDiskFull(RelayTest):
    def test_full_disk(self):
        d = tempfile.mkdtemp(prefix="faultfs-")
        self.addCleanup(shutil.rmtree, d, True)
        so = os.path.join(d, "faultfs.so")
        subprocess.run([CC, "-shared", "-fPIC", "-O1", "-o", so,
                        os.path.join(SRCDIR, "tests", "blackbox", "faultfs.c"), "-ldl"],
                       check=True)
        trigger = os.path.join(d, "full")
        env = {"LD_PRELOAD": so, "FAULTFS_TRIGGER": trigger,
               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
        relay = self.start_relay({"log": {"level": "info"}}, env=env)
        ok = []

        def send(i):
            b = {"alerts": [{"labels": {"alertname": "Disk", "namespace": "full", "i": str(i)},
                             "fingerprint": f"{i:016x}"}]}
            return relay.post("/webhook/alertmanager", b)

        for i in range(5):
            self.assertEqual(send(i).status, 202)
            ok.append(i)
        open(trigger, "w").close()
        refused = 0
        for i in range(5, 15):
            r = send(i)
            self.assertIn(r.status, (202, 503), r)
            if r.status == 503:
                self.assertIn("error", r.json())
                refused += 1
            else:
                ok.append(i)
        self.assertGreater(refused, 0)
        r = relay.get("/readyz")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(relay.get("/healthz").status, 200)
        os.unlink(trigger)
        relay.wait_for(lambda: send(99).status == 202, what="accepting again")
        ok.append(99)
        relay.wait_for(lambda: relay.get("/readyz").status == 200, what="ready again")
        ids = relay.wait_for(lambda: (lambda x: x if len(x) >= len(ok) else None)(
            {a["id"] for a in relay.alerts(namespace="full")}), what="every accepted alert")
        for i in ok:
            self.assertIn(f"alertmanager/{i:016x}", ids)
        self.assertEqual(relay.stop(), 0)


if __name__ == "__main__":
    main()
