#!/usr/bin/env bash
# Type-checks the dashboard and runs its unit tests (Vitest). Installs dependencies
# the same way as build.sh when needed.
set -euo pipefail
cd "$(dirname "$0")"

stamp=node_modules/.flowlens-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
npm run --silent typecheck
npm run --silent test
