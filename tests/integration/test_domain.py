#!/usr/bin/env python3
"""test_domain.py — `smtpscope domain` end to end, against the private Unbound fixture.

The fixture (tests/integration/unbound/fixture.sh) serves the test domains of
zones.d/domain-dns.conf (MX, PTR/FCrDNS, HELO names, the bl.smtpscope.test blocklist),
zones.d/domain-records.conf (SPF, DKIM, DMARC, MTA-STS, TLS-RPT), zones.d/domain-cli.conf
(good.cli: right in every section) and zones.d/dnssec.conf (signed zones and their trust
anchor). Each test runs the built binary with --dns 127.0.0.1@PORT and checks the JSON
document, the text report and the exit code against what the zone files say each domain is
for. A second peer, a silent DNS server in this file, checks that a resolver that never
answers ends within the deadline as a temporary failure.

Assertions never depend on the order findings come in. Exit 77 (CTest skip) when Unbound
cannot run here.
"""
import json
import os
import re
import socket
import subprocess
import threading
import time
import unittest

import fixturelib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPSCOPE", "")
DOC_JSON = os.path.join(SOURCE_DIR, "docs/json.md")
# Sanitized binaries start slowly; deadlines catch hangs, not slowness.
SLACK = float(os.environ.get("SMTPSCOPE_DEADLINE_SLACK", "0") or 0)

UB = fixturelib.Fixture("unbound", "smtpscope-ubd.")
UB_DIR = None
DNS = None
TRUST_ANCHOR = None  # the fixture's DS records for dnssec.test/bogus.test, when signed

BL = "bl.smtpscope.test"  # the fixture's blocklist (RFC 5782 test entry 127.0.0.2)
SECTIONS = ["mx", "spf", "dkim", "dmarc", "mtasts", "tlsrpt", "ptr", "helo", "dnsbl"]
EXIT_FOR_VERDICT = {"pass": 0, "warn": 0, "fail": 1, "tempfail": 75}


def setUpModule():
    global UB_DIR, DNS, TRUST_ANCHOR
    fixturelib.require_binary(BINARY)
    UB_DIR = UB.start().dir
    DNS = "127.0.0.1@" + UB.read("port")
    ta = UB.path("trust-anchor")
    TRUST_ANCHOR = ta if os.path.exists(ta) else None


def tearDownModule():
    UB.stop()


def expected_verdict(findings):
    """The verdict rules of docs/json.md, applied to a document's findings."""
    errors = [f for f in findings if f["severity"] == "error"]
    if any(not f["temporary"] for f in errors):
        return "fail"
    if errors:
        return "tempfail"
    if any(f["severity"] == "warning" for f in findings):
        return "warn"
    return "pass"


