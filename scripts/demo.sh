#!/usr/bin/env bash
# demo.sh BINARY — the `make run` demo (no ARGS): a full check against a private Postfix.
#
# Starts tests/integration/postfix/fixture.sh in a temporary directory, runs one verbose
# check on its submission port (STARTTLS, certificate verification against the fixture's
# CA, AUTH, MAIL/RCPT and a test message through DATA), stops Postfix and exits with
# smtpscope's exit code. The password travels in SMTPSCOPE_PASSWORD, never in argv.
# Without root (the Postfix master needs it) it prints guidance instead and exits 0.
set -uo pipefail

bin=${1:?usage: demo.sh BINARY}
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixture="$src/tests/integration/postfix/fixture.sh"

guidance() { # $1: why the demo cannot run
  echo "smtpscope demo: $1"
  echo
  "$bin" --help
  echo
  echo "Examples:"
  echo "  make run ARGS='check your.mail.server:587'"
  echo "  make run ARGS='check your.mail.server:587 --auth-user you@example.org -v'"
  echo "      (password from SMTPSCOPE_PASSWORD, --password-file or the prompt)"
  echo "  make run ARGS='check example.org'        (no port: sweeps 25, 465, 587, 2525)"
  echo "  make run ARGS='explain 5.7.1'"
  exit 0
}

if [ "$(id -u)" -ne 0 ]; then
  guidance "the demo runs a private Postfix on 127.0.0.1, and Postfix's master process needs root."
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-demo.XXXXXX")
# shellcheck disable=SC2317  # invoked through the trap
cleanup() {
  bash "$fixture" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CI=true would turn a skip into a failure; the demo only ever wants guidance.
CI='' bash "$fixture" start "$dir"
rc=$?
if [ "$rc" -eq 77 ]; then
  guidance "Postfix or Cyrus SASL is not installed here (run: bash scripts/deps.sh)."
elif [ "$rc" -ne 0 ]; then
  echo "smtpscope demo: could not start the private Postfix (see above)." >&2
  exit 1
fi
# shellcheck disable=SC1091
. "$dir/ports.env"

echo "smtpscope demo: checking a private Postfix on 127.0.0.1:$SUBMISSION_PORT" \
     "(submission: STARTTLS, AUTH, MAIL/RCPT/DATA) ..."
echo
SMTPSCOPE_PASSWORD='s3cret-Pa55' "$bin" check -v "127.0.0.1:$SUBMISSION_PORT" \
  --tls starttls --ca-file "$dir/certs/ca.pem" --servername localhost \
  --auth-user user@smtpscope.test \
  --from demo@smtpscope.test --to user@smtpscope.test --send
rc=$?
echo
echo "try: make run ARGS='check your.mail.server:587'"
exit "$rc"
