#!/usr/bin/env bash
# The test command (npm test): set up what the tests need on a fresh Debian machine, compile once, then run
# unit + conformance + integration suites on Crossbar.io, and the router-sensitive integration suites again on the
# embedded router. Ends with the totals and the slowest files.
#   npm test -- <vitest args>   passes arguments to one run (e.g. a file filter) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-setup.sh
npx tsc -p tsconfig.json
export BERTH_TEST_BUILT=1
if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi
# Files whose outcome depends on which router berth is joined to (its own session, progress, reconnects, containers
# joining the fabric). The others (the sandbox, the build pipeline's hostile cases, recovery, fuzz) exercise the engine
# and the pipeline and run once, on Crossbar.io; standalone.test.ts always runs berth's own embedded router.
ROUTER_SENSITIVE=(
  test/integration/procedures.test.ts
  test/integration/lifecycle.test.ts
  test/integration/session.test.ts
  test/integration/cli.test.ts
  test/integration/python-client.test.ts
  test/integration/build.test.ts
  test/integration/end-to-end.test.ts
)
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
status=0
run() { # run <report name> <vitest args…>: the default reporter on the terminal, a JSON report for the totals
  local name=$1; shift
  npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$name.json" "$@" || status=1
}
run crossbar --project unit --project conformance --project integration
echo "--- router-sensitive integration suites again, on the embedded router (BERTH_TEST_ROUTER=embedded)"
BERTH_TEST_ROUTER=embedded run embedded --project integration "${ROUTER_SENSITIVE[@]}"
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0;
  const files = [];
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    for (const t of r.testResults) files.push([t.endTime - t.startTime, `${path.relative(process.cwd(), t.name)} (${path.basename(f, ".json")})`]);
  }
  console.log("slowest files:");
  for (const [ms, name] of files.sort((a, b) => b[0] - a[0]).slice(0, 10)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
' "$reports" || status=1
exit $status
