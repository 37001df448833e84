#!/usr/bin/env bash
# fixture.sh start DIR | stop DIR — a private, throw-away Dovecot for integration tests.
#
# Everything lives in DIR (dovecot.conf, base_dir, state_dir, logs, Maildirs, users file,
# certificates, OAuth key); the machine's own /etc/dovecot is never read or changed. The
# master runs in the foreground (`dovecot -F`), backgrounded by this script, with its pid
# in DIR/dovecot.pid. Three loopback listeners on free ports, written to DIR/ports.env
# (see docs/internals/TESTING.md):
#   LMTP_PORT        Dovecot LMTP: delivers to DIR/mail/<domain>/<user> (Maildir);
#                    an unknown recipient is refused at RCPT with 550 5.1.1
#   SUBMISSION_PORT  Dovecot submission: STARTTLS (test CA), AUTH PLAIN LOGIN
#                    SCRAM-SHA-1 SCRAM-SHA-256 (passwd-file) and OAUTHBEARER XOAUTH2
#                    (oauth2 passdb, local JWT validation with an HS256 key)
#   SINK_PORT        smtp-sink (from the postfix package), submission's relay host:
#                    accepts everything and dumps each relayed message into DIR/relayed
# Users: user@smtpscope.test (password s3cret-Pa55) and other@smtpscope.test (password
# 0ther-Pa55). The OAuth HS256 key is DIR/keys/default/HS256/default (base64, as Dovecot
# reads it); a test signs its own JWT with it (claims sub/email = the user, exp).
# Dovecot treats 127.0.0.1 as secure, so it offers AUTH before STARTTLS too.
#
# Exit codes: 0 ok (silent), 1 failure (log on stderr), 77 skip (not root or no
# Dovecot), except that with CI=true a skip is a failure. Both actions are idempotent;
# stop ends only the pids this script recorded.
set -euo pipefail

DOMAIN=smtpscope.test
USER1=user
PASS1=s3cret-Pa55
USER2=other
PASS2=0ther-Pa55
# Mail is owned by this account (an unprivileged uid >= Dovecot's first_valid_uid).
MAIL_ACCOUNT=nobody

FX_NAME=fixture.sh
FX_LOGS=(dovecot.log dovecot.out sink.out)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../fixture-lib.sh
source "$here/../fixture-lib.sh"
src=$(cd "$here/../../.." && pwd)

dovecot_pid() { live_pid "$dir/dovecot.pid" "$dir/dovecot.conf"; }
sink_pid() { live_pid "$dir/sink.pid" "smtp-sink"; }

do_stop() {
  # The Dovecot master stops its own children (auth, lmtp, submission, log) on TERM.
  stop_pid "$(dovecot_pid)"
  stop_pid "$(sink_pid)"
  rm -f "$dir/dovecot.pid" "$dir/sink.pid"
}

