#!/usr/bin/env python3
"""test_mta2_fixture.py — smoke test of the second-MTA fixture (tests/integration/mta2).

Starts the private Exim once for the module and proves that each listener has exactly the
defect the security-audit tests rely on, with independent clients only (no smtpscope):
`openssl s_client -starttls smtp` for certificates and TLS versions, a hand-built TLS
ClientHello for 3DES (Debian's OpenSSL is built without 3DES, so s_client cannot offer it;
the ServerHello's choice is the server's verdict), and plain SMTP over sockets for relay.
Every relay probe ends with RSET; the one message sent goes through the DATA ACL discard.
Exit 77 (CTest skip) when the fixture cannot run here (not root, Exim not unpacked).

By hand:  python3 tests/integration/test_mta2_fixture.py -v
Keep the fixture directory for inspection: SMTPSCOPE_KEEP_FIXTURE=1
"""

import datetime
import os
import re
import socket
import struct
import subprocess
import unittest

import fixturelib

PORT_KEYS = ["EXPIRED_PORT", "WRONGHOST_PORT", "LEGACY_PORT", "OPENRELAY_PORT", "GOOD_PORT"]

# TLS wire constants (RFC 5246, RFC 8446) for the hand-built ClientHello.
TLS10, TLS11, TLS12 = 0x0301, 0x0302, 0x0303
RSA_3DES_EDE_CBC_SHA = 0x000A
RSA_AES128_CBC_SHA = 0x002F
EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF

FIX = fixturelib.Fixture("mta2", "smtpscope-mta2-")
FIX_DIR = None
ENV = {}      # ports.env: port numbers as int, names as str
CA = None


def setUpModule():
    global FIX_DIR, CA
    FIX.start()
    FIX_DIR = FIX.dir
    ENV.update(FIX.env)
    CA = FIX.path("ca.pem")


def tearDownModule():
    FIX.stop()


