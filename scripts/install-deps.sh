#!/usr/bin/env bash
# Installs every Debian package Flowlens needs to build, test and benchmark.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev lld-14
  # libraries
  libpcap-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev libsimdjson-dev
  libsqlite3-dev sqlite3
  libfmt-dev
  libboost-dev prometheus-cpp-dev  # src/server: Boost.Beast + Asio, Prometheus text format
  # peers and tools used by tests and benchmarks
  pmacct nfdump softflowd tshark tcpdump python3
  nfdump-sflow  # sfcapd: the sFlow peer of bench/collect_bench.py
  chromium  # tests/e2e: the dashboard in a real browser (driven by playwright-core)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer for it.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