def documented_domain_keys():
    """Every `name` in the first column of a table row in the domain part of docs/json.md."""
    with open(DOC_JSON, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n## `domain`")
    end = text.find("\n## ", start + 1)
    keys = set()
    for line in text[start:end if end > 0 else None].splitlines():
        if line.startswith("| `"):
            keys.update(re.findall(r"`([^`]+)`", line.split(" |")[0]))
    return keys


def all_keys(v, out):
    if isinstance(v, dict):
        for k, c in v.items():
            out.add(k)
            all_keys(c, out)
    elif isinstance(v, list):
        for c in v:
            all_keys(c, out)
    return out


class SilentDNS:
    """A DNS server on 127.0.0.1 (UDP and TCP on one port) that reads queries and never
    answers."""

    def __init__(self):
        while True:
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        self.tcp.listen(16)
        self.queries = 0
        self.stop = threading.Event()
        self.udp.settimeout(0.1)
        self.tcp.settimeout(0.1)
        self.conns = []
        self.threads = [threading.Thread(target=self._udp, daemon=True),
                        threading.Thread(target=self._tcp, daemon=True)]
        for t in self.threads:
            t.start()

    @property
    def server(self):
        return "127.0.0.1@%d" % self.port

    def _udp(self):
        while not self.stop.is_set():
            try:
                self.udp.recvfrom(4096)
                self.queries += 1
            except socket.timeout:
                continue
            except OSError:
                return

    def _tcp(self):
        while not self.stop.is_set():
            try:
                c, _ = self.tcp.accept()
                self.conns.append(c)  # held open, never answered
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(2)
        for c in self.conns:
            c.close()
        self.udp.close()
        self.tcp.close()


class DomainTest(unittest.TestCase):
    maxDiff = None

    def run_domain(self, *args, dns=None, fmt="json", deadline=20, sts_fetch=False):
        """Run `smtpscope domain ARGS --dns ... --format FMT`; return (exit code, document or
        text). The JSON must be valid and its exit code must follow its verdict. The MTA-STS
        policy fetch is off unless sts_fetch: these zones publish no policy host (the fetch
        has its own suite, test_domain_sts.py)."""
        cmd = [BINARY, "domain", *args, "--dns", dns or DNS, "--format", fmt]
        if not sts_fetch:
            cmd.append("--no-mta-sts-fetch")
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=deadline + SLACK + 10)
        except subprocess.TimeoutExpired:
            self.fail("smtpscope hung: %s" % " ".join(cmd))
        self.elapsed = time.monotonic() - t0
        stdout = p.stdout.decode("utf-8")  # raises on invalid UTF-8
        self.out = "%s\nexit %d\n%s\n%s" % (" ".join(cmd), p.returncode, stdout,
                                             p.stderr.decode("utf-8", "replace"))
        self.assertLess(self.elapsed, deadline + SLACK, self.out)
        if fmt == "text":
            self.assertFalse(any(ord(ch) < 0x20 and ch != "\n" or ord(ch) == 0x7F
                                 for ch in stdout), "raw control byte in text:\n" + self.out)
            return p.returncode, stdout
        try:
            doc = json.loads(stdout, strict=True)
        except json.JSONDecodeError:
            self.fail("no valid JSON from smtpscope:\n" + self.out)
        self.assertEqual(doc["command"], "domain", self.out)
        self.assertEqual(doc["verdict"], expected_verdict(doc["findings"]), self.out)
        self.assertEqual(p.returncode, EXIT_FOR_VERDICT[doc["verdict"]], self.out)
        self.assertEqual([s["name"] for s in doc["sections"]], SECTIONS, self.out)
        return p.returncode, doc

    def usage(self, *args):
        p = subprocess.run([BINARY, "domain", *args], capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 64, "%s\n%s%s" % (args, p.stdout, p.stderr))
        self.assertEqual(p.stdout, "", args)
        self.assertIn("smtpscope domain:", p.stderr)
        return p.stderr

    # -- helpers over a document --

    def ids(self, doc):
        return {f["id"] for f in doc["findings"]}

    def finding(self, doc, fid):
        for f in doc["findings"]:
            if f["id"] == fid:
                return f
        self.fail("no finding %s in:\n%s" % (fid, self.out))

    def section(self, doc, name):
        return next(s for s in doc["sections"] if s["name"] == name)

    def assert_finding(self, doc, fid, severity, section):
        f = self.finding(doc, fid)
        self.assertEqual(f["severity"], severity, self.out)
        self.assertEqual(f["stage"], section, self.out)
        self.assertTrue(f["message"], self.out)
        want = {"error": "fail", "warning": "warn"}.get(severity)
        if want:
            self.assertIn(self.section(doc, section)["status"],
                          ("fail",) if want == "fail" else ("warn", "fail"), self.out)
        return f

    def spf_nodes(self, node):
        if node:
            yield node
            for c in node["children"]:
                yield from self.spf_nodes(c)


