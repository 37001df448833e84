#!/usr/bin/env python3
"""fakesmtp.py — a scripted, misbehaving SMTP server for scenario tests.

Listens on 127.0.0.1 (port 0: the kernel picks a free port) and plays the same
script on every connection it accepts, one thread per connection. A script is
a list of steps (send, expect, sleep, close, reset, starttls, ...) that says
exactly what the server writes and when, so faults that a real MTA never
produces (a 100 KB reply line, plaintext injected after the STARTTLS 220, a
TLS handshake that never completes, bytes dribbled one at a time) are easy to
write down. The format is documented in docs/internals/TESTING.md
("Scenario tests (scripted server)"). Python stdlib only.

Run alone:  fakesmtp.py SCENARIO_OR_SCRIPT [--certs DIR] [--port-file F]
(prints the port, serves until interrupted). run_scenario.py imports it.
"""

import os
import socket
import ssl
import struct
import sys
import threading
import time

# Replies for commands that reach the server when no step expects them
# (after the script ended, or instead of the verb an `expect` wanted).
# `default VERB "reply"` in a script overrides or adds entries.
BUILTIN_DEFAULTS = {
    "QUIT": b"221 2.0.0 fakesmtp closing connection\r\n",
    "RSET": b"250 2.0.0 OK\r\n",
    "NOOP": b"250 2.0.0 OK\r\n",
}
UNSCRIPTED_REPLY = b"500 5.5.1 fakesmtp: command not scripted\r\n"
MAX_LINE = 65536            # longest command line the server accepts
MAX_MISMATCHES = 10         # unexpected commands tolerated by one `expect`
TLS_HANDSHAKE_TIMEOUT = 15  # seconds; the client's own deadline is shorter
CERT_VARIANTS = {
    # variant: (certificate file, key file) in the mkcerts.sh output directory
    "good": ("good.pem", "good.key"),
    "chain": ("chain.pem", "good.key"),
    "expired": ("expired.pem", "expired.key"),
    "notyet": ("notyet.pem", "notyet.key"),
    "wronghost": ("wronghost.pem", "wronghost.key"),
    "selfsigned": ("selfsigned.pem", "selfsigned.key"),
}
# Variants that are not a certificate from mkcerts.sh: `stall` reads the
# ClientHello and never answers; `alert` reads it and answers with a fatal
# handshake_failure alert (RFC 8446 §6.2) instead of a ServerHello; `chain50`
# serves a chain of LONG_CHAIN_LEN certificates (leaf, intermediates, root)
# made with openssl when the server starts.
SPECIAL_TLS_VARIANTS = ["stall", "alert", "chain50"]
LONG_CHAIN_LEN = 50
# TLS record: type 21 (alert), version 3.3, length 2, level 2 (fatal),
# description 40 (handshake_failure).
TLS_FATAL_HANDSHAKE_FAILURE = b"\x15\x03\x03\x00\x02\x02\x28"


def make_long_chain(outdir, n=LONG_CHAIN_LEN):
    """Write chain50.pem (leaf first, then n-1 issuers up to a self-signed
    root) into outdir, next to every key, with P-256 keys and two days of
    validity. Returns (chain path, leaf key path)."""
    import subprocess
    ext = os.path.join(outdir, "ca.ext")
    with open(ext, "w") as f:
        f.write("[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n"
                "[leaf]\nbasicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\n")

    def run(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def path(i, what):
        return os.path.join(outdir, f"c{i}.{what}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-subj", "/CN=fakesmtp long-chain root", "-days", "2",
        "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", path(0, "key"),
        "-out", path(0, "pem"))
    for i in range(1, n):
        leaf = i == n - 1
        subj = "/CN=localhost" if leaf else f"/CN=fakesmtp long-chain intermediate {i}"
        run("req", "-new", *ec, "-subj", subj, "-keyout", path(i, "key"), "-out", path(i, "csr"))
        run("x509", "-req", "-in", path(i, "csr"), "-CA", path(i - 1, "pem"), "-CAkey",
            path(i - 1, "key"), "-set_serial", str(1000 + i), "-days", "2", "-extfile", ext,
            "-extensions", "leaf" if leaf else "ca", "-out", path(i, "pem"))
    cert = os.path.join(outdir, "chain50.pem")
    with open(cert, "w") as out:
        for i in range(n - 1, -1, -1):
            with open(path(i, "pem")) as f:
                out.write(f.read())
    return cert, path(n - 1, "key")


class ScriptError(Exception):
    """A malformed script line (reported with its line number)."""


class PeerGone(Exception):
    """The client closed the connection, or the server is stopping."""


# ---------------------------------------------------------------- parsing

_ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\x00", "\\": b"\\", '"': b'"',
            "e": b"\x1b"}


