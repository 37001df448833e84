#!/usr/bin/env python3
"""test_domain_sts.py — the MTA-STS policy fetch of `smtpscope domain` (RFC 8461), end to end.

Peers, all on loopback and started here: the Unbound fixture (through test_domain.py's
module setup; zones.d/domain-sts.conf holds the *.sts.smtpscope.test domains), an HTTPS
server (Python's http.server in a TLS context) with a certificate for every
mta-sts.<domain>.sts.smtpscope.test name except wrongname's, issued by a CA generated here
with the openssl CLI, and for the MX certificate checks the Postfix fixture
(tests/integration/postfix/fixture.sh; its certificate names mail.smtpscope.test).

smtpscope reaches the HTTPS server with --mta-sts-connect 127.0.0.1:PORT (the policy URL,
SNI and certificate name stay mta-sts.DOMAIN) and trusts the test CA with --ca-file. The
server picks the policy by the Host header and logs every request, so a test can check
that a redirect was not followed.

Exit 77 (CTest skip) when Unbound cannot run here; the Postfix-backed tests skip alone when
Postfix cannot.
"""
import http.server
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixturelib  # noqa: E402
import test_domain as td  # noqa: E402  (module setup: the Unbound fixture; helpers)

ZONE = "sts.smtpscope.test"
PATH = "/.well-known/mta-sts.txt"

GOOD = "version: STSv1\r\nmode: enforce\r\nmx: mail.smtpscope.test\r\nmax_age: 1209600\r\n"
# name -> (status, content type, body, extra headers)
POLICIES = {
    "good": (200, "text/plain; charset=utf-8", GOOD, {}),
    # LF line ends; a wildcard one label below smtpscope.test
    "uncovered": (200, "text/plain", "version: STSv1\nmode: enforce\nmx: *.smtpscope.test\n"
                  "max_age: 604800\n", {}),
    "testing": (200, "text/plain", "version: STSv1\nmode: testing\nmx: mail.smtpscope.test\n"
                "max_age: 3600\n", {}),
    "badpolicy": (200, "text/plain", "version: STSv2\nmode: always\nmx: bad_host!.example\n",
                  {}),
    "badtype": (200, "text/html", GOOD, {}),
    "redirect": (301, "text/plain", "moved\n",
                 {"Location": "https://mta-sts.good.%s/elsewhere.txt" % ZONE}),
    "missing": (404, "text/plain", "not here\n", {}),
    "big": (200, "text/plain", GOOD + "x" * 70000 + "\n", {}),
    "wrongname": (200, "text/plain", GOOD, {}),
    "badcert": (200, "text/plain", "version: STSv1\nmode: enforce\n"
                "mx: certmx.sts.smtpscope.test\nmax_age: 86400\n", {}),
}
IN_CERT = [n for n in POLICIES if n != "wrongname"]

TMP = None
CA = None
HTTPS = None  # the server
REQUESTS = []  # (host, path) of every request the server answered


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=TMP, timeout=60)


