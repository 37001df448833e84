#!/usr/bin/env python3
"""test_check_dns_faults.py — `smtpscope check` against misbehaving DNS.

Two peers, both private and on 127.0.0.1: the Unbound fixture (tests/integration/unbound/,
"robustness" block of zones.conf: a CNAME loop, non-ASCII bytes in TXT and MX data) and a
tiny scripted DNS server in this file (RFC 1035 wire format, stdlib only) that answers
every query with SERVFAIL, or with an empty truncated (TC) UDP answer and the real answer
over TCP (RFC 7766), or never answers. Every run has a deadline: a resolver fault must end
as a named finding, never as a hang, and the JSON must stay valid.
Exit 77 (CTest skip) when Unbound cannot run here.
"""
import json
import os
import socket
import struct
import subprocess
import threading
import time
import unittest

import fixturelib

BINARY = os.environ.get("SMTPSCOPE", "")
# Sanitized binaries start slowly; deadlines catch hangs, not slowness.
SLACK = float(os.environ.get("SMTPSCOPE_DEADLINE_SLACK", "0") or 0)

UB = fixturelib.Fixture("unbound", "smtpscope-ubf.")
DNS = None


def setUpModule():
    global DNS
    fixturelib.require_binary(BINARY)
    DNS = "127.0.0.1@" + UB.start().read("port")


def tearDownModule():
    UB.stop()


class FakeDNS:
    """A scripted DNS server on 127.0.0.1 (UDP, and TCP on the same port).

    mode "servfail": every query gets SERVFAIL. mode "truncate": UDP answers are empty
    with TC set; over TCP, A queries get 127.0.0.1 and other types NOERROR/NODATA.
    mode "silent": queries are read and never answered."""

    def __init__(self, mode):
        self.mode = mode
        self.udp_queries = 0
        self.tcp_queries = 0
        self.stop = threading.Event()
        while True:  # a port free for both UDP and TCP
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        self.tcp.listen(8)
        self.udp.settimeout(0.1)
        self.tcp.settimeout(0.1)
        self.threads = [threading.Thread(target=self._udp_loop, daemon=True),
                        threading.Thread(target=self._tcp_loop, daemon=True)]
        for t in self.threads:
            t.start()

    @property
    def server(self):
        return "127.0.0.1@%d" % self.port

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()

    @staticmethod
    def _question(q):
        """(question section bytes, qtype) of a query, or (None, None)."""
        i = 12
        while i < len(q) and q[i] != 0:
            if q[i] & 0xC0:
                return None, None
            i += q[i] + 1
        if i + 5 > len(q):
            return None, None
        qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
        return q[12:i + 5], qtype

    def answer(self, q, over_tcp):
        if len(q) < 12:
            return None
        ident, flags = struct.unpack(">HH", q[:4])
        question, qtype = self._question(q)
        if question is None:
            return None
        rd = flags & 0x0100
        if self.mode == "servfail":
            return struct.pack(">HHHHHH", ident, 0x8080 | rd | 2, 1, 0, 0, 0) + question
        if not over_tcp:  # truncate: nothing fits in UDP, ask again over TCP
            return struct.pack(">HHHHHH", ident, 0x8280 | rd, 1, 0, 0, 0) + question
        if qtype == 1:
            rr = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
            return struct.pack(">HHHHHH", ident, 0x8480 | rd, 1, 1, 0, 0) + question + rr
        return struct.pack(">HHHHHH", ident, 0x8480 | rd, 1, 0, 0, 0) + question

    def _udp_loop(self):
        while not self.stop.is_set():
            try:
                q, peer = self.udp.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.udp_queries += 1
            if self.mode == "silent":
                continue
            a = self.answer(q, over_tcp=False)
            if a:
                self.udp.sendto(a, peer)

    def _tcp_loop(self):
        while not self.stop.is_set():
            try:
                c, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(c,), daemon=True).start()

    def _tcp_conn(self, c):
        c.settimeout(0.2)
        buf = b""
        try:
            while not self.stop.is_set():
                try:
                    data = c.recv(4096)
                except socket.timeout:
                    continue
                if not data:
                    return
                buf += data
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                    n = struct.unpack(">H", buf[:2])[0]
                    q, buf = buf[2:2 + n], buf[2 + n:]
                    self.tcp_queries += 1
                    if self.mode == "silent":
                        continue
                    a = self.answer(q, over_tcp=True)
                    if a:
                        c.sendall(struct.pack(">H", len(a)) + a)
        except OSError:
            return
        finally:
            c.close()