class GoodDomain(DomainTest):
    def test_good_domain_passes(self):
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--dnsbl", BL)
        self.assertEqual(rc, 0, self.out)
        # Every MX address in a loopback fixture is "private": the one warning it must give.
        problems = {f["id"] for f in doc["findings"] if f["severity"] != "info"}
        self.assertLessEqual(problems, {"mx.private_address"}, self.out)
        for name in ("spf", "dkim", "dmarc", "mtasts", "tlsrpt", "ptr", "dnsbl"):
            self.assertEqual(self.section(doc, name)["status"], "pass", name + "\n" + self.out)
        self.assertEqual(self.section(doc, "helo")["status"], "skip", self.out)
        self.assertEqual(doc["domain"], "good.cli.smtpscope.test")
        self.assertFalse(doc["dnssec_validated"], self.out)  # --dns without --trust-anchor
        self.assertEqual([h["host"] for h in doc["mx"]["hosts"]], ["mail.smtpscope.test"])
        self.assertEqual(set(doc["mx"]["hosts"][0]["addresses"]), {"127.0.0.1", "::1"})
        self.assertEqual(doc["spf"]["records"], ["v=spf1 mx -all"])
        self.assertEqual(doc["spf"]["lookups"], 1, self.out)
        self.assertEqual(doc["spf"]["tree"]["matched"], "-all", self.out)
        self.assertIsNone(doc["spf"]["evaluation"])
        keys = {k["selector"]: k for k in doc["dkim"]["keys"]}
        self.assertTrue(doc["dkim"]["defaults_used"])
        self.assertEqual(keys["selector1"]["key"]["key_bits"], 2048, self.out)
        self.assertEqual(doc["dmarc"]["policy"]["p"], "reject", self.out)
        self.assertEqual(doc["mtasts"]["id"], "20240601T01", self.out)
        self.assertTrue(all(p["confirmed"] for p in doc["ptr"]), self.out)
        self.assertTrue(doc["ptr"], self.out)
        self.assertTrue(doc["dnsbl"]["entries"], self.out)
        self.assertFalse(any(e["listed"] for e in doc["dnsbl"]["entries"]), self.out)
        self.assertIsNone(doc["helo"])
        self.assertGreater(doc["queries"], 0)
        self.assertGreater(doc["waves"], 0)

    def test_helo_sharing_mx_host_questions(self):
        """--helo names the MX host: its A/AAAA are asked in wave 0 by the HELO section, so
        the MX section's wave-1 questions are all already in the batch. The wave must still
        run (regression: it was skipped, leaving the MX host 'no address (timeout)')."""
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--dnsbl", BL, "--helo",
                                  "mail.smtpscope.test", "--ip", "127.0.0.1")
        self.assertEqual(rc, 0, self.out)
        self.assertEqual(doc["mx"]["hosts"][0]["addr_status"], "ok", self.out)
        self.assertEqual(set(doc["mx"]["hosts"][0]["addresses"]), {"127.0.0.1", "::1"})
        self.assertGreater(doc["waves"], 1, self.out)
        self.assertTrue(all(p["confirmed"] for p in doc["ptr"]), self.out)
        self.assertTrue(doc["helo"]["matches_ip"], self.out)

    def test_good_records_domain(self):
        """good.rec: every record right (no MX: that part is domain-dns.conf's)."""
        rc, doc = self.run_domain("good.rec.smtpscope.test", "--no-dnsbl")
        for name in ("spf", "dkim", "dmarc", "mtasts", "tlsrpt"):
            self.assertEqual(self.section(doc, name)["status"], "pass", name + "\n" + self.out)
        self.assertEqual(self.section(doc, "dnsbl")["status"], "skip", self.out)
        self.assertEqual(doc["dnsbl"]["zones"], [], self.out)
        kinds = {n["kind"] for n in self.spf_nodes(doc["spf"]["tree"])}
        self.assertEqual(kinds, {"top", "include"}, self.out)
        sels = {k["selector"]: k["key"] for k in doc["dkim"]["keys"]}
        self.assertEqual(sels["selector1"]["key_bits"], 2048, self.out)
        self.assertEqual(sels["selector2"]["key_type"], "ed25519", self.out)
        dests = {d["uri"]: d for d in doc["dmarc"]["destinations"]}
        ext = dests["mailto:agg@rec-reports.test"]
        self.assertTrue(ext["external"] and ext["authorized"], self.out)
        self.assertFalse(dests["mailto:dmarc@good.rec.smtpscope.test"]["external"], self.out)

    def test_text_report(self):
        rc, text = self.run_domain("good.cli.smtpscope.test", "--dnsbl", BL, fmt="text")
        self.assertEqual(rc, 0, self.out)
        self.assertTrue(text.startswith("smtpscope domain good.cli.smtpscope.test — warn, "),
                        self.out)
        self.assertIn("DNSSEC not validated", text.splitlines()[0])
        pos = [text.find("\n%s %s" % (mark, name)) for mark, name in
               [("!", "MX"), ("✓", "SPF"), ("✓", "DKIM"), ("✓", "DMARC"), ("✓", "MTA-STS"),
                ("✓", "TLS-RPT"), ("✓", "PTR"), ("–", "HELO"), ("✓", "DNSBL")]]
        self.assertTrue(all(p >= 0 for p in pos) and pos == sorted(pos), self.out)
        self.assertIn("    lookups: 1/10, void: 0/2\n", text)
        self.assertIn("    tree\n      good.cli.smtpscope.test  fail  matched -all  lookups 1\n"
                      "        \"v=spf1 mx -all\"\n", text)
        self.assertIn("FCrDNS ✓", text)
        self.assertIn("× 1 list clean", text)
        self.assertIn("\nFindings\n  MX\n    ! warning mx.private_address\n", text)
        self.assertTrue(text.rstrip("\n").endswith("VERDICT: WARN (2 warnings)")
                        or "VERDICT: WARN" in text.splitlines()[-1], self.out)
        self.assertNotIn("\033", text)  # not a terminal: no colour

    def test_json_keys_are_documented(self):
        documented = documented_domain_keys()
        for args in (["good.cli.smtpscope.test", "--dnsbl", BL, "--ip", "127.0.0.1",
                      "--helo", "mail.smtpscope.test"],
                     ["lookups.rec.smtpscope.test", "--no-dnsbl"]):
            rc, doc = self.run_domain(*args)
            self.assertEqual(list(doc)[:6], ["tool", "version", "schema", "command", "verdict",
                                             "duration_ms"])
            undocumented = all_keys(doc, set()) - documented
            self.assertEqual(undocumented, set(), "keys missing from docs/json.md\n" + self.out)
            for k in ("mx", "spf", "dkim", "dmarc", "mtasts", "tlsrpt", "dnsbl"):
                self.assertIsInstance(doc[k], dict, k)
            self.assertIsInstance(doc["ptr"], list)
            self.assertIsInstance(doc["notes"], list)

    def test_name_is_normalised(self):
        rc, doc = self.run_domain("GOOD.Cli.smtpscope.TEST.", "--no-dnsbl")
        self.assertEqual(doc["domain"], "good.cli.smtpscope.test", self.out)
        self.assertEqual(self.section(doc, "spf")["status"], "pass", self.out)

    def test_idn_becomes_a_label(self):
        rc, doc = self.run_domain("bücher.dom.smtpscope.test", "--no-dnsbl")
        self.assertEqual(doc["domain"], "xn--bcher-kva.dom.smtpscope.test", self.out)


