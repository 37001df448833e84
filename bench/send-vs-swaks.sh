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

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args 10 "$@"
bench_postfix_swaks
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

echo "bench: $n runs each of STARTTLS + AUTH PLAIN + a 1 MB attachment against" \
     "127.0.0.1:$SUBMISSION_PORT ..." >&2
versus smtpscope swaks
target "wall <= 0.2x swaks" "$r_wall" 0.2
target "RSS <= 0.2x swaks" "$r_rss" 0.2
exit "$bench_status"
