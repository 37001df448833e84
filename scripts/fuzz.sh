#!/usr/bin/env bash
# fuzz.sh BUILD_DIR SECONDS — run every libFuzzer target built in BUILD_DIR
# (cmake -DFUZZ=ON, see tests/fuzz/CMakeLists.txt) for SECONDS each.
#
# Each target starts from a copy of its seeds (tests/fuzz/corpus/<name>/, or
# corpus/fuzz_<name>/) in a temporary directory, so a run never writes into
# the tree; it uses tests/fuzz/<name>.dict if there is one, else smtp.dict.
# Crash, leak, timeout and OOM reproducers are kept under
# BUILD_DIR/fuzz-artifacts/<target>/ and reported; the script exits 1 if any
# target found one or failed to run. Prints a summary table of executions.
set -u
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
secs=$2
case "$secs" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
fuzzdir=$root/tests/fuzz

mapfile -t targets < <(find "$build" -type f -name 'fuzz_*' -perm -u+x ! -name '*_replay' \
                         ! -path '*/CMakeFiles/*' 2>/dev/null | sort)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets in $build (configure with CC=clang -DFUZZ=ON and build)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=$(cd "$build" && pwd)/fuzz-artifacts
bad=0
rows=()
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  short=${name#fuzz_}
  seeds=$fuzzdir/corpus/$short
  [ -d "$seeds" ] || seeds=$fuzzdir/corpus/$name
  corpus=$work/$name/corpus
  art=$work/$name/artifacts
  mkdir -p "$corpus" "$art"
  nseeds=0
  if [ -d "$seeds" ]; then
    cp -R "$seeds/." "$corpus/"
    nseeds=$(find "$corpus" -type f | wc -l)
  fi
  dict=$fuzzdir/$short.dict
  [ -f "$dict" ] || dict=$fuzzdir/smtp.dict
  dictarg=()
  [ -f "$dict" ] && dictarg=(-dict="$dict")
  log=$work/$name/log
  echo "== $name: ${secs}s from $nseeds seed(s)"
  "$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art/" \
         "${dictarg[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)
  [ -n "$execs" ] || execs="?"
  ncorpus=$(find "$corpus" -type f | wc -l)
  mapfile -t found < <(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' \
                         -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
  status=ok
  if [ ${#found[@]} -gt 0 ]; then
    status="FOUND ${#found[@]}"
    mkdir -p "$artifacts/$name"
    for f in "${found[@]}"; do
      cp "$f" "$artifacts/$name/"
      echo "   new reproducer: $artifacts/$name/$(basename "$f")"
    done
    bad=1
  elif [ $rc -ne 0 ]; then
    status="exit $rc"
    bad=1
  fi
  if [ "$status" != ok ]; then
    echo "   last lines of the fuzzer's log:"
    tail -n 25 "$log" | sed 's/^/   | /'
  fi
  rows+=("$(printf '%-16s %8s %12s %8s %8s  %s' "$name" "${secs}s" "$execs" "$nseeds" \
           "$ncorpus" "$status")")
done

echo
printf '%-16s %8s %12s %8s %8s  %s\n' target time executions seeds corpus status
for r in "${rows[@]}"; do echo "$r"; done
if [ $bad -ne 0 ]; then
  echo "fuzz.sh: failures found (reproducers under $artifacts; add one to the target's corpus" \
       "once fixed, so fuzz-replay keeps it fixed)"
fi
exit $bad