do_start() {
  if [ "$(id -u)" -ne 0 ]; then skip "needs root (the Dovecot master switches users)"; fi
  command -v dovecot >/dev/null 2>&1 || skip "dovecot is not installed (scripts/deps.sh)"
  [ -x /usr/lib/dovecot/lmtp ] || skip "dovecot-lmtpd is not installed (scripts/deps.sh)"
  [ -x /usr/lib/dovecot/submission ] ||
    skip "dovecot-submissiond is not installed (scripts/deps.sh)"
  [ -x /usr/sbin/smtp-sink ] || skip "smtp-sink (postfix) is not installed (scripts/deps.sh)"
  command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
  command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
  getent passwd dovecot >/dev/null || skip "no dovecot user"
  getent passwd dovenull >/dev/null || skip "no dovenull user"
  getent passwd "$MAIL_ACCOUNT" >/dev/null || skip "no $MAIL_ACCOUNT user"

  # Idempotent: a running fixture with its ports file is left alone.
  if [ -n "$(dovecot_pid)" ] && [ -n "$(sink_pid)" ] && [ -f "$dir/ports.env" ]; then
    return 0
  fi
  do_stop
  rm -f "$dir/ports.env"

  local uid gid
  uid=$(id -u "$MAIL_ACCOUNT")
  gid=$(id -g "$MAIL_ACCOUNT")
  # Dovecot's unprivileged processes and the mail account must traverse DIR (mktemp
  # makes it 0700).
  chmod 755 "$dir"
  mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/home" "$dir/relayed" \
    "$dir/keys/default/HS256"
  chown "$uid:$gid" "$dir/mail" "$dir/home" "$dir/relayed"

  bash "$src/tests/fixtures/mkcerts.sh" "$dir/certs" || die "mkcerts.sh failed"
  chmod 644 "$dir/certs/chain.pem"

  # Users: plaintext ({PLAIN}) so Dovecot can derive every SCRAM variant from it.
  # Read by the auth process, which runs as the dovecot user.
  local u
  : > "$dir/users"
  for u in "$USER1:$PASS1" "$USER2:$PASS2"; do
    printf '%s@%s:{PLAIN}%s:%s:%s::%s::\n' "${u%%:*}" "$DOMAIN" "${u#*:}" "$uid" "$gid" \
      "$dir/home/${u%%:*}" >> "$dir/users"
    mkdir -p "$dir/home/${u%%:*}"
    chown "$uid:$gid" "$dir/home/${u%%:*}"
  done
  chown root:dovecot "$dir/users"
  chmod 640 "$dir/users"

  # OAuth: a fresh HS256 key per start, base64 as the fs dict holds it. Lookup key
  # shared/<azp>/<alg>/<kid> with azp and kid absent from the token = default.
  openssl rand -base64 32 | tr -d '\n' > "$dir/keys/default/HS256/default"
  chown -R root:dovecot "$dir/keys"
  chmod 750 "$dir/keys" "$dir/keys/default" "$dir/keys/default/HS256"
  chmod 640 "$dir/keys/default/HS256/default"
  cat > "$dir/oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$dir/keys/
username_attribute = email
EOF
  chmod 644 "$dir/oauth2.conf.ext"

  local ports lmtp sub sink dh
  ports=$(free_ports 3) || die "cannot pick free ports"
  read -r lmtp sub sink <<< "$ports"
  dh=""
  if [ -f /usr/share/dovecot/dh.pem ]; then dh="ssl_dh = </usr/share/dovecot/dh.pem"; fi

  cat > "$dir/dovecot.conf" <<EOF
# Generated by tests/integration/dovecot/fixture.sh — private test instance.
instance_name = smtpscope-fixture
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
listen = 127.0.0.1
protocols = lmtp submission
hostname = mail.$DOMAIN
postmaster_address = postmaster@$DOMAIN
auth_verbose = yes

ssl = yes
ssl_cert = <$dir/certs/chain.pem
ssl_key = <$dir/certs/good.key
$dh

auth_mechanisms = plain login scram-sha-1 scram-sha-256 oauthbearer xoauth2
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $dir/oauth2.conf.ext
}
passdb {
  driver = passwd-file
  mechanisms = plain login scram-sha-1 scram-sha-256
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}

first_valid_uid = $uid
mail_location = maildir:$dir/mail/%d/%n

# No auth penalty: anvil would delay every login from 127.0.0.1 after a failed one,
# up to 15 s (Dovecot's documented switch: the auth process cannot reach the socket).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $sub
  }
}
submission_relay_host = 127.0.0.1
submission_relay_port = $sink
EOF

  # The relay target: runs as the mail account, one file per relayed message.
  /usr/sbin/smtp-sink -u "$MAIL_ACCOUNT" -h "sink.$DOMAIN" -d "$dir/relayed/msg." \
    "127.0.0.1:$sink" 64 < /dev/null > "$dir/sink.out" 2>&1 &
  echo $! > "$dir/sink.pid"

  if ! dovecot -c "$dir/dovecot.conf" -n > "$dir/dovecot-n.out" 2>&1; then
    cat "$dir/dovecot-n.out" >&2
    do_stop
    die "dovecot rejected the generated configuration"
  fi
  # Foreground master, detached from our stdout/stderr (a caller reading them to EOF
  # must not wait for Dovecot to exit).
  dovecot -c "$dir/dovecot.conf" -F < /dev/null > "$dir/dovecot.out" 2>&1 &
  echo $! > "$dir/dovecot.pid"

  if ! wait_banners "$lmtp" "$sub" "$sink" 2> "$dir/wait.log"; then
    cat "$dir/wait.log" >&2
    do_stop
    die "Dovecot/smtp-sink did not greet on every port within 20 s"
  fi

  write_ports_env <<EOF
LMTP_PORT=$lmtp
SUBMISSION_PORT=$sub
SINK_PORT=$sink
EOF
}

fx_dispatch
