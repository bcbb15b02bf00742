#!/usr/bin/env bash
# The test command (npm test): set up what the tests need on a fresh Debian machine, then run
# unit + conformance + integration suites on Crossbar.io, and the integration suites again on the embedded router.
#   npm test -- <vitest args>   passes arguments to one run (e.g. a file filter) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-setup.sh
npx tsc -p tsconfig.json --noEmit
if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
run() { # run <report name> <vitest args…>: the default reporter on the terminal, a JSON report for the totals
  local name=$1; shift
  npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$name.json" "$@"
}
run crossbar --project unit --project conformance --project integration
echo "--- integration suites again, on the embedded router (BERTH_TEST_ROUTER=embedded)"
BERTH_TEST_ROUTER=embedded run embedded --project integration
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
' "$reports"
