#!/usr/bin/env bash
# fixture.sh start DIR | stop DIR — a private, throw-away Postfix for integration tests.
#
# Everything lives in DIR (config, queue, logs, mailboxes, certificates, sasldb); the
# machine's own /etc/postfix is never read or changed. Six loopback listeners on free
# ports, written to DIR/ports.env (see docs/internals/TESTING.md):
#   SMTP_PORT        STARTTLS offered (level may); SASL, but AUTH only after TLS
#   SUBMISSION_PORT  TLS required (530 before STARTTLS); SASL required for every recipient
#   SMTPS_PORT       implicit TLS (wrapper mode) + SASL
#   PLAINAUTH_PORT   no TLS; SASL offered over plaintext (a deliberately bad server)
#   NOTLS_PORT       no TLS, no SASL
#   SMALL_PORT       STARTTLS may; message_size_limit = 200 (SIZE 200 in EHLO)
# Users: user@smtpscope.test (SASL password s3cret-Pa55) and other@smtpscope.test have
# Maildirs under DIR/mail; greylisted@smtpscope.test answers 450; other domains are
# relay-denied unless authenticated. No DNS lookups anywhere; nothing leaves the host
# (default/relay transport = discard).
#
# Exit codes: 0 ok (silent), 1 failure (log on stderr), 77 skip (not root or no
# Postfix), except that with CI=true a skip is a failure. Both actions are idempotent.
set -euo pipefail

SASL_DOMAIN=smtpscope.test
SASL_USER=user
SASL_PASSWORD=s3cret-Pa55
# Smaller than smtpscope's own --send test message (~350 bytes), so a --send is refused
# with 552 (at MAIL when SIZE= is declared, else at the end of DATA).
SMALL_LIMIT=200

usage() { echo "usage: fixture.sh start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../../.." && pwd)
conf=$dir/conf
queue=$dir/queue

skip() {
  if [ "${CI:-}" = true ]; then
    echo "fixture.sh: FAIL (CI=true, cannot skip): $*" >&2
    exit 1
  fi
  echo "fixture.sh: skip: $*" >&2
  exit 77
}

die() {
  echo "fixture.sh: $*" >&2
  if [ -f "$dir/maillog" ]; then
    echo "--- last lines of $dir/maillog:" >&2
    tail -n 30 "$dir/maillog" >&2
  fi
  exit 1
}

