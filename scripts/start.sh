#!/usr/bin/env bash
# npm start [-- berth options]: install dependencies and build when needed, then run berth in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
if [ ! -f dist/main.js ] || [ -n "$(find src -newer dist/main.js -name '*.ts' -print -quit)" ]; then
  npx tsc -p tsconfig.json >&2
fi
exec node dist/main.js "$@"
