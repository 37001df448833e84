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
  # tests/unit/analysis/spf_suite_to_json.py reads the RFC 7208 suite (YAML)
  python3-yaml
  # benchmark comparison (swaks needs Net::SSLeay for --tls; GNU time for peak RSS)
  swaks libnet-ssleay-perl time
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps.sh: installing: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string smtpscope.test" | $SUDO debconf-set-selections

# Keep package scripts from starting system services (postfix, unbound): there
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
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
