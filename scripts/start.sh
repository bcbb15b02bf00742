#!/usr/bin/env bash
# npm start [-- berth options]: install dependencies and build when needed, then run berth in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
# The daemon and the dashboard (web/, built into dist/web) are rebuilt when a source is newer than the build.
if [ ! -f dist/main.js ] || [ ! -f dist/web/index.html ] || [ -n "$(find src web -newer dist/main.js \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.html' \) -print -quit)" ]; then
  npm run build --silent >&2
fi
exec node dist/main.js "$@"
