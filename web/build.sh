#!/usr/bin/env bash
# Builds the dashboard into web/dist (idempotent). Installs the exact locked
# dependencies with `npm ci` only when node_modules is missing or package-lock.json
# changed since the last install; rebuilds only when a source is newer than dist/.
# Needs Node >= 20.19 and npm (the npm registry is the only network it uses).
# FORCE=1 rebuilds regardless.
set -euo pipefail
cd "$(dirname "$0")"

command -v npm >/dev/null || { echo "web/build.sh: npm not found (need Node >= 20.19)" >&2; exit 1; }

stamp=node_modules/.flowlens-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

if [[ "${FORCE:-0}" != 1 && -f dist/index.html ]] &&
   [[ -z "$(find src index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]]; then
  echo "web/build.sh: dist/ is up to date"
  exit 0
fi
npm run --silent build
