#!/usr/bin/env python3
"""test_tls_audit.py — `smtpscope tls` (the TLS audit) against the real, private Postfix.

The fixture (tests/integration/postfix/fixture.sh) is started and stopped through the
helpers of test_check_postfix.py. Each test runs the binary named by $SMTPSCOPE with
--format json and checks the `tls_audit` object (docs/json.md#tls_audit), the findings and
the exit code. The per-version and per-class verdicts are compared with an independent
oracle, `openssl s_client -starttls smtp` offering the same single version or cipher
class at security level 0, so the test holds whatever the fixture's TLS policy is (Postfix
sets its own protocol and cipher policy and, by default, accepts TLS 1.0/1.1 and anonymous
ciphers for opportunistic TLS). Exit 77 (CTest skip) when the fixture cannot run.

By hand:  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_tls_audit.py -v
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixturelib  # noqa: E402
import test_check_postfix as pf  # noqa: E402  (fixture start/stop, Run)

VERSIONS = ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
CLASSES = ["NULL", "EXPORT", "RC4", "3DES", "anonymous"]
VERSION_FLAGS = {"TLSv1.0": "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2",
                 "TLSv1.3": "-tls1_3"}
# What the audit offers per class (src/checks/security/tls_audit.c).
CLASS_CIPHERS = {"NULL": "eNULL", "EXPORT": "EXPORT", "RC4": "RC4", "3DES": "3DES",
                 "anonymous": "aNULL:!eNULL"}
AUDIT_KEYS = ["host", "port", "address", "mx_host", "tls_mode", "submission", "versions",
              "ciphers", "starttls_offered", "auth_before_starttls",
              "plaintext_auth_mechanisms", "starttls_required", "mail_before_starttls", "dane",
              "injection", "stopped", "connections", "duration_ms", "transcript",
              "transcript_dropped"]


def setUpModule():
    pf.setUpModule()


def tearDownModule():
    pf.tearDownModule()


def oracle(port, args, implicit=False):
    """True when openssl s_client completes a handshake offering `args`; None when this
    OpenSSL cannot even offer them (no cipher matches)."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
           "-servername", "localhost"] + args
    if not implicit:
        cmd[2:2] = ["-starttls", "smtp"]
    p = subprocess.run(cmd, input=b"Q\n", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    out = p.stdout.decode("utf-8", "replace")
    if "no cipher match" in out:
        return None
    m = re.search(r"Cipher is (\S+)", out)
    return bool(m and m.group(1) != "(NONE)")


class TlsAudit(unittest.TestCase):
    maxDiff = None

    def tls(self, port_name, args=(), timeout=120, fmt="json"):
        full = ["tls", "127.0.0.1:%d" % pf.PORTS[port_name], "--ca-file", pf.CA,
                "--servername", "localhost", "--timeout", "10"] + list(args) + ["--format", fmt]
        env = {k: v for k, v in os.environ.items() if k != "SMTPSCOPE_PASSWORD"}
        t0 = time.monotonic()
        p = subprocess.run([pf.BINARY] + full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=timeout)
        r = pf.Run(full, p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), None)
        r.elapsed = time.monotonic() - t0
        if fmt == "json":
            try:
                r.doc = json.loads(r.out)
            except ValueError as e:
                self.fail("stdout is not JSON (%s)%s" % (e, r))
            self.check_doc(r)
        return r

    def check_doc(self, r):
        d = r.doc
        self.assertEqual(d["command"], "tls", str(r))
        names = [s.get("name") for s in d["stages"]]
        self.assertEqual(names, pf.STAGES, str(r))
        for k in pf.TOP_LEVEL:
            if k != "command":
                self.assertIn(k, d, "top-level %s missing%s" % (k, r))
        a = d.get("tls_audit")
        self.assertIsInstance(a, dict, "no tls_audit object%s" % r)
        self.assertEqual(list(a.keys()), AUDIT_KEYS, str(r))
        self.assertEqual([v["name"] for v in a["versions"]], VERSIONS, str(r))
        self.assertEqual([c["name"] for c in a["ciphers"]], CLASSES, str(r))
        keys = list(d.keys())
        self.assertLess(keys.index("tls_audit"), keys.index("findings"), str(r))
        expect_rc = {"pass": 0, "warn": 0, "fail": 1, "tempfail": 75}[d["verdict"]]
        self.assertEqual(r.rc, expect_rc, "exit code does not match the verdict%s" % r)

    def verdicts(self, r, key):
        return {p["name"]: p["verdict"] for p in r.doc["tls_audit"][key]}

    def ids(self, r):
        return [f["id"] for f in r.doc["findings"]]

    def assert_matches_oracle(self, r, port_name, implicit=False):
        port = pf.PORTS[port_name]
        versions = self.verdicts(r, "versions")
        for v in VERSIONS:
            args = [VERSION_FLAGS[v]]
            if v != "TLSv1.3":
                args += ["-cipher", "ALL:!eNULL:!aNULL:@SECLEVEL=0"]
            want = oracle(port, args, implicit)
            self.assertEqual(versions[v], "accepted" if want else "refused",
                             "%s: openssl says %s%s" % (v, want, r))
            fid = {"TLSv1.0": "tls_audit.tls10_accepted",
                   "TLSv1.1": "tls_audit.tls11_accepted"}.get(v)
            if fid:
                self.assertEqual(fid in self.ids(r), bool(want), "%s%s" % (fid, r))
        ciphers = self.verdicts(r, "ciphers")
        for c in CLASSES:
            want = oracle(port, ["-no_tls1_3", "-cipher", CLASS_CIPHERS[c] + ":@SECLEVEL=0"],
                          implicit)
            # A class openssl cannot offer (3DES, RC4, EXPORT here) is asked with a
            # raw ClientHello; Postfix, on the same OpenSSL, cannot choose it either.
            expect = "accepted" if want else "refused"
            self.assertEqual(ciphers[c], expect, "%s: openssl says %s%s" % (c, want, r))

    # ---- tests ----------------------------------------------------------------

    def test_smtp_port(self):
        r = self.tls("SMTP_PORT")
        a = r.doc["tls_audit"]
        v = self.verdicts(r, "versions")
        self.assertEqual(v["TLSv1.2"], "accepted", str(r))
        self.assertEqual(v["TLSv1.3"], "accepted", str(r))
        self.assertIn("TLSv1.3", a["versions"][3]["negotiated"], str(r))
        c = self.verdicts(r, "ciphers")
        self.assertEqual(c["NULL"], "refused", str(r))
        for k in ("EXPORT", "RC4", "3DES"):
            self.assertIn(c[k], ("refused", "untestable"), str(r))
        self.assert_matches_oracle(r, "SMTP_PORT")
        self.assertEqual(a["tls_mode"], "starttls", str(r))
        self.assertEqual(a["starttls_offered"], "yes", str(r))
        self.assertEqual(a["auth_before_starttls"], "no", str(r))
        self.assertEqual(a["plaintext_auth_mechanisms"], [], str(r))
        self.assertNotIn("tls_audit.auth_before_starttls", self.ids(r), str(r))
        # Port 25-style opportunistic TLS: MAIL before STARTTLS is a note, not a finding.
        self.assertEqual(a["starttls_required"], "no", str(r))
        self.assertEqual(a["mail_before_starttls"]["code"], 250, str(r))
        self.assertNotIn("tls_audit.starttls_not_required", self.ids(r), str(r))
        self.assertTrue(any("RFC 3207" in n for n in r.doc["notes"]), str(r))
        self.assertIsNone(a["stopped"], str(r))
        self.assertEqual(a["address"], "127.0.0.1", str(r))
        self.assertNotIn("tls_audit.incomplete", self.ids(r), str(r))
        # The check's certificate report is there too.
        self.assertTrue(r.doc["tls"]["verified"], str(r))
        self.assertEqual(a["dane"]["state"], "not_checked", str(r))
        self.assertEqual(a["injection"]["state"], "not_run", str(r))
        # One probe per connection: plaintext + every version/class that was testable.
        ran = 1 + sum(1 for p in a["versions"] + a["ciphers"]
                      if p["verdict"] not in ("untestable", "not_run"))
        self.assertEqual(a["connections"], ran, str(r))
        self.assertEqual(sum(1 for e in a["transcript"]
                             if e["dir"] == "info" and e["line"].startswith("tls audit:")),
                         ran, str(r))

    def test_submission_flag_makes_mail_before_starttls_a_warning(self):
        r = self.tls("SMTP_PORT", ["--submission", "--no-dane"])
        a = r.doc["tls_audit"]
        self.assertTrue(a["submission"], str(r))
        f = [x for x in r.doc["findings"] if x["id"] == "tls_audit.starttls_not_required"]
        self.assertEqual(len(f), 1, str(r))
        self.assertEqual(f[0]["severity"], "warning", str(r))

    def test_submission_port_requires_starttls(self):
        r = self.tls("SUBMISSION_PORT", ["--submission"])
        a = r.doc["tls_audit"]
        self.assertEqual(a["starttls_required"], "yes", str(r))
        self.assertEqual(a["mail_before_starttls"]["code"], 530, str(r))
        self.assertNotIn("tls_audit.starttls_not_required", self.ids(r), str(r))
        self.assertEqual(self.verdicts(r, "versions")["TLSv1.2"], "accepted", str(r))

    def test_plainauth_port(self):
        r = self.tls("PLAINAUTH_PORT")
        a = r.doc["tls_audit"]
        self.assertEqual(a["auth_before_starttls"], "yes", str(r))
        self.assertIn("PLAIN", a["plaintext_auth_mechanisms"], str(r))
        # The check already said it (auth.plaintext_exposed): the audit does not repeat it.
        self.assertIn("auth.plaintext_exposed", self.ids(r), str(r))
        self.assertNotIn("tls_audit.auth_before_starttls", self.ids(r), str(r))
        # No STARTTLS: the audit says so and probes nothing.
        self.assertEqual(a["starttls_offered"], "no", str(r))
        self.assertIn("tls_audit.starttls_unavailable", self.ids(r), str(r))
        self.assertIsNotNone(a["stopped"], str(r))
        self.assertEqual(set(self.verdicts(r, "versions").values()), {"not_run"}, str(r))
        self.assertEqual(set(self.verdicts(r, "ciphers").values()), {"not_run"}, str(r))
        self.assertEqual(a["connections"], 1, str(r))
        self.assertEqual(r.rc, 1, str(r))

    def test_implicit_tls(self):
        r = self.tls("SMTPS_PORT", ["--tls", "implicit"])
        a = r.doc["tls_audit"]
        self.assertEqual(a["tls_mode"], "implicit", str(r))
        self.assertEqual(a["auth_before_starttls"], "no", str(r))
        self.assertEqual(a["starttls_required"], "yes", str(r))
        self.assertIsNone(a["mail_before_starttls"], str(r))
        self.assert_matches_oracle(r, "SMTPS_PORT", implicit=True)

    def test_text_output(self):
        r = self.tls("SMTP_PORT", ["-v", "--no-dane"], fmt="text")
        self.assertIn("TLS audit", r.out, str(r))
        self.assertIn("TLSv1.3    accepted", r.out, str(r))
        self.assertIn("tls audit: TLSv1.0 probe", r.out, str(r))  # -v: the transcript
        self.assertNotIn("\x1b", r.out, str(r))

    def test_delay_is_honoured(self):
        # A lower bound only: the connections were at least --delay apart.
        r = self.tls("SMTP_PORT", ["--delay", "0.3", "--no-dane"])
        a = r.doc["tls_audit"]
        self.assertGreaterEqual(a["connections"], 5, str(r))
        self.assertGreaterEqual(a["duration_ms"], (a["connections"] - 1) * 300, str(r))

    def test_injection_without_starttls_is_inconclusive(self):
        r = self.tls("PLAINAUTH_PORT", ["--probe-injection"])
        inj = r.doc["tls_audit"]["injection"]
        self.assertEqual(inj["state"], "inconclusive", str(r))
        self.assertIsNotNone(inj["detail"], str(r))

    def test_check_tls_audit(self):
        # `check --tls-audit` runs the same audit after the check, on the port the
        # check settled on, and the document stays a check document.
        full = ["check", "127.0.0.1:%d" % pf.PORTS["SMTP_PORT"], "--ca-file", pf.CA,
                "--servername", "localhost", "--timeout", "10", "--tls-audit", "--no-dane",
                "--format", "json"]
        p = subprocess.run([pf.BINARY] + full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        d = json.loads(p.stdout)
        self.assertEqual(d["command"], "check", p.stdout)
        a = d["tls_audit"]
        self.assertEqual([v["name"] for v in a["versions"]], VERSIONS)
        self.assertEqual(a["port"], pf.PORTS["SMTP_PORT"])
        self.assertEqual({v["name"]: v["verdict"] for v in a["versions"]}["TLSv1.3"], "accepted")
        # Without --tls-audit there is no audit at all.
        p = subprocess.run([pf.BINARY] + [x for x in full if x not in ("--tls-audit", "--no-dane")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertNotIn("tls_audit", json.loads(p.stdout))
        # The smuggling probe takes exactly one --to.
        p = subprocess.run([pf.BINARY, "check", "127.0.0.1:1", "--probe-smuggling", "--from",
                            "a@example.org", "--to", "b@example.org", "--to", "c@example.org"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 64, p.stderr)

    def test_closed_port_ends_quickly(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        full = ["tls", "127.0.0.1:%d" % port, "--timeout", "3", "--format", "json"]
        p = subprocess.run([pf.BINARY] + full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        d = json.loads(p.stdout)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("connect.refused", [f["id"] for f in d["findings"]])
        self.assertEqual(d["tls_audit"]["connections"], 0)
        self.assertIn("could not connect", d["tls_audit"]["stopped"])

    def test_usage_errors(self):
        cases = [
            ["tls", "127.0.0.1:1", "127.0.0.1:2"],             # one target per run
            ["tls", "127.0.0.1:1", "--probe-smuggling"],       # needs --from and --to
            ["tls", "127.0.0.1:1", "--to", "a@example.org"],   # --to only with smuggling
            ["tls", "127.0.0.1:1", "--delay", "-1"],
            ["tls", "127.0.0.1:1", "--tls", "none"],
            ["tls"],
        ]
        for args in cases:
            p = subprocess.run([pf.BINARY] + args, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 64, "%s: %s" % (args, p.stderr))
            self.assertEqual(p.stdout, b"", args)


def main():
    if not shutil.which("openssl"):
        print("openssl not found: skipped", file=sys.stderr)
        sys.exit(pf.SKIP_RC)
    fixturelib.main(pf.FIX)


if __name__ == "__main__":
    main()
