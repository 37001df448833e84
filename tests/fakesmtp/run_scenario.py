#!/usr/bin/env python3
"""run_scenario.py — play a scenario file against `smtpscope check` and judge it.

For each SCENARIO (tests/scenarios/NNNN-name.scn) this starts fakesmtp in a
thread with the scenario's script, runs the binary named by $SMTPSCOPE with
the scenario's args plus `--format json` (and, when the scenario asks for it,
a second time with `--format text -v`), then checks every `expect.*` line
against the exit code, the JSON document and the output. On a mismatch it
prints expected vs actual, the run's stages and findings, the JSON, stderr
and the fake server's log. Exit status: 0 all passed, 1 a scenario failed,
2 a scenario file or the environment is broken. File format:
docs/internals/TESTING.md, "Scenario tests (scripted server)".

Environment: SMTPSCOPE (the binary, required), SOURCE_DIR (repository root;
default: two levels above this file), SMTPSCOPE_CERTS_DIR (certificates from
tests/fixtures/mkcerts.sh; made in a temporary directory when unset),
SMTPSCOPE_DEADLINE_SLACK (seconds added to every expect.deadline, for slow
sanitizer builds; the check is about hangs, not speed).
`run_scenario.py --make-certs DIR` (re)creates DIR for the CTest fixture.
"""

import base64
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, HERE)
import fakesmtp  # noqa: E402  (needs the path above)

STAGES = ["resolve", "connect", "banner", "ehlo", "starttls", "tls", "ehlo_tls", "auth",
          "mail", "rcpt", "data", "quit"]
DEFAULT_DEADLINE = 15.0
# Keys that may repeat; each occurrence adds one expectation.
LIST_KEYS = {"expect.finding", "expect.no_finding", "expect.transcript.contains",
             "expect.transcript.not_contains", "expect.text.contains",
             "expect.text.not_contains", "expect.output.not_contains"}
SCALAR_KEYS = {"name", "args", "mode", "text", "expect.exit", "expect.verdict",
               "expect.deadline"}
PREFIX_KEYS = ("env.", "expect.stage.", "expect.code.", "expect.severity.", "expect.json.")


class BadScenario(Exception):
    pass


# ---------------------------------------------------------------- scenario files

