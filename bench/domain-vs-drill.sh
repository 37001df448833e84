#!/usr/bin/env bash
# domain-vs-drill.sh [BINARY] [N] — `smtpscope domain` vs the same lookups done one by one.
#
# Starts the private Unbound of the tests (tests/integration/unbound/fixture.sh, no root
# needed) and measures, N times (default 20, or $N) after one warm-up each:
#   - smtpscope domain good.rec.smtpscope.test --dns 127.0.0.1@PORT --dnsbl bl.smtpscope.test
#     --format json (every section, lookups in concurrent waves, SPF in its own thread);
#   - the lookups a shell-script checker makes for the same report, with drill (ldnsutils)
#     one after the other: MX, TXT, _dmarc, _mta-sts, _smtp._tls, each default DKIM
#     selector, A/AAAA of each MX host, their PTR, and the blocklist query.
# Prints mean wall time per report and peak RSS, the ratio, and whether the issue's goal
# holds: a report on a warm resolver well under a second (< 250 ms here). Not part of
# `make test` (timings are never assertions in tests).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args 20 "$@"
command -v drill >/dev/null || bash "$src/scripts/deps.sh"   # ldnsutils
[ -x /usr/bin/time ] || bash "$src/scripts/deps.sh"           # GNU time, for peak RSS

bench_fixture unbound 2>/dev/null
port=$(cat "$dir/port")
domain=${DOMAIN:-good.rec.smtpscope.test}

# shellcheck disable=SC2317  # called as "run_$name"
run_smtpscope() {
  "$@" "$bin" domain "$domain" --dns "127.0.0.1@$port" --dnsbl bl.smtpscope.test \
    --format json >/dev/null || [ $? -ne 64 ]
}

selectors=$("$bin" domain --help 2>&1 | sed -n 's/^ *default selectors: //p' | tr ',' ' ')
[ -n "$selectors" ] || selectors="default dkim mail selector1 selector2 google k1 s1 s2"

# shellcheck disable=SC2317  # called as "run_$name"
run_drill() {
  "$@" bash -c '
    set -u
    q() { drill -p "$port" "$@" @127.0.0.1 >/dev/null 2>&1 || true; }
    q MX "$domain"; q TXT "$domain"; q TXT "_dmarc.$domain"; q TXT "_mta-sts.$domain"
    q TXT "_smtp._tls.$domain"
    for s in $selectors; do q TXT "$s._domainkey.$domain"; done
    for h in $(drill -p "$port" MX "$domain" @127.0.0.1 2>/dev/null |
               awk "\$4 == \"MX\" {print \$6}"); do
      q A "$h"; q AAAA "$h"
    done
    q PTR 1.0.0.127.in-addr.arpa; q A 1.0.0.127.bl.smtpscope.test
  '
}
export port domain selectors

measure smtpscope
s_ms=$res_ms s_kb=$res_kb
measure drill
d_ms=$res_ms
echo "smtpscope domain: $s_ms ms, $s_kb KB RSS; drill one by one: $d_ms ms;" \
     "ratio wall $(ratio "$s_ms" "$d_ms")"
if [ "$s_ms" -lt 250 ]; then
  echo "goal: report on a warm resolver well under a second: met ($s_ms ms)"
else
  echo "goal: report on a warm resolver well under a second: NOT met ($s_ms ms)"
  exit 1
fi
