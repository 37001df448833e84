#!/usr/bin/env bash
# fixture.sh start DIR | stop DIR — a second real MTA (Exim 4, GnuTLS) on loopback, the
# peer for the TLS/security audit tests (tls versions and ciphers, certificate faults,
# relay battery). A different server and a different TLS stack from the Postfix fixture.
#
# Exim conflicts with Postfix as a Debian package (both provide mail-transport-agent), so it
# is never installed: scripts/deps.sh unpacks exim4-daemon-light with `apt-get download` +
# `dpkg-deb -x` into /var/cache/smtpscope-fixtures/exim4 and installs only its shared
# libraries. The binary is looked up as $SMTPSCOPE_EXIM, then that cache, then a real
# /usr/sbin/exim4. Without a Debian-exim user (Exim only unpacked) the fixture runs a copy,
# DIR/exim4, whose compiled-in user name is patched to "mail" (see usable_exim). One Exim
# daemon (started as root, private config `-C DIR/exim.conf`, never /etc/exim4) serves five
# listeners on free 127.0.0.1 ports, written to DIR/ports.env:
#   EXPIRED_PORT    STARTTLS; certificate for MTA2_NAME from the test CA, expired 2021-01-01
#   WRONGHOST_PORT  STARTTLS; valid certificate from the test CA for MTA2_WRONG_NAME only
#   LEGACY_PORT     STARTTLS; good certificate; also TLS 1.0/1.1 and TLS_RSA_WITH_3DES_EDE_CBC_SHA
#   OPENRELAY_PORT  STARTTLS (good certificate); accepts RCPT for any domain without AUTH
#   GOOD_PORT       STARTTLS; good certificate; TLS 1.2/1.3 only, no 3DES; relay refused
# Each listener has exactly one defect; all but OPENRELAY_PORT accept RCPT only for
# @MTA2_NAME (local parts without @ % ! / | and not starting with a dot), others get 550.
# ports.env also holds MTA2_NAME (mx2.smtpscope.test) and MTA2_WRONG_NAME
# (wrong.smtpscope.test). The good and expired certificates name MTA2_NAME, localhost and
# IP 127.0.0.1. DIR/ca.pem is the test CA (generated at start, key in DIR/certs).
# No AUTH is offered anywhere. Nothing is ever delivered: the DATA ACL discards every
# message, queue_only is set and the only router is a :blackhole: redirect; no DNS lookups
# (no host_lookup, no ident, no dnslookup router). Logs: DIR/log/mainlog, paniclog, rejectlog.
#
# Exit codes: 0 ok (silent), 1 failure (log on stderr), 77 skip (not root or no Exim here),
# except that with CI=true a skip is a failure. Both actions are idempotent; stop ends only
# the pid in DIR/exim.pid, and only if that process runs our DIR/exim.conf.
set -euo pipefail

MTA2_NAME=mx2.smtpscope.test
MTA2_WRONG_NAME=wrong.smtpscope.test
EXIM_CACHE=/var/cache/smtpscope-fixtures/exim4
# GnuTLS priority strings. Legacy: what an old server still accepts. Modern: the rest.
LEGACY_PRIORITY='NORMAL:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:+RSA:+SHA1:%COMPAT'
MODERN_PRIORITY='NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-3DES-CBC:-ARCFOUR-128'

FX_NAME="mta2 fixture"
FX_LOGS=(log/paniclog log/mainlog exim-start.log)
FX_LOG_LINES=20
# shellcheck source=SCRIPTDIR/../fixture-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../fixture-lib.sh"
conf=$dir/exim.conf
pidfile=$dir/exim.pid

find_exim() {
  local p
  if [ -n "${SMTPSCOPE_EXIM:-}" ]; then
    [ -x "$SMTPSCOPE_EXIM" ] && echo "$SMTPSCOPE_EXIM"
    return 0
  fi
  for p in "$EXIM_CACHE/usr/sbin/exim4" /usr/sbin/exim4; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
}

# Debian builds Exim with EXIM_USER=ref:Debian-exim: it looks that user up before reading
# any configuration and exits when it is missing, which it is when Exim was only unpacked.
# Rather than add a system user, run a copy whose compiled-in name (one NUL-terminated
# string, shared by user and group) reads "mail"; exim_user/exim_group say the same.
usable_exim() { # EXIM -> prints the binary to run
  if getent passwd Debian-exim >/dev/null && getent group Debian-exim >/dev/null; then
    echo "$1"
    return 0
  fi
  python3 - "$1" "$dir/exim4" <<'PY' || return 1
import os, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
old = b"Debian-exim\0"
if data.count(old) != 1:
    sys.exit("mta2 fixture: expected one 'Debian-exim' in %s, found %d" % (src, data.count(old)))
new = b"mail".ljust(len(old), b"\0")
with open(dst + ".tmp", "wb") as f:
    f.write(data.replace(old, new))
os.chmod(dst + ".tmp", 0o755)
os.replace(dst + ".tmp", dst)
PY
  echo "$dir/exim4"
}

