#!/usr/bin/env python3
"""test_send_postfix.py — `smtpscope send` against the real, private Postfix fixture.

The fixture (tests/integration/postfix/fixture.sh) is started and stopped through the
helpers of test_check_postfix.py, so both suites run it the same way. Each test runs the
binary named by $SMTPSCOPE, reads the JSON (docs/json.md: `message`, `recipients`) and the
exit code, and — for delivered mail — reads the copy back from the fixture's Maildir
(DIR/mail/smtpscope.test/user/new) with Python's email package: headers present, body
intact, attachments byte-identical, a non-ASCII subject decoded back, and a --data file
round trip equal apart from the trace fields Postfix adds. The password is checked never
to appear in any output, plain or base64. Exit 77 (CTest skip) when the fixture cannot run.

By hand:  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_send_postfix.py -v
"""

import email
import email.policy
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixturelib  # noqa: E402
import test_check_postfix as pf  # noqa: E402  (fixture start/stop, secret_forms)

USER = pf.USER
PASSWORD = pf.PASSWORD
MAILDIR = None
TRACE = ("return-path", "delivered-to", "x-original-to", "received")


def setUpModule():
    global MAILDIR
    pf.setUpModule()
    MAILDIR = os.path.join(pf.FIX_DIR, "mail", "smtpscope.test", "user", "new")


def tearDownModule():
    pf.tearDownModule()


