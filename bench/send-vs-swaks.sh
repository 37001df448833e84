#!/usr/bin/env bash
# send-vs-swaks.sh [BINARY] [N] — smtpscope send vs swaks, the same message.
#
# Starts the private Postfix fixture (tests/integration/postfix/fixture.sh), then sends
# N (default 10, or $N) times the same message — a short text body plus a 1 MB binary
# attachment (random bytes, made once) — over STARTTLS with certificate verification and
# AUTH PLAIN on its submission port, with `smtpscope send --format json` and with swaks
# (--attach), after one untimed warm-up each that must be accepted. Reports the mean wall
# time per run and the peak RSS (GNU time %M), their ratios, and whether smtpscope meets
# the issue's target for both: <= 0.2 x swaks. Needs root (Postfix). Not in `make test`.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$src/build/smtpscope}
n=${2:-${N:-10}}
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
[ -x "$bin" ] || { echo "bench: no smtpscope binary at $bin (run: make build)" >&2; exit 1; }
case "$n" in '' | *[!0-9]* | 0) echo "bench: N must be a positive integer" >&2; exit 64 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (the Postfix master needs it)" >&2; exit 1; }
command -v swaks >/dev/null || bash "$src/scripts/deps.sh"
[ -x /usr/bin/time ] || bash "$src/scripts/deps.sh"   # GNU time, for peak RSS
perl -MNet::SSLeay -e1 2>/dev/null || bash "$src/scripts/deps.sh"   # swaks --tls

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-bench.XXXXXX")
# shellcheck disable=SC2317  # invoked through the trap
cleanup() {
  bash "$src/tests/integration/postfix/fixture.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CI=true bash "$src/tests/integration/postfix/fixture.sh" start "$dir"
# shellcheck disable=SC1091
. "$dir/ports.env"
ca=$dir/certs/ca.pem
user=user@smtpscope.test
pass=s3cret-Pa55   # the fixture's throw-away password
from=bench@smtpscope.test
to=user@smtpscope.test
att=$dir/attachment.bin
head -c 1048576 /dev/urandom > "$att"
body="smtpscope benchmark message"

# shellcheck disable=SC2317  # called as "run_$name"
run_smtpscope() {
  SMTPSCOPE_PASSWORD=$pass "$@" "$bin" send --server "127.0.0.1:$SUBMISSION_PORT" \
    --tls starttls --ca-file "$ca" --servername localhost --auth-user "$user" --auth PLAIN \
    --from "$from" --to "$to" --subject bench --body "$body" --attach "@$att" --format json
}
# shellcheck disable=SC2317  # called as "run_$name"
run_swaks() {
  # swaks takes the password on its command line; acceptable for this local fixture.
  "$@" swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" --tls --tls-verify \
    --tls-ca-path "$ca" --tls-sni localhost --auth PLAIN --auth-user "$user" \
    --auth-password "$pass" --from "$from" --to "$to" --header "Subject: bench" \
    --body "$body" --attach "@$att"
}

# measure NAME: N timed runs; sets res_ms (mean, ms), res_ns (mean, ns), res_kb (peak).
measure() {
  local name=$1 i t0 t1 total=0 peak=0 kb
  # Warm-up, and proof that the transaction really succeeds.
  if ! "run_$name" > "$dir/$name.out" 2>&1; then
    echo "bench: $name failed on the fixture:" >&2
    cat "$dir/$name.out" >&2
    exit 1
  fi
  for ((i = 0; i < n; i++)); do
    t0=$(date +%s%N)
    "run_$name" /usr/bin/time -f '%M' -o "$dir/$name.rss" > /dev/null 2>&1 ||
      { echo "bench: $name run $i failed" >&2; exit 1; }
    t1=$(date +%s%N)
    total=$((total + t1 - t0))
    kb=$(tail -n 1 "$dir/$name.rss")
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  res_ms=$((total / n / 1000000))
  res_ns=$((total / n))
  res_kb=$peak
}

echo "bench: $n runs each of STARTTLS + AUTH PLAIN + a 1 MB attachment against" \
     "127.0.0.1:$SUBMISSION_PORT ..." >&2
measure smtpscope
s_ms=$res_ms s_ns=$res_ns s_kb=$res_kb
measure swaks
w_ms=$res_ms w_ns=$res_ns w_kb=$res_kb

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
r_wall=$(ratio "$s_ns" "$w_ns")
r_rss=$(ratio "$s_kb" "$w_kb")
echo "smtpscope: $s_ms ms, $s_kb KB RSS; swaks: $w_ms ms, $w_kb KB RSS;" \
     "ratio wall $r_wall, RSS $r_rss"

ok=0
if awk -v r="$r_wall" 'BEGIN { exit !(r <= 0.2) }'; then
  echo "target wall <= 0.2x swaks: met ($r_wall)"
else
  echo "target wall <= 0.2x swaks: NOT met ($r_wall)"; ok=1
fi
if awk -v r="$r_rss" 'BEGIN { exit !(r <= 0.2) }'; then
  echo "target RSS <= 0.2x swaks: met ($r_rss)"
else
  echo "target RSS <= 0.2x swaks: NOT met ($r_rss)"; ok=1
fi
exit "$ok"
