"""test_dane_postfix.py — DANE (RFC 7672) end to end: real Postfix, real Unbound, DNSSEC.

The Postfix fixture (test_check_postfix's setUpModule) generates its certificate at start;
this test then publishes TLSA records for it in the Unbound fixture's DNSSEC-signed zone
dnssec.test (SMTPSCOPE_UNBOUND_DNSSEC_EXTRA, signed at start with fresh keys; the anchor
is DIR/trust-anchor) and runs the real binary:

  mail.dnssec.test    _PORT._tcp: 3 1 1 of Postfix's key  -> dane verified (dane.verified)
  ta.dnssec.test      _PORT._tcp: 2 0 1 of the test CA    -> mismatch: the CA matches at
                      depth 1, but with DANE-TA the leaf must also name the host (RFC 7672
                      §3.2.2) and Postfix's certificate names localhost, not ta.dnssec.test
                      (a positive DANE-TA match is in tests/unit/checks/test_dane.c)
  wrong.dnssec.test   _PORT._tcp: 3 1 1 of another key    -> dane mismatch (error, exit 1)
  the same without --trust-anchor                          -> TLSA unvalidated: DANE not used

Each name has an A record to 127.0.0.1 in the signed zone. Exit 77 when a fixture cannot
run here; under CI=true the fixtures fail instead.
By hand:  SMTPSCOPE=$PWD/build/smtpscope python3 tests/integration/test_dane_postfix.py -v
"""

import hashlib
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib  # noqa: E402
import test_check_postfix as pf  # noqa: E402  (Postfix fixture start/stop, ports, CA)

UB = fixturelib.Fixture("unbound", "smtpscope-dane.")
UB_DIR = None
DNS = None
ANCHOR = None


def der(args, stdin):
    return subprocess.run(["openssl"] + args, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=True).stdout


def spki_sha256(cert_pem):
    pub = der(["x509", "-noout", "-pubkey"], cert_pem)
    return hashlib.sha256(der(["pkey", "-pubin", "-outform", "DER"], pub)).hexdigest()


def cert_sha256(cert_pem):
    return hashlib.sha256(der(["x509", "-outform", "DER"], cert_pem)).hexdigest()


def first_cert(path):
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"-----END CERTIFICATE-----") + len(b"-----END CERTIFICATE-----\n")
    return data[:end]


def setUpModule():
    global UB_DIR, DNS, ANCHOR
    pf.setUpModule()
    certs = os.path.dirname(pf.CA)
    port = pf.PORTS["SMTP_PORT"]
    leaf = first_cert(os.path.join(certs, "chain.pem"))
    with open(pf.CA, "rb") as f:
        ca = f.read()
    other = hashlib.sha256(b"not the server's key").hexdigest()
    UB_DIR = UB.mkdir()
    extra = UB.path("extra.zone")
    with open(extra, "w") as f:
        f.write("mail-pf IN A 127.0.0.1\n"
                "_%d._tcp.mail-pf IN TLSA 3 1 1 %s\n" % (port, spki_sha256(leaf)))
        f.write("ta IN A 127.0.0.1\n"
                "_%d._tcp.ta IN TLSA 2 0 1 %s\n" % (port, cert_sha256(ca)))
        f.write("wrong IN A 127.0.0.1\n"
                "_%d._tcp.wrong IN TLSA 3 1 1 %s\n" % (port, other))
    UB.start(env=dict(os.environ, SMTPSCOPE_UNBOUND_DNSSEC_EXTRA=extra))
    DNS = "127.0.0.1@" + UB.read("port")
    ANCHOR = UB.path("trust-anchor")


def tearDownModule():
    try:
        UB.stop()
    finally:
        pf.tearDownModule()


class DaneAgainstPostfix(unittest.TestCase):
    maxDiff = None

    def tls(self, name, anchor=True):
        args = ["tls", "%s.dnssec.test:%d" % (name, pf.PORTS["SMTP_PORT"]), "--dns", DNS,
                "--ca-file", pf.CA, "--servername", "localhost", "--timeout", "10",
                "--format", "json"]
        if anchor:
            args += ["--trust-anchor", ANCHOR]
        p = subprocess.run([pf.BINARY] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=180)
        ctx = "\n$ smtpscope %s\nrc=%d\n%s\n%s" % (" ".join(args), p.returncode,
                                                 p.stdout.decode(errors="replace")[-3000:],
                                                 p.stderr.decode(errors="replace")[-2000:])
        try:
            d = json.loads(p.stdout)
        except ValueError:
            self.fail("stdout is not JSON" + ctx)
        dane = d["tls_audit"]["dane"]
        ids = [f["id"] for f in d["findings"]]
        ctx = "\n$ smtpscope %s\nrc=%d\ndane: %s\nfindings: %s\ntls: %s" % (
            " ".join(args), p.returncode, json.dumps(dane, indent=1), ids,
            json.dumps({k: d["tls"][k] for k in ("verified", "chain_length", "problems")}
                       if d.get("tls") else None))
        return p.returncode, d, dane, ids, ctx

    def test_dane_ee_verified(self):
        rc, d, dane, ids, ctx = self.tls("mail-pf")
        self.assertEqual(dane["state"], "verified", ctx)
        self.assertEqual(dane["dnssec"], "secure", ctx)
        self.assertEqual(dane["match_depth"], 0, ctx)
        rec = dane["records"][0]
        self.assertEqual((rec["usage"], rec["selector"], rec["matching_type"]), (3, 1, 1), ctx)
        self.assertTrue(rec["matched"], ctx)
        self.assertIn("dane.verified", ids, ctx)
        self.assertNotIn("dane.mismatch", ids, ctx)

    def test_dane_ta_needs_the_host_name(self):
        rc, d, dane, ids, ctx = self.tls("ta")
        self.assertEqual(dane["state"], "mismatch", ctx)
        self.assertIn("must also name the host", dane["detail"], ctx)
        msg = [f["message"] for f in d["findings"] if f["id"] == "dane.mismatch"]
        self.assertTrue(msg and "must also name the host" in msg[0], ctx)
        self.assertEqual(rc, 1, ctx)

    def test_mismatch_is_an_error(self):
        rc, d, dane, ids, ctx = self.tls("wrong")
        self.assertEqual(dane["state"], "mismatch", ctx)
        self.assertIn("dane.mismatch", ids, ctx)
        self.assertEqual(rc, 1, ctx)

    def test_without_validation_dane_is_not_used(self):
        rc, d, dane, ids, ctx = self.tls("mail-pf", anchor=False)
        self.assertEqual(dane["state"], "insecure", ctx)
        self.assertNotIn("dane.verified", ids, ctx)
        self.assertTrue(any(i in ids for i in ("dane.unvalidated", "dane.insecure_tlsa")), ctx)


if __name__ == "__main__":
    fixturelib.main(pf.FIX, UB)
