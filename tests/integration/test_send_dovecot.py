#!/usr/bin/env python3
"""test_send_dovecot.py — `smtpscope send` against a real, private Dovecot.

The fixture (tests/integration/dovecot/fixture.sh) runs Dovecot 2.3 with LMTP and
submission on loopback, plus smtp-sink as submission's relay host. One fixture serves the
whole module. Each test runs the binary named by $SMTPSCOPE with --format json (docs/json.md:
`message`, `recipients`) and asserts the JSON and the exit code:

- LMTP (--protocol lmtp): two known recipients and an unknown one between them — one
  final reply per accepted recipient after DATA, each matched to its own recipient (Dovecot
  names the address in every reply), partial acceptance, exit 1; the delivered copies are
  read back from both Maildirs and compared with the message sent.
- Submission: SCRAM-SHA-256, SCRAM-SHA-1 (and PLAIN, LOGIN) with the password, and
  OAUTHBEARER and XOAUTH2 with a JWT from --oauth2-token-cmd (signed here with the
  fixture's HS256 key, hmac + base64 only); the relayed copy is found in smtp-sink's dump
  with the authenticated identity (AUTH= on MAIL). A wrong password, a token with a bad
  signature and an expired token end as auth.failed, exit 1, nothing sent.
The password and every token are checked never to appear, plain or base64, in stdout or
stderr. Exit 77 (CTest skip) when the fixture cannot run here.

By hand:  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_send_dovecot.py -v
Keep the fixture directory for inspection: SMTPSCOPE_KEEP_FIXTURE=1
"""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixturelib  # noqa: E402
import test_check_postfix as pf  # noqa: E402  (Run, secret_forms only: no Postfix here)

BINARY = os.environ.get("SMTPSCOPE", "")

DOMAIN = "smtpscope.test"
USER = "user@" + DOMAIN
PASSWORD = "s3cret-Pa55"
OTHER = "other@" + DOMAIN
UNKNOWN = "nobody@" + DOMAIN
OUTSIDE = "someone@example.org"  # relayed by submission to smtp-sink
TRACE = ("return-path", "delivered-to", "received")

# The Dovecot of the module: FIX.dir, FIX.env (ports.env), started by setUpModule.
FIX = fixturelib.Fixture("dovecot", "smtpscope-dovecot-")


def setUpModule():
    fixturelib.require_binary(BINARY)
    FIX.start()


def tearDownModule():
    FIX.stop()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_jwt(user, exp_offset=3600, key=None):
    """An HS256 JWT as Dovecot's oauth2 passdb validates it locally: sub and email (its
    username_attribute) = user, signed with the fixture's key unless key is given."""
    if key is None:
        with open(FIX.path("keys", "default", "HS256", "default")) as f:
            key = base64.b64decode(f.read())
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"sub": user, "email": user, "iat": now - 60,
                              "exp": now + exp_offset}).encode())
    sig = b64url(hmac.new(key, (head + "." + body).encode(), hashlib.sha256).digest())
    return head + "." + body + "." + sig


def strip_trace(raw):
    """The message after the trace fields a server adds on top (folded lines too),
    with line ends made LF (Dovecot's Maildir copies are LF)."""
    out, skipping = [], True
    for line in raw.replace(b"\r\n", b"\n").split(b"\n"):
        if skipping and (line[:1] in (b" ", b"\t") or
                         line.split(b":", 1)[0].strip().lower().decode() in TRACE):
            continue
        skipping = False
        out.append(line)
    return b"\n".join(out)


