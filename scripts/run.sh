#!/usr/bin/env bash
# The main job, for a machine with no capture of its own: installs what is missing,
# builds the release preset, generates synthetic traffic with Flowlens' own generator
# and meters it into flows, printed as a table.
#
#   scripts/run.sh                 demo traffic (IMIX over 2000 flows)
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
  "$bin" generate --profile imix --packets 200000 --flows 2000 --seed 1 -w build/demo/imix.pcap
  files=(build/demo/imix.pcap)
  set -- --local-net 10.0.0.0/8 --aggregate src_host,dst_host,proto,direction "$@"
fi

inputs=()
for f in "${files[@]}"; do inputs+=(-r "$f"); done
exec "$bin" flows "${inputs[@]}" --format table "$@"
