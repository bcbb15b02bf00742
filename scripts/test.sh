#!/usr/bin/env bash
# The test command (npm test): set up what the tests need on a fresh Debian machine, then run
# unit + conformance + integration suites on Crossbar.io, and the integration suites again on the embedded router.
#   npm test -- <vitest args>   passes arguments to the first run (e.g. a file filter) and skips the second.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-setup.sh
npx tsc -p tsconfig.json --noEmit
if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi
npx vitest run --project unit --project conformance --project integration
echo "--- integration suites again, on the embedded router (BERTH_TEST_ROUTER=embedded)"
BERTH_TEST_ROUTER=embedded npx vitest run --project integration