class Scenario:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.meta = {}
        self.lists = {k: [] for k in LIST_KEYS}
        self.prefixed = []          # (key, value) in file order
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        try:
            sep = [i for i, ln in enumerate(lines) if ln.strip() == "---"][0]
        except IndexError:
            raise BadScenario(f"{self.file}: no '---' line between header and script") from None
        for n, raw in enumerate(lines[:sep], 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, colon, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not colon or not key:
                raise BadScenario(f"{self.file}:{n}: want 'key: value', got: {line}")
            if key in LIST_KEYS:
                self.lists[key].append(value)
            elif key in SCALAR_KEYS:
                if key in self.meta:
                    raise BadScenario(f"{self.file}:{n}: '{key}' given twice")
                self.meta[key] = value
            elif key.startswith(PREFIX_KEYS) and not key.endswith("."):
                self.prefixed.append((key, value))
            else:
                raise BadScenario(f"{self.file}:{n}: unknown key '{key}'")
        try:
            self.steps = fakesmtp.parse_script(lines[sep + 1:], sep + 2)
        except fakesmtp.ScriptError as e:
            raise BadScenario(f"{self.file}: {e}") from None
        if "args" not in self.meta:
            raise BadScenario(f"{self.file}: 'args:' is required")
        self.name = self.meta.get("name", self.file)
        self.mode = self.meta.get("mode", "server")
        if self.mode not in ("server", "refused"):
            raise BadScenario(f"{self.file}: mode must be server or refused")
        try:
            self.deadline = (float(self.meta.get("expect.deadline", DEFAULT_DEADLINE))
                             + float(os.environ.get("SMTPSCOPE_DEADLINE_SLACK") or 0))
            self.exit = ([int(x) for x in alternatives(self.meta["expect.exit"])]
                         if "expect.exit" in self.meta else None)
        except ValueError as e:
            raise BadScenario(f"{self.file}: {e}") from None
        for key, _ in self.prefixed:
            if key.startswith(("expect.stage.", "expect.code.")):
                st = key.split(".", 2)[2]
                if st not in STAGES:
                    raise BadScenario(f"{self.file}: unknown stage '{st}' in {key}")
        self.text_run = (self.meta.get("text", "no") == "yes"
                         or bool(self.lists["expect.text.contains"]
                                 or self.lists["expect.text.not_contains"]))
        self.env = {k[4:]: v for k, v in self.prefixed if k.startswith("env.")}


# ---------------------------------------------------------------- certificates

def make_certs(outdir, fresh):
    src = os.environ.get("SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
    if fresh and os.path.isdir(outdir):
        shutil.rmtree(outdir)
    r = subprocess.run(["bash", os.path.join(src, "tests", "fixtures", "mkcerts.sh"), outdir],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise BadScenario(f"mkcerts.sh failed: {r.stderr.strip()}")


def certs_dir(tmp):
    d = os.environ.get("SMTPSCOPE_CERTS_DIR")
    if d and os.path.isfile(os.path.join(d, "selfsigned.pem")):
        return d
    d = d or os.path.join(tmp, "certs")
    make_certs(d, fresh=False)
    return d


def closed_port():
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- running

class Run:
    def __init__(self, argv, rc, out, err, elapsed, killed):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.elapsed, self.killed = elapsed, killed


def run_binary(binary, args, env, deadline):
    argv = [binary] + args
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, env=env, timeout=deadline + 5,
                           stdin=subprocess.DEVNULL)
        return Run(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - t0, False)
    except subprocess.TimeoutExpired as e:
        return Run(argv, None, e.stdout or b"", e.stderr or b"", time.monotonic() - t0, True)


def json_path(doc, path):
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list) and part.lstrip("-").isdigit():
            idx = int(part)
            if not -len(cur) <= idx < len(cur):
                return False, None
            cur = cur[idx]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return False, None
    return True, cur


def alternatives(value):
    return [v.strip() for v in value.split("|") if v.strip()]


def judge(sc, jrun, trun, secrets):
    """Compare a JSON run (and optional text run) with the expectations.
    Returns (problems, doc); each problem is (what, expected, actual)."""
    probs = []

    def bad(what, expected, actual):
        probs.append((what, str(expected), str(actual)))

    runs = [("json run", jrun)] + ([("text run", trun)] if trun else [])
    for label, r in runs:
        if r.killed:
            bad(f"{label}: deadline", f"<= {sc.deadline:g} s", f"killed after {r.elapsed:.1f} s")
        elif r.elapsed > sc.deadline:
            bad(f"{label}: deadline", f"<= {sc.deadline:g} s", f"{r.elapsed:.1f} s")
        if sc.exit is not None and not r.killed and r.rc not in sc.exit:
            bad(f"{label}: exit", " | ".join(map(str, sc.exit)), r.rc)
        if r.rc is not None and r.rc < 0:
            bad(f"{label}: exit", "normal exit", f"killed by signal {-r.rc}")
        for s in secrets:
            if s and (s in r.out or s in r.err):
                bad(f"{label}: secret in output", "absent", "present (a password leaked)")
        for needle in sc.lists["expect.output.not_contains"]:
            if needle.encode() in r.out or needle.encode() in r.err:
                bad(f"{label}: output not contains", repr(needle), "present")

    doc = None
    try:
        doc = json.loads(jrun.out.decode("utf-8"))  # strict: no raw control bytes
        if not isinstance(doc, dict):
            raise ValueError("top level is not an object")
    except (UnicodeDecodeError, ValueError) as e:
        bad("json parses", "valid UTF-8 JSON object", f"{type(e).__name__}: {e}")
        doc = None

    if doc is not None:
        stages = {s.get("name"): s for s in doc.get("stages", []) if isinstance(s, dict)}
        names = [s.get("name") for s in doc.get("stages", []) if isinstance(s, dict)]
        if names != STAGES:
            bad("stages listed", ",".join(STAGES), ",".join(map(str, names)))
        findings = [f for f in doc.get("findings", []) if isinstance(f, dict)]
        ids = [f.get("id") for f in findings]
        transcript = "\n".join(f"{t.get('dir')} {t.get('line')}"
                               for t in doc.get("transcript", []) if isinstance(t, dict))
        if "expect.verdict" in sc.meta:
            want = alternatives(sc.meta["expect.verdict"])
            if doc.get("verdict") not in want:
                bad("verdict", " | ".join(want), doc.get("verdict"))
        for key, value in sc.prefixed:
            if key.startswith("expect.stage."):
                st = key.split(".", 2)[2]
                want = alternatives(value)
                got = stages.get(st, {}).get("status")
                if got not in want:
                    bad(f"stage {st}", " | ".join(want), got)
            elif key.startswith("expect.code."):
                st = key.split(".", 2)[2]
                rep = stages.get(st, {}).get("reply") or {}
                got = rep.get("code")
                if str(got) not in alternatives(value):
                    bad(f"stage {st} reply code", value, got)
            elif key.startswith("expect.severity."):
                fid = key.split(".", 2)[2]
                sevs = [f.get("severity") for f in findings if f.get("id") == fid]
                if value not in sevs:
                    bad(f"severity of {fid}", value, ", ".join(map(str, sevs)) or "(no such finding)")
            elif key.startswith("expect.json."):
                path = key[len("expect.json."):]
                found, got = json_path(doc, path)
                try:
                    want = json.loads(value)
                except ValueError:
                    want = value
                if not found or got != want:
                    bad(f"json {path}", json.dumps(want),
                        json.dumps(got) if found else "(missing)")
        for value in sc.lists["expect.finding"]:
            want = alternatives(value)
            if not any(w in ids for w in want):
                bad("finding", " | ".join(want), "absent; present: " + (", ".join(ids) or "none"))
        for value in sc.lists["expect.no_finding"]:
            if value in ids:
                bad("no finding", value, "present")
        for needle in sc.lists["expect.transcript.contains"]:
            if needle not in transcript:
                bad("transcript contains", repr(needle), "absent")
        for needle in sc.lists["expect.transcript.not_contains"]:
            if needle in transcript:
                bad("transcript not contains", repr(needle), "present")

    if trun:
        try:
            text = trun.out.decode("utf-8")
        except UnicodeDecodeError as e:
            text = trun.out.decode("latin-1")
            bad("text output", "valid UTF-8", str(e))
        ctl = sorted({f"0x{ord(c):02x}" for c in text if ord(c) < 0x20 and c not in "\n\t"
                      or ord(c) == 0x7f})
        if ctl:
            bad("text output escaped", "no raw control bytes", "found " + " ".join(ctl))
        for needle in sc.lists["expect.text.contains"]:
            if needle not in text:
                bad("text contains", repr(needle), "absent")
        for needle in sc.lists["expect.text.not_contains"]:
            if needle in text:
                bad("text not contains", repr(needle), "present")
    return probs, doc


def summary(doc):
    if not isinstance(doc, dict):
        return ["  (no JSON document)"]
    out = [f"  verdict: {doc.get('verdict')}"]
    st = [f"{s.get('name')}={s.get('status')}"
          + (f"({(s.get('reply') or {}).get('code')})" if s.get("reply") else "")
          for s in doc.get("stages", []) if isinstance(s, dict)]
    out.append("  stages: " + " ".join(st))
    for f in doc.get("findings", []):
        if isinstance(f, dict):
            out.append(f"  finding {f.get('id')} [{f.get('severity')}, {f.get('stage')}"
                       f"{', temporary' if f.get('temporary') else ''}]: {f.get('message')}")
    return out


def show_bytes(b, limit=20000):
    text = b.decode("utf-8", "backslashreplace")
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text)} chars)"


