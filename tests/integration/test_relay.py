#!/usr/bin/env python3
"""test_relay.py — `smtpscope relay` and the SMTP smuggling probe against the real,
private Postfix 3.7 of tests/integration/postfix/fixture.sh (started through
test_check_postfix.py's helpers).

The fixture refuses relaying on every port (smtpd_relay_restrictions =
permit_sasl_authenticated, reject_unauth_destination; mynetworks = 127.0.0.1/32 but
not in the relay restrictions), so every case of the battery must be refused and the
run must pass (exit 0, relay.refused_all). Usage errors (two targets, bad --delay) must
exit 64 before any connection.

Smuggling: Postfix 3.7.11 runs with smtpd_forbid_bare_newline = no (its default before
3.9), and its smtpd accepts a bare LF as a line end. This test first observes that with a
raw socket — <LF>.<LF>, <LF>.<CR><LF> and <CR><LF>.<LF> end the DATA at once (250
queued), every other variant is read as data — and asserts exactly that, so a Postfix
upgrade that changes it shows up here. When the `tls` command has --probe-smuggling
(wired by its own author), smtpscope's verdicts must match the observation.

Exit 77 (CTest skip) when the fixture cannot run here. By hand:
  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_relay.py -v
"""

import json
import os
import socket
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixturelib  # noqa: E402
import test_check_postfix as pf  # noqa: E402  (fixture start/stop)

DOC_JSON = os.path.join(pf.SOURCE_DIR, "docs", "json.md")
BATTERY = ["external_to_external", "null_sender_external", "local_sender_spoof_external",
           "server_ip_sender_external", "unqualified_sender_external", "percent_hack",
           "percent_hack_ip_literal", "percent_hack_unqualified", "quoted_local",
           "quoted_local_ip_literal", "bang_path", "bang_path_unqualified", "source_route",
           "ip_literal_recipient", "double_at", "trailing_dot_domain", "unqualified_recipient"]
VARIANTS = [("lf_dot_lf", b"\n.\n"), ("cr_dot_cr", b"\r.\r"), ("lf_dot_crlf", b"\n.\r\n"),
            ("crlf_dot_lf", b"\r\n.\n"), ("crlf_dot_cr", b"\r\n.\r"),
            ("cr_dot_crlf", b"\r.\r\n"), ("cr_dot_lf", b"\r.\n"), ("lf_dot_cr", b"\n.\r"),
            ("crlf_nul_dot_crlf", b"\r\n\x00.\r\n")]
# What Postfix 3.7 (smtpd_forbid_bare_newline = no) does, observed: a bare LF ends a
# line, so these three put a lone "." on a line of its own.
POSTFIX_ENDS_AT = {"lf_dot_lf", "lf_dot_crlf", "crlf_dot_lf"}


def setUpModule():
    pf.setUpModule()


def tearDownModule():
    pf.tearDownModule()