# The live daemon pid, or nothing. A recycled pid running something else is not ours.
daemon_pid() { live_pid "$pidfile" "$conf"; }

do_stop() {
  stop_pid "$(daemon_pid)"
  rm -f "$pidfile"
  return 0
}

# Test PKI: a CA and three leaves. `openssl ca` because only it sets exact validity
# windows on OpenSSL 3.0 (x509 -days cannot backdate, -not_before/-not_after are 3.4+).
make_certs() {
  local c=$dir/certs now later
  [ -f "$c/done" ] && return 0
  rm -rf "$c"
  mkdir -p "$c/db"
  : > "$c/db/index.txt"
  echo 2000 > "$c/db/serial"
  run() { "$@" > "$c/openssl.log" 2>&1 || { cat "$c/openssl.log" >&2; die "failed: $*"; }; }
  cat > "$c/ca.cnf" <<EOF
[ ca ]
default_ca = mta2ca
[ mta2ca ]
database = $c/db/index.txt
serial = $c/db/serial
new_certs_dir = $c/db
certificate = $c/ca.pem
private_key = $c/ca.key
default_md = sha256
policy = any_cn
unique_subject = no
copy_extensions = copy
email_in_dn = no
[ any_cn ]
organizationName = optional
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
  # The CA is self-signed through `openssl ca -selfsign` so that it can be backdated: the
  # expired leaf was then valid inside its issuer's lifetime, and expiry is its only fault.
  run openssl req -new -newkey rsa:2048 -nodes -keyout "$c/ca.key" -out "$c/ca.csr" \
    -subj "/O=smtpscope tests/CN=smtpscope mta2 test CA"
  run openssl ca -batch -selfsign -config "$c/ca.cnf" -keyfile "$c/ca.key" -extensions ca_ext \
    -notext -startdate 20190101000000Z -enddate "$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)" \
    -in "$c/ca.csr" -out "$c/ca.pem"
  rm -f "$c/ca.csr"
  # leaf NAME CN SANS START END -> NAME.key, NAME.pem (leaf then CA, as servers send it)
  leaf() {
    run openssl req -new -newkey rsa:2048 -nodes -keyout "$c/$1.key" -out "$c/$1.csr" \
      -subj "/O=smtpscope tests/CN=$2" -addext "subjectAltName=$3"
    run openssl ca -batch -config "$c/ca.cnf" -extensions leaf -notext \
      -startdate "$4" -enddate "$5" -in "$c/$1.csr" -out "$c/$1.crt"
    cat "$c/$1.crt" "$c/ca.pem" > "$c/$1.pem"
    rm -f "$c/$1.csr"
  }
  # Start a day back so a client clock slightly behind ours still sees "valid".
  now=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
  later=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
  local sans="DNS:$MTA2_NAME,DNS:localhost,IP:127.0.0.1"
  leaf good "$MTA2_NAME" "$sans" "$now" "$later"
  leaf expired "$MTA2_NAME" "$sans" 20200101000000Z 20210101000000Z
  leaf wronghost "$MTA2_WRONG_NAME" "DNS:$MTA2_WRONG_NAME" "$now" "$later"
  # Exim reads the leaf keys after dropping to exim_user (mail) in the connection process;
  # the CA key stays root-only.
  chmod 600 "$c"/*.key
  chown root:mail "$c/good.key" "$c/expired.key" "$c/wronghost.key"
  chmod 640 "$c/good.key" "$c/expired.key" "$c/wronghost.key"
  chmod 755 "$c"
  touch "$c/done"
}

write_config() { # exim expired wronghost legacy openrelay good
  local exim=$1 expired=$2 wronghost=$3 legacy=$4 openrelay=$5 good=$6 c=$dir/certs
  cat > "$conf.tmp" <<EOF
# Generated by tests/integration/mta2/fixture.sh — private test instance, never /etc/exim4.
primary_hostname = $MTA2_NAME
qualify_domain = $MTA2_NAME
smtp_banner = \$primary_hostname ESMTP smtpscope-mta2
exim_user = mail
exim_group = mail
never_users = root
exim_path = $exim
spool_directory = $dir/spool
log_file_path = $dir/log/%slog
keep_environment =
local_interfaces = <; 127.0.0.1.$expired ; 127.0.0.1.$wronghost ; 127.0.0.1.$legacy ; \\
                      127.0.0.1.$openrelay ; 127.0.0.1.$good
disable_ipv6 = true

# No DNS, no ident, nothing delivered: a fixture must never wait on or talk to the network.
host_lookup =
rfc1413_hosts =
rfc1413_query_timeout = 0s
queue_only = true
allow_domain_literals = true

# One listener per TLS defect, chosen by the port the client connected to.
tls_advertise_hosts = *
tls_certificate = \${if eq{\$received_port}{$expired}{$c/expired.pem}\\
                  {\${if eq{\$received_port}{$wronghost}{$c/wronghost.pem}{$c/good.pem}}}}
tls_privatekey = \${if eq{\$received_port}{$expired}{$c/expired.key}\\
                 {\${if eq{\$received_port}{$wronghost}{$c/wronghost.key}{$c/good.key}}}}
tls_require_ciphers = \${if eq{\$received_port}{$legacy}{$LEGACY_PRIORITY}{$MODERN_PRIORITY}}

acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data

begin acl

acl_rcpt:
  accept condition = \${if eq{\$received_port}{$openrelay}}
  deny   message = restricted characters in address
         local_parts = ^[.] : ^.*[@%!/|]
  accept domains = $MTA2_NAME
  deny   message = relay not permitted

acl_data:
  discard log_message = smtpscope fixture: discarded

begin routers

blackhole:
  driver = redirect
  data = :blackhole:
EOF
  chmod 644 "$conf.tmp"
  mv "$conf.tmp" "$conf"
}

do_start() {
  if [ "$(id -u)" -ne 0 ]; then skip "needs root (Exim's daemon runs as root here)"; fi
  command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
  command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
  getent passwd mail >/dev/null || skip "no 'mail' user (Debian base-passwd has one)"
  getent group mail >/dev/null || skip "no 'mail' group"
  local exim missing
  exim=$(find_exim)
  [ -n "$exim" ] || skip "no Exim binary (scripts/deps.sh unpacks it into $EXIM_CACHE)"
  missing=$(ldd "$exim" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
  [ -z "$missing" ] || skip "Exim's shared libraries are missing: $missing(scripts/deps.sh)"
  exim=$(usable_exim "$exim") || die "cannot prepare the Exim binary"

  # Idempotent: a running fixture with its ports file is left alone.
  if [ -n "$(daemon_pid)" ] && [ -f "$dir/ports.env" ]; then return 0; fi
  do_stop
  rm -f "$dir/ports.env"

  # The connection processes run as mail and must reach DIR (mktemp makes it 0700).
  chmod 755 "$dir"
  mkdir -p "$dir/spool" "$dir/log"
  chown mail:mail "$dir/spool" "$dir/log"
  make_certs
  cp "$dir/certs/ca.pem" "$dir/ca.pem"

  local ports expired wronghost legacy openrelay good
  ports=$(free_ports 5) || die "cannot pick free ports"
  read -r expired wronghost legacy openrelay good <<< "$ports"
  write_config "$exim" "$expired" "$wronghost" "$legacy" "$openrelay" "$good"

  if ! "$exim" -C "$conf" -bV > "$dir/exim-start.log" 2>&1; then
    die "exim rejects the generated configuration $conf"
  fi
  # An empty GnuTLS system priority file: a machine-wide policy must not veto the legacy
  # listener. Exim daemonizes itself and writes its pid to DIR/exim.pid.
  : > "$dir/gnutls-system-priority"
  if ! env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      GNUTLS_SYSTEM_PRIORITY_FILE="$dir/gnutls-system-priority" \
      "$exim" -C "$conf" -bd -oP "$pidfile" >> "$dir/exim-start.log" 2>&1; then
    do_stop
    die "exim -bd failed"
  fi
  if ! wait_banners "$expired" "$wronghost" "$legacy" "$openrelay" "$good" \
      2> "$dir/wait.log"; then
    cat "$dir/wait.log" >&2
    do_stop
    die "Exim did not greet on every port within 20 s"
  fi
  [ -n "$(daemon_pid)" ] || die "Exim greets but $pidfile names no live daemon"

  write_ports_env <<EOF
EXPIRED_PORT=$expired
WRONGHOST_PORT=$wronghost
LEGACY_PORT=$legacy
OPENRELAY_PORT=$openrelay
GOOD_PORT=$good
MTA2_NAME=$MTA2_NAME
MTA2_WRONG_NAME=$MTA2_WRONG_NAME
EOF
}

fx_dispatch