class SendDovecot(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="smtpscope-send-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def file(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def send(self, args, port, password=None, token=None, fmt="json"):
        """Run `smtpscope send`; password via SMTPSCOPE_PASSWORD, token via
        --oauth2-token-cmd reading a file. Asserts neither appears in any output."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("SMTPSCOPE_PASSWORD", "SMTPSCOPE_OAUTH2_TOKEN")}
        full = ["send", "--server", "127.0.0.1:%d" % port,
                "--ca-file", FIX.path("certs", "ca.pem"),
                "--servername", "localhost", "--timeout", "30"]
        if password is not None or token is not None:
            full += ["--auth-user", USER]
        if password is not None:
            env["SMTPSCOPE_PASSWORD"] = password
        if token is not None:
            full += ["--oauth2-token-cmd", "cat " + self.file("token", token.encode())]
        full += list(args) + ["--format", fmt]
        p = subprocess.run([BINARY] + full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, env=env, timeout=120)
        r = pf.Run(full, p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), None)
        if fmt == "json":
            try:
                r.doc = json.loads(r.out)
            except ValueError as e:
                self.fail("stdout is not JSON (%s)%s" % (e, r))
            self.assertEqual(r.doc["command"], "send", str(r))
            for k in ("message", "recipients"):
                self.assertIn(k, r.doc, str(r))
        for secret in (password, token):
            if secret is None:
                continue
            for form in pf.secret_forms(USER, secret):
                self.assertNotIn(form, r.out, "secret in stdout%s" % r)
                self.assertNotIn(form, r.err, "secret in stderr%s" % r)
        return r

    def maildir_copy(self, user, message_id):
        """The file in user's Maildir (new/) holding message_id, as bytes, or None.
        LMTP has delivered before it answers, so no waiting is needed."""
        local = user.split("@")[0]
        new = FIX.path("mail", DOMAIN, local, "new")
        needle = ("Message-ID: " + message_id).encode()
        for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
            with open(os.path.join(new, name), "rb") as f:
                data = f.read()
            if needle in data:
                return data
        return None

    def relayed(self, message_id):
        """smtp-sink's dump of the message submission relayed, or None. Dovecot relays
        before it answers the client's DATA, and smtp-sink writes the dump before it
        answers Dovecot's, so no waiting is needed either."""
        needle = ("Message-ID: " + message_id).encode()
        d = FIX.path("relayed")
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            if needle in data:
                return data
        return None

    def accepted(self, r, n=1):
        self.assertEqual(r.rc, 0, str(r))
        m = r.doc["message"]
        self.assertIsNotNone(m, str(r))
        self.assertEqual(m["status"], "accepted", str(r))
        self.assertFalse(m["partial"], str(r))
        self.assertEqual([x["status"] for x in r.doc["recipients"]], ["accepted"] * n, str(r))
        return m

    def auth_failed(self, r):
        self.assertEqual(r.rc, 1, str(r))
        self.assertIn("auth.failed", r.ids(), str(r))
        self.assertEqual(r.status("auth"), "fail", str(r))
        sent = [t["line"].upper() for t in r.doc["transcript"] if t["dir"] == "send"]
        self.assertFalse([s for s in sent if s.startswith(("MAIL", "RCPT", "DATA"))],
                         "a transaction after a failed AUTH%s" % r)
        m = r.doc["message"]
        self.assertTrue(m is None or m["status"] == "not_tried", str(r))
        if m is not None:
            self.assertIsNone(self.relayed(m["id"]), str(r))

    # ---- LMTP ----

    def test_lmtp_per_recipient_replies(self):
        mid = "<lmtp.%d.%d@%s>" % (os.getpid(), int(time.time() * 1000), DOMAIN)
        lines = ["From: %s" % USER, "To: %s, %s" % (USER, OTHER), "Subject: lmtp",
                 "Date: Mon, 1 Jan 2026 00:00:00 +0000", "Message-ID: " + mid,
                 "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii", "",
                 "body line", ".a line starting with a dot", "..two dots", "", "last"]
        original = ("\r\n".join(lines) + "\r\n").encode()
        path = self.file("m.eml", original)
        # The unknown recipient sits between the known ones: the replies after DATA
        # come only for accepted recipients, and must still land on the right ones.
        r = self.send(["--protocol", "lmtp", "--from", USER, "--to", USER, "--to", UNKNOWN,
                       "--to", OTHER, "--data", "@" + path], FIX.env["LMTP_PORT"])
        self.assertEqual(r.rc, 1, str(r))
        m = r.doc["message"]
        self.assertEqual(m["status"], "accepted", str(r))
        self.assertTrue(m["partial"], str(r))
        self.assertEqual(m["id"], mid, str(r))
        self.assertIn("send.partial", r.ids(), str(r))
        rcpts = r.doc["recipients"]
        self.assertEqual([x["address"] for x in rcpts], [USER, UNKNOWN, OTHER], str(r))
        self.assertEqual([x["status"] for x in rcpts], ["accepted", "bounced", "accepted"],
                         str(r))
        bad = rcpts[1]
        self.assertEqual(bad["reply"]["code"], 550, str(r))
        self.assertEqual(bad["enhanced"], "5.1.1", str(r))
        self.assertTrue(bad["explanation"], str(r))
        for x in (rcpts[0], rcpts[2]):
            self.assertEqual(x["reply"]["code"], 250, str(r))
            # Dovecot names the recipient in its per-recipient DATA reply: proof that
            # each final reply was matched to its own recipient.
            self.assertIn("<%s>" % x["address"], " ".join(x["reply"]["lines"]), str(r))
        # On the wire: LHLO, and the two final replies after the end of data.
        sent = [t["line"] for t in r.doc["transcript"] if t["dir"] == "send"]
        self.assertTrue(any(s.startswith("LHLO ") for s in sent), str(r))
        self.assertFalse(any(s.startswith(("EHLO ", "HELO ")) for s in sent), str(r))
        tr = r.doc["transcript"]
        dot = max(i for i, t in enumerate(tr) if t["dir"] == "send" and t["line"] == ".")
        finals = [t["line"] for t in tr[dot + 1:] if t["dir"] == "recv"
                  and t["line"][:3] in ("250", "450", "451", "452", "550", "552", "554")]
        self.assertEqual(len(finals), 2, str(r))
        # The delivered copies, read back: the message as sent (in LF form) under
        # Dovecot's trace fields; none for the unknown user.
        for user in (USER, OTHER):
            with self.subTest(user=user):
                raw = self.maildir_copy(user, mid)
                self.assertIsNotNone(raw, "no copy for %s%s" % (user, r))
                self.assertEqual(strip_trace(raw), original.replace(b"\r\n", b"\n"))
        self.assertFalse(os.path.exists(FIX.path("mail", DOMAIN, "nobody")))

    def test_lmtp_composed_not_pipelined(self):
        text = "Grüße\nzweite Zeile\n.dot line\n"
        r = self.send(["--protocol", "lmtp", "--no-pipelining", "--from", USER,
                       "--to", USER, "--to", OTHER, "--subject", "lmtp ✓", "--body", text],
                      FIX.env["LMTP_PORT"])
        m = self.accepted(r, 2)
        self.assertFalse(m["pipelined"], str(r))
        for user in (USER, OTHER):
            raw = self.maildir_copy(user, m["id"])
            self.assertIsNotNone(raw, "no copy for %s%s" % (user, r))
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            self.assertEqual(str(msg["Subject"]), "lmtp ✓")
            self.assertEqual(msg["Message-ID"], m["id"])
            self.assertEqual(msg.get_content().replace("\r\n", "\n"), text)

    def test_lmtp_all_refused(self):
        r = self.send(["--protocol", "lmtp", "--from", USER, "--to", UNKNOWN,
                       "--body", "nobody home"], FIX.env["LMTP_PORT"])
        self.assertEqual(r.rc, 1, str(r))
        self.assertEqual([x["status"] for x in r.doc["recipients"]], ["bounced"], str(r))
        sent = [t["line"] for t in r.doc["transcript"] if t["dir"] == "send"]
        self.assertNotIn(".", sent, "message data sent with no recipient accepted%s" % r)

    # ---- submission: passwords ----

    def test_submission_password_mechanisms(self):
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN"):
            with self.subTest(mech=mech):
                r = self.send(["--auth", mech, "--from", USER, "--to", OUTSIDE,
                               "--subject", "mech " + mech, "--body", "hello"],
                              FIX.env["SUBMISSION_PORT"], password=PASSWORD)
                m = self.accepted(r)
                self.assertEqual(r.doc["auth_mechanism_used"], mech, str(r))
                self.assertEqual(r.doc["target"]["tls_mode"], "starttls", str(r))
                self.assertEqual(r.status("auth"), "pass", str(r))
                raw = self.relayed(m["id"])
                self.assertIsNotNone(raw, "not relayed%s" % r)
                self.assertIn(("X-Mail-Args: <%s> AUTH=%s" % (USER, USER)).encode(), raw)
                self.assertIn(("X-Rcpt-Args: <%s>" % OUTSIDE).encode(), raw)

    def test_submission_default_mechanism_is_scram(self):
        r = self.send(["--from", USER, "--to", OUTSIDE, "--body", "default"],
                      FIX.env["SUBMISSION_PORT"], password=PASSWORD)
        self.accepted(r)
        self.assertEqual(r.doc["auth_mechanism_used"], "SCRAM-SHA-256", str(r))

    def test_submission_wrong_password(self):
        wrong = "Wr0ng-pass-word"
        r = self.send(["--auth", "SCRAM-SHA-256", "--from", USER, "--to", OUTSIDE,
                       "--body", "x"], FIX.env["SUBMISSION_PORT"], password=wrong)
        self.auth_failed(r)

    # ---- submission: OAuth 2.0 ----

    def test_oauth_mechanisms(self):
        for mech in ("OAUTHBEARER", "XOAUTH2"):
            with self.subTest(mech=mech):
                token = mint_jwt(USER)
                r = self.send(["--auth", mech, "--from", USER, "--to", OUTSIDE,
                               "--subject", "oauth " + mech, "--body", "hello"],
                              FIX.env["SUBMISSION_PORT"], token=token)
                m = self.accepted(r)
                self.assertEqual(r.doc["auth_mechanism_used"], mech, str(r))
                raw = self.relayed(m["id"])
                self.assertIsNotNone(raw, "not relayed%s" % r)
                self.assertIn(("AUTH=%s" % USER).encode(), raw)
                # The text report with the transcript (-v) keeps the token out too.
                r = self.send(["--auth", mech, "--from", USER, "--to", OUTSIDE,
                               "--body", "hello", "-v"], FIX.env["SUBMISSION_PORT"],
                              token=token, fmt="text")
                self.assertEqual(r.rc, 0, str(r))
                self.assertIn("AUTH " + mech, r.out, str(r))

    def test_oauth_preferred_with_a_token(self):
        r = self.send(["--from", USER, "--to", OUTSIDE, "--body", "default oauth"],
                      FIX.env["SUBMISSION_PORT"], token=mint_jwt(USER))
        self.accepted(r)
        self.assertEqual(r.doc["auth_mechanism_used"], "OAUTHBEARER", str(r))

    def test_oauth_wrong_token(self):
        cases = [
            ("OAUTHBEARER", "bad signature", mint_jwt(USER, key=b"not the fixture's key")),
            ("XOAUTH2", "bad signature", mint_jwt(USER, key=b"not the fixture's key")),
            ("XOAUTH2", "expired", mint_jwt(USER, exp_offset=-30)),
        ]
        for mech, why, token in cases:
            with self.subTest(mech=mech, why=why):
                r = self.send(["--auth", mech, "--from", USER, "--to", OUTSIDE,
                               "--body", "x"], FIX.env["SUBMISSION_PORT"], token=token)
                self.auth_failed(r)
                self.assertEqual(r.doc["auth_mechanism_used"], mech, str(r))
                # The server's error challenge was answered and its status shown.
                info = [t["line"] for t in r.doc["transcript"] if t["dir"] == "info"]
                self.assertTrue([l for l in info if "refused the token" in l], str(r))


def main():
    fixturelib.main(FIX)


if __name__ == "__main__":
    main()
