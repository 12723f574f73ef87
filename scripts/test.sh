#!/usr/bin/env bash
# Runs every Flowlens test: installs what is missing, builds the `dev` preset
# (ASan + UBSan) and runs the unit, golden and integration tests, then the dashboard's
# type check and unit tests (web/, Vitest), then builds the `fuzz` preset and runs each
# libFuzzer target briefly (fuzz-smoke).
#
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         only one CTest label (unit|golden|integration)
#   FLOWLENS_SKIP_FUZZ=1 scripts/test.sh   skip the fuzz-smoke stage
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc)
if [ ! -d ../shared/testdata ]; then
  echo "NOTE: ../shared/testdata is absent: golden tests will be skipped (they say so)." >&2
fi

cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --test-dir build/dev --output-on-failure -j "$jobs" "$@"

if [ "$#" -eq 0 ]; then
  web/test.sh
fi

if [ "$#" -eq 0 ] && [ "${FLOWLENS_SKIP_FUZZ:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  ctest --test-dir build/fuzz --output-on-failure -L fuzz-smoke
fi