def _parse_quoted(text, pos, where):
    """Parse one "..." literal starting at text[pos] == '"'. Returns (bytes, pos)."""
    out = bytearray()
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return bytes(out), i + 1
        if ch == "\\":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt == "x":
                hx = text[i + 2:i + 4]
                try:
                    if len(hx) != 2:
                        raise ValueError
                    out.append(int(hx, 16))
                except ValueError:
                    raise ScriptError(f"{where}: bad \\x escape (want \\xHH)") from None
                i += 4
                continue
            if nxt not in _ESCAPES:
                raise ScriptError(f"{where}: unknown escape \\{nxt}")
            out += _ESCAPES[nxt]
            i += 2
            continue
        out += ch.encode("utf-8")
        i += 1
    raise ScriptError(f"{where}: unterminated string")


def parse_bytes_expr(text, where="script"):
    """Parse a byte-string expression and the words after it.

    An expression is one or more quoted literals, each optionally repeated
    with *N, written next to each other (or joined by +):
        "250-" "X"*100000 "\\r\\n"
    Returns (bytes, remaining_words)."""
    out = bytearray()
    i = 0
    n = len(text)
    seen = False
    while True:
        while i < n and text[i] in " \t+":
            i += 1
        if i >= n or text[i] != '"':
            break
        lit, i = _parse_quoted(text, i, where)
        rep = 1
        if i < n and text[i] == "*":
            j = i + 1
            while j < n and text[j].isdigit():
                j += 1
            if j == i + 1:
                raise ScriptError(f"{where}: '*' must be followed by a count")
            rep = int(text[i + 1:j])
            i = j
        out += lit * rep
        seen = True
    if not seen:
        raise ScriptError(f'{where}: expected a "quoted string"')
    return bytes(out), text[i:].split()


def _options(words, allowed, where):
    """Parse trailing `name value` pairs, e.g. `chunk 1 delay 0.01`."""
    opts = {}
    if len(words) % 2:
        raise ScriptError(f"{where}: options come in pairs: {' '.join(words)}")
    for k, v in zip(words[::2], words[1::2]):
        if k not in allowed:
            raise ScriptError(f"{where}: unknown option '{k}' (allowed: {', '.join(allowed)})")
        try:
            opts[k] = allowed[k](v)
        except ValueError:
            raise ScriptError(f"{where}: bad value for {k}: {v}") from None
    return opts


