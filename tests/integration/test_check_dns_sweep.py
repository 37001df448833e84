#!/usr/bin/env python3
"""test_check_dns_sweep.py — `smtpscope check` name resolution and the port sweep,
against a real Unbound (test zones under smtpscope.test) and a real Postfix, both private
and on loopback.

Covers: MX following for a name without addresses (and that the tool says so), every
address tried in order (::1 refused, then 127.0.0.1), NXDOMAIN / NODATA / null MX, a DNS
server that never answers (bounded by the deadline), and the concurrent port sweep that
picks the best reachable port and detects implicit TLS.
Exit 77 (CTest skip) when a fixture cannot run here (not root, no postfix/unbound, not CI).
"""
import json
import os
import socket
import subprocess
import time
import unittest

import fixturelib

BINARY = os.environ.get("SMTPSCOPE", "")

UB = fixturelib.Fixture("unbound", "smtpscope-ub.")
PF = fixturelib.Fixture("postfix", "smtpscope-pf.")
PORTS = {}
DNS = None
CA = None


def setUpModule():
    global DNS, CA
    fixturelib.require_binary(BINARY)
    DNS = "127.0.0.1@" + UB.start().read("port")
    PORTS.update(PF.start().env)
    CA = PF.path("certs", "ca.pem")


def tearDownModule():
    try:
        PF.stop()
    finally:
        UB.stop()


class CheckDnsSweep(unittest.TestCase):
    def check(self, *args, timeout=60):
        t0 = time.monotonic()
        p = subprocess.run([BINARY, "check", *args, "--format", "json"], capture_output=True,
                           text=True, timeout=timeout)
        self.elapsed = time.monotonic() - t0
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError:
            self.fail("no JSON from smtpscope (exit %d):\n%s\n%s" % (p.returncode, p.stdout,
                                                                    p.stderr))
        self.out = p.stdout
        return p.returncode, doc

    def ids(self, doc):
        return [f["id"] for f in doc["findings"]]

    def stage(self, doc, name):
        return next(s for s in doc["stages"] if s["name"] == name)

    def test_mx_followed_and_every_address_tried(self):
        rc, doc = self.check("mx-only.smtpscope.test:%d" % PORTS["SMTP_PORT"], "--dns", DNS,
                             "--ca-file", CA)
        self.assertEqual(rc, 0, self.out)
        self.assertEqual(doc["verdict"], "pass", self.out)
        self.assertEqual(doc["target"]["mx_host"], "mail.smtpscope.test")
        self.assertIn("dns.mx_followed", self.ids(doc))
        self.assertTrue(any("mail.smtpscope.test" in n for n in doc["notes"]), doc["notes"])
        # AAAA first: ::1 (Postfix listens on 127.0.0.1 only) is refused, then v4 works.
        attempts = doc["connect_attempts"]
        self.assertEqual([a["address"] for a in attempts], ["::1", "127.0.0.1"], attempts)
        self.assertEqual([a["ok"] for a in attempts], [False, True])
        # The certificate is checked against the MX name, which it covers.
        self.assertTrue(doc["tls"]["verified"], doc["tls"])
        self.assertEqual(doc["tls"]["servername"], "mail.smtpscope.test")

    def test_no_mx_following_when_disabled(self):
        rc, doc = self.check("mx-only.smtpscope.test:%d" % PORTS["SMTP_PORT"], "--dns", DNS,
                             "--no-mx")
        self.assertEqual(rc, 1, self.out)
        self.assertIn("dns.nodata", self.ids(doc))

    def test_nxdomain(self):
        rc, doc = self.check("nope.smtpscope.test:25", "--dns", DNS)
        self.assertEqual(rc, 1, self.out)
        self.assertEqual(self.stage(doc, "resolve")["status"], "fail")
        self.assertEqual(self.ids(doc), ["dns.nxdomain"])
        self.assertEqual(self.stage(doc, "connect")["status"], "skip")

    def test_null_mx(self):
        rc, doc = self.check("nullmx.smtpscope.test:25", "--dns", DNS)
        self.assertEqual(rc, 1, self.out)
        self.assertIn("dns.null_mx", self.ids(doc))

    def test_nodata(self):
        rc, doc = self.check("noaddr.smtpscope.test:25", "--dns", DNS)
        self.assertEqual(rc, 1, self.out)
        self.assertIn("dns.nodata", self.ids(doc))

    def test_family_filter(self):
        rc, doc = self.check("mail.smtpscope.test:%d" % PORTS["SMTP_PORT"], "--dns", DNS,
                             "-4", "--ca-file", CA)
        self.assertEqual(rc, 0, self.out)
        self.assertEqual([a["address"] for a in doc["connect_attempts"]], ["127.0.0.1"])

    def test_dns_server_silent_is_bounded(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            rc, doc = self.check("mail.smtpscope.test:25", "--dns",
                                 "127.0.0.1@%d" % silent.getsockname()[1], "--timeout", "2")
        finally:
            silent.close()
        self.assertEqual(rc, 75, self.out)
        self.assertIn("resolve.timeout", self.ids(doc))
        self.assertLess(self.elapsed, 6)

    def test_sweep_picks_open_port_and_detects_implicit_tls(self):
        closed = fixturelib.closed_port()
        ports = "%d,%d,%d" % (closed, PORTS["SMTPS_PORT"], PORTS["SUBMISSION_PORT"])
        rc, doc = self.check("127.0.0.1", "--ports", ports, "--timeout", "2", "--ca-file", CA,
                             "--servername", "localhost")
        self.assertEqual(rc, 0, self.out)
        sweep = doc["sweep"]
        self.assertIsNotNone(sweep)
        by_port = {p["port"]: p for p in sweep["ports"]}
        self.assertEqual(by_port[closed]["state"], "refused")
        self.assertEqual(by_port[PORTS["SMTPS_PORT"]]["state"], "open")
        self.assertEqual(by_port[PORTS["SMTPS_PORT"]]["tls_mode"], "implicit")
        self.assertEqual(by_port[PORTS["SUBMISSION_PORT"]]["tls_mode"], "starttls")
        self.assertEqual(sweep["best_port"], PORTS["SMTPS_PORT"])
        self.assertEqual(doc["target"]["port"], PORTS["SMTPS_PORT"])
        self.assertEqual(doc["target"]["tls_mode"], "implicit")
        self.assertTrue(doc["tls"]["verified"])

    def test_sweep_of_domain_follows_mx(self):
        rc, doc = self.check("mx-only.smtpscope.test", "--dns", DNS, "--ports",
                             str(PORTS["SUBMISSION_PORT"]), "--ca-file", CA, "--timeout", "3")
        self.assertEqual(rc, 0, self.out)
        self.assertTrue(any("MX" in n for n in doc["notes"]), doc["notes"])
        self.assertEqual(doc["sweep"]["best_port"], PORTS["SUBMISSION_PORT"])

    def test_sweep_nothing_open(self):
        ports = "%d,%d" % (fixturelib.closed_port(), fixturelib.closed_port())
        rc, doc = self.check("127.0.0.1", "--ports", ports, "--timeout", "2")
        self.assertEqual(rc, 1, self.out)
        self.assertIsNone(doc["target"])
        self.assertIn("connect.refused", self.ids(doc))


if __name__ == "__main__":
    fixturelib.main(UB, PF)
