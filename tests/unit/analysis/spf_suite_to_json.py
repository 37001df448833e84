#!/usr/bin/env python3
"""spf_suite_to_json.py — convert the OpenSPF RFC 7208 test suite (YAML) to JSON
for tests/unit/analysis/test_spf_suite.c, which cannot read YAML.

Usage: spf_suite_to_json.py rfc7208-tests.yml out.json

Zone data is normalised the way the suite's reference driver (pyspf's
testspf.py) reads it, so the C side stays a plain lookup table:
  * names are lower-cased, trailing dots dropped;
  * type SPF records are not queried (RFC 7208 §3.1); they stand in for TXT
    records only at names that list no TXT record at all ("auto-magic
    duplication", see the suite's header), appended after the other entries;
  * "TXT: NONE" means "no TXT record here" (it only stops that duplication);
  * a TXT value is a list of character-strings (one string when scalar);
  * MX [pref, name] keeps only the name; "TIMEOUT" stays an entry in order:
    a query times out if it reaches TIMEOUT before any record of its type.
"""
import json
import os
import sys

try:
    import yaml
except ImportError:
    # PyYAML comes from Debian's python3-yaml (scripts/deps.sh). A python3 found
    # first on PATH (pyenv, venv) may lack it: rerun under Debian's interpreter.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise


def norm_name(n):
    n = str(n).lower()
    return n[:-1] if n.endswith('.') and len(n) > 1 else n


def entries(rrs):
    out, gen = [], []
    has_txt = any(isinstance(r, dict) and 'TXT' in r for r in rrs)
    for r in rrs:
        if r == 'TIMEOUT':
            out.append({'t': 'TIMEOUT'})
            continue
        for t, v in r.items():
            if t == 'SPF':
                if not has_txt and v != 'NONE':
                    gen.append({'t': 'TXT', 's': [v] if isinstance(v, str) else list(v)})
            elif t == 'TXT':
                if v != 'NONE':
                    out.append({'t': 'TXT', 's': [v] if isinstance(v, str) else list(v)})
            elif t == 'MX':
                out.append({'t': 'MX', 'v': str(v[1])})
            else:
                out.append({'t': t, 'v': str(v)})
    return out + gen


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding='utf-8') as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    scenarios = []
    for d in docs:
        zone = {}
        for name, rrs in (d.get('zonedata') or {}).items():
            zone.setdefault(norm_name(name), []).extend(entries(rrs))
        tests = []
        for name, t in d['tests'].items():
            res = t['result']
            tests.append({
                'name': name,
                'helo': str(t['helo']),
                'host': str(t['host']),
                'mailfrom': str(t['mailfrom']),
                'result': res if isinstance(res, list) else [res],
                **({'explanation': str(t['explanation'])} if 'explanation' in t else {}),
            })
        scenarios.append({'description': d['description'], 'zone': zone, 'tests': tests})
    with open(dst, 'w', encoding='utf-8') as f:
        json.dump({'scenarios': scenarios}, f, indent=1)


if __name__ == '__main__':
    main()
