#!/usr/bin/env bash
# The test command (npm test): set up what the tests need, then unit, integration and conformance suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-setup.sh
npx tsc -p tsconfig.json --noEmit
npx vitest run --project unit --project integration "$@"
