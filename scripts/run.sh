#!/usr/bin/env bash
# The main job: installs what is missing, builds the release preset, and runs
# `flowlens run` — the embedded pipeline with its SQLite store. Without arguments it runs
# the demo network (a week of history seeded into an empty store, then live traffic);
# stop it with Ctrl-C and look at the data with `flowlens query` (printed below).
#
#   scripts/run.sh                          demo network
#   scripts/run.sh -r FILE.pcap...          your captures
#   scripts/run.sh --watch DIR              a directory tcpdump writes into
#   scripts/run.sh -i eth0 --local-net 192.168.1.0/24   live capture (root)
# Any `flowlens run` option may be given (see build/release/src/app/flowlens run --help).
# The store lives in $FLOWLENS_DATA_DIR (default build/data here).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
web/build.sh            # the dashboard, embedded into the binary by the build below
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target flowlens
bin=build/release/src/app/flowlens

export FLOWLENS_DATA_DIR="${FLOWLENS_DATA_DIR:-$PWD/build/data}"
echo "flowlens: dashboard on http://127.0.0.1:8080/ (--listen to change); store in $FLOWLENS_DATA_DIR"
echo "flowlens: query it with e.g."
echo "  $bin query summary"
echo "  $bin query timeseries --step 1h"
echo "  $bin query host-daily 10.1.0.10"
exec "$bin" run "$@"