def parse_script(lines, first_lineno=1):
    """Turn script lines into a list of steps: (op, args, lineno, source line)."""
    steps = []
    for n, raw in enumerate(lines, first_lineno):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"script line {n}"
        op, _, rest = line.partition(" ")
        rest = rest.strip()
        if op in ("send", "send_raw"):
            data, words = parse_bytes_expr(rest, where)
            opts = _options(words, {"chunk": int, "delay": float}, where)
            if opts.get("chunk", 1) < 1:
                raise ScriptError(f"{where}: chunk must be >= 1")
            args = (data, opts.get("chunk", 0), opts.get("delay", 0.0))
        elif op == "flood":
            data, words = parse_bytes_expr(rest, where)
            opts = _options(words, {"delay": float, "max": int}, where)
            args = (data, opts.get("delay", 0.0), opts.get("max", 0))
        elif op == "expect":
            verbs = rest.upper().split()
            if not verbs:
                raise ScriptError(f"{where}: expect needs a verb (EHLO, MAIL, ...)")
            args = tuple(verbs)
        elif op == "read_data":
            # read_data ["EXTRA"]: raw DATA body up to <CR><LF>.<CR><LF>, or up to
            # EXTRA too (a server that honours a non-standard end of data).
            extra = b""
            if rest:
                extra, words = parse_bytes_expr(rest, where)
                if words or not extra:
                    raise ScriptError(f'{where}: read_data ["END SEQUENCE"]')
            args = (extra,)
        elif op in ("expect_any", "read_until_dot", "close", "reset", "drain"):
            if rest:
                raise ScriptError(f"{where}: {op} takes no argument")
            args = ()
        elif op == "sleep":
            try:
                args = (float(rest),)
            except ValueError:
                raise ScriptError(f"{where}: sleep SECONDS") from None
        elif op in ("starttls", "tls"):
            words = rest.split()
            variant = words[0] if words else "good"
            if variant not in SPECIAL_TLS_VARIANTS and variant not in CERT_VARIANTS:
                raise ScriptError(f"{where}: unknown TLS variant '{variant}' (have: "
                                  f"{', '.join(list(CERT_VARIANTS) + SPECIAL_TLS_VARIANTS)})")
            # `buffered keep`: plaintext the client sent after STARTTLS (read
            # into the buffer before the handshake) is kept and read as if it
            # had come inside TLS — the CVE-2011-0411 bug, for the injection
            # probe's "vulnerable" scenarios. `buffered discard` (the default)
            # drops it, as a correct server does.
            opts = _options(words[1:], {"buffered": str}, where)
            if opts.get("buffered", "discard") not in ("keep", "discard"):
                raise ScriptError(f"{where}: buffered keep|discard")
            keep = opts.get("buffered", "discard") == "keep"
            op, args = "starttls", (variant, True) if keep else (variant,)
        elif op == "default":
            verb, _, expr = rest.partition(" ")
            if not verb:
                raise ScriptError(f'{where}: default VERB "reply"')
            data, words = parse_bytes_expr(expr.strip(), where)
            if words:
                raise ScriptError(f"{where}: trailing words: {' '.join(words)}")
            args = (verb.upper(), data)
        else:
            raise ScriptError(f"{where}: unknown step '{op}'")
        steps.append((op, args, n, line))
    return steps


# ---------------------------------------------------------------- connection

def _show(data, limit=200):
    """A short printable rendering of bytes for the server log."""
    text = data[:limit].decode("latin-1").encode("unicode_escape").decode("ascii")
    return text + (f"... ({len(data)} bytes)" if len(data) > limit else "")


