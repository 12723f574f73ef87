#!/usr/bin/env bash
# The main job, for a machine with no capture of its own: installs what is missing,
# builds the release preset, generates synthetic traffic with Flowlens' own generator
# and meters it into flows, printed as a table.
#
#   scripts/run.sh                 demo traffic (a small office network, 200k packets)
#   scripts/run.sh FILE.pcap...    meter your own captures instead
# Extra `flowlens flows` options can follow `--`, e.g. scripts/run.sh -- --format jsonl
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target flowlens
bin=build/release/src/app/flowlens

files=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do files+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift

if [ "${#files[@]}" -eq 0 ]; then
  mkdir -p build/demo
  "$bin" generate --profile demo --packets 200000 --flows 2000 --rate 20 --seed 1 -q -w build/demo/office.pcap
  files=(build/demo/office.pcap)
  set -- --local-net 10.1.0.0/24 --aggregate proto,direction --inactive-timeout 0 --active-timeout 0 "$@"
fi

inputs=()
for f in "${files[@]}"; do inputs+=(-r "$f"); done
exec "$bin" flows "${inputs[@]}" --format table "$@"
