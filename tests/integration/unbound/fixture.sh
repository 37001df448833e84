#!/usr/bin/env bash
# fixture.sh — a private, non-recursive Unbound on loopback for DNS tests.
#
#   fixture.sh start DIR   write DIR/unbound.conf, sign the DNSSEC test zones (fresh keys
#                          in DIR, anchors in DIR/trust-anchor), start unbound on 127.0.0.1
#                          at a free port, wait until it answers, write DIR/port and
#                          DIR/unbound.pid
#   fixture.sh stop DIR    stop exactly the process whose pid is in DIR/unbound.pid
#
# The server answers only from tests/integration/unbound/zones.conf: the root
# is a static local zone, so any other name gets NXDOMAIN at once and the
# internet is never asked. Exit 77 (skip) when unbound is not installed, unless
# CI=true, where a missing peer is a broken CI image and fails loudly.
#
# SMTPSCOPE_UNBOUND_DNSSEC_EXTRA=FILE (optional, read by `start`): zone-file
# lines appended to the dnssec.test zone before it is signed, so a test can
# publish DNSSEC-secure data that depends on the run — the DANE tests
# (tests/unit/checks/test_dane.c) put TLSA records of a certificate they
# generated at start there, at _PORT._tcp.NAME.dnssec.test for the port their
# server got. Names are relative to dnssec.test. (or absolute inside it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: fixture.sh start|stop DIR" >&2
  exit 2
fi

die() { echo "unbound fixture: $*" >&2; exit 1; }

