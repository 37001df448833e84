#!/usr/bin/env python3
"""test_check_postfix.py — `smtpscope check` against a real, private Postfix.

One Postfix (tests/integration/postfix/fixture.sh) serves the whole module; every test
runs the binary named by $SMTPSCOPE with --format json and asserts the JSON (docs/json.md)
and the exit code. Every JSON answer is also checked for the full schema: all top-level
fields and all twelve stages in order. Secrets are checked never to appear, in plain or
base64 form, in stdout or stderr. Exit 77 (CTest skip) when the fixture cannot run here.

By hand:  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_check_postfix.py -v
One test: ... test_check_postfix.py CheckPostfix.test_rcpt_greylisted
Keep the fixture directory for inspection: SMTPSCOPE_KEEP_FIXTURE=1
"""

import base64
import json
import os
import socket
import subprocess
import time
import unittest

import fixturelib

SOURCE_DIR = fixturelib.SOURCE_DIR
BINARY = os.environ.get("SMTPSCOPE", "")

USER = "user@smtpscope.test"
PASSWORD = "s3cret-Pa55"
SKIP_RC = fixturelib.SKIP_RC

STAGES = ["resolve", "connect", "banner", "ehlo", "starttls", "tls", "ehlo_tls",
          "auth", "mail", "rcpt", "data", "quit"]
TOP_LEVEL = ["tool", "version", "schema", "command", "target", "verdict", "duration_ms",
             "stages", "connect_attempts", "tls", "capabilities", "auth_mechanisms",
             "auth_mechanism_used", "findings", "notes", "sweep", "transcript",
             "transcript_dropped"]

# Module state, set by setUpModule (other suites use them through this module).
FIX = fixturelib.Fixture("postfix", "smtpscope-postfix-")
FIX_DIR = None
PORTS = {}
CA = None


def setUpModule():
    global FIX_DIR, CA
    fixturelib.require_binary(BINARY)
    FIX.start()
    FIX_DIR = FIX.dir
    PORTS.update(FIX.env)
    CA = FIX.path("certs", "ca.pem")


def tearDownModule():
    FIX.stop()


def b64(data):
    return base64.b64encode(data).decode()


