#!/usr/bin/env bash
# The test command (npm test): set up what the tests need on a fresh Debian machine (Crossbar.io's install beside the
# rest), compile once, then run unit + conformance + integration suites on Crossbar.io, and the router-sensitive
# integration suites again on the embedded router and on nexus. Ends with the totals and the slowest files.
#   npm test -- <vitest args>   passes arguments to one run (e.g. a file filter) instead.
#   BERTH_TEST_REPORTS=DIR npm test   keeps each lane's log and JSON report in DIR.
#   BERTH_TEST_FILE_WORKERS=2 npm test   runs each lane's integration files two at a time (vitest.config.ts; default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  bash scripts/test-setup.sh
  npm run build --silent
  BERTH_TEST_BUILT=1 exec npx vitest run "$@"
fi
reports=$(mktemp -d)
# BERTH_TEST_REPORTS=DIR keeps the lanes' logs and JSON reports there (for timing work); they are removed otherwise.
trap '[ -z "${BERTH_TEST_REPORTS:-}" ] || { mkdir -p "$BERTH_TEST_REPORTS" && cp -r "$reports"/. "$BERTH_TEST_REPORTS"/; }; rm -rf "$reports"' EXIT
# Crossbar.io's pip install (about 3 minutes on a fresh machine, all download) runs beside the rest of the set-up and
# the suites that do not need it; the Crossbar.io lane and the conformance suite wait for it (crossbar_ready).
crossbar_job() { ( status=0; bash scripts/setup-crossbar.sh || status=$?; echo $status >"$reports/crossbar-setup.status" ) & }
crossbar_started=0
if python3 -c 'import venv, ensurepip' 2>/dev/null; then crossbar_job; crossbar_started=1; fi
SETUP_CROSSBAR=0 bash scripts/test-setup.sh
[ $crossbar_started = 1 ] || crossbar_job # python3-venv came with the set-up
crossbar_ready() { # waits (bounded) for Crossbar.io's set-up; fails as it failed
  local waited=0
  until [ -f "$reports/crossbar-setup.status" ]; do
    sleep 1; waited=$((waited + 1))
    [ $waited -lt 1200 ] || { echo "[test-setup] Crossbar.io's set-up did not end within 20 minutes"; return 1; }
  done
  [ "$(cat "$reports/crossbar-setup.status")" = 0 ]
}
npm run build --silent
export BERTH_TEST_BUILT=1
# Each lane runs its integration files two at a time: most of a file's time is waiting on the engine, not the CPU.
export BERTH_TEST_FILE_WORKERS=${BERTH_TEST_FILE_WORKERS:-2}
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
  test/integration/container-confinement.test.ts
  test/integration/ownership.test.ts
  test/integration/events-topic.test.ts
  test/integration/logs-topic.test.ts
  test/integration/releases.test.ts
  test/integration/volumes.test.ts
  test/integration/health.test.ts
  test/integration/exec.test.ts
  test/integration/dashboard-tenancy.test.ts
  test/integration/replicas.test.ts
)
# Files that test the engine and the pipeline (not which router berth is on) and take long: they run once, in the
# second lane, which has room while the first one runs the rest of the integration suites on Crossbar.io.
ENGINE_HEAVY=(
  test/integration/build-limits.test.ts
  test/integration/sandbox.test.ts
  test/integration/swarm-cluster.test.ts
  test/integration/swarm-refusals.test.ts
  test/integration/cli-client.test.ts
  test/integration/dashboard.test.ts
)
# The files that bring their own berth and router (install, berth's image, compose, first run, doctor, the origin
# check, hostile connections): they need neither Crossbar.io nor the run's router, and run in the third lane, the
# shortest, after the unit suite.
SELF_CONTAINED=(
  test/integration/install.test.ts
  test/integration/berth-image.test.ts
  test/integration/compose.test.ts
  test/integration/first-run.test.ts
  test/integration/doctor.test.ts
  test/integration/origin.test.ts
  test/integration/hostile-connections.test.ts
  test/integration/metrics.test.ts
)
exclude=()
for f in "${ENGINE_HEAVY[@]}" "${SELF_CONTAINED[@]}"; do exclude+=(--exclude "$f"); done
run() { # run <report name> <vitest args…>: the default reporter, and a JSON report for the totals
  local name=$1; shift
  npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$name.json" "$@"
}
# Three lanes side by side (different routers, random test domains; most of the time goes to waiting on the engine and
# on timeouts, not to the CPU): the integration suites on Crossbar.io in front; the router-sensitive integration suites
# on the embedded router, the engine-heavy ones and conformance behind; the nexus pass and the unit suite behind, shown
# after.
echo "--- the router-sensitive suites on the embedded router, the engine-heavy ones and conformance; nexus, unit and the self-contained files: alongside"
# The conformance suite compares the embedded router with Crossbar.io (and nexus), so it runs last in its lane.
( status=0
  BERTH_TEST_ROUTER=embedded run embedded --project integration "${ROUTER_SENSITIVE[@]}" "${ENGINE_HEAVY[@]}" || status=1
  if crossbar_ready; then run conformance --project conformance || status=1; else status=1; fi
  exit $status ) >"$reports/lane2.log" 2>&1 &
