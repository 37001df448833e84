#!/usr/bin/env python3
"""gen-findings-doc.py — regenerate docs/findings.md from the catalogue in
src/checks/finding.c, so the documentation can't drift from the code
(tests/unit/checks/test_finding.c fails when an ID is undocumented)."""
import re, sys, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
# The catalogue's parts, in the order finding.c assembles them.
files = ["src/checks/finding.c", "src/checks/findings/domain_dns.c",
         "src/checks/findings/domain_records.c", "src/checks/findings/tls_audit.c",
         "src/checks/findings/tls_probes.c", "src/checks/findings/relay.c"]
body = ""
for f in files:
    src = (root / f).read_text()
    m = re.search(r"finding_def \w+\[\] = \{", src)
    if not m:  # a part that has no IDs yet
        continue
    start = m.start()
    body += src[start:src.index("\n};", start)]
entry = re.compile(r'\{\s*"([a-z0-9_.]+)",\s*([EWI]),\s*(true|false),((?:\s*"(?:[^"\\]|\\.)*")+),'
                   r'((?:\s*"(?:[^"\\]|\\.)*")+)\s*\}', re.S)
def cstr(s):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s)).replace('\\"', '"')
sev = {"E": "error", "W": "warning", "I": "info"}
rows = entry.findall(body)
out = ["# Findings", "",
       "Every diagnosis smtpscope makes has a stable ID (never renamed; new ones are added).",
       "Severity decides the verdict: any `error` fails the run (exit 1), unless every error is",
       "*temporary* (a 4xx reply or a timeout: exit 75). `warning`s and `info`s never fail it.",
       "The severity and temporary flag below are defaults: a 4xx reply makes any reply finding",
       "temporary, and `--insecure` turns certificate errors into warnings.", "",
       "`<stage>.timeout` exists for every stage (`ehlo.timeout`, `rcpt.timeout`, ...), all",
       "sharing the `stage.timeout` entry.", "",
       "Generated from `src/checks/finding.c` and `src/checks/findings/*.c` by `scripts/gen-findings-doc.py`.", "",
       "| ID | severity | temporary | what it means | default advice |",
       "|---|---|---|---|---|"]
for fid, s, temp, title, advice in rows:
    out.append(f"| `{fid}` | {sev[s]} | {'yes' if temp == 'true' else 'no'} | {cstr(title)} | "
               f"{cstr(advice).replace('|', '/')} |")
(root / "docs/findings.md").write_text("\n".join(out) + "\n")
print(f"docs/findings.md: {len(rows)} findings", file=sys.stderr)
