#!/usr/bin/env bash
# Runs every Flowlens test: installs what is missing, builds the dashboard and the `dev`
# preset (ASan + UBSan) and runs the unit, golden and integration tests (among them the
# browser test, tests/e2e), then the dashboard's
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

# The dashboard first: the server embeds web/dist when it is built (else a placeholder),
# and the browser test (tests/e2e) needs the real one; its driver comes from npm.
web/build.sh
e2e_lock=$(sha256sum tests/e2e/package-lock.json | cut -d' ' -f1)
if [ "$(cat tests/e2e/node_modules/.flowlens-lock.sha256 2>/dev/null)" != "$e2e_lock" ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && echo "$e2e_lock" >node_modules/.flowlens-lock.sha256)
fi
export FLOWLENS_E2E_REQUIRE=1  # everything it needs is installed above: a skip is a failure

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