class Smtp:
    """A minimal plaintext SMTP client over a socket (replies as (code, text))."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.buf = b""

    def reply(self):
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                data = self.sock.recv(4096)
                if not data:
                    raise ConnectionError("server closed; got %r" % lines)
                self.buf += data
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("ascii", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(lines[-1][:3]), "\n".join(lines)

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.cmd("QUIT")
        except OSError:
            pass
        self.sock.close()


def starttls_socket(port):
    """Plain socket after EHLO + STARTTLS 220, ready for a TLS ClientHello."""
    s = Smtp(port)
    code, text = s.reply()
    assert code == 220, text
    code, text = s.cmd("EHLO client.smtpscope.test")
    assert code == 250 and "STARTTLS" in text, text
    code, text = s.cmd("STARTTLS")
    assert code == 220, text
    return s.sock


def client_hello(version, suites):
    body = struct.pack("!H", version) + os.urandom(32) + b"\x00"
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", c) for c in suites)
    body += b"\x01\x00"  # compression: null only; no extensions (not needed for RSA kx)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16" + struct.pack("!HH", TLS10, len(hs)) + hs


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def server_hello(port, version, suites):
    """Offer exactly `suites` at `version` after STARTTLS. Returns ("hello", version,
    suite) when the server picks one, ("alert", level, description) when it refuses, or
    ("closed", 0, 0) when it hangs up without a word."""
    sock = starttls_socket(port)
    try:
        sock.sendall(client_hello(version, suites))
        try:
            rtype, _, rlen = struct.unpack("!BHH", recv_exact(sock, 5))
            rec = recv_exact(sock, rlen)
        except ConnectionError:
            return ("closed", 0, 0)
        if rtype == 0x15:
            return ("alert", rec[0], rec[1])
        if rtype != 0x16 or rec[0] != 0x02:
            raise AssertionError("unexpected TLS record %d/%r" % (rtype, rec[:8]))
        # ServerHello: type(1) len(3) version(2) random(32) sid_len(1) sid cipher(2)
        ver = struct.unpack("!H", rec[4:6])[0]
        sid_len = rec[38]
        suite = struct.unpack("!H", rec[39 + sid_len:41 + sid_len])[0]
        return ("hello", ver, suite)
    finally:
        sock.close()


def s_client(port, *args):
    """openssl s_client -starttls smtp; returns (rc, combined output)."""
    cmd = ["openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:%d" % port,
           "-CAfile", CA, "-showcerts"] + list(args)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    return p.returncode, p.stdout


def leaf_pem(output):
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", output, re.S)
    assert m, "no certificate in s_client output:\n" + output
    return m.group(0) + "\n"


def openssl_verify(pem, *args):
    """openssl verify of one leaf against the test CA; returns (rc, output)."""
    path = os.path.join(FIX_DIR, "leaf-under-test.pem")
    with open(path, "w") as f:
        f.write(pem)
    p = subprocess.run(["openssl", "verify", "-CAfile", CA] + list(args) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


class Mta2Fixture(unittest.TestCase):
    maxDiff = None

    def verify_code(self, port, host):
        rc, out = s_client(port, "-verify_hostname", host)
        m = re.search(r"Verify return code: (\d+)", out)
        self.assertIsNotNone(m, out)
        return int(m.group(1)), out

    def test_ports_env_and_ca(self):
        for k in PORT_KEYS:
            self.assertIsInstance(ENV.get(k), int, "%s missing in ports.env" % k)
        self.assertEqual(len({ENV[k] for k in PORT_KEYS}), len(PORT_KEYS))
        self.assertEqual(ENV.get("MTA2_NAME"), "mx2.smtpscope.test")
        self.assertEqual(ENV.get("MTA2_WRONG_NAME"), "wrong.smtpscope.test")
        with open(CA) as f:
            self.assertIn("BEGIN CERTIFICATE", f.read())

    def test_every_listener_greets_and_offers_starttls_without_auth(self):
        for k in PORT_KEYS:
            s = Smtp(ENV[k])
            try:
                code, text = s.reply()
                self.assertEqual(code, 220, text)
                self.assertIn(ENV["MTA2_NAME"], text)
                code, text = s.cmd("EHLO client.smtpscope.test")
                self.assertEqual(code, 250, text)
                self.assertIn("STARTTLS", text, k)
                self.assertNotIn("AUTH", text, k)
            finally:
                s.close()

    def test_start_is_idempotent(self):
        def pid():
            with open(os.path.join(FIX_DIR, "exim.pid")) as f:
                return f.read().strip()
        before = pid()
        r = FIX.run("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(FIX.read_env(), ENV)
        self.assertEqual(pid(), before)

    # --- certificates

    def test_good_certificate_verifies_for_its_name(self):
        for host in (ENV["MTA2_NAME"], "localhost"):
            code, out = self.verify_code(ENV["GOOD_PORT"], host)
            self.assertEqual(code, 0, out)

    def test_expired_certificate_is_only_expired(self):
        code, out = self.verify_code(ENV["EXPIRED_PORT"], ENV["MTA2_NAME"])
        self.assertEqual(code, 10, "want X509_V_ERR_CERT_HAS_EXPIRED\n" + out)
        pem = leaf_pem(out)
        # Past its notAfter now ...
        p = subprocess.run(["openssl", "x509", "-noout", "-checkend", "0"], input=pem,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertNotEqual(p.returncode, 0, "certificate not expired: " + p.stdout)
        # ... yet valid in mid-2020 for the right name from the test CA: nothing else wrong.
        when = int(datetime.datetime(2020, 6, 1, tzinfo=datetime.timezone.utc).timestamp())
        rc, vout = openssl_verify(pem, "-attime", str(when),
                                  "-verify_hostname", ENV["MTA2_NAME"])
        self.assertEqual(rc, 0, vout)

    def test_wrong_host_certificate_is_only_for_the_wrong_name(self):
        for host in (ENV["MTA2_NAME"], "localhost"):
            code, out = self.verify_code(ENV["WRONGHOST_PORT"], host)
            self.assertEqual(code, 62, "want X509_V_ERR_HOSTNAME_MISMATCH\n" + out)
        code, out = self.verify_code(ENV["WRONGHOST_PORT"], ENV["MTA2_WRONG_NAME"])
        self.assertEqual(code, 0, out)

    # --- protocol versions and ciphers

    def handshake(self, port, flag):
        rc, out = s_client(port, flag, "-cipher", "DEFAULT:@SECLEVEL=0")
        m = re.search(r"Protocol\s*: (\S+)", out)
        ok = rc == 0 and "Cipher is (NONE)" not in out
        return ok, (m.group(1) if m else None), out

    def test_legacy_accepts_tls10_and_tls11(self):
        for flag, proto in (("-tls1", "TLSv1"), ("-tls1_1", "TLSv1.1")):
            ok, got, out = self.handshake(ENV["LEGACY_PORT"], flag)
            self.assertTrue(ok, out)
            self.assertEqual(got, proto, out)

    def test_good_refuses_tls10_and_tls11(self):
        for flag in ("-tls1", "-tls1_1"):
            ok, _, out = self.handshake(ENV["GOOD_PORT"], flag)
            self.assertFalse(ok, "GOOD_PORT completed a %s handshake:\n%s" % (flag, out))
            self.assertIn("alert protocol version", out)
        ok, got, out = self.handshake(ENV["GOOD_PORT"], "-tls1_2")
        self.assertTrue(ok, out)
        self.assertEqual(got, "TLSv1.2", out)

    def test_legacy_accepts_3des_with_tls10(self):
        for version in (TLS10, TLS12):
            got = server_hello(ENV["LEGACY_PORT"], version,
                               [RSA_3DES_EDE_CBC_SHA, EMPTY_RENEGOTIATION_INFO_SCSV])
            self.assertEqual(got, ("hello", version, RSA_3DES_EDE_CBC_SHA))

    def test_good_refuses_3des_and_tls10(self):
        got = server_hello(ENV["GOOD_PORT"], TLS12,
                           [RSA_3DES_EDE_CBC_SHA, EMPTY_RENEGOTIATION_INFO_SCSV])
        self.assertNotEqual(got[0], "hello", got)
        got = server_hello(ENV["GOOD_PORT"], TLS10,
                           [RSA_AES128_CBC_SHA, EMPTY_RENEGOTIATION_INFO_SCSV])
        self.assertNotEqual(got[0], "hello", got)
        # The probe itself works on this port: a modern offer gets a ServerHello.
        got = server_hello(ENV["GOOD_PORT"], TLS12,
                           [RSA_AES128_CBC_SHA, EMPTY_RENEGOTIATION_INFO_SCSV])
        self.assertEqual(got, ("hello", TLS12, RSA_AES128_CBC_SHA))

    # --- relay

    def rcpt(self, port, rcpt, sender="probe@external.example"):
        s = Smtp(port)
        try:
            code, text = s.reply()
            self.assertEqual(code, 220, text)
            self.assertEqual(s.cmd("EHLO client.smtpscope.test")[0], 250)
            code, text = s.cmd("MAIL FROM:<%s>" % sender)
            self.assertEqual(code, 250, text)
            code, text = s.cmd("RCPT TO:<%s>" % rcpt)
            self.assertEqual(s.cmd("RSET")[0], 250)
            return code, text
        finally:
            s.close()

    def test_open_relay_accepts_foreign_recipients(self):
        for rcpt in ("victim@elsewhere.example", "x@[192.0.2.1]",
                     "user@" + ENV["MTA2_NAME"]):
            code, text = self.rcpt(ENV["OPENRELAY_PORT"], rcpt)
            self.assertEqual(code, 250, "%s: %s" % (rcpt, text))

    def test_other_listeners_refuse_relay(self):
        for k in ("GOOD_PORT", "EXPIRED_PORT", "WRONGHOST_PORT", "LEGACY_PORT"):
            code, text = self.rcpt(ENV[k], "victim@elsewhere.example")
            self.assertEqual(code, 550, "%s: %s" % (k, text))
            self.assertIn("relay not permitted", text)
            code, text = self.rcpt(ENV[k], "user@" + ENV["MTA2_NAME"])
            self.assertEqual(code, 250, "%s: %s" % (k, text))
        for rcpt in ("victim%elsewhere.example@" + ENV["MTA2_NAME"],
                     "elsewhere.example!victim@" + ENV["MTA2_NAME"]):
            code, text = self.rcpt(ENV["GOOD_PORT"], rcpt)
            self.assertEqual(code, 550, "%s: %s" % (rcpt, text))

    def test_open_relay_discards_what_it_accepts(self):
        s = Smtp(ENV["OPENRELAY_PORT"])
        try:
            s.reply()
            s.cmd("EHLO client.smtpscope.test")
            self.assertEqual(s.cmd("MAIL FROM:<probe@external.example>")[0], 250)
            self.assertEqual(s.cmd("RCPT TO:<victim@elsewhere.example>")[0], 250)
            self.assertEqual(s.cmd("DATA")[0], 354)
            code, text = s.cmd("Subject: smtpscope fixture test\r\n\r\nbody\r\n.")
            self.assertEqual(code, 250, text)
        finally:
            s.close()
        queued = []
        for root, _, files in os.walk(os.path.join(FIX_DIR, "spool")):
            queued += [f for f in files if f.endswith("-H")]
        self.assertEqual(queued, [], "a message was queued")
        with open(os.path.join(FIX_DIR, "log", "mainlog")) as f:
            log = f.read()
        self.assertIn("smtpscope fixture: discarded", log)
        self.assertNotIn("=> victim@elsewhere.example", log.replace("(DATA ACL", ""))


def main():
    fixturelib.main(FIX)


if __name__ == "__main__":
    main()