# UNBOUND_BIN overrides the search (a non-standard install, or a path that
# does not exist to check the skip logic).
find_unbound() {
  local p
  if [ -n "${UNBOUND_BIN:-}" ]; then
    [ -x "$UNBOUND_BIN" ] && echo "$UNBOUND_BIN" && return 0
    return 1
  fi
  for p in "$(command -v unbound 2>/dev/null || true)" /usr/sbin/unbound /usr/local/sbin/unbound; do
    if [ -n "$p" ] && [ -x "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# A free UDP+TCP port on 127.0.0.1, chosen by the kernel. Unbound binds it a
# moment later; the start loop retries with a new port if someone took it.
free_port() {
  python3 - <<'PY'
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        u.close(); t.close()
        continue
    u.close(); t.close()
    print(port)
    break
PY
}

# Exit 0 when the server on 127.0.0.1:$1 answers a query for
# mail.smtpscope.test/A with NOERROR and at least one answer.
probe() {
  python3 - "$1" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
qname = b"".join(bytes([len(l)]) + l for l in b"mail.smtpscope.test".split(b".")) + b"\0"
query = struct.pack(">HHHHHH", 0x5353, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
try:
    s.sendto(query, ("127.0.0.1", port))
    data, _ = s.recvfrom(4096)
except OSError:
    sys.exit(1)
if len(data) < 12:
    sys.exit(1)
ident, flags, _, ancount = struct.unpack(">HHHH", data[:8])
sys.exit(0 if ident == 0x5353 and (flags & 0x000F) == 0 and ancount > 0 else 1)
PY
}

# True while pid $1 exists and is not a zombie (a zombie has already exited;
# it only waits for a parent that may never reap it inside a container).
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
  [ "$state" != "Z" ]
}

# The DNSSEC-signed zones served by zones.d/dnssec.conf: write both zones to
# DIR, make a fresh key per zone (ECDSA P-256: fast, and nothing secret is
# ever committed), sign, and write DIR/trust-anchor with both zones' DS
# records. bogus.test is signed with signatures that expired in 2020, so with
# that anchor every answer under it is bogus. Without ldns tools (outside CI)
# the zones are served unsigned and no trust-anchor file is written: the
# DNSSEC tests then skip, every other test runs as before.
sign_zones() {
  local z key
  rm -f "$dir/trust-anchor" "$dir"/K*.test.+*
  cat > "$dir/dnssec.test.zone" <<'ZONE'
$ORIGIN dnssec.test.
$TTL 3600
@                IN SOA  ns.dnssec.test. hostmaster.dnssec.test. 1 3600 600 86400 60
@                IN NS   ns.dnssec.test.
ns               IN A    127.0.0.1
@                IN A    127.0.0.1
@                IN TXT  "v=spf1 -all"
@                IN MX   10 mail.dnssec.test.
mail             IN A    127.0.0.1
; DANE (RFC 7672): 3 1 1 = DANE-EE, SPKI, SHA-256; the digest is a fixed
; placeholder, later DANE tests replace the zone line with a real one.
_25._tcp.mail    IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ZONE
  if [ -n "${SMTPSCOPE_UNBOUND_DNSSEC_EXTRA:-}" ]; then
    cat "$SMTPSCOPE_UNBOUND_DNSSEC_EXTRA" >> "$dir/dnssec.test.zone" ||
      die "cannot read SMTPSCOPE_UNBOUND_DNSSEC_EXTRA=$SMTPSCOPE_UNBOUND_DNSSEC_EXTRA"
  fi
  cat > "$dir/bogus.test.zone" <<'ZONE'
$ORIGIN bogus.test.
$TTL 3600
@                IN SOA  ns.bogus.test. hostmaster.bogus.test. 1 3600 600 86400 60
@                IN NS   ns.bogus.test.
ns               IN A    127.0.0.1
@                IN A    127.0.0.1
@                IN TXT  "expired signatures"
ZONE
  if ! command -v ldns-keygen >/dev/null 2>&1 || ! command -v ldns-signzone >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
      die "ldns-keygen/ldns-signzone missing but CI=true: scripts/deps.sh must install ldnsutils"
    fi
    echo "unbound fixture: ldnsutils not installed, DNSSEC zones served unsigned" >&2
    for z in dnssec.test bogus.test; do cp "$dir/$z.zone" "$dir/$z.signed"; done
    return 0
  fi
  for z in dnssec.test bogus.test; do
    # -k: one key with the SEP flag signs everything (a combined signing key).
    key=$(cd "$dir" && ldns-keygen -a ECDSAP256SHA256 -k "$z.") || die "ldns-keygen $z failed"
    if [ "$z" = bogus.test ]; then
      (cd "$dir" && ldns-signzone -i 20200101000000 -e 20200201000000 -f "$z.signed" \
        "$z.zone" "$key") || die "ldns-signzone $z failed"
    else
      # Inception a day back, so a little clock skew never makes it "not yet valid".
      (cd "$dir" && ldns-signzone -i "$(( $(date +%s) - 86400 ))" -f "$z.signed" \
        "$z.zone" "$key") || die "ldns-signzone $z failed"
    fi
    cat "$dir/$key.ds" >> "$dir/trust-anchor.new"
  done
  mv "$dir/trust-anchor.new" "$dir/trust-anchor"
}

write_conf() {
  local port=$1
  cat > "$dir/unbound.conf" <<CONF
# Generated by tests/integration/unbound/fixture.sh — do not edit.
server:
    verbosity: 1
    use-syslog: no
    logfile: "$dir/unbound.log"
    directory: "$dir"
    pidfile: "$dir/unbound.self.pid"
    chroot: ""
    username: ""
    do-daemonize: no
    interface: 127.0.0.1@$port
    port: $port
    so-reuseport: no
    do-ip4: yes
    do-ip6: no
    do-udp: yes
    do-tcp: yes
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "iterator"
    # No recursion, ever: the root is a static local zone, so a name without
    # local data is NXDOMAIN without any upstream query.
    local-zone: "." static
    root-hints: ""
    prefetch: no
    minimal-responses: yes
    include: "$here/zones.conf"
    # One file per area (domain-dns.conf, domain-records.conf, ...), so areas
    # add test data without editing each other's files.
    include: "$here/zones.d/*.conf"
CONF
}

start() {
  local bin port try pid
  if ! bin=$(find_unbound); then
    if [ "${CI:-}" = "true" ]; then
      die "unbound is not installed but CI=true: scripts/deps.sh must install it"
    fi
    echo "unbound fixture: unbound not installed, skipping" >&2
    exit 77
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to pick a port and probe"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/unbound.pid" ] && alive "$(cat "$dir/unbound.pid")"; then
    die "already running in $dir (pid $(cat "$dir/unbound.pid"))"
  fi
  sign_zones
  for try in 1 2 3 4 5; do
    port=$(free_port)
    write_conf "$port"
    "$bin" -d -c "$dir/unbound.conf" </dev/null >"$dir/unbound.out" 2>&1 &
    pid=$!
    echo "$pid" > "$dir/unbound.pid"
    for _ in $(seq 1 50); do # 50 x 0.1 s: about 5 s
      if ! alive "$pid"; then
        break
      fi
      if probe "$port"; then
        echo "$port" > "$dir/port"
        echo "unbound fixture: pid $pid on 127.0.0.1@$port" >&2
        return 0
      fi
      sleep 0.1
    done
    if alive "$pid"; then
      kill "$pid" 2>/dev/null || true
      die "unbound (pid $pid) did not answer on port $port within 5 s; see $dir/unbound.log"
    fi
    rm -f "$dir/unbound.pid"
    # Died at start: most likely the port was taken meanwhile; try another.
    echo "unbound fixture: unbound exited at start (try $try):" >&2
    cat "$dir/unbound.out" "$dir/unbound.log" 2>/dev/null | tail -n 5 >&2 || true
  done
  die "unbound failed to start 5 times"
}

stop() {
  local pid
  [ -f "$dir/unbound.pid" ] || return 0
  pid=$(cat "$dir/unbound.pid")
  case "$pid" in ''|*[!0-9]*) die "bad pid file $dir/unbound.pid";; esac
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/unbound.pid" "$dir/port"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: fixture.sh start|stop DIR" >&2; exit 2 ;;
esac