def make_pki():
    """A test CA and a leaf for mta-sts.<name>.sts.smtpscope.test (every IN_CERT name)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "30", "-subj", "/O=smtpscope tests/CN=smtpscope sts test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    sans = ",".join("DNS:mta-sts.%s.%s" % (n, ZONE) for n in IN_CERT)
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out",
            "leaf.csr", "-subj", "/O=smtpscope tests/CN=mta-sts.good.%s" % ZONE,
            "-addext", "subjectAltName=" + sans)
    with open(os.path.join(TMP, "leaf.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n" % sans)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "30", "-extfile", "leaf.ext", "-out", "leaf.pem")
    return os.path.join(TMP, "ca.pem")


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        REQUESTS.append((host, self.path))
        name = host[len("mta-sts."):-len("." + ZONE)] if host.startswith("mta-sts.") else ""
        if self.path != PATH or name not in POLICIES:
            status, ctype, body, extra = 404, "text/plain", "no such policy\n", {}
        else:
            status, ctype, body, extra = POLICIES[name]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def setUpModule():
    global TMP, CA, HTTPS
    td.setUpModule()
    try:
        TMP = tempfile.mkdtemp(prefix="smtpscope-sts.")
        CA = make_pki()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(TMP, "leaf.pem"), os.path.join(TMP, "leaf.key"))
        HTTPS = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PolicyHandler)
        HTTPS.socket = ctx.wrap_socket(HTTPS.socket, server_side=True)
        threading.Thread(target=HTTPS.serve_forever, daemon=True).start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    try:
        if HTTPS:
            HTTPS.shutdown()
            HTTPS.server_close()
        if TMP:
            shutil.rmtree(TMP, ignore_errors=True)
    finally:
        td.tearDownModule()


def hook():
    return "127.0.0.1:%d" % HTTPS.server_address[1]


class StsTest(td.DomainTest):
    def sts(self, name, *args, fmt="json", connect=True, ca=True):
        """`domain NAME.sts.smtpscope.test --no-dnsbl` with the policy fetched (through the
        test server unless connect=False) and the test CA trusted (unless ca=False)."""
        extra = ["--mta-sts-connect", hook()] if connect else []
        extra += ["--ca-file", CA] if ca else []
        return self.run_domain("%s.%s" % (name, ZONE), "--no-dnsbl", *extra, *args, fmt=fmt,
                               sts_fetch=True)

    def policy(self, doc):
        p = doc["mtasts"]["policy"]
        self.assertIsNotNone(p, self.out)
        self.assertEqual(p["url"], "https://mta-sts.%s%s" % (doc["domain"], PATH), self.out)
        return p

    def hosts(self, p):
        return {h["host"]: h for h in p["mx_hosts"]}


class Fetch(StsTest):
    def test_good_enforce_policy(self):
        rc, doc = self.sts("good")
        self.assertEqual(rc, 0, self.out)
        self.assertEqual(self.section(doc, "mtasts")["status"], "pass", self.out)
        sts = {f["id"] for f in doc["findings"] if f["stage"] == "mtasts"}
        self.assertEqual(sts, set(), self.out)  # not even info: mode enforce, long max_age
        p = self.policy(doc)
        self.assertTrue(p["fetched"], self.out)
        self.assertIsNone(p["failure"], self.out)
        self.assertEqual(p["http_status"], 200, self.out)
        self.assertEqual(p["content_type"], "text/plain; charset=utf-8", self.out)
        self.assertEqual(p["address"], "127.0.0.1", self.out)
        self.assertEqual(p["mode"], "enforce", self.out)
        self.assertEqual(p["max_age"], 1209600, self.out)
        self.assertEqual(p["mx_patterns"], ["mail.smtpscope.test"], self.out)
        self.assertFalse(p["certs_checked"], self.out)
        h = self.hosts(p)["mail.smtpscope.test"]
        self.assertEqual(h["pattern"], "mail.smtpscope.test", self.out)
        self.assertFalse(h["cert_checked"], self.out)
        self.assertIsNone(h["cert_valid"], self.out)
        self.assertTrue(any("certificates were not checked" in n for n in doc["notes"]),
                        self.out)
        self.assertIn(("mta-sts.good." + ZONE, PATH), REQUESTS)
        # every key of the fetched policy is documented
        undocumented = td.all_keys(doc, set()) - td.documented_domain_keys()
        self.assertEqual(undocumented, set(), "keys missing from docs/json.md\n" + self.out)

        rc, text = self.sts("good", fmt="text")
        self.assertIn("    policy    https://mta-sts.good.%s%s\n" % (ZONE, PATH), text)
        self.assertIn("    mode      enforce\n", text)
        self.assertIn("    max_age   1209600 (14 days)\n", text)
        self.assertRegex(text, r"MX mail\.smtpscope\.test +covered by mail\.smtpscope\.test")

    def test_wildcard_covers_one_label_only(self):
        rc, doc = self.sts("uncovered")
        self.assert_finding(doc, "mtasts.mx_not_covered", "error", "mtasts")
        self.assertEqual(rc, 1, self.out)
        p = self.policy(doc)
        hosts = self.hosts(p)
        self.assertEqual(hosts["mail.smtpscope.test"]["pattern"], "*.smtpscope.test", self.out)
        self.assertIsNone(hosts["backup.deep.smtpscope.test"]["pattern"], self.out)
        f = self.finding(doc, "mtasts.mx_not_covered")
        self.assertIn("backup.deep.smtpscope.test", f["message"], self.out)
        self.assertEqual(sum(x["id"] == "mtasts.mx_not_covered" for x in doc["findings"]), 1)

    def test_testing_mode_only_warns(self):
        rc, doc = self.sts("testing")
        self.assertEqual(rc, 0, self.out)
        self.assertEqual(self.policy(doc)["mode"], "testing", self.out)
        self.assert_finding(doc, "mtasts.mx_not_covered", "warning", "mtasts")
        self.assert_finding(doc, "mtasts.max_age_short", "warning", "mtasts")
        self.assertEqual(self.finding(doc, "mtasts.mode_testing")["severity"], "info")
        self.assertEqual(self.section(doc, "mtasts")["status"], "warn", self.out)

    def test_policy_host_missing(self):
        rc, doc = self.sts("nohost", connect=False)
        self.assert_finding(doc, "mtasts.policy_host_missing", "error", "mtasts")
        p = self.policy(doc)
        self.assertFalse(p["fetched"], self.out)
        self.assertEqual(p["failure"], "resolve", self.out)
        self.assertIsNone(p["mode"], self.out)
        self.assertEqual(p["mx_hosts"], [], self.out)
        self.assertEqual(rc, 1, self.out)

    def test_policy_host_unreachable(self):
        # resolved through --dns: 127.0.0.2, nothing listens on 443
        rc, doc = self.sts("dead", connect=False)
        self.assert_finding(doc, "mtasts.policy_unreachable", "error", "mtasts")
        self.assertEqual(self.policy(doc)["failure"], "connect", self.out)
        # and through the hook, to a closed port
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
        s.close()
        rc, doc = self.run_domain("good." + ZONE, "--no-dnsbl", "--mta-sts-connect",
                                  "127.0.0.1:%d" % closed, sts_fetch=True)
        self.assert_finding(doc, "mtasts.policy_unreachable", "error", "mtasts")

    def test_bad_policy_content(self):
        rc, doc = self.sts("badpolicy")
        for fid in ("mtasts.version_invalid", "mtasts.mode_invalid", "mtasts.mx_invalid",
                    "mtasts.max_age_missing"):
            self.assert_finding(doc, fid, "error", "mtasts")
        p = self.policy(doc)
        self.assertTrue(p["fetched"], self.out)
        self.assertIsNone(p["mode"], self.out)
        self.assertIsNone(p["max_age"], self.out)
        self.assertEqual(p["mx_patterns"], [], self.out)
        self.assertIn("line 3", self.finding(doc, "mtasts.mx_invalid")["message"], self.out)

    def test_content_type_must_be_text_plain(self):
        rc, doc = self.sts("badtype")
        self.assert_finding(doc, "mtasts.policy_bad_content_type", "error", "mtasts")
        self.assertIn("text/html", self.finding(doc, "mtasts.policy_bad_content_type")["message"])
        self.assertEqual(self.policy(doc)["content_type"], "text/html", self.out)

    def test_redirect_is_not_followed(self):
        before = len(REQUESTS)
        rc, doc = self.sts("redirect")
        self.assert_finding(doc, "mtasts.policy_redirect", "error", "mtasts")
        p = self.policy(doc)
        self.assertEqual(p["http_status"], 301, self.out)
        self.assertIn("elsewhere.txt", p["error"], self.out)
        self.assertEqual([r[1] for r in REQUESTS[before:]], [PATH], self.out)

    def test_http_status(self):
        rc, doc = self.sts("missing")
        self.assert_finding(doc, "mtasts.policy_http_status", "error", "mtasts")
        self.assertEqual(self.policy(doc)["http_status"], 404, self.out)

    def test_size_cap(self):
        rc, doc = self.sts("big")
        self.assert_finding(doc, "mtasts.policy_too_long", "error", "mtasts")
        self.assertEqual(self.policy(doc)["failure"], "too_large", self.out)

    def test_certificate_verified(self):
        rc, doc = self.sts("good", ca=False)  # the test CA is not trusted
        self.assert_finding(doc, "mtasts.policy_cert_invalid", "error", "mtasts")
        self.assertFalse(self.policy(doc)["fetched"], self.out)
        rc, doc = self.sts("wrongname")  # trusted CA, but not this name
        self.assert_finding(doc, "mtasts.policy_cert_invalid", "error", "mtasts")
        self.assertEqual(self.policy(doc)["failure"], "cert", self.out)

    def test_no_fetch(self):
        rc, doc = self.run_domain("good." + ZONE, "--no-dnsbl", "--no-mta-sts-fetch")
        self.assertIsNone(doc["mtasts"]["policy"], self.out)
        self.assertTrue(any("not fetched" in n for n in doc["notes"]), self.out)

    def test_usage(self):
        self.assertIn("--mta-sts-connect", self.usage("a.example", "--mta-sts-connect", "x"))
        self.assertIn("--mta-sts-connect",
                      self.usage("a.example", "--mta-sts-connect", "127.0.0.1:0"))
        self.assertIn("contradict", self.usage("a.example", "--mta-sts-connect",
                                               "127.0.0.1:443", "--no-mta-sts-fetch"))
        self.assertIn("--ca-file", self.usage("a.example", "--ca-file",
                                              os.path.join(TMP, "no-such-ca.pem")))


class MxCertificates(StsTest):
    """--connect: a STARTTLS handshake to each MX, the certificate checked against the MX
    name. The Postfix fixture's certificate names mail.smtpscope.test."""
    PF = fixturelib.Fixture("postfix", "smtpscope-sts-pf.", timeout=180)
    BUNDLE = None
    PORT = None

    @classmethod
    def setUpClass(cls):
        cls.PF.start()
        cls.PORT = cls.PF.env["SMTP_PORT"]
        # one trust store for both: the policy server's CA and Postfix's
        cls.BUNDLE = os.path.join(TMP, "bundle.pem")
        with open(cls.BUNDLE, "w") as out:
            for p in (CA, cls.PF.path("certs", "ca.pem")):
                with open(p) as f:
                    out.write(f.read())

    @classmethod
    def tearDownClass(cls):
        cls.PF.stop()

    def connect(self, name):
        return self.run_domain("%s.%s" % (name, ZONE), "--no-dnsbl", "--mta-sts-connect",
                               hook(), "--ca-file", self.BUNDLE, "--connect", "--ports",
                               str(self.PORT), "--timeout", "5", sts_fetch=True, deadline=60)

    def test_valid_mx_certificate(self):
        rc, doc = self.connect("good")
        p = self.policy(doc)
        self.assertTrue(p["certs_checked"], self.out)
        h = self.hosts(p)["mail.smtpscope.test"]
        self.assertTrue(h["cert_checked"], self.out)
        self.assertEqual(h["cert_port"], self.PORT, self.out)
        self.assertTrue(h["cert_valid"], self.out)
        self.assertIsNone(h["cert_error"], self.out)
        self.assertNotIn("mtasts.mx_cert_invalid", self.ids(doc), self.out)
        self.assertFalse(any("certificates were not checked" in n for n in doc["notes"]))
        rc, text = self.run_domain("good." + ZONE, "--no-dnsbl", "--mta-sts-connect", hook(),
                                   "--ca-file", self.BUNDLE, "--connect", "--ports",
                                   str(self.PORT), fmt="text", sts_fetch=True, deadline=60)
        self.assertIn("certificate ✓ (port %d)" % self.PORT, text)

    def test_mx_certificate_for_another_name(self):
        rc, doc = self.connect("badcert")
        self.assert_finding(doc, "mtasts.mx_cert_invalid", "error", "mtasts")
        h = self.hosts(self.policy(doc))["certmx.sts.smtpscope.test"]
        self.assertEqual(h["pattern"], "certmx.sts.smtpscope.test", self.out)
        self.assertTrue(h["cert_checked"], self.out)
        self.assertFalse(h["cert_valid"], self.out)
        self.assertIn("does not name certmx.sts.smtpscope.test", h["cert_error"], self.out)
        self.assertEqual(rc, 1, self.out)


if __name__ == "__main__":
    fixturelib.main(td.UB)