def run_one(path, binary, tmp, verbose):
    sc = Scenario(path)
    env = dict(os.environ)
    env.pop("SMTPSCOPE_PASSWORD", None)
    env["NO_COLOR"] = "1"
    env.update(sc.env)
    secrets = []
    if "SMTPSCOPE_PASSWORD" in sc.env:
        pw = sc.env["SMTPSCOPE_PASSWORD"].encode()
        words = shlex.split(sc.meta["args"])
        user = (words[words.index("--auth-user") + 1].encode()
                if "--auth-user" in words[:-1] else b"")
        # The password itself, and as AUTH LOGIN and AUTH PLAIN would carry it.
        secrets += [pw, base64.b64encode(pw), base64.b64encode(b"\0" + user + b"\0" + pw)]
    server = None
    uses_tls = any(op == "starttls" for op, *_ in sc.steps)
    needs_certs = uses_tls or any(t in sc.meta["args"] for t in ("{ca}", "{certs}"))
    cdir = certs_dir(tmp) if needs_certs else ""
    if sc.mode == "refused":
        port = closed_port()
    else:
        server = fakesmtp.FakeSMTP(sc.steps, cdir or None)
        port = server.start()
    subst = {"port": str(port), "host": "127.0.0.1", "certs": cdir,
             "ca": os.path.join(cdir, "ca.pem") if cdir else ""}
    try:
        args = [a.format(**subst) for a in shlex.split(sc.meta["args"])]
    except (KeyError, ValueError, IndexError) as e:
        raise BadScenario(f"{sc.file}: args: bad placeholder {e}") from None
    try:
        jrun = run_binary(binary, args + ["--format", "json"], env, sc.deadline)
        trun = (run_binary(binary, args + ["--format", "text", "-v"], env, sc.deadline)
                if sc.text_run else None)
    finally:
        if server:
            server.stop()
    probs, doc = judge(sc, jrun, trun, secrets)
    if not probs:
        print(f"PASS {sc.file}: {sc.name} ({jrun.elapsed:.1f} s, exit {jrun.rc})")
        if verbose:
            print("\n".join(summary(doc)))
        return True
    print(f"FAIL {sc.file}: {sc.name}")
    print("  command: " + " ".join(shlex.quote(a) for a in jrun.argv))
    print(f"  elapsed: {jrun.elapsed:.2f} s (deadline {sc.deadline:g} s), exit {jrun.rc}")
    w = max(len(p[0]) for p in probs)
    we = max(max(len(p[1]) for p in probs), len("expected"))
    print(f"  {'expectation'.ljust(w)}  {'expected'.ljust(we)}  actual")
    for what, exp, act in probs:
        print(f"  {what.ljust(w)}  {exp.ljust(we)}  {act}")
    print("--- actual")
    print("\n".join(summary(doc)))
    print("--- JSON (stdout of the json run)")
    pretty = json.dumps(doc, indent=1, ensure_ascii=False).encode() if doc is not None else jrun.out
    print(show_bytes(pretty) or "(empty)")
    print("--- stderr of the json run")
    print(show_bytes(jrun.err) or "(empty)")
    if trun:
        print("--- text run (stdout)")
        print(show_bytes(trun.out) or "(empty)")
    if server:
        print("--- fakesmtp log")
        print("\n".join(server.log_lines()[-400:]))
    return False


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Run smtpscope scenario files.")
    ap.add_argument("scenarios", nargs="*", help=".scn files (or directories of them)")
    ap.add_argument("--make-certs", metavar="DIR", help="(re)create the test PKI in DIR, exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="show stages of passing runs")
    a = ap.parse_args(argv)
    if a.make_certs:
        try:
            make_certs(a.make_certs, fresh=True)
        except BadScenario as e:
            print(f"run_scenario: {e}", file=sys.stderr)
            return 2
        return 0
    binary = os.environ.get("SMTPSCOPE")
    if not binary or not os.access(binary, os.X_OK):
        print("run_scenario: set SMTPSCOPE to the smtpscope binary", file=sys.stderr)
        return 2
    files = []
    for p in a.scenarios:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".scn"))
        else:
            files.append(p)
    if not files:
        ap.error("no scenario given")
    ok = True
    broken = False
    with tempfile.TemporaryDirectory(prefix="smtpscope-scn-") as tmp:
        for f in files:
            try:
                ok &= run_one(f, binary, tmp, a.verbose)
            except BadScenario as e:
                print(f"ERROR {e}")
                broken = True
    return 2 if broken else 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
