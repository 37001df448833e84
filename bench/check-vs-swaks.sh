#!/usr/bin/env bash
# check-vs-swaks.sh [BINARY] [N] — smtpscope check vs swaks, same SMTP transaction.
#
# Starts the private Postfix fixture (tests/integration/postfix/fixture.sh), then runs N
# (default 20, or $N) iterations of STARTTLS + certificate verification + AUTH PLAIN +
# MAIL/RCPT on its submission port with `smtpscope check --format json` and with swaks
# (--quit-after RCPT), after one untimed warm-up each. Reports the mean wall time per
# run and the peak RSS (GNU time %M) and whether smtpscope meets its targets:
# wall ≤ 0.2 × swaks, RSS ≤ 10 MB. Needs root (Postfix). Not part of `make test`.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args 20 "$@"
bench_postfix_swaks

# shellcheck disable=SC2317  # called as "run_$name"
run_smtpscope() {
  SMTPSCOPE_PASSWORD=$pass "$@" "$bin" check "127.0.0.1:$SUBMISSION_PORT" --tls starttls \
    --ca-file "$ca" --servername localhost --auth-user "$user" --auth PLAIN \
    --from "$from" --to "$to" --format json
}
# shellcheck disable=SC2317  # called as "run_$name"
run_swaks() {
  # swaks takes the password on its command line; acceptable for this local fixture.
  "$@" swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" --tls --tls-verify \
    --tls-ca-path "$ca" --tls-sni localhost --auth PLAIN --auth-user "$user" \
    --auth-password "$pass" --from "$from" --to "$to" --quit-after RCPT
}

echo "bench: $n runs each of STARTTLS + AUTH PLAIN + MAIL/RCPT against" \
     "127.0.0.1:$SUBMISSION_PORT ..." >&2
versus smtpscope swaks
target "wall <= 0.2x swaks" "$r_wall" 0.2
target "RSS <= 10 MB" "$a_kb" 10240 KB
exit "$bench_status"