class SendPostfix(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="smtpscope-send-")

    def tearDown(self):
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)

    def file(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def send(self, args, port, password=PASSWORD, auth=True, fmt="json", tls=None):
        env = {k: v for k, v in os.environ.items() if k != "SMTPSCOPE_PASSWORD"}
        full = ["send", "--server", "127.0.0.1:%d" % port, "--ca-file", pf.CA,
                "--servername", "localhost", "--timeout", "30"]
        if tls:
            full += ["--tls", tls]
        if auth:
            env["SMTPSCOPE_PASSWORD"] = password
            full += ["--auth-user", USER]
        full += list(args) + ["--format", fmt]
        p = subprocess.run([pf.BINARY] + full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=120)
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
        if auth:
            for form in pf.secret_forms(USER, password):
                self.assertNotIn(form, r.out, "secret in stdout%s" % r)
                self.assertNotIn(form, r.err, "secret in stderr%s" % r)
        return r

    def delivered(self, message_id):
        """The Maildir file holding message_id, as bytes (delivery is asynchronous:
        wait for the queue manager, within a generous bound)."""
        needle = ("Message-ID: " + message_id).encode()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            for name in sorted(os.listdir(MAILDIR)) if os.path.isdir(MAILDIR) else []:
                with open(os.path.join(MAILDIR, name), "rb") as f:
                    data = f.read()
                if needle in data:
                    return data
            time.sleep(0.1)
        self.fail("message %s never reached %s" % (message_id, MAILDIR))

    def accepted(self, r, n=1):
        self.assertEqual(r.rc, 0, str(r))
        m = r.doc["message"]
        self.assertIsNotNone(m, str(r))
        self.assertEqual(m["status"], "accepted", str(r))
        self.assertFalse(m["partial"], str(r))
        self.assertTrue(m["queue_id"], str(r))
        self.assertEqual([x["status"] for x in r.doc["recipients"]], ["accepted"] * n, str(r))
        return m

    # ---- AUTH and TLS ----

    def test_starttls_each_mechanism(self):
        for mech in ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "SCRAM-SHA-1"):
            with self.subTest(mech=mech):
                r = self.send(["--auth", mech, "--from", USER, "--to", USER,
                               "--subject", "mech " + mech, "--body", "hello"],
                              pf.PORTS["SUBMISSION_PORT"])
                self.accepted(r)
                self.assertEqual(r.doc["auth_mechanism_used"], mech, str(r))
                self.assertEqual(r.doc["target"]["tls_mode"], "starttls", str(r))
                self.delivered(r.doc["message"]["id"])

    def test_verbose_text_has_no_secret(self):
        r = self.send(["--auth", "PLAIN", "--from", USER, "--to", USER, "--body", "x", "-v"],
                      pf.PORTS["SUBMISSION_PORT"], fmt="text")
        self.assertEqual(r.rc, 0, str(r))
        self.assertIn("Delivery", r.out, str(r))
        self.assertIn("✓ accepted  " + USER, r.out, str(r))

    def test_implicit_tls(self):
        r = self.send(["--from", USER, "--to", USER, "--body", "implicit"],
                      pf.PORTS["SMTPS_PORT"], tls="implicit")
        self.accepted(r)
        self.assertEqual(r.doc["target"]["tls_mode"], "implicit", str(r))

    # ---- classification ----

    def test_partial_bounce(self):
        r = self.send(["--from", USER, "--to", USER, "--to", "nobody@smtpscope.test",
                       "--body", "partial"], pf.PORTS["SUBMISSION_PORT"])
        self.assertEqual(r.rc, 1, str(r))
        m = r.doc["message"]
        self.assertEqual(m["status"], "accepted", str(r))
        self.assertTrue(m["partial"], str(r))
        rc = {x["address"]: x for x in r.doc["recipients"]}
        self.assertEqual(rc[USER]["status"], "accepted", str(r))
        bad = rc["nobody@smtpscope.test"]
        self.assertEqual(bad["status"], "bounced", str(r))
        self.assertEqual(bad["reply"]["code"], 550, str(r))
        self.assertEqual(bad["enhanced"], "5.1.1", str(r))
        self.assertTrue(bad["explanation"], str(r))
        self.delivered(m["id"])

    def test_over_advertised_size_refused_up_front(self):
        r = self.send(["--from", USER, "--to", USER, "--body", "x" * 2000],
                      pf.PORTS["SMALL_PORT"], auth=False)
        self.assertEqual(r.rc, 1, str(r))
        sent = [t["line"] for t in r.doc["transcript"] if t["dir"] == "send"]
        self.assertFalse([l for l in sent if l.upper().startswith("MAIL")],
                         "MAIL was sent although SIZE forbids the message%s" % r)
        self.assertIn("200", json.dumps(r.doc["findings"]), str(r))
        m = r.doc["message"]
        self.assertTrue(m is None or m["status"] == "not_tried", str(r))

    # ---- pipelining ----

    def test_pipelined_and_not(self):
        r = self.send(["--from", USER, "--to", USER, "--body", "pipelined"],
                      pf.PORTS["SUBMISSION_PORT"])
        self.assertTrue(self.accepted(r)["pipelined"], str(r))
        r = self.send(["--no-pipelining", "--from", USER, "--to", USER, "--body", "one by one"],
                      pf.PORTS["SUBMISSION_PORT"])
        self.assertFalse(self.accepted(r)["pipelined"], str(r))
        self.delivered(r.doc["message"]["id"])

    # ---- the delivered copy ----

    def test_composed_message_read_back(self):
        blob = bytes(range(256)) * 40 + os.urandom(3000)
        text = "Über straße\nline two\n.leading dot\n" + "long " * 100 + "\n"
        html = "<p>Hello <b>world</b></p>\n"
        att1 = self.file("data.bin", blob)
        att2 = self.file("notes.txt", b"plain\nattachment\n")
        htmlf = self.file("body.html", html.encode())
        subject = "Grüße — test ✓"
        r = self.send(["--from", "Sender Name <%s>" % USER, "--to", USER,
                       "--subject", subject, "--body", text, "--html", "@" + htmlf,
                       "--attach", "@" + att1, "--attach", "@" + att2,
                       "--header", "X-Test: yes"], pf.PORTS["SUBMISSION_PORT"])
        m = self.accepted(r)
        raw = self.delivered(m["id"])
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for h in ("Date", "Message-ID", "From", "To", "Subject", "MIME-Version"):
            self.assertIsNotNone(msg[h], "%s missing in the delivered copy" % h)
        self.assertEqual(str(msg["Subject"]), subject)
        self.assertEqual(msg["X-Test"], "yes")
        self.assertEqual(msg["Message-ID"], m["id"])
        self.assertIn(USER, str(msg["From"]))
        # The final line break of a part inside a multipart is checked on its own in
        # test_multipart_text_keeps_final_line_break.
        body = msg.get_body(preferencelist=("plain",))
        self.assertEqual(body.get_content().replace("\r\n", "\n").rstrip("\n"),
                         text.rstrip("\n"))
        hbody = msg.get_body(preferencelist=("html",))
        self.assertEqual(hbody.get_content().replace("\r\n", "\n").rstrip("\n"),
                         html.rstrip("\n"))
        atts = {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}
        self.assertEqual(atts.get("data.bin"), blob)
        self.assertEqual(atts.get("notes.txt").replace(b"\r\n", b"\n"), b"plain\nattachment\n")

    def test_multipart_text_keeps_final_line_break(self):
        # RFC 2046 §5.1.1: the CRLF before a boundary delimiter belongs to the
        # delimiter, so a part whose text ends in a line break needs one more.
        text = "first\nlast line\n"
        r = self.send(["--from", USER, "--to", USER, "--body", text, "--html", "<p>x</p>\n"],
                      pf.PORTS["SUBMISSION_PORT"])
        msg = email.message_from_bytes(self.delivered(self.accepted(r)["id"]),
                                       policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        self.assertEqual(body.get_content().replace("\r\n", "\n"), text)

    def test_data_round_trip(self):
        mid = "<roundtrip.%d.%d@smtpscope.test>" % (os.getpid(), int(time.time() * 1000))
        lines = ["From: %s" % USER, "To: %s" % USER, "Subject: prepared",
                 "Date: Mon, 1 Jan 2026 00:00:00 +0000", "Message-ID: " + mid,
                 "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii", "",
                 "body line", ".a line starting with a dot", "..two dots", "", "last"]
        original = ("\r\n".join(lines) + "\r\n").encode()
        path = self.file("m.eml", original)
        r = self.send(["--from", USER, "--to", USER, "--data", "@" + path],
                      pf.PORTS["SUBMISSION_PORT"])
        m = self.accepted(r)
        self.assertEqual(m["id"], mid, str(r))
        self.assertEqual(m["size"], len(original), str(r))
        raw = self.delivered(mid)
        # Postfix's Maildir copy is in UNIX form (LF) with its trace fields on top
        # (folded Received lines included); everything after them must be ours.
        out, skipping = [], True
        for line in raw.split(b"\n"):
            if skipping and (line[:1] in (b" ", b"\t") or
                             line.split(b":", 1)[0].strip().lower().decode() in TRACE):
                continue
            skipping = False
            out.append(line)
        self.assertEqual(b"\n".join(out), original.replace(b"\r\n", b"\n"))

    # ---- usage ----

    def test_usage_errors(self):
        cases = [
            (["send", "--from", USER, "--to", USER], "--server"),
            (["send", "--server", "127.0.0.1:1", "--from", USER], "recipient"),
            (["send", "--server", "127.0.0.1:1", "--from", USER, "--to", USER,
              "--data", "@/dev/null", "--subject", "x"], "--data"),
            (["send", "--server", "127.0.0.1:1", "--from", USER, "--to", USER,
              "--dsn-notify", "SOMETIMES"], "--dsn-notify"),
            (["send", "--server", "127.0.0.1:1", "--from", USER, "--to", USER,
              "--proxy", "v2"], "--proxy"),
            (["send", "--preset", "nope", "--from", USER, "--to", USER], "--preset"),
            (["send", "--server", "127.0.0.1:1", "--from", "not an address", "--to", USER],
             "--from"),
            # counted before any file is read (each may be 64 MiB)
            (["send", "--server", "127.0.0.1:1", "--from", USER, "--to", USER] +
             ["--attach", "@/nonexistent"] * 101, "--attach"),
        ]
        for args, word in cases:
            with self.subTest(args=args):
                p = subprocess.run([pf.BINARY] + args, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=30,
                                   stdin=subprocess.DEVNULL)
                self.assertEqual(p.returncode, 64, p.stderr.decode())
                self.assertIn(word, p.stderr.decode())


def main():
    fixturelib.main(pf.FIX)


if __name__ == "__main__":
    main()
