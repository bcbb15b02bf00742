#!/usr/bin/env bash
# npm start [-- berth options]: install dependencies and build when needed, set up this machine's Docker engine and the
# bases when they are missing (scripts/setup-engine.sh: Debian 12, as root), then run berth in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
# The daemon and the dashboard (web/, built into dist/web) are rebuilt when a source is newer than the build.
if [ ! -f dist/main.js ] || [ ! -f dist/web/index.html ] || [ -n "$(find src web -newer dist/main.js \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.html' \) -print -quit)" ]; then
  npm run build --silent >&2
fi
# Which engine berth will use: --docker-host wins over DOCKER_HOST (as berth reads them).
host="${DOCKER_HOST:-}"
prev=""
for arg in "$@"; do
  case "$arg" in --docker-host=*) host="${arg#--docker-host=}" ;; esac
  [ "$prev" = "--docker-host" ] && host="$arg"
  prev="$arg"
done
# Only this machine's default engine is set up; for any other, berth itself says whether it answers (exit 2 if not).
if [ "${1:-}" = "serve" ] && { [ -z "$host" ] || [ "$host" = "unix:///var/run/docker.sock" ]; }; then
  SETUP_SAY="[npm start]" bash scripts/setup-engine.sh exis-python exis-nodejs
fi
exec node dist/main.js "$@"
