# shellcheck shell=bash disable=SC2034  # it sets variables for the scripts that source it
# bench/lib.sh — what the bench scripts share; sourced by them, never run. Not part of
# `make test`.
#
#   bench_args DEFAULT_N [BINARY] [N]  sets src (the source tree), bin (absolute) and n
#                                      (BINARY default build/smtpscope; N default $N, then
#                                      DEFAULT_N); exits 1 without a binary, 64 on a bad N
#   bench_fixture postfix|unbound      starts that private fixture of the integration tests
#                                      in a new temporary directory $dir, stopped and removed
#                                      when the script exits
#   bench_postfix_swaks                checks for root, installs what swaks needs, starts the
#                                      Postfix fixture (bench_fixture); sets SUBMISSION_PORT
#                                      and the other ports, ca, user, pass, from, to
#   measure NAME                       one untimed warm-up of run_NAME that must succeed
#                                      (its output kept in $dir/NAME.out), then n timed runs
#                                      under GNU time; sets res_ms and res_ns (mean wall
#                                      time) and res_kb (peak RSS)
#   ratio A B                          prints A / B with two decimals, or n/a when B is 0
#   versus A B                         measure A, measure B, print their times, peak RSS
#                                      and ratios; sets a_ms a_kb b_ms b_kb r_wall r_rss
#   target TEXT VALUE LIMIT [UNIT]     prints whether VALUE <= LIMIT ("target TEXT: met
#                                      (VALUE UNIT)"); sets bench_status=1 when it is not
#
# run_NAME functions are the script's own: they take a command prefix ("$@", GNU time
# for the timed runs) and run one whole transaction.

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_status=0   # 1 once a target() is not met

bench_args() {
  local default_n=$1
  shift
  bin=${1:-$src/build/smtpscope}
  n=${2:-${N:-$default_n}}
  case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
  [ -x "$bin" ] || { echo "bench: no smtpscope binary at $bin (run: make build)" >&2; exit 1; }
  case "$n" in '' | *[!0-9]* | 0) echo "bench: N must be a positive integer" >&2; exit 64 ;; esac
}

# shellcheck disable=SC2317  # invoked through the trap
bench_cleanup() {
  bash "$src/tests/integration/$bench_fixture_name/fixture.sh" stop "$dir" >/dev/null 2>&1 ||
    true
  rm -rf "$dir"
}

bench_fixture() {
  bench_fixture_name=$1
  dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-bench.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  CI=true bash "$src/tests/integration/$bench_fixture_name/fixture.sh" start "$dir"
}

# The Postfix fixture (root: its master needs it) and swaks with TLS; sets ca, user, pass
# (the fixture's throw-away password), from, to and the fixture's ports (ports.env).
bench_postfix_swaks() {
  [ "$(id -u)" -eq 0 ] || { echo "bench: needs root (the Postfix master needs it)" >&2; exit 1; }
  command -v swaks >/dev/null || bash "$src/scripts/deps.sh"
  [ -x /usr/bin/time ] || bash "$src/scripts/deps.sh"   # GNU time, for peak RSS
  perl -MNet::SSLeay -e1 2>/dev/null || bash "$src/scripts/deps.sh"   # swaks --tls
  bench_fixture postfix
  # shellcheck disable=SC1091
  . "$dir/ports.env"
  ca=$dir/certs/ca.pem
  user=user@smtpscope.test
  pass=s3cret-Pa55
  from=bench@smtpscope.test
  to=user@smtpscope.test
}

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
    case "$kb" in '' | *[!0-9]*) kb=0 ;; esac
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  res_ms=$((total / n / 1000000))
  res_ns=$((total / n))
  res_kb=$peak
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

versus() {
  local a_ns b_ns
  measure "$1"
  a_ms=$res_ms a_ns=$res_ns a_kb=$res_kb
  measure "$2"
  b_ms=$res_ms b_ns=$res_ns b_kb=$res_kb
  r_wall=$(ratio "$a_ns" "$b_ns")
  r_rss=$(ratio "$a_kb" "$b_kb")
  echo "$1: $a_ms ms, $a_kb KB RSS; $2: $b_ms ms, $b_kb KB RSS;" \
       "ratio wall $r_wall, RSS $r_rss"
}

target() {
  local text=$1 value=$2 limit=$3 shown=$2${4:+ $4}
  if awk -v v="$value" -v l="$limit" 'BEGIN { exit !(v <= l) }'; then
    echo "target $text: met ($shown)"
  else
    echo "target $text: NOT met ($shown)"; bench_status=1
  fi
}