class MxAndReverse(DomainTest):
    def test_null_mx(self):
        rc, doc = self.run_domain("nullmx.dom.smtpscope.test", "--no-dnsbl")
        self.assertTrue(doc["mx"]["null_mx"], self.out)
        self.assertEqual(doc["mx"]["hosts"], [], self.out)
        f = self.finding(doc, "mx.null")
        self.assertIn(f["severity"], ("warning", "info"), self.out)
        self.assertNotIn("mx.none", self.ids(doc), self.out)

    def test_mx_to_cname(self):
        rc, doc = self.run_domain("mxcname.dom.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "mx.cname", "warning", "mx")
        host = doc["mx"]["hosts"][0]
        self.assertEqual(host["host"], "alias.dom.smtpscope.test", self.out)
        self.assertEqual(host["cname"], "mail.smtpscope.test", self.out)
        self.assertEqual(rc, 0, self.out)  # warnings only

    def test_mx_ip_literal(self):
        rc, doc = self.run_domain("mxip.dom.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "mx.ip_literal", "error", "mx")
        self.assertTrue(any(h["ip_literal"] for h in doc["mx"]["hosts"]), self.out)
        self.assertEqual(rc, 1, self.out)

    def test_ptr_without_forward_confirmation(self):
        rc, doc = self.run_domain("unconf.dom.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "ptr.mx_unconfirmed", "warning", "ptr")
        entry = next(p for p in doc["ptr"] if p["address"] == "127.0.0.3")
        self.assertEqual(entry["names"], ["elsewhere.dom.smtpscope.test"], self.out)
        self.assertFalse(entry["confirmed"], self.out)
        self.assertIsNone(entry["confirmed_name"], self.out)
        self.assertEqual(entry["for_host"], "fcr.dom.smtpscope.test", self.out)

    def test_dnsbl_listing(self):
        rc, doc = self.run_domain("listed.dom.smtpscope.test", "--dnsbl", BL)
        self.assert_finding(doc, "dnsbl.listed", "error", "dnsbl")
        self.assertEqual(rc, 1, self.out)
        self.assertEqual(doc["dnsbl"]["zones"], [BL], self.out)
        e = next(e for e in doc["dnsbl"]["entries"] if e["address"] == "127.0.0.2")
        self.assertTrue(e["listed"], self.out)
        self.assertEqual(e["query"], "2.0.0.127." + BL, self.out)
        self.assertIn("127.0.0.2", e["codes"], self.out)
        self.assertIn("RFC 5782 test entry", e["reason"] or "", self.out)
        rc, text = self.run_domain("listed.dom.smtpscope.test", "--dnsbl", BL, fmt="text")
        self.assertRegex(text, r"127\.0\.0\.2 +bl\.smtpscope\.test +listed", self.out)

    def test_dnsbl_refusal_is_not_a_listing(self):
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--dnsbl", BL, "--ip", "127.0.0.7")
        e = next(e for e in doc["dnsbl"]["entries"] if e["address"] == "127.0.0.7")
        self.assertTrue(e["refused"] and not e["listed"], self.out)
        self.assertIn("dnsbl.refused", self.ids(doc), self.out)
        self.assertNotIn("dnsbl.listed", self.ids(doc), self.out)

    def test_connect_probes_every_mx(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
        s.close()
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--connect",
                                  "--ports", str(closed), "--timeout", "3")
        probe = doc["mx"]["hosts"][0]["probe"]
        self.assertIsNotNone(probe, self.out)
        self.assertEqual([p["port"] for p in probe["ports"]], [closed], self.out)
        self.assertIn(probe["ports"][0]["state"], ("refused", "unreachable"), self.out)
        self.assertIsNone(probe["best_port"], self.out)
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl")
        self.assertIsNone(doc["mx"]["hosts"][0]["probe"], self.out)


class SendingAddress(DomainTest):
    def test_ip_pass(self):
        rc, doc = self.run_domain("good.rec.smtpscope.test", "--no-dnsbl", "--ip", "192.0.2.10")
        ev = doc["spf"]["evaluation"]
        self.assertEqual(ev["ip"], "192.0.2.10", self.out)
        self.assertEqual(ev["result"], "pass", self.out)
        self.assertEqual(ev["tree"]["matched"], "ip4:192.0.2.0/24", self.out)

    def test_ip_pass_through_include(self):
        rc, doc = self.run_domain("good.rec.smtpscope.test", "--no-dnsbl", "--ip", "198.51.100.9")
        ev = doc["spf"]["evaluation"]
        self.assertEqual(ev["result"], "pass", self.out)
        inc = [n for n in self.spf_nodes(ev["tree"]) if n["kind"] == "include"]
        self.assertTrue(any(n["result"] == "pass" and n["matched"] == "ip4:198.51.100.0/24"
                            for n in inc), self.out)

    def test_ip_fail_with_explanation(self):
        rc, doc = self.run_domain("good.rec.smtpscope.test", "--no-dnsbl", "--ip", "203.0.113.1")
        ev = doc["spf"]["evaluation"]
        self.assertEqual(ev["result"], "fail", self.out)
        self.assertEqual(ev["explanation"],
                         "203.0.113.1 is not a mail server of good.rec.smtpscope.test", self.out)
        rc, text = self.run_domain("good.rec.smtpscope.test", "--no-dnsbl", "--ip",
                                   "203.0.113.1", fmt="text")
        self.assertIn("--ip 203.0.113.1: fail", text)
        self.assertIn("explanation: 203.0.113.1 is not a mail server of good.rec.smtpscope.test",
                      text)

    def test_ipv6_is_canonicalised(self):
        rc, doc = self.run_domain("good.rec.smtpscope.test", "--no-dnsbl", "--ip",
                                  "2001:DB8:0:0::1")
        self.assertEqual(doc["spf"]["evaluation"]["ip"], "2001:db8::1", self.out)
        self.assertEqual(doc["spf"]["evaluation"]["result"], "pass", self.out)

    def test_ip_reverse_dns(self):
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--ip", "127.0.0.6")
        self.assert_finding(doc, "ptr.ip_missing", "error", "ptr")
        entry = next(p for p in doc["ptr"] if p["address"] == "127.0.0.6")
        self.assertIsNone(entry["for_host"], self.out)
        self.assertEqual(entry["names"], [], self.out)
        self.assertEqual(rc, 1, self.out)
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--ip", "127.0.0.5")
        entry = next(p for p in doc["ptr"] if p["address"] == "127.0.0.5")
        self.assertTrue(entry["confirmed"], self.out)
        self.assertIn("ptr.ip_generic", self.ids(doc), self.out)

    def test_helo_matches_ip(self):
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--ip", "127.0.0.1",
                                  "--helo", "helo-v4.dom.smtpscope.test")
        h = doc["helo"]
        self.assertEqual(h["name"], "helo-v4.dom.smtpscope.test", self.out)
        self.assertTrue(h["syntax_ok"] and h["matches_ip"], self.out)
        self.assertEqual(h["addresses"], ["127.0.0.1"], self.out)
        self.assertEqual(self.section(doc, "helo")["status"], "pass", self.out)
        self.assertFalse(any(i.startswith("helo.") for i in self.ids(doc)), self.out)

    def test_helo_problems(self):
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--ip", "127.0.0.5",
                                  "--helo", "helo-v4.dom.smtpscope.test")
        self.assertFalse(doc["helo"]["matches_ip"], self.out)
        self.assertIn("helo.ip_mismatch", self.ids(doc), self.out)
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--helo", "localhost")
        self.assert_finding(doc, "helo.localhost", "error", "helo")
        self.assertEqual(rc, 1, self.out)
        rc, doc = self.run_domain("good.cli.smtpscope.test", "--no-dnsbl", "--helo",
                                  "noaddr-helo.dom.smtpscope.test")
        self.assertIn("helo.unresolvable", self.ids(doc), self.out)
        self.assertEqual(doc["helo"]["addresses"], [], self.out)


class Records(DomainTest):
    def test_spf_over_ten_lookups(self):
        rc, doc = self.run_domain("lookups.rec.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "spf.too_many_lookups", "error", "spf")
        self.assertEqual(rc, 1, self.out)
        spf = doc["spf"]
        self.assertEqual(spf["result"], "permerror", self.out)
        self.assertGreater(spf["lookups"], 10, self.out)
        depth = 0
        node = spf["tree"]
        while node["children"]:
            node = node["children"][0]
            depth += 1
        self.assertGreaterEqual(depth, 3, self.out)  # l1 → l2 → l3 (→ l4)
        rc, text = self.run_domain("lookups.rec.smtpscope.test", "--no-dnsbl", fmt="text")
        self.assertRegex(text, r"lookups: 1[1-9]/10, void: \d/2", self.out)
        # One indent step per include level.
        self.assertIn("\n        include:l1.lookups.rec.smtpscope.test  ", text)
        self.assertIn("\n          include:l2.lookups.rec.smtpscope.test  ", text)
        self.assertIn("\n            include:l3.lookups.rec.smtpscope.test  ", text)

    def test_two_spf_records(self):
        rc, doc = self.run_domain("two.rec.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "spf.multiple", "error", "spf")
        self.assertEqual(len(doc["spf"]["records"]), 2, self.out)
        self.assertEqual(rc, 1, self.out)

    def test_plus_all(self):
        rc, doc = self.run_domain("plusall.rec.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "spf.all_pass", "error", "spf")
        self.assertEqual(doc["spf"]["result"], "pass", self.out)  # anyone passes
        self.assertEqual(rc, 1, self.out)

    def test_macro_heavy_record(self):
        rc, doc = self.run_domain("macro.rec.smtpscope.test", "--no-dnsbl", "--ip", "192.0.2.55",
                                  "--sender", "alice+tag@macro.rec.smtpscope.test")
        ev = doc["spf"]["evaluation"]
        self.assertEqual(ev["result"], "pass", self.out)
        self.assertTrue(ev["tree"]["matched"].startswith("exists:%{ir}"), self.out)
        # Without the sender's local part the exists term finds nothing: the include decides.
        rc, doc = self.run_domain("macro.rec.smtpscope.test", "--no-dnsbl", "--ip",
                                  "198.51.100.20")
        self.assertEqual(doc["spf"]["evaluation"]["result"], "pass", self.out)
        rc, text = self.run_domain("macro.rec.smtpscope.test", "--no-dnsbl", fmt="text")
        self.assertIn("exists:%{ir}.%{l1r+-}._spf.%{d}", text)

    def test_weak_and_revoked_dkim_keys(self):
        rc, doc = self.run_domain("dkim.rec.smtpscope.test", "--no-dnsbl", "--selector", "k512",
                                  "--selector", "revoked", "--selector", "k1024",
                                  "--selector", "absent")
        self.assert_finding(doc, "dkim.key_weak", "error", "dkim")
        self.assert_finding(doc, "dkim.key_revoked", "warning", "dkim")
        self.assertIn("dkim.key_short", self.ids(doc), self.out)
        self.assertIn("dkim.key_missing", self.ids(doc), self.out)
        self.assertEqual(rc, 1, self.out)
        keys = {k["selector"]: k for k in doc["dkim"]["keys"]}
        self.assertFalse(doc["dkim"]["defaults_used"], self.out)
        self.assertEqual(set(keys), {"k512", "revoked", "k1024", "absent"}, self.out)
        self.assertEqual(keys["k512"]["key"]["key_bits"], 512, self.out)
        self.assertTrue(keys["revoked"]["key"]["revoked"], self.out)
        self.assertEqual(keys["absent"]["status"], "nxdomain", self.out)
        self.assertIsNone(keys["absent"]["key"], self.out)
        rc, text = self.run_domain("dkim.rec.smtpscope.test", "--no-dnsbl", "--selector", "k512",
                                   "--selector", "revoked", fmt="text")
        self.assertRegex(text, r"k512 +rsa 512 bits", self.out)
        self.assertRegex(text, r"revoked +rsa +revoked", self.out)

    def test_dmarc_p_none_with_unauthorised_rua(self):
        rc, doc = self.run_domain("pnone.rec.smtpscope.test", "--no-dnsbl")
        self.assert_finding(doc, "dmarc.p_none", "warning", "dmarc")
        self.assert_finding(doc, "dmarc.rua_unauthorized", "warning", "dmarc")
        dests = {d["uri"]: d for d in doc["dmarc"]["destinations"]}
        self.assertTrue(dests["mailto:agg@rec-reports.test"]["authorized"], self.out)
        other = dests["mailto:agg@rec-other.test"]
        self.assertTrue(other["external"], self.out)
        self.assertFalse(other["authorized"], self.out)
        self.assertEqual(other["auth_name"], "pnone.rec.smtpscope.test._report._dmarc.rec-other.test",
                         self.out)
        self.assertEqual(doc["dmarc"]["policy"]["p"], "none", self.out)
        rc, text = self.run_domain("pnone.rec.smtpscope.test", "--no-dnsbl", fmt="text")
        self.assertIn("external, authorised: no", text)
        self.assertIn("external, authorised: yes", text)


class Resolution(DomainTest):
    def test_dnssec_validated_with_trust_anchor(self):
        if not TRUST_ANCHOR:
            self.skipTest("the fixture's zones are unsigned here (no ldnsutils)")
        rc, doc = self.run_domain("dnssec.test", "--no-dnsbl", "--trust-anchor", TRUST_ANCHOR)
        self.assertTrue(doc["dnssec_validated"], self.out)
        self.assertEqual(doc["mx"]["dnssec"], "secure", self.out)
        self.assertEqual(doc["spf"]["dnssec"], "secure", self.out)
        rc, text = self.run_domain("dnssec.test", "--no-dnsbl", "--trust-anchor", TRUST_ANCHOR,
                                   fmt="text")
        self.assertIn("DNSSEC validated", text.splitlines()[0])
        self.assertRegex(text, r"10  mail\.dnssec\.test +127\.0\.0\.1 +secure", self.out)
        rc, doc = self.run_domain("bogus.test", "--no-dnsbl", "--trust-anchor", TRUST_ANCHOR)
        self.assertEqual(doc["mx"]["dnssec"], "bogus", self.out)
        self.assertEqual(rc, 1, self.out)
        # --dns alone does not validate; "none" turns it off explicitly.
        for extra in ([], ["--trust-anchor", "none"]):
            rc, doc = self.run_domain("dnssec.test", "--no-dnsbl", *extra)
            self.assertFalse(doc["dnssec_validated"], self.out)
            self.assertEqual(doc["mx"]["dnssec"], "unchecked", self.out)

    def silent_run(self, *extra):
        srv = SilentDNS()
        timeout = 2
        try:
            # Each wave and the SPF thread wait at most --timeout, and they overlap.
            rc, doc = self.run_domain("example.com", "--timeout", str(timeout), *extra,
                                      dns=srv.server, deadline=3 * timeout + 2)
        finally:
            srv.close()
        self.assertGreater(srv.queries, 0)
        self.assertEqual(rc, 75, self.out)
        self.assertEqual(doc["verdict"], "tempfail", self.out)
        self.assertTrue(any(f["temporary"] for f in doc["findings"]), self.out)
        self.assertEqual(doc["mx"]["status"], "timeout", self.out)
        return doc

    def test_silent_resolver_is_a_temporary_failure(self):
        self.silent_run()

    def test_silent_resolver_with_sending_address(self):
        """An unanswered PTR or SPF lookup for --ip is unknown, not missing: still 75."""
        # Not 192.0.2.x: libunbound answers the RFC 6303 documentation reverse zones itself
        # (NXDOMAIN) even when forwarding, so their PTR is never "unknown".
        doc = self.silent_run("--ip", "192.0.0.77", "--helo", "mail.example.com")
        self.assertEqual(doc["spf"]["evaluation"]["result"], "temperror", self.out)


class Usage(DomainTest):
    def test_usage_errors(self):
        self.assertIn("missing DOMAIN", self.usage())
        self.assertIn("is empty", self.usage(""))
        self.assertIn("is empty", self.usage("."))
        self.assertIn("empty label", self.usage("a..example"))
        self.assertIn("longer than 63", self.usage("a" * 64 + ".example"))
        self.assertIn("longer than 253", self.usage(".".join(["a" * 60] * 5)))
        self.assertIn("letters, digits", self.usage("under_score.example"))
        self.assertIn("IP address", self.usage("192.0.2.1"))
        self.assertIn("exactly one DOMAIN", self.usage("a.example", "b.example"))
        err = self.usage("bad\x1bname.example")
        self.assertNotIn("\x1b", err)
        self.assertIn("--ip", self.usage("a.example", "--ip", "192.0.2"))
        self.assertIn("--sender needs --ip", self.usage("a.example", "--sender", "x@a.example"))
        self.assertIn("--sender", self.usage("a.example", "--ip", "192.0.2.1", "--sender", "x"))
        self.assertIn("--helo", self.usage("a.example", "--helo", "two words"))
        self.assertIn("--selector", self.usage("a.example", "--selector", "a/b"))
        self.assertIn("--dnsbl", self.usage("a.example", "--dnsbl", "bad..zone"))
        self.assertIn("contradict", self.usage("a.example", "--no-dnsbl", "--dnsbl", BL))
        self.assertIn("--connect", self.usage("a.example", "--ports", "25"))
        self.assertIn("--ports", self.usage("a.example", "--connect", "--ports", "0"))
        self.assertIn("--timeout", self.usage("a.example", "--timeout", "-1"))
        self.assertIn("--format", self.usage("a.example", "--format", "xml"))
        self.assertIn("unknown", self.usage("a.example", "--bogus"))
        self.assertIn("--dns", self.usage("a.example", "--dns", "not-an-ip"))
        self.assertIn("--trust-anchor", self.usage("a.example", "--dns", DNS, "--trust-anchor",
                                                   os.path.join(UB_DIR, "no-such-file")))

    def test_help(self):
        p = subprocess.run([BINARY, "domain", "--help"], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(p.returncode, 0)
        for opt in ("--selector", "--ip", "--helo", "--sender", "--dnsbl", "--no-dnsbl",
                    "--connect", "--ports", "--ca-file", "--dns", "--trust-anchor", "--timeout",
                    "--format", "--verbose"):
            self.assertIn(opt, p.stdout)
        p = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=20)
        self.assertIn("domain DOMAIN", p.stdout)

    def test_check_takes_trust_anchor(self):
        p = subprocess.run([BINARY, "check", "mail.smtpscope.test:25", "--dns", DNS,
                            "--trust-anchor", os.path.join(UB_DIR, "no-such-file")],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 64, p.stderr)
        self.assertIn("--trust-anchor", p.stderr)


if __name__ == "__main__":
    fixturelib.main(UB)