def secret_forms(user, password):
    """Every form in which a leaked password could show: plain, the SASL payloads of
    PLAIN and LOGIN in base64, and the password's base64 at all three alignments
    (the characters that do not depend on neighbouring bytes)."""
    u, p = user.encode(), password.encode()
    forms = {password, b64(p), b64(b"\0" + u + b"\0" + p), b64(u + b"\0" + u + b"\0" + p),
             b64(b"\0" + u.split(b"@")[0] + b"\0" + p)}
    for k in range(3):
        enc = b64(b"\0" * k + p + b"\0\0\0")
        first = -(-8 * k // 6)                  # ceil(8k/6)
        last = (8 * (k + len(p)) - 6) // 6      # last char made only of password bits
        forms.add(enc[first:last + 1])
    return sorted(forms)


class Run:
    """One smtpscope invocation and its outcome."""

    def __init__(self, args, rc, out, err, doc):
        self.args, self.rc, self.out, self.err, self.doc = args, rc, out, err, doc

    def __str__(self):
        return ("\n--- smtpscope %s\n--- exit %d\n--- stdout:\n%s\n--- stderr:\n%s"
                % (" ".join(self.args), self.rc, self.out, self.err))

    def ids(self):
        return [f.get("id") for f in self.doc.get("findings", [])] if self.doc else []

    def finding(self, fid):
        for f in (self.doc or {}).get("findings", []):
            if f.get("id") == fid:
                return f
        return None

    def stage(self, name):
        for s in (self.doc or {}).get("stages", []):
            if s.get("name") == name:
                return s
        return None

    def status(self, name):
        s = self.stage(name)
        return s.get("status") if s else None


class CheckPostfix(unittest.TestCase):
    maxDiff = None

    def smtpscope(self, args, password=None, fmt="json", timeout=60):
        env = {k: v for k, v in os.environ.items() if k != "SMTPSCOPE_PASSWORD"}
        if password is not None:
            env["SMTPSCOPE_PASSWORD"] = password
        full = ["check"] + list(args) + ["--format", fmt]
        p = subprocess.run([BINARY] + full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        doc = None
        r = Run(full, p.returncode, out, err, None)
        if fmt == "json":
            try:
                doc = json.loads(out)
            except ValueError as e:
                self.fail("stdout is not JSON (%s)%s" % (e, r))
            r.doc = doc
            self.check_schema(r)
        if password is not None:
            self.assert_no_secret(r, USER, password)
        return r

    def check_schema(self, r):
        d = r.doc
        self.assertIsInstance(d, dict, "top level is not an object%s" % r)
        missing = [k for k in TOP_LEVEL if k not in d]
        self.assertEqual(missing, [], "top-level fields missing%s" % r)
        self.assertEqual(d["tool"], "smtpscope", str(r))
        self.assertEqual(d["schema"], 1, str(r))
        self.assertEqual(d["command"], "check", str(r))
        self.assertIn(d["verdict"], ("pass", "warn", "fail", "tempfail"), str(r))
        names = [s.get("name") for s in d["stages"]]
        self.assertEqual(names, STAGES, "stages not all twelve in order%s" % r)
        for s in d["stages"]:
            self.assertIn(s.get("status"), ("skip", "pass", "warn", "fail"), str(r))
            for k in ("start_ms", "ms", "reply", "detail"):
                self.assertIn(k, s, "stage %s lacks %s%s" % (s.get("name"), k, r))
            if s["status"] == "skip":
                self.assertIsNone(s["start_ms"], "skipped stage has start_ms%s" % r)
                self.assertIsNone(s["reply"], "skipped stage has a reply%s" % r)
        for f in d["findings"]:
            for k in ("id", "severity", "stage", "temporary", "message", "advice"):
                self.assertIn(k, f, "finding lacks %s%s" % (k, r))
        expect_rc = {"pass": 0, "warn": 0, "fail": 1, "tempfail": 75}[d["verdict"]]
        self.assertEqual(r.rc, expect_rc, "exit code does not match the verdict%s" % r)

    def assert_no_secret(self, r, user, password):
        for form in secret_forms(user, password):
            for name, text in (("stdout", r.out), ("stderr", r.err)):
                self.assertNotIn(form, text, "secret form %r leaked in %s%s"
                                 % (form, name, r))

    def assert_finding(self, r, fid, severity=None):
        f = r.finding(fid)
        self.assertIsNotNone(f, "expected finding %s, got %s%s" % (fid, r.ids(), r))
        if severity:
            self.assertEqual(f["severity"], severity, "severity of %s%s" % (fid, r))
        return f

    def assert_rc(self, r, rc):
        self.assertEqual(r.rc, rc, "exit code%s" % r)

    def target(self, port_name):
        return "127.0.0.1:%d" % PORTS[port_name]

    def tls_args(self):
        return ["--ca-file", CA, "--servername", "localhost"]

    # ---- TLS ----------------------------------------------------------------

    def test_starttls_verified(self):
        r = self.smtpscope([self.target("SMTP_PORT"), "--tls", "starttls"] + self.tls_args())
        self.assert_rc(r, 0)
        self.assertEqual(r.doc["verdict"], "pass", str(r))
        for st in ("resolve", "connect", "banner", "ehlo", "starttls", "tls", "ehlo_tls"):
            if st == "resolve" and r.status(st) == "skip":
                continue  # an IP literal may skip DNS
            self.assertEqual(r.status(st), "pass", "stage %s%s" % (st, r))
        tls = r.doc["tls"]
        self.assertIsNotNone(tls, str(r))
        self.assertTrue(tls["verified"], str(r))
        self.assertTrue(tls["hostname_match"], str(r))
        self.assertEqual(r.doc["target"]["tls_mode"], "starttls", str(r))
        # STARTTLS offered in the plaintext EHLO, AUTH only in the one after TLS.
        before = " ".join(r.stage("ehlo")["reply"]["lines"])
        self.assertIn("STARTTLS", before, str(r))
        self.assertNotIn("AUTH", before, str(r))
        caps = r.doc["capabilities"]
        self.assertTrue(any(c.upper().startswith("AUTH") for c in caps), str(r))
        self.assertNotIn("STARTTLS", caps, str(r))
        for mech in ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"):
            self.assertIn(mech, r.doc["auth_mechanisms"], str(r))
        self.assertEqual(r.status("quit"), "pass", str(r))

    def test_starttls_untrusted_without_ca(self):
        r = self.smtpscope([self.target("SMTP_PORT"), "--tls", "starttls",
                            "--servername", "localhost"])
        self.assert_rc(r, 1)
        self.assert_finding(r, "tls.untrusted", "error")
        self.assertEqual(r.status("tls"), "fail", str(r))

    def test_starttls_insecure_downgrades_to_warning(self):
        r = self.smtpscope([self.target("SMTP_PORT"), "--tls", "starttls",
                            "--servername", "localhost", "--insecure"])
        self.assert_rc(r, 0)
        self.assert_finding(r, "tls.untrusted", "warning")
        self.assertEqual(r.status("ehlo_tls"), "pass", str(r))

    def test_hostname_mismatch(self):
        r = self.smtpscope([self.target("SMTP_PORT"), "--tls", "starttls", "--ca-file", CA,
                            "--servername", "wrong.example"])
        self.assert_rc(r, 1)
        self.assert_finding(r, "tls.hostname_mismatch", "error")

    def test_implicit_tls(self):
        r = self.smtpscope([self.target("SMTPS_PORT"), "--tls", "implicit"] + self.tls_args())
        self.assert_rc(r, 0)
        self.assertEqual(r.doc["verdict"], "pass", str(r))
        self.assertEqual(r.status("tls"), "pass", str(r))
        self.assertEqual(r.status("starttls"), "skip", str(r))
        self.assertTrue(r.doc["tls"]["verified"], str(r))
        self.assertEqual(r.doc["target"]["tls_mode"], "implicit", str(r))

    def test_implicit_tls_with_auth(self):
        r = self.smtpscope([self.target("SMTPS_PORT"), "--tls", "implicit", "--auth-user", USER]
                           + self.tls_args(), password=PASSWORD)
        self.assert_rc(r, 0)
        self.assertEqual(r.status("auth"), "pass", str(r))

    def test_starttls_on_implicit_port_is_port_mismatch(self):
        # The server waits for a ClientHello, so no banner ever comes.
        r = self.smtpscope([self.target("SMTPS_PORT"), "--tls", "starttls", "--timeout", "2"]
                           + self.tls_args(), timeout=30)
        self.assert_rc(r, 1)
        self.assert_finding(r, "tls.port_mismatch", "error")

    def test_implicit_on_starttls_port_is_port_mismatch(self):
        r = self.smtpscope([self.target("SMTP_PORT"), "--tls", "implicit", "--timeout", "2"]
                           + self.tls_args(), timeout=30)
        self.assert_rc(r, 1)
        self.assert_finding(r, "tls.port_mismatch", "error")

    def test_no_starttls_is_a_warning(self):
        r = self.smtpscope([self.target("NOTLS_PORT")])
        self.assert_rc(r, 0)
        self.assertEqual(r.doc["verdict"], "warn", str(r))
        self.assert_finding(r, "starttls.not_offered", "warning")
        self.assertIsNone(r.doc["tls"], str(r))

    def test_no_starttls_with_require_tls_fails(self):
        r = self.smtpscope([self.target("NOTLS_PORT"), "--require-tls"])
        self.assert_rc(r, 1)
        self.assert_finding(r, "starttls.not_offered")
        errors = [f["id"] for f in r.doc["findings"] if f["severity"] == "error"]
        self.assertTrue(set(errors) & {"starttls.not_offered", "tls.required_missing"},
                        "no TLS error finding%s" % r)

    # ---- AUTH ---------------------------------------------------------------

    def submission_auth(self, extra=(), password=PASSWORD):
        return self.smtpscope([self.target("SUBMISSION_PORT"), "--tls", "starttls",
                               "--auth-user", USER] + self.tls_args() + list(extra),
                              password=password)

    def test_auth_ok(self):
        r = self.submission_auth()
        self.assert_rc(r, 0)
        self.assertEqual(r.status("auth"), "pass", str(r))
        # The strongest offered: SCRAM-SHA-256 (the fixture offers all five).
        self.assertEqual(r.doc["auth_mechanism_used"], "SCRAM-SHA-256", str(r))
        self.assertEqual(r.doc["verdict"], "pass", str(r))

    def test_auth_each_mechanism_and_no_secret(self):
        for mech in ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"):
            with self.subTest(mech=mech):
                r = self.submission_auth(["--auth", mech, "-v"])
                self.assert_rc(r, 0)
                self.assertEqual(r.doc["auth_mechanism_used"], mech, str(r))
                self.assertTrue(r.doc["transcript"], "-v JSON has no transcript%s" % r)
                self.assertIn("<redacted>", r.out, str(r))

    def test_auth_password_file(self):
        pw = os.path.join(FIX_DIR, "password.txt")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")
        try:
            r = self.smtpscope([self.target("SUBMISSION_PORT"), "--tls", "starttls",
                                "--auth-user", USER, "--password-file", pw] + self.tls_args())
            self.assert_no_secret(r, USER, PASSWORD)
            self.assert_rc(r, 0)
            self.assertEqual(r.status("auth"), "pass", str(r))
        finally:
            os.unlink(pw)

    def test_auth_wrong_password(self):
        r = self.submission_auth(password="not-the-password")
        self.assert_rc(r, 1)
        self.assert_finding(r, "auth.failed", "error")
        self.assertEqual(r.status("auth"), "fail", str(r))
        self.assertEqual(r.stage("auth")["reply"]["code"], 535, str(r))

    def test_auth_scram_logs_in_and_verifies_the_server(self):
        # The real Cyrus SCRAM plugin: server-first and server-final arrive as 334
        # challenges (recorded), our two responses and the AUTH argument are redacted,
        # and the login passes only because the server's signature checked out.
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1"):
            with self.subTest(mech=mech):
                r = self.submission_auth(["--auth", mech, "-v"])
                self.assert_rc(r, 0)
                self.assertEqual(r.status("auth"), "pass", str(r))
                self.assertEqual(r.doc["auth_mechanism_used"], mech, str(r))
                self.assertEqual(r.stage("auth")["reply"]["code"], 235, str(r))
                sent = [e["line"] for e in r.doc["transcript"] if e.get("dir") == "send"]
                recv = [e["line"] for e in r.doc["transcript"] if e.get("dir") == "recv"]
                i = sent.index("AUTH %s <redacted>" % mech)
                self.assertEqual(sent[i + 1:i + 3], ["<redacted>", "<redacted>"], str(r))
                challenges = [l for l in recv if l.startswith("334 ")]
                self.assertEqual(len(challenges), 2, str(r))
                first = base64.b64decode(challenges[0][4:]).decode()
                final = base64.b64decode(challenges[1][4:]).decode()
                self.assertRegex(first, r"^r=[^,]+,s=[A-Za-z0-9+/=]+,i=\d+", str(r))
                self.assertTrue(final.startswith("v="), str(r))

    def test_auth_scram_wrong_password(self):
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1"):
            with self.subTest(mech=mech):
                r = self.submission_auth(["--auth", mech], password="not-the-password")
                self.assert_rc(r, 1)
                self.assert_finding(r, "auth.failed", "error")
                self.assertEqual(r.status("auth"), "fail", str(r))
                self.assertEqual(r.stage("auth")["reply"]["code"], 535, str(r))
                self.assert_no_secret(r, USER, "not-the-password")

    def test_auth_oauth_token_sources(self):
        # Postfix offers no OAuth mechanism: the token is read (from the command or the
        # environment), XOAUTH2 is refused as not offered, and the token never shows.
        token = "ya29.TOKEN-must-not-leak"
        base = [self.target("SUBMISSION_PORT"), "--tls", "starttls", "--auth-user", USER,
                "--auth", "XOAUTH2"] + self.tls_args()
        r = self.smtpscope(base + ["--oauth2-token-cmd", "printf '%s\\nsecond line'" % token,
                                   "-v"])
        self.assert_rc(r, 1)
        self.assert_finding(r, "auth.mechanism_unsupported")
        for text in (r.out, r.err):
            self.assertNotIn(token, text, str(r))
            self.assertNotIn("TOKEN-must-not-leak", text, str(r))
        # A failing command is a usage error naming its exit status, before any connection.
        r = self.smtpscope(base + ["--oauth2-token-cmd", "echo oops >&2; exit 3"], fmt="text")
        self.assert_rc(r, 64)
        self.assertIn("exit status 3", r.err, str(r))
        # An OAuth --auth without any token source is a usage error too.
        r = self.smtpscope(base, fmt="text")
        self.assert_rc(r, 64)
        self.assertIn("SMTPSCOPE_OAUTH2_TOKEN", r.err, str(r))
        # With a token and a password, the automatic choice falls back to SCRAM here.
        env_token = dict(os.environ, SMTPSCOPE_OAUTH2_TOKEN=token)
        p = subprocess.run([BINARY, "check", self.target("SUBMISSION_PORT"), "--tls", "starttls",
                            "--auth-user", USER, "--format", "json"] + self.tls_args(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(env_token, SMTPSCOPE_PASSWORD=PASSWORD), timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(json.loads(out)["auth_mechanism_used"], "SCRAM-SHA-256", out)
        self.assertNotIn(token, out + p.stderr.decode("utf-8", "replace"))

    def test_auth_offered_over_plaintext(self):
        r = self.smtpscope([self.target("PLAINAUTH_PORT")])
        self.assert_rc(r, 0)
        self.assert_finding(r, "auth.plaintext_exposed", "warning")

    def test_auth_over_plaintext_allowed_explicitly(self):
        r = self.smtpscope([self.target("PLAINAUTH_PORT"), "--auth-user", USER,
                            "--allow-plaintext-auth"], password=PASSWORD)
        self.assert_rc(r, 0)
        self.assertEqual(r.status("auth"), "pass", str(r))

    def test_submission_without_tls_needs_auth(self):
        r = self.smtpscope([self.target("SUBMISSION_PORT"), "--tls", "none",
                            "--from", "a@example.org", "--to", "user@smtpscope.test"])
        self.assert_rc(r, 1)
        mail = r.stage("mail")
        code = (mail.get("reply") or {}).get("code")
        self.assertTrue("auth.required" in r.ids() or code == 530,
                        "expected auth.required or a 530 at MAIL%s" % r)

    # ---- envelope -----------------------------------------------------------

    def envelope(self, to, port="SMTP_PORT", extra=()):
        return self.smtpscope([self.target(port), "--tls", "starttls", "--from",
                               "a@example.org", "--to", to] + self.tls_args() + list(extra))

    def test_rcpt_ok(self):
        r = self.envelope("user@smtpscope.test")
        self.assert_rc(r, 0)
        self.assertEqual(r.status("mail"), "pass", str(r))
        self.assertEqual(r.status("rcpt"), "pass", str(r))
        self.assertEqual(r.status("data"), "skip", str(r))

    def test_rcpt_unknown_user(self):
        r = self.envelope("nobody@smtpscope.test")
        self.assert_rc(r, 1)
        self.assert_finding(r, "rcpt.unknown_user", "error")
        self.assertEqual(r.stage("rcpt")["reply"]["code"], 550, str(r))

    def test_rcpt_relay_denied(self):
        r = self.envelope("someone@example.org")
        self.assert_rc(r, 1)
        self.assert_finding(r, "rcpt.relay_denied", "error")

    def test_rcpt_greylisted(self):
        r = self.envelope("greylisted@smtpscope.test")
        self.assert_rc(r, 75)
        self.assertEqual(r.doc["verdict"], "tempfail", str(r))
        f = self.assert_finding(r, "rcpt.greylisted")
        self.assertTrue(f["temporary"], str(r))

    def test_message_too_big(self):
        r = self.envelope("user@smtpscope.test", port="SMALL_PORT", extra=["--send"])
        self.assert_rc(r, 1)
        codes = [(s.get("reply") or {}).get("code") for s in r.doc["stages"]]
        self.assertTrue("size.exceeded" in r.ids()
                        or ("data.rejected" in r.ids() and 552 in codes),
                        "expected size.exceeded or data.rejected with 552%s" % r)

    def test_send_delivers_to_maildir(self):
        maildir = os.path.join(FIX_DIR, "mail", "smtpscope.test", "user", "new")
        before = set(os.listdir(maildir)) if os.path.isdir(maildir) else set()
        r = self.submission_auth(["--from", "send-test@smtpscope.test",
                                  "--to", "user@smtpscope.test", "--send"])
        self.assert_rc(r, 0)
        for st in ("auth", "mail", "rcpt", "data"):
            self.assertEqual(r.status(st), "pass", "stage %s%s" % (st, r))
        deadline = time.monotonic() + 10
        new = set()
        while time.monotonic() < deadline:
            if os.path.isdir(maildir):
                new = set(os.listdir(maildir)) - before
                if new:
                    break
            time.sleep(0.1)
        self.assertTrue(new, "no message arrived in %s within 10 s%s" % (maildir, r))
        found = False
        for name in new:
            with open(os.path.join(maildir, name), "rb") as f:
                if b"send-test@smtpscope.test" in f.read():
                    found = True
        self.assertTrue(found, "delivered message lacks the sender%s" % r)

    # ---- connection and output ----------------------------------------------

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        r = self.smtpscope(["127.0.0.1:%d" % port, "--timeout", "5"])
        self.assert_rc(r, 1)
        self.assert_finding(r, "connect.refused", "error")
        self.assertEqual(r.status("connect"), "fail", str(r))
        self.assertEqual(r.status("banner"), "skip", str(r))
        self.assertFalse(r.doc["connect_attempts"][0]["ok"], str(r))

    def test_verbose_text_has_transcript_and_redacts_auth(self):
        r = self.smtpscope([self.target("SUBMISSION_PORT"), "--tls", "starttls",
                            "--auth-user", USER, "--auth", "PLAIN", "-v"] + self.tls_args(),
                           password=PASSWORD, fmt="text")
        self.assert_rc(r, 0)
        for word in ("220 mail.smtpscope.test", "EHLO", "STARTTLS", "AUTH", "<redacted>"):
            self.assertIn(word, r.out, "text -v output lacks %r%s" % (word, r))


def main():
    fixturelib.main(FIX)


if __name__ == "__main__":
    main()
