#!/usr/bin/env bash
# lint.sh — architecture and hygiene checks that a compiler won't do:
#  1. no upward #include between layers (core < transport,dns < protocol <
#     checks < report < frontend), so the layering in docs/internals stays true;
#  2. no banned functions (sprintf, strcpy, strcat, atoi, gets, alarm, system);
#  3. no printing to stdout/stderr below src/frontend/;
#  4. docs/robustness.md names every fault scenario and every fuzz target, so
#     the published matrix cannot fall behind the tests.
# Exit 1 with one line per violation.
set -u
cd "$(dirname "$0")/.."
rank() {
  case "$1" in
    core) echo 0 ;; transport|dns) echo 1 ;; protocol) echo 2 ;;
    checks|analysis|message) echo 3 ;; report) echo 4 ;; store) echo 5 ;;
    frontend) echo 6 ;; *) echo -1 ;;
  esac
}
bad=0
while IFS= read -r f; do
  layer=$(echo "$f" | cut -d/ -f2)
  mine=$(rank "$layer")
  while IFS= read -r inc; do
    dep=$(echo "$inc" | sed -E 's/#include "([a-z]+)\/.*/\1/')
    theirs=$(rank "$dep")
    if [ "$theirs" -gt "$mine" ]; then
      echo "upward include: $f ($layer) includes $inc"; bad=1
    fi
    if [ "$layer" = transport ] && [ "$dep" = dns ] || [ "$layer" = dns ] && [ "$dep" = transport ]; then
      echo "sideways include: $f ($layer) includes $inc"; bad=1
    fi
  done < <(grep -hE '^#include "[a-z]+/' "$f" || true)
done < <(find src -name '*.[ch]' | sort)

if grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets|alarm|system)\s*\(' src \
     --include='*.c' --include='*.h' | grep -vE '^\S+:\s*[0-9]+:\s*(/\*|\*)'; then
  echo "banned function used (see above)"; bad=1
fi
if grep -rnE '\b(printf|puts|putchar|perror)\s*\(|\bf(printf|puts|write)\s*\((stdout|stderr)' src \
     --include='*.c' | grep -v '^src/frontend/'; then
  echo "printing below src/frontend (see above)"; bad=1
fi
for f in tests/scenarios/*.scn; do
  n=$(basename "$f" .scn)
  grep -qF "| $n |" docs/robustness.md || { echo "docs/robustness.md: no row for scenario $n"; bad=1; }
done
for f in tests/fuzz/fuzz_*.c; do
  n=$(basename "$f" .c)
  grep -qF "\`$n\`" docs/robustness.md || { echo "docs/robustness.md: no row for fuzz target $n"; bad=1; }
done
[ $bad = 0 ] && echo "lint: ok"
exit $bad
