"""fixturelib.py — start and stop the shell fixtures (tests/integration/*/fixture.sh) from
the Python integration tests, so that every suite handles them the same way.

A Fixture owns one temporary directory and the daemons `fixture.sh start DIR` starts in
it. `start` runs the script in its own session (a Ctrl-C meant for the test must not kill
a half-done start, which would leave a daemon nobody stops) with a timeout, reads
ports.env, and turns exit 77 into unittest.SkipTest — except under CI=true, where a peer
that cannot run is a broken CI image and fails. Every started fixture is stopped exactly
once: by `stop` (tearDownModule), at exit, or on SIGTERM (CTest's timeout) / SIGINT, after
letting a start in progress finish. `stop` removes the directory unless
SMTPSCOPE_KEEP_FIXTURE is set. `main` runs the module's tests and exits 77 when a fixture
was skipped (CTest SKIP_RETURN_CODE).
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SKIP_RC = 77

_LIVE = []  # fixtures with a directory not yet stopped, oldest first
_HOOKED = False


def _stop_all():
    for fx in reversed(list(_LIVE)):
        fx.stop()


def _on_term(signum, frame):
    # Let a start in progress finish first: killed halfway it would start daemons later.
    for fx in list(_LIVE):
        if fx.starting is not None:
            try:
                fx.starting.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
    _stop_all()
    sys.stderr.flush()
    os._exit(128 + signum)  # unittest would catch SystemExit and carry on


def _hook():
    global _HOOKED
    if not _HOOKED:
        signal.signal(signal.SIGTERM, _on_term)
        signal.signal(signal.SIGINT, _on_term)
        atexit.register(_stop_all)
        _HOOKED = True


def require_binary(binary):
    """The smtpscope binary named by $SMTPSCOPE, or RuntimeError (not a skip)."""
    if not binary or not os.path.isabs(binary) or not os.access(binary, os.X_OK):
        raise RuntimeError("set SMTPSCOPE to the absolute path of the smtpscope binary "
                           "(got %r)" % binary)
    return binary


class Fixture:
    """One private peer: tests/integration/NAME/fixture.sh in a directory of its own."""

    def __init__(self, name, prefix, timeout=120):
        self.name = name
        self.script = os.path.join(SOURCE_DIR, "tests", "integration", name, "fixture.sh")
        self.prefix = prefix
        self.timeout = timeout
        self.dir = None
        self.env = {}         # ports.env: *_PORT as int, the rest as str
        self.skipped = False
        self.starting = None  # the running `fixture.sh start`, for the signal handler

    def mkdir(self):
        """Make the directory now (a caller may put inputs in it before start)."""
        if self.dir is None:
            _hook()
            self.dir = tempfile.mkdtemp(prefix=self.prefix)
            _LIVE.append(self)
        return self.dir

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def run(self, action, env=None):
        """`fixture.sh ACTION DIR` in its own session; a CompletedProcess (text)."""
        p = subprocess.Popen(["bash", self.script, action, self.dir], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env=env)
        if action == "start":
            self.starting = p
        try:
            out, err = p.communicate(timeout=self.timeout)
        finally:
            if action == "start":
                self.starting = None
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    def start(self, env=None):
        """Start the peer and read ports.env; SkipTest on exit 77 outside CI."""
        self.mkdir()
        try:
            r = self.run("start", env)
            if r.returncode == SKIP_RC and os.environ.get("CI") != "true":
                self.skipped = True
                raise unittest.SkipTest("%s fixture skipped: %s" % (self.name, r.stderr.strip()))
            if r.returncode != 0:
                raise RuntimeError("%s fixture start failed (rc %d):\n%s%s"
                                   % (self.name, r.returncode, r.stdout, r.stderr))
            self.env = self.read_env()
        except BaseException:
            self.stop()  # tearDownModule does not run when setUpModule fails
            raise
        return self

    def read_env(self, name="ports.env"):
        env = {}
        if not os.path.exists(self.path(name)):
            return env
        with open(self.path(name)) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                v = v.strip("'\"")
                if k:
                    env[k] = int(v) if k.endswith("_PORT") else v
        return env

    def read(self, name):
        """A one-line file the fixture wrote (unbound's `port`), stripped."""
        with open(self.path(name)) as f:
            return f.read().strip()

    def stop(self):
        """Stop what start started and remove the directory; idempotent."""
        if self.dir is None:
            return
        try:
            self.run("stop")
        finally:
            if not os.environ.get("SMTPSCOPE_KEEP_FIXTURE"):
                shutil.rmtree(self.dir, ignore_errors=True)
            else:
                print("fixture kept in " + self.dir, file=sys.stderr)
            self.dir = None
            if self in _LIVE:
                _LIVE.remove(self)


def closed_port():
    """A loopback port that was bound and released, so nothing listens on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(*fixtures):
    """unittest.main, then exit 77 when a fixture (or every test) was skipped, 1 when a
    test failed or none ran."""
    res = unittest.main(exit=False, verbosity=2).result
    if any(fx.skipped for fx in fixtures):
        sys.exit(SKIP_RC)
    if res.wasSuccessful() and res.testsRun > 0 and len(res.skipped) == res.testsRun:
        sys.exit(SKIP_RC)
    sys.exit(0 if res.wasSuccessful() and res.testsRun > 0 else 1)