def run(args, timeout=240):
    p = subprocess.run([pf.BINARY] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def documented_keys(section):
    """Every `name` in the first column of a table row of `## \\`section\\`` in
    docs/json.md."""
    with open(DOC_JSON, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n## `%s`" % section)
    end = text.find("\n## ", start + 1)
    keys = set()
    for line in text[start:end if end > 0 else None].split("\n"):
        if not line.startswith("| `"):
            continue
        cell = line.split(" |")[0]
        keys.update(part for i, part in enumerate(cell.split("`")) if i % 2)
    return keys


def rendered_keys(v, out):
    if isinstance(v, dict):
        for k, c in v.items():
            out.add(k)
            rendered_keys(c, out)
    elif isinstance(v, list):
        for c in v:
            rendered_keys(c, out)
    return out


def read_reply(s, timeout):
    """One SMTP reply (all its lines) or None when nothing came in time."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data or None
            data += chunk
            lines = data.split(b"\r\n")
            if len(lines) > 1 and len(lines[-2]) >= 4 and lines[-2][3:4] == b" ":
                return data
    except socket.timeout:
        return data or None


def observe_postfix(port, seq):
    """Send a message whose body holds seq, then wait: 'early' when Postfix answered
    right after seq, 'data' when only the real <CR><LF>.<CR><LF> ended it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        read_reply(s, 10)
        for cmd in (b"EHLO observer.smtpscope.test", b"MAIL FROM:<observer@smtpscope.test>",
                    b"RCPT TO:<user@smtpscope.test>", b"DATA"):
            s.sendall(cmd + b"\r\n")
            r = read_reply(s, 10)
            assert r and r[:1] in (b"2", b"3"), (cmd, r)
        s.sendall(b"Subject: smtpscope relay test observation\r\n\r\nsequence follows" + seq)
        early = read_reply(s, 3)
        if early is not None:
            return "early", early
        s.sendall(b"observer line\r\n.\r\n")
        final = read_reply(s, 10)
        s.sendall(b"QUIT\r\n")
        return "data", final


class RelayPostfix(unittest.TestCase):
    maxDiff = None

    def relay(self, port, extra=()):
        rc, out, err = run(["relay", "127.0.0.1:%d" % port, "--timeout", "10",
                            "--format", "json"] + list(extra))
        ctx = "relay exit %d\nstdout:\n%s\nstderr:\n%s" % (rc, out, err)
        doc = json.loads(out)
        return rc, doc, ctx

    def check_refused(self, port, extra=(), tls=False):
        rc, doc, ctx = self.relay(port, extra)
        self.assertEqual(rc, 0, ctx)
        self.assertEqual(doc["command"], "relay", ctx)
        self.assertEqual(doc["verdict"], "pass", ctx)
        ids = [f["id"] for f in doc["findings"]]
        self.assertIn("relay.refused_all", ids, ctx)
        self.assertNotIn("relay.open", ids, ctx)
        x = doc["relay"]
        self.assertEqual(x["accepted"], 0, ctx)
        self.assertEqual(x["tls"], tls, ctx)
        self.assertEqual(x["server_domain"], "smtpscope.test", ctx)
        self.assertEqual([c["id"] for c in x["cases"]], BATTERY, ctx)
        for c in x["cases"]:
            self.assertEqual(c["verdict"], "refused", ctx)
            self.assertEqual(c["reply"]["code"], 554, ctx)
            self.assertIn("Relay access denied", c["reply"]["text"], ctx)
        # RSET after every RCPT, never DATA.
        sent = [t["line"] for t in x["transcript"] if t["dir"] == "send"]
        self.assertNotIn("DATA", sent, ctx)
        self.assertEqual(sent.count("RSET"), len(BATTERY), ctx)
        documented = documented_keys("relay")
        undocumented = rendered_keys(x, set()) - documented
        self.assertEqual(undocumented, set(), "keys missing from docs/json.md\n" + ctx)
        return doc

    def test_notls_port_refuses_everything(self):
        self.check_refused(pf.PORTS["NOTLS_PORT"])

    def test_smtp_port_refuses_everything_over_starttls(self):
        self.check_refused(pf.PORTS["SMTP_PORT"],
                           ["--ca-file", pf.CA, "--servername", "localhost"], tls=True)

    def test_domain_flag_sets_addresses(self):
        rc, doc, ctx = self.relay(pf.PORTS["NOTLS_PORT"],
                                  ["--domain", "smtpscope.test", "--external-domain",
                                   "example.net"])
        self.assertEqual(rc, 0, ctx)
        cases = {c["id"]: c for c in doc["relay"]["cases"]}
        self.assertFalse(doc["relay"]["server_domain_guessed"], ctx)
        self.assertEqual(cases["percent_hack"]["rcpt_to"], "relay-test%example.net@smtpscope.test")
        self.assertEqual(cases["source_route"]["rcpt_to"], "@smtpscope.test:relay-test@example.net")
        self.assertEqual(cases["external_to_external"]["reply"]["enhanced"], "5.7.1", ctx)

    def test_text_output(self):
        rc, out, err = run(["relay", "127.0.0.1:%d" % pf.PORTS["NOTLS_PORT"], "--timeout", "10"])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("Open-relay battery", out)
        self.assertIn("0 of 17 cases relayed", out)
        self.assertIn("VERDICT: PASS", out)

    def test_usage_errors(self):
        port = pf.PORTS["NOTLS_PORT"]
        for args in (["relay"],
                     ["relay", "127.0.0.1:%d" % port, "127.0.0.2:%d" % port],
                     ["relay", "127.0.0.1,127.0.0.2"],
                     ["relay", "127.0.0.1:%d" % port, "--delay", "-1"],
                     ["relay", "127.0.0.1:%d" % port, "--delay", "x"],
                     ["relay", "127.0.0.1:%d" % port, "--domain", "a b"],
                     ["relay", "127.0.0.1:%d" % port, "--tls", "sometimes"]):
            rc, out, err = run(args, timeout=30)
            self.assertEqual(rc, 64, "%s: %s %s" % (args, out, err))
            self.assertEqual(out, "", args)
        rc, out, _ = run(["relay", "--help"], timeout=30)
        self.assertEqual(rc, 0)
        for opt in ("--domain", "--external-domain", "--delay", "--tls", "--timeout"):
            self.assertIn(opt, out)

    def test_postfix_bare_lf_behaviour(self):
        """What the fixture's Postfix does with each end-of-data variant (observed)."""
        port = pf.PORTS["NOTLS_PORT"]
        seen = {}
        for vid, seq in VARIANTS:
            kind, reply = observe_postfix(port, seq)
            seen[vid] = kind
            self.assertTrue(reply and reply.startswith(b"250"), (vid, kind, reply))
        self.assertEqual({v for v, k in seen.items() if k == "early"}, POSTFIX_ENDS_AT, seen)

    def test_smuggling_probe_matches_postfix(self):
        rc, out, _ = run(["tls", "--help"], timeout=30)
        if "--probe-smuggling" not in out:
            self.skipTest("the tls command has no --probe-smuggling yet")
        # Over STARTTLS: the same smtpd, the same answers as in plaintext (checked by
        # hand with the engine on both ports).
        port = pf.PORTS["SMTP_PORT"]
        rc, out, err = run(["tls", "127.0.0.1:%d" % port, "--ca-file", pf.CA, "--servername",
                            "localhost", "--probe-smuggling", "--from", "probe@smtpscope.test",
                            "--to", "user@smtpscope.test", "--format", "json"])
        ctx = "tls exit %d\nstdout:\n%s\nstderr:\n%s" % (rc, out, err)
        doc = json.loads(out)
        s = doc["smuggling"]
        got = {v["id"]: v["verdict"] for v in s["variants"]}
        self.assertEqual({k for k, v in got.items() if v == "accepted"}, POSTFIX_ENDS_AT, ctx)
        self.assertEqual({k for k, v in got.items() if v == "refused"},
                         {v for v, _ in VARIANTS} - POSTFIX_ENDS_AT, ctx)
        self.assertEqual(s["vulnerable"], len(POSTFIX_ENDS_AT), ctx)
        self.assertIn("smuggling.vulnerable", [f["id"] for f in doc["findings"]], ctx)
        self.assertEqual(rendered_keys(s, set()) - documented_keys("smuggling") - documented_keys("relay"),
                         set(), ctx)


if __name__ == "__main__":
    fixturelib.main(pf.FIX)
