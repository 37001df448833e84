#!/usr/bin/env bash
# deps.sh — install every build and test dependency of smtpscope from Debian,
# non-interactively and idempotently. Safe to run on every `make run`/`make test`:
# when every package is already installed it only runs dpkg-query and exits.
#
# Postfix is preseeded to "No configuration" and its system instance is never
# started: tests run private instances from their own config directories.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang
  # libraries
  libssl-dev libunbound-dev libjansson-dev libcmocka-dev
  # DMARC organisational domains (Public Suffix List built into libpsl)
  libpsl-dev
  # IDN domains in addresses (send), HTTPS fetches (MTA-STS policy)
  libidn2-dev libcurl4-openssl-dev
  # DNSSEC: the root trust anchor (dns-root-data); ldns-keygen/ldns-signzone sign
  # the test zones the Unbound fixture serves for DNSSEC and DANE tests
  dns-root-data ldnsutils
  # test peers and tools
  postfix sasl2-bin libsasl2-modules unbound openssl python3 ca-certificates
  # tests/integration/dovecot: LMTP and submission (OAuth, SCRAM); the policy-rc.d
  # below keeps their postinst from starting a system Dovecot
  dovecot-core dovecot-lmtpd dovecot-submissiond
  # tests/unit/analysis/spf_suite_to_json.py reads the RFC 7208 suite (YAML)
  python3-yaml
  # benchmark comparison (swaks needs Net::SSLeay for --tls; GNU time for peak RSS)
  swaks libnet-ssleay-perl time
  # shared libraries of exim4-daemon-light (`dpkg-deb -f X.deb Depends`), unpacked below
  libcrypt1 libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0
)

# Exim, the second MTA of tests/integration/mta2, conflicts with postfix as a package
# (mail-transport-agent): its binary is only unpacked here, never installed. Not setuid.
EXIM_CACHE=/var/cache/smtpscope-fixtures/exim4
fetch_exim() {
  [ -x "$EXIM_CACHE/usr/sbin/exim4" ] && return 0
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download exim4-daemon-light) > "$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    rm -rf "$tmp"
    echo "deps.sh: apt-get download exim4-daemon-light failed" >&2
    exit 1
  fi
  $SUDO rm -rf "$EXIM_CACHE.tmp"
  $SUDO mkdir -p "$EXIM_CACHE.tmp"
  $SUDO dpkg-deb -x "$tmp"/exim4-daemon-light_*.deb "$EXIM_CACHE.tmp"
  $SUDO chmod 0755 "$EXIM_CACHE.tmp/usr/sbin/exim4"
  $SUDO mv "$EXIM_CACHE.tmp" "$EXIM_CACHE"
  rm -rf "$tmp"
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ] && [ -x "$EXIM_CACHE/usr/sbin/exim4" ]; then
  exit 0
fi

echo "deps.sh: installing: ${missing[*]} (exim4 into $EXIM_CACHE)" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string smtpscope.test" | $SUDO debconf-set-selections

# Keep package scripts from starting system services (postfix, unbound, dovecot): there
# may be no init system, and tests must never depend on the machine's own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
fetch_exim
echo "deps.sh: done" >&2
