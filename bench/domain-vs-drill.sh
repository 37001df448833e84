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

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$src/build/smtpscope}
n=${2:-${N:-20}}
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
[ -x "$bin" ] || { echo "bench: no smtpscope binary at $bin (run: make build)" >&2; exit 1; }
case "$n" in '' | *[!0-9]* | 0) echo "bench: N must be a positive integer" >&2; exit 64 ;; esac
command -v drill >/dev/null || bash "$src/scripts/deps.sh"   # ldnsutils
[ -x /usr/bin/time ] || bash "$src/scripts/deps.sh"           # GNU time, for peak RSS

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-bench.XXXXXX")
# shellcheck disable=SC2317  # invoked through the trap
cleanup() {
  bash "$src/tests/integration/unbound/fixture.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CI=true bash "$src/tests/integration/unbound/fixture.sh" start "$dir" 2>/dev/null
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

measure() { # name -> "mean_ms peak_kb"
  local name=$1 i t0 t1 total=0 peak=0 kb
  "run_$name" >/dev/null 2>&1 # warm-up (and the resolver's cache)
  for i in $(seq 1 "$n"); do
    t0=$(date +%s%N)
    kb=$("run_$name" /usr/bin/time -f %M 2>&1 >/dev/null | tail -n 1)
    t1=$(date +%s%N)
    total=$((total + (t1 - t0) / 1000))
    case "$kb" in '' | *[!0-9]*) kb=0 ;; esac
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  echo "$((total / n / 1000)) $peak"
}

read -r s_ms s_kb < <(measure smtpscope)
read -r d_ms d_kb < <(measure drill)
ratio=$(awk -v a="$s_ms" -v b="$d_ms" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "smtpscope domain: $s_ms ms, $s_kb KB RSS; drill one by one: $d_ms ms; ratio wall $ratio"
if [ "$s_ms" -lt 250 ]; then
  echo "goal: report on a warm resolver well under a second: met ($s_ms ms)"
else
  echo "goal: report on a warm resolver well under a second: NOT met ($s_ms ms)"
  exit 1
fi
