#!/usr/bin/env bash
# npm run bench [-- list restart]: set up like the tests, build, then measure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-setup.sh
npx tsc -p tsconfig.json
npx tsx bench/run.ts "$@"