class CheckDnsFaults(unittest.TestCase):
    def check(self, *args, deadline):
        """Run check with --format json; fail if it takes longer than deadline (+slack)."""
        limit = deadline + SLACK
        cmd = [BINARY, "check", *args, "--format", "json"]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit + 10)
        except subprocess.TimeoutExpired:
            self.fail("smtpscope hung: %s" % " ".join(cmd))
        self.elapsed = time.monotonic() - t0
        self.out = "%s\nexit %d\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr)
        self.assertLess(self.elapsed, limit, self.out)
        try:
            doc = json.loads(p.stdout, strict=True)
        except json.JSONDecodeError:
            self.fail("no valid JSON from smtpscope:\n" + self.out)
        self.assertEqual([s["name"] for s in doc["stages"]][:2], ["resolve", "connect"],
                         self.out)
        return p.returncode, doc

    def ids(self, doc):
        return [f["id"] for f in doc["findings"]]

    def stage(self, doc, name):
        return next(s for s in doc["stages"] if s["name"] == name)

    def test_cname_loop_gives_dns_finding(self):
        rc, doc = self.check("loop-a.robust.smtpscope.test:25", "--dns", DNS, "--timeout", "3",
                             deadline=8)
        self.assertIn(rc, (1, 75), self.out)
        self.assertEqual(self.stage(doc, "resolve")["status"], "fail", self.out)
        self.assertTrue(any(i.startswith("dns.") for i in self.ids(doc)), self.out)
        self.assertEqual(self.stage(doc, "connect")["status"], "skip", self.out)

    def test_txt_with_raw_bytes_is_nodata(self):
        rc, doc = self.check("txt-bytes.robust.smtpscope.test:25", "--dns", DNS,
                             "--timeout", "3", deadline=6)
        self.assertEqual(rc, 1, self.out)
        self.assertEqual(self.ids(doc), ["dns.nodata"], self.out)

    def test_mx_target_with_raw_bytes(self):
        rc, doc = self.check("mx-bytes.robust.smtpscope.test:25", "--dns", DNS,
                             "--timeout", "3", deadline=6)
        self.assertEqual(rc, 1, self.out)
        self.assertEqual(self.stage(doc, "resolve")["status"], "fail", self.out)
        self.assertTrue(any(i.startswith("dns.") for i in self.ids(doc)), self.out)
        # The text report, too, must not carry raw bytes from the DNS.
        p = subprocess.run([BINARY, "check", "mx-bytes.robust.smtpscope.test:25", "--dns", DNS,
                            "--timeout", "3", "--format", "text", "-v"], capture_output=True,
                           timeout=20 + SLACK)
        text = p.stdout.decode("utf-8")  # raises on invalid UTF-8
        self.assertFalse(any(ord(ch) < 0x20 and ch not in "\n\t" for ch in text), text)
        self.assertNotIn("\xff", text)

    def test_servfail_is_temporary(self):
        srv = FakeDNS("servfail")
        try:
            rc, doc = self.check("mail.smtpscope.test:25", "--dns", srv.server,
                                 "--timeout", "3", deadline=8)
        finally:
            srv.close()
        self.assertEqual(rc, 75, self.out)
        self.assertEqual(doc["verdict"], "tempfail", self.out)
        self.assertIn("dns.servfail", self.ids(doc), self.out)
        self.assertGreater(srv.udp_queries, 0)

    def test_truncated_udp_answer_retried_over_tcp(self):
        srv = FakeDNS("truncate")
        port = fixturelib.closed_port()
        try:
            rc, doc = self.check("trunc.smtpscope.test:%d" % port, "--dns", srv.server, "-4",
                                 "--timeout", "3", deadline=8)
        finally:
            srv.close()
        # The A record only comes over TCP; with it, the run gets as far as connecting
        # (to a closed port, so the connection is refused).
        self.assertGreater(srv.tcp_queries, 0, self.out)
        self.assertEqual(self.stage(doc, "resolve")["status"], "pass", self.out)
        self.assertEqual([a["address"] for a in doc["connect_attempts"]], ["127.0.0.1"],
                         self.out)
        self.assertEqual(self.stage(doc, "connect")["status"], "fail", self.out)
        self.assertEqual(rc, 1, self.out)

    def test_silent_server_times_out_within_deadline(self):
        srv = FakeDNS("silent")
        try:
            rc, doc = self.check("mail.smtpscope.test:25", "--dns", srv.server,
                                 "--timeout", "2", deadline=2 + 2)
        finally:
            srv.close()
        self.assertEqual(rc, 75, self.out)
        self.assertIn("resolve.timeout", self.ids(doc), self.out)


if __name__ == "__main__":
    fixturelib.main(UB)
