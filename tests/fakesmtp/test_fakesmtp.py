#!/usr/bin/env python3
"""test_fakesmtp.py — self-test of the scripted server and the scenario parser.

The scenario suite is only as trustworthy as the fake server that plays it, so
this checks, without smtpscope: string-expression parsing (escapes, repeats),
script and header errors, and a live session against a plain socket client
(defaults, unexpected verbs, chunked writes, RST on `reset`). Run by CTest as
scenario/_selftest; stdlib unittest only.
"""

import os
import socket
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakesmtp  # noqa: E402
import run_scenario  # noqa: E402


class ParseTest(unittest.TestCase):
    def test_bytes_expr(self):
        rows = [
            ('"220 hi\\r\\n"', b"220 hi\r\n", []),
            ('"a" "b"*3 "\\x00\\x7f"', b"abbb\x00\x7f", []),
            ('"X"*5 + "\\\\\\""', b"XXXXX\\\"", []),
            ('"\\e[0m" chunk 1 delay 0.5', b"\x1b[0m", ["chunk", "1", "delay", "0.5"]),
        ]
        for text, want, words in rows:
            with self.subTest(text=text):
                self.assertEqual(fakesmtp.parse_bytes_expr(text), (want, words))

    def test_bad_scripts(self):
        rows = [
            'send "unterminated',
            'send "\\q"',
            'send "\\x4"',
            'send "a"*',
            "send 220 hi",
            'send "a" chunk',
            'send "a" speed 3',
            "expect",
            "sleep soon",
            "starttls purple",
            "frobnicate",
            "close now",
        ]
        for line in rows:
            with self.subTest(line=line):
                with self.assertRaises(fakesmtp.ScriptError):
                    fakesmtp.parse_script([line])

    def test_steps(self):
        steps = fakesmtp.parse_script([
            "# comment", "", 'send "x" chunk 2 delay 0.1', "expect ehlo helo",
            "tls", 'default NOOP "250 fine\\r\\n"', "reset"])
        self.assertEqual([s[0] for s in steps], ["send", "expect", "starttls", "default", "reset"])
        self.assertEqual(steps[0][1], (b"x", 2, 0.1))
        self.assertEqual(steps[1][1], ("EHLO", "HELO"))
        self.assertEqual(steps[2][1], ("good",))
        self.assertEqual(steps[0][2], 3)  # line numbers survive comments and blanks

    def _scenario(self, text):
        fd, path = tempfile.mkstemp(suffix=".scn")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_header(self):
        sc = run_scenario.Scenario(self._scenario(
            "name: n\nargs: check {host}:{port}\nexpect.exit: 1 | 75\n"
            "expect.finding: a.b | c.d\nexpect.finding: e.f\n"
            "expect.json.tls.verified: true\n---\nclose\n"))
        self.assertEqual(sc.exit, [1, 75])
        self.assertEqual(sc.lists["expect.finding"], ["a.b | c.d", "e.f"])
        self.assertEqual(len(sc.steps), 1)
        for bad in ["args: x\nexpect.exitt: 1\n---\n", "args: x\n---\nnope\n",
                    "args: x\nexpect.stage.bogus: pass\n---\n", "name: no args\n---\n",
                    "args: x\nno separator\n"]:
            with self.subTest(bad=bad):
                with self.assertRaises(run_scenario.BadScenario):
                    run_scenario.Scenario(self._scenario(bad))

    def test_json_path(self):
        doc = {"a": [{"b": 1}, {"b": None}]}
        self.assertEqual(run_scenario.json_path(doc, "a.1.b"), (True, None))
        self.assertEqual(run_scenario.json_path(doc, "a.-1.b"), (True, None))
        self.assertEqual(run_scenario.json_path(doc, "a.2.b"), (False, None))
        self.assertEqual(run_scenario.json_path(doc, "x"), (False, None))


class LiveTest(unittest.TestCase):
    def serve(self, script):
        srv = fakesmtp.FakeSMTP(fakesmtp.parse_script(script.split("\n")))
        port = srv.start()
        self.addCleanup(srv.stop)
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.addCleanup(c.close)
        return srv, c

    @staticmethod
    def read_until(c, end):
        buf = b""
        while not buf.endswith(end):
            data = c.recv(4096)
            if not data:
                break
            buf += data
        return buf

    def test_session_with_defaults(self):
        srv, c = self.serve('send "220 hi\\r\\n" chunk 1 delay 0.001\n'
                            'default NOOP "250 custom noop\\r\\n"\n'
                            'expect MAIL\nsend "250 ok\\r\\n"')
        self.assertEqual(self.read_until(c, b"\r\n"), b"220 hi\r\n")
        c.sendall(b"RSET\r\n")          # not the expected verb: default reply
        self.assertEqual(self.read_until(c, b"\r\n"), b"250 2.0.0 OK\r\n")
        c.sendall(b"VRFY x\r\n")        # no default: 500, still waiting for MAIL
        self.assertTrue(self.read_until(c, b"\r\n").startswith(b"500 "))
        c.sendall(b"mail FROM:<a@b>\r\n")
        self.assertEqual(self.read_until(c, b"\r\n"), b"250 ok\r\n")
        c.sendall(b"NOOP\r\n")          # script over: overridden default
        self.assertEqual(self.read_until(c, b"\r\n"), b"250 custom noop\r\n")
        c.sendall(b"QUIT\r\n")
        self.assertTrue(self.read_until(c, b"\r\n").startswith(b"221 "))
        self.assertEqual(c.recv(10), b"")  # and the server closed
        log = "\n".join(srv.log_lines())
        self.assertIn("S: 220 hi\\r\\n [chunk 1", log)
        self.assertIn("expected MAIL, got VRFY", log)

    def test_reset_sends_rst(self):
        _, c = self.serve('send "220 hi\\r\\n"\nexpect EHLO\nreset')
        self.read_until(c, b"\r\n")
        c.sendall(b"EHLO x\r\n")
        with self.assertRaises(ConnectionResetError):
            while c.recv(100):
                pass

    def test_sleep_ends_when_client_leaves(self):
        srv, c = self.serve("sleep 30")
        time.sleep(0.2)
        c.close()
        for _ in range(50):
            if any("during sleep" in ln for ln in srv.log_lines()):
                break
            time.sleep(0.05)
        self.assertTrue(any("during sleep" in ln for ln in srv.log_lines()), srv.log_lines())


if __name__ == "__main__":
    unittest.main(verbosity=1)