class Conn:
    """One accepted connection: buffered line reads, paced writes, stop-aware waits."""

    def __init__(self, sock, server, cid):
        self.sock = sock
        self.server = server
        self.cid = cid
        self.rbuf = b""
        self.tls = False
        self.defaults = dict(BUILTIN_DEFAULTS)
        sock.settimeout(0.2)  # short, so every wait can notice server.stop()

    def log(self, msg):
        self.server.log(f"conn{self.cid}: {msg}")

    def _check_stop(self):
        if self.server.stopping.is_set():
            raise PeerGone("server stopping")

    def _recv(self):
        while True:
            self._check_stop()
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except (OSError, ssl.SSLError) as e:
                raise PeerGone(f"read failed: {e}") from None
            if not data:
                raise PeerGone("client closed the connection")
            return data

    def readline(self):
        while b"\n" not in self.rbuf:
            if len(self.rbuf) > MAX_LINE:
                raise PeerGone(f"client line longer than {MAX_LINE} bytes")
            self.rbuf += self._recv()
        line, _, self.rbuf = self.rbuf.partition(b"\n")
        line = line.rstrip(b"\r")
        self.log(f"C: {_show(line)}")
        return line

    def send(self, data, chunk=0, delay=0.0):
        self.log(f"S: {_show(data)}" + (f" [chunk {chunk} delay {delay}]" if chunk else ""))
        if not chunk:
            self._sendall(data)
            return
        for i in range(0, len(data), chunk):
            self._sendall(data[i:i + chunk])
            if delay:
                self.wait(delay)

    def _sendall(self, data):
        view = memoryview(data)
        while view:
            self._check_stop()
            try:
                n = self.sock.send(view)
            except (socket.timeout, ssl.SSLWantWriteError):
                continue
            except (OSError, ssl.SSLError) as e:
                raise PeerGone(f"write failed: {e}") from None
            view = view[n:]

    def wait(self, seconds, watch_peer=False):
        """Sleep, waking early when the server stops (and, with watch_peer on a
        plaintext socket, when the client hangs up — a tarpit has no reason to
        outlive its victim)."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            if self.server.stopping.wait(min(left, 0.05)):
                raise PeerGone("server stopping")
            if watch_peer and not self.tls:
                try:
                    peek = self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except (BlockingIOError, socket.timeout):
                    continue
                except OSError as e:
                    raise PeerGone(f"client gone during sleep: {e}") from None
                if not peek:
                    raise PeerGone("client closed the connection during sleep")

    def read_data(self, extra):
        """Read a DATA body as raw bytes up to the standard <CR><LF>.<CR><LF>
        (the body starts after the DATA line's CR LF, so a body that is just
        ".<CR><LF>" ends too), or up to `extra` when given. `extra` counts only
        where the byte before it is not CR or LF, so "\n.\n" stands for a bare
        <LF>.<LF> and not for the tail of <CR><LF>.<LF>. Bytes after the end
        stay buffered and are read as commands: that is SMTP smuggling."""
        std = b"\r\n.\r\n"
        while True:
            data = b"\r\n" + self.rbuf
            cut = None
            i = data.find(std)
            if i >= 0:
                cut = (i + len(std) - 2, "the standard <CR><LF>.<CR><LF>")
            if extra:
                j = data.find(extra, 2)
                while j >= 0 and data[j - 1:j] in (b"\r", b"\n"):
                    j = data.find(extra, j + 1)
                # At the standard end itself the standard end wins.
                if j >= 0 and (i < 0 or j < i):
                    cut = (j + len(extra) - 2, f"the extra end {_show(extra)}")
            if cut is not None:
                body, self.rbuf = self.rbuf[:cut[0]], self.rbuf[cut[0]:]
                self.log(f"message body: {len(body)} bytes, ended by {cut[1]}"
                         + (f"; {len(self.rbuf)} bytes after it" if self.rbuf else ""))
                return
            if len(self.rbuf) > 64 * MAX_LINE:
                raise PeerGone("DATA body too long")
            self.rbuf += self._recv()

    def drain(self):
        """Read and discard everything until the client hangs up."""
        total = 0
        try:
            while True:
                total += len(self._recv())
        finally:
            self.log(f"drained {total} bytes")

    def starttls(self, variant, keep_buffered=False):
        if variant == "stall":
            self.log("TLS stall: reading the ClientHello, never answering")
            self.drain()
            return
        if variant == "alert":
            # Plaintext read with STARTTLS (an injection probe's NOOP) is not
            # the start of a ClientHello; tls_alert would wait for a record
            # length it can never get.
            if self.rbuf and not self.rbuf.startswith(b"\x16"):
                self.log(f"dropping {len(self.rbuf)} plaintext bytes read before the TLS handshake")
                self.rbuf = b""
            self.tls_alert()
            return
        if self.rbuf and keep_buffered:
            self.log(f"keeping {len(self.rbuf)} plaintext bytes read before the TLS handshake "
                     "(injection-vulnerable mode): they will be read as TLS input")
        elif self.rbuf:
            self.log(f"warning: {len(self.rbuf)} bytes read before the TLS handshake were lost")
            self.rbuf = b""
        ctx = self.server.tls_context(variant)
        raw = self.sock
        raw.settimeout(TLS_HANDSHAKE_TIMEOUT)
        try:
            tls = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError) as e:
            raise PeerGone(f"TLS handshake ({variant}) failed: {e}") from None
        tls.settimeout(0.2)
        self.sock = tls
        self.tls = True
        self.server.track(self.cid, tls)
        self.log(f"TLS established with the '{variant}' certificate: {tls.version()}")

    def tls_alert(self):
        """Read one whole TLS record (the ClientHello), answer with a fatal
        alert, stop writing and wait for the client to hang up."""
        data = self.rbuf
        self.rbuf = b""
        while len(data) < 5 or len(data) < 5 + struct.unpack("!H", data[3:5])[0]:
            data += self._recv()
        self.log(f"read a {len(data)}-byte TLS record, answering with a fatal alert")
        self._sendall(TLS_FATAL_HANDSHAKE_FAILURE)
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.drain()

    def hard_close(self, rst):
        try:
            if rst:
                # SO_LINGER on, timeout 0: close() sends RST instead of FIN.
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    # ---- the script interpreter

    def answer_default(self, line):
        """Reply to a command no step expected. Returns False if that closed the session."""
        verb = _verb(line)
        reply = self.defaults.get(verb)
        if reply is None:
            self.log(f"unscripted command {verb!r}: answering 500")
            self.send(UNSCRIPTED_REPLY)
            return True
        self.send(reply)
        if verb == "QUIT":
            self.hard_close(rst=False)
            return False
        return True

    def play(self, steps):
        for op, args, lineno, src in steps:
            self.log(f"step {lineno}: {src if len(src) < 120 else src[:117] + '...'}")
            if op == "send":
                self.send(*args)
            elif op == "flood":
                data, delay, limit = args
                self.log(f"flooding {_show(data, 60)}")
                count = 0
                while not limit or count < limit:
                    self._sendall(data)
                    count += 1
                    if delay:
                        self.wait(delay)
            elif op == "expect":
                mismatches = 0
                while True:
                    line = self.readline()
                    if _verb(line) in args:
                        break
                    mismatches += 1
                    self.log(f"expected {'/'.join(args)}, got {_show(line, 60)}")
                    if not self.answer_default(line):
                        return
                    if mismatches >= MAX_MISMATCHES:
                        raise PeerGone(f"gave up waiting for {'/'.join(args)}")
            elif op == "expect_any":
                self.readline()
            elif op == "read_until_dot":
                n = 0
                while self.readline() != b".":
                    n += 1
                self.log(f"message body: {n} lines")
            elif op == "read_data":
                self.read_data(args[0])
            elif op == "sleep":
                self.wait(args[0], watch_peer=True)
            elif op == "close":
                self.hard_close(rst=False)
                return
            elif op == "reset":
                self.hard_close(rst=True)
                return
            elif op == "drain":
                self.drain()
            elif op == "starttls":
                self.starttls(*args)
            elif op == "default":
                self.defaults[args[0]] = args[1]
        # Script done: answer whatever else comes (QUIT, RSET) until the client leaves.
        self.log("script finished; answering with defaults")
        while self.answer_default(self.readline()):
            pass


def _verb(line):
    """The command verb of a client line, upper-case ("MAIL" of "mail FROM:<a>")."""
    word = line.split(b" ", 1)[0].split(b":", 1)[0]
    return word.decode("latin-1").upper()


# ---------------------------------------------------------------- server

class FakeSMTP:
    """The listening server. start() binds and returns the port; stop() ends all."""

    def __init__(self, steps, certs_dir=None, host="127.0.0.1"):
        self.steps = steps
        self.certs_dir = certs_dir
        self.host = host
        self.port = None
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._log = []
        self._socks = {}
        self._ctx = {}
        self._listener = None
        self._nconn = 0
        self._long_chain = None
        self._tmpdir = None
        self.t0 = time.monotonic()

    def log(self, msg):
        with self._lock:
            self._log.append(f"{time.monotonic() - self.t0:8.3f} {msg}")

    def log_lines(self):
        with self._lock:
            return list(self._log)

    @property
    def connections(self):
        with self._lock:
            return self._nconn

    def track(self, cid, sock):
        with self._lock:
            self._socks[cid] = sock

    def tls_context(self, variant):
        with self._lock:
            if variant in self._ctx:
                return self._ctx[variant]
        if variant == "chain50":
            if not self._long_chain:
                raise PeerGone("the long chain was not made (start() failed?)")
            cert, key = self._long_chain
        elif not self.certs_dir:
            raise PeerGone("a TLS step needs a certificate directory (--certs)")
        else:
            cert, key = CERT_VARIANTS[variant]
            cert, key = os.path.join(self.certs_dir, cert), os.path.join(self.certs_dir, key)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        with self._lock:
            self._ctx[variant] = ctx
        return ctx

    def start(self):
        # The long chain takes a second or two of openssl runs: made before
        # the port is known, so no client is waiting on it.
        if any(op == "starttls" and args[0] == "chain50" for op, args, _, _ in self.steps):
            import tempfile
            self._tmpdir = tempfile.TemporaryDirectory(prefix="fakesmtp-chain-")
            self._long_chain = make_long_chain(self._tmpdir.name)
            self.log(f"made a {LONG_CHAIN_LEN}-certificate chain in {self._tmpdir.name}")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, 0))
        s.listen(16)
        s.settimeout(0.2)
        self._listener = s
        self.port = s.getsockname()[1]
        self.log(f"listening on {self.host}:{self.port}")
        threading.Thread(target=self._accept_loop, name="fakesmtp-accept", daemon=True).start()
        return self.port

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, peer = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._nconn += 1
                cid = self._nconn
                self._socks[cid] = sock
            self.log(f"conn{cid}: accepted from {peer[0]}:{peer[1]}")
            threading.Thread(target=self._serve, args=(sock, cid), name=f"fakesmtp-{cid}",
                             daemon=True).start()

    def _serve(self, sock, cid):
        conn = Conn(sock, self, cid)
        try:
            conn.play(self.steps)
        except PeerGone as e:
            conn.log(f"session ended: {e}")
        except Exception as e:  # a bug in a script step must not kill the server silently
            conn.log(f"session ended by an internal error: {type(e).__name__}: {e}")
        finally:
            try:
                conn.sock.close()
            except OSError:
                pass
            with self._lock:
                self._socks.pop(cid, None)
            conn.log("closed")

    def stop(self):
        self.stopping.set()
        if self._listener:
            self._listener.close()
        with self._lock:
            socks = list(self._socks.values())
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._tmpdir:
            self._tmpdir.cleanup()
            self._tmpdir = None


def script_lines_of(path):
    """The script part of a scenario file (after '---'), or the whole file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line.strip() == "---":
            return lines[i + 1:], i + 2
    return lines, 1


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Scripted misbehaving SMTP server.")
    ap.add_argument("script", help="a .scn scenario (its part after ---) or a bare script")
    ap.add_argument("--certs", help="directory made by tests/fixtures/mkcerts.sh")
    ap.add_argument("--port-file", help="write the chosen port here")
    a = ap.parse_args(argv)
    lines, first = script_lines_of(a.script)
    try:
        steps = parse_script(lines, first)
    except ScriptError as e:
        print(f"fakesmtp: {a.script}: {e}", file=sys.stderr)
        return 2
    srv = FakeSMTP(steps, a.certs)
    port = srv.start()
    if a.port_file:
        with open(a.port_file, "w", encoding="ascii") as f:
            f.write(f"{port}\n")
    print(port, flush=True)
    shown = 0
    try:
        while True:
            time.sleep(0.2)
            lines = srv.log_lines()
            for line in lines[shown:]:
                print(line, file=sys.stderr, flush=True)
            shown = len(lines)
    except KeyboardInterrupt:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