master_pid() { # prints the live master pid, or nothing
  local pid
  [ -f "$queue/pid/master.pid" ] || return 0
  pid=$(tr -dc '0-9' < "$queue/pid/master.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

do_stop() {
  [ -f "$conf/main.cf" ] || return 0
  if [ -n "$(master_pid)" ]; then
    postfix -c "$conf" stop >/dev/null 2>&1 || true
  fi
  # postfix stop waits up to 5 s; if the master still lives, end exactly that pid.
  local pid tries
  pid=$(master_pid)
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    tries=0
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 10 ]; do
      sleep 0.2
      tries=$((tries + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  return 0
}

# Six free loopback ports, all bound at once so they differ.
free_ports() {
  python3 - <<'PY'
import socket
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# Wait until every listener greets with 220 (SMTPS inside TLS); max 20 s (loaded CI).
wait_banners() {
  python3 - "$@" <<'PY'
import socket, ssl, sys, time
ports = [int(p) for p in sys.argv[2:]]
smtps = int(sys.argv[1])
deadline = time.monotonic() + 20
pending = set(ports)
while pending and time.monotonic() < deadline:
    for port in sorted(pending):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            if port == smtps:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                s = ctx.wrap_socket(s)
            s.settimeout(2)
            data = s.recv(512)
            try:
                s.sendall(b"QUIT\r\n")
                s.recv(512)
            except OSError:
                pass
            s.close()
            if data.startswith(b"220"):
                pending.discard(port)
        except OSError:
            pass
    if pending:
        time.sleep(0.1)
if pending:
    print("no 220 banner on port(s): " + " ".join(map(str, sorted(pending))), file=sys.stderr)
    sys.exit(1)
PY
}

do_start() {
  if [ "$(id -u)" -ne 0 ]; then skip "needs root (the Postfix master insists on it)"; fi
  command -v postfix >/dev/null 2>&1 || skip "postfix is not installed (scripts/deps.sh)"
  command -v saslpasswd2 >/dev/null 2>&1 || skip "saslpasswd2 is not installed (sasl2-bin)"
  command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
  getent passwd postfix >/dev/null || skip "no postfix user"
  getent group postdrop >/dev/null || skip "no postdrop group"

  # Idempotent: a running fixture with its ports file is left alone.
  if [ -n "$(master_pid)" ] && [ -f "$dir/ports.env" ]; then return 0; fi
  do_stop

  local uid gid
  uid=$(id -u postfix)
  gid=$(id -g postfix)
  # Postfix daemons run as the postfix user and must traverse DIR (mktemp makes it 0700).
  chmod 755 "$dir"
  mkdir -p "$conf/sasl" "$queue" "$dir/data" "$dir/mail" "$dir/maps"
  chown postfix:postfix "$dir/data" "$dir/mail"
  chmod 755 "$conf" "$conf/sasl" "$dir/maps"

  bash "$src/tests/fixtures/mkcerts.sh" "$dir/certs" || die "mkcerts.sh failed"

  # SASL: Cyrus auxprop over a private sasldb2, readable by smtpd (runs as postfix).
  # Debian's Postfix looks for smtpd.conf in $config_directory/sasl/ (it did not
  # honour cyrus_sasl_config_path alone in testing), so the file lives there and
  # cyrus_sasl_config_path names the same directory.
  rm -f "$dir/sasldb2"
  printf '%s' "$SASL_PASSWORD" |
    saslpasswd2 -f "$dir/sasldb2" -p -c -u "$SASL_DOMAIN" "$SASL_USER" ||
    die "saslpasswd2 failed"
  chown root:postfix "$dir/sasldb2"
  chmod 640 "$dir/sasldb2"
  cat > "$conf/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/sasldb2
mech_list: SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN
EOF

  # texthash: maps are read as plain text, no postmap needed.
  cat > "$dir/maps/vmailbox" <<EOF
user@smtpscope.test   smtpscope.test/user/
other@smtpscope.test  smtpscope.test/other/
EOF
  cat > "$dir/maps/recipient_access" <<EOF
greylisted@smtpscope.test  450 4.2.0 Greylisted, try again later
EOF

  local ports smtp sub smtps plain notls small
  ports=$(free_ports) || die "cannot pick free ports"
  read -r smtp sub smtps plain notls small <<< "$ports"

  cat > "$conf/main.cf" <<EOF
# Generated by tests/integration/postfix/fixture.sh — private test instance.
compatibility_level = 3.6
queue_directory = $queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mail.smtpscope.test
mydomain = smtpscope.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_banner = \$myhostname ESMTP smtpscope-fixture
biff = no

# No DNS, no remote delivery: quick start and stop, nothing leaves the host.
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
default_transport = discard
relay_transport = discard
local_transport = discard
alias_maps =
alias_database =
local_recipient_maps =

virtual_mailbox_domains = smtpscope.test
virtual_mailbox_maps = texthash:$dir/maps/vmailbox
virtual_mailbox_base = $dir/mail
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1

smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$dir/maps/recipient_access

smtpd_tls_chain_files = $dir/certs/good.key, $dir/certs/chain.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1

smtpd_sasl_auth_enable = no
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $conf/sasl
smtpd_sasl_security_options = noanonymous
EOF

  # Per-listener policy through -o overrides; internal services without chroot.
  cat > "$conf/master.cf" <<EOF
# Generated by tests/integration/postfix/fixture.sh — private test instance.
127.0.0.1:$smtp inet n - n - - smtpd
  -o syslog_name=postfix/smtp
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:$sub inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$smtps inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$plain inet n - n - - smtpd
  -o syslog_name=postfix/plainauth
  -o smtpd_tls_security_level=none
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
127.0.0.1:$notls inet n - n - - smtpd
  -o syslog_name=postfix/notls
  -o smtpd_tls_security_level=none
  -o smtpd_sasl_auth_enable=no
127.0.0.1:$small inet n - n - - smtpd
  -o syslog_name=postfix/small
  -o message_size_limit=$SMALL_LIMIT
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

  # postfix start checks and creates the queue tree (post-install create-missing).
  if ! postfix -c "$conf" start > "$dir/postfix-start.log" 2>&1; then
    cat "$dir/postfix-start.log" >&2
    do_stop
    die "postfix start failed"
  fi
  if ! wait_banners "$smtps" "$smtp" "$sub" "$smtps" "$plain" "$notls" "$small" \
      2> "$dir/wait.log"; then
    cat "$dir/wait.log" >&2
    do_stop
    die "Postfix did not greet on every port within 20 s"
  fi

  cat > "$dir/ports.env.tmp" <<EOF
SMTP_PORT=$smtp
SUBMISSION_PORT=$sub
SMTPS_PORT=$smtps
PLAINAUTH_PORT=$plain
NOTLS_PORT=$notls
SMALL_PORT=$small
EOF
  mv "$dir/ports.env.tmp" "$dir/ports.env"
}

case "$action" in
  start) do_start ;;
  stop) do_stop; rm -f "$dir/ports.env" ;;
  *) usage ;;
esac
