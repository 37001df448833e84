"""test_security_mta2.py — the security audit against a second real MTA.

Exim 4 (GnuTLS, a TLS stack independent of smtpscope's OpenSSL) from the fixture in
tests/integration/mta2 (started once for the module through test_mta2_fixture's own
setUpModule, so the fixture logic lives in one place). Each listener has exactly one
defect, proved there with independent clients; here the real binary must find it:

  LEGACY_PORT     `smtpscope tls`: TLS 1.0 and 1.1 accepted (warnings) and the 3DES class
                  accepted, found with a hand-built ClientHello because this OpenSSL
                  cannot offer 3DES at all
  GOOD_PORT       `smtpscope tls`: nothing weak, no audit finding
  EXPIRED_PORT    `smtpscope check`: tls.cert_expired, days_left < 0 in tls.chain[0]
  WRONGHOST_PORT  `smtpscope check`: tls.hostname_mismatch for the name the user meant
  OPENRELAY_PORT  `smtpscope relay`: relay.open; GOOD_PORT: no case accepted

Exit 77 (CTest skip) when the fixture cannot run here; under CI=true the fixture fails.
By hand:  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_security_mta2.py -v
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib  # noqa: E402
import test_mta2_fixture as mta2  # noqa: E402  (the fixture's start/stop and ports)

BINARY = os.environ.get("SMTPSCOPE", "")


def setUpModule():
    fixturelib.require_binary(BINARY)
    mta2.setUpModule()


def tearDownModule():
    mta2.tearDownModule()


class SecurityAgainstExim(unittest.TestCase):
    maxDiff = None

    def run_json(self, args, timeout=180):
        p = subprocess.run([BINARY] + args + ["--format", "json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        ctx = "\n$ smtpscope %s\nrc=%d\n%s\n%s" % (" ".join(args), p.returncode,
                                                 p.stdout.decode(errors="replace")[-4000:],
                                                 p.stderr.decode(errors="replace")[-2000:])
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            self.fail("stdout is not JSON" + ctx)
        return p.returncode, doc, ctx

    def tls(self, port_key):
        return self.run_json(["tls", "127.0.0.1:%d" % mta2.ENV[port_key], "--ca-file", mta2.CA,
                              "--servername", mta2.ENV["MTA2_NAME"], "--no-dane",
                              "--timeout", "10"])

    def check(self, port_key):
        return self.run_json(["check", "127.0.0.1:%d" % mta2.ENV[port_key], "--tls", "starttls",
                              "--ca-file", mta2.CA, "--servername", mta2.ENV["MTA2_NAME"],
                              "--timeout", "10"])

    @staticmethod
    def ids(doc):
        return [f["id"] for f in doc["findings"]]

    @staticmethod
    def verdicts(doc, key):
        return {p["name"]: p["verdict"] for p in doc["tls_audit"][key]}

    def test_legacy_listener(self):
        rc, d, ctx = self.tls("LEGACY_PORT")
        v = self.verdicts(d, "versions")
        self.assertEqual(v, {"TLSv1.0": "accepted", "TLSv1.1": "accepted",
                             "TLSv1.2": "accepted", "TLSv1.3": "accepted"}, ctx)
        c = self.verdicts(d, "ciphers")
        self.assertEqual(c["3DES"], "accepted", ctx)
        for name in ("NULL", "EXPORT", "RC4", "anonymous"):
            self.assertEqual(c[name], "refused", name + ctx)
        des = [p for p in d["tls_audit"]["ciphers"] if p["name"] == "3DES"][0]
        self.assertIn("3DES_EDE_CBC", des["negotiated"], ctx)
        for fid in ("tls_audit.tls10_accepted", "tls_audit.tls11_accepted",
                    "tls_audit.cipher_3des"):
            self.assertIn(fid, self.ids(d), ctx)
        self.assertEqual(d["verdict"], "warn", ctx)
        self.assertEqual(rc, 0, ctx)

    def test_good_listener(self):
        rc, d, ctx = self.tls("GOOD_PORT")
        v = self.verdicts(d, "versions")
        self.assertEqual((v["TLSv1.0"], v["TLSv1.1"]), ("refused", "refused"), ctx)
        self.assertEqual((v["TLSv1.2"], v["TLSv1.3"]), ("accepted", "accepted"), ctx)
        self.assertEqual(set(self.verdicts(d, "ciphers").values()), {"refused"}, ctx)
        self.assertEqual([i for i in self.ids(d) if i.startswith("tls_audit.")], [], ctx)
        self.assertTrue(d["tls"]["verified"], ctx)
        self.assertEqual(rc, 0, ctx)

    def test_expired_certificate(self):
        rc, d, ctx = self.check("EXPIRED_PORT")
        self.assertIn("tls.cert_expired", self.ids(d), ctx)
        self.assertLess(d["tls"]["chain"][0]["days_left"], 0, ctx)
        self.assertFalse(d["tls"]["verified"], ctx)
        self.assertEqual(rc, 1, ctx)

    def test_wrong_host_certificate(self):
        rc, d, ctx = self.check("WRONGHOST_PORT")
        self.assertIn("tls.hostname_mismatch", self.ids(d), ctx)
        self.assertNotIn("tls.cert_expired", self.ids(d), ctx)
        self.assertFalse(d["tls"]["hostname_match"], ctx)
        self.assertEqual(rc, 1, ctx)

    def relay(self, port_key):
        return self.run_json(["relay", "127.0.0.1:%d" % mta2.ENV[port_key], "--ca-file", mta2.CA,
                              "--servername", mta2.ENV["MTA2_NAME"], "--domain",
                              mta2.ENV["MTA2_NAME"], "--timeout", "10"], timeout=300)

    def test_open_relay(self):
        rc, d, ctx = self.relay("OPENRELAY_PORT")
        accepted = [c["id"] for c in d["relay"]["cases"] if c["verdict"] == "accepted"]
        self.assertIn("external_to_external", accepted, ctx)
        self.assertIn("null_sender_external", accepted, ctx)
        self.assertIn("relay.open", self.ids(d), ctx)
        self.assertEqual(rc, 1, ctx)
        # RSET after every RCPT, DATA never: nothing reached Exim's DATA stage.
        log = os.path.join(mta2.FIX_DIR, "log", "mainlog")
        with open(log, errors="replace") as f:
            text = f.read()
        self.assertIn("daemon started", text, ctx)
        self.assertNotIn("smtpscope fixture: discarded", text, ctx)

    def test_closed_relay(self):
        rc, d, ctx = self.relay("GOOD_PORT")
        accepted = [c["id"] for c in d["relay"]["cases"] if c["verdict"] == "accepted"]
        self.assertEqual(accepted, [], ctx)
        self.assertNotIn("relay.open", self.ids(d), ctx)
        self.assertEqual(rc, 0, ctx)


if __name__ == "__main__":
    fixturelib.main(mta2.FIX)