lane2=$!
# A third lane: the router-sensitive files once more on nexus (docs/nexus.md), with berth's start-up enforcement check;
# what nexus cannot do (tickets, confinement, progressive results to berth) is skipped by name. Not build and health:
# what they ask of the router is exactly that (progress lines; a backend joining with its ticket), the rest is the
# engine's and runs in the other lanes. Its files run two at a time beside the other lanes.
NEXUS=()
for f in "${ROUTER_SENSITIVE[@]}"; do
  case "$f" in */build.test.ts|*/health.test.ts) ;; *) NEXUS+=("$f") ;; esac
done
# The unit suite and the self-contained files run behind it: the shortest lane, and by then the start-up rush of the
# other two is over.
( status=0
  BERTH_TEST_ROUTER=nexus run nexus --project integration "${NEXUS[@]}" test/integration/router-enforcement.test.ts || status=1
  run unit --project unit || status=1
  # compose runs Crossbar.io's image, made from its install.
  if crossbar_ready; then BERTH_TEST_ROUTER=embedded run self-contained --project integration "${SELF_CONTAINED[@]}" || status=1; else status=1; fi
  exit $status ) >"$reports/nexus.log" 2>&1 &
lane3=$!
status=0
# The Crossbar.io lane holds the most files: three at a time.
if crossbar_ready; then
  BERTH_TEST_FILE_WORKERS=$(( BERTH_TEST_FILE_WORKERS + 1 )) run crossbar --project integration "${exclude[@]}" || status=1
else
  status=1
fi
wait "$lane2" || status=1
wait "$lane3" || status=1
echo "--- the embedded-router pass, the engine-heavy suites (BERTH_TEST_ROUTER=embedded) and conformance:"
cat "$reports/lane2.log"
echo "--- the router-sensitive suites on nexus (BERTH_TEST_ROUTER=nexus), then unit, then the self-contained files:"
cat "$reports/nexus.log"
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0;
  const files = [];
  for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    for (const t of r.testResults) files.push([t.endTime - t.startTime, `${path.relative(process.cwd(), t.name)} (${path.basename(f, ".json")})`]);
  }
  console.log("slowest files:");
  for (const [ms, name] of files.sort((a, b) => b[0] - a[0]).slice(0, 10)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`);
  // The failures last, each with the first lines of its error: the end of the output is what a CI log keeps.
  for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    for (const t of r.testResults) {
      const where = `${path.relative(process.cwd(), t.name)} (${path.basename(f, ".json")})`;
      const failedTests = t.assertionResults.filter((a) => a.status === "failed");
      if (t.status === "failed" && failedTests.length === 0) console.log(`FAILED ${where}: ${String(t.message).split("\n").slice(0, 6).join("\n    ")}`);
      for (const a of failedTests) {
        console.log(`FAILED ${where} > ${a.fullName}`);
        for (const m of a.failureMessages ?? []) console.log(`    ${String(m ?? "").split("\n").slice(0, 6).join("\n    ")}`);
      }
    }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
' "$reports" || status=1
exit $status
