#!/usr/bin/env bash
# Everything the tests need on a fresh Debian 12 machine, as root; on a machine that has it, a quick no-op.
#   docker.io + a running dockerd and the exis-python base (scripts/setup-engine.sh), busybox-static, git, python3-venv,
#   Crossbar.io in a virtualenv (scripts/setup-crossbar.sh), nexus (../shared/tools/nexusd.sh build), the busybox test
#   base, node_modules.
# The slow steps are mostly download and run side by side: npm ci, nexus's Go build and Crossbar.io's pip install in the background, the
# engine and its base while apt installs the rest. SETUP_CROSSBAR=0 leaves Crossbar.io out (npm test installs it beside
# the suites that do not need it).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[test-setup] %s\n' "$*"; }
ctx=""
trap 'rm -rf ${ctx:+"$ctx"}' EXIT
declare -A job_pid
start_job() { # start_job <name> <command…>: in the background; what it says shows as it says it
  local name=$1; shift
  "$@" &
  job_pid[$name]=$!
}
finish_job() { # finish_job <name>: wait for it; a failure ends the set-up
  local name=$1 status=0
  wait "${job_pid[$name]}" || status=$?
  [ "$status" -eq 0 ] || { say "$name failed (exit $status, above)"; exit "$status"; }
}
export DEBIAN_FRONTEND=noninteractive
npm_ci() { npm ci --no-audit --no-fund >/dev/null; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (in the background)"
  start_job npm npm_ci
fi
# nexus, the third router the router-sensitive suites run on (docs/nexus.md): built once from the shared vendored
# source beside the repository; the binary is cached, so on a machine that has it this is a quick check.
NEXUSD_SH="${NEXUSD_SH:-$PWD/../shared/tools/nexusd.sh}"
if [ ! -x "${NEXUSD_CACHE:-/tmp/nexusd-cache}/nexusd" ]; then say "building nexus (Go, once; in the background)"; fi
start_job nexus bash "$NEXUSD_SH" build
venv_ok() { python3 -c 'import venv, ensurepip' 2>/dev/null; }
crossbar=${SETUP_CROSSBAR:-1}
if [ "$crossbar" = 1 ] && venv_ok; then start_job crossbar bash scripts/setup-crossbar.sh; crossbar=started; fi

engine_pkgs=()
command -v dockerd >/dev/null || engine_pkgs+=(docker.io)
command -v mmdebstrap >/dev/null || engine_pkgs+=(mmdebstrap) # the bases and berth's own image are Debian roots made offline
need_pkgs=()
# The test base is FROM scratch, so its busybox must be the static build.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need_pkgs+=(busybox-static)
command -v git >/dev/null || need_pkgs+=(git)
venv_ok || need_pkgs+=(python3-venv)
# The CLI's terminal tests type into a real terminal (tmux).
command -v tmux >/dev/null || need_pkgs+=(tmux)
# The engine-restart tests make network namespaces and bridges (ip).
command -v ip >/dev/null || need_pkgs+=(iproute2)
# The dashboard's tests drive Debian's chromium with playwright-core.
command -v chromium >/dev/null || need_pkgs+=(chromium)
# The swarm tests push builds to Debian's registry, which the swarm's nodes pull from.
command -v docker-registry >/dev/null || need_pkgs+=(docker-registry)
# The install tests check the shipped systemd unit and compose file with the real tools.
command -v systemd-analyze >/dev/null || need_pkgs+=(systemd)
command -v docker-compose >/dev/null || need_pkgs+=(docker-compose)
# The metrics test parses GET /metrics with an independent parser (Prometheus's own Python client, Debian's).
dpkg-query -W -f='${Status}' python3-prometheus-client 2>/dev/null | grep -q 'ok installed' || need_pkgs+=(python3-prometheus-client)

if [ $(( ${#engine_pkgs[@]} + ${#need_pkgs[@]} )) -gt 0 ]; then apt-get update -q >/dev/null; fi
if [ ${#engine_pkgs[@]} -gt 0 ]; then
  say "installing ${engine_pkgs[*]}"
  apt-get install -y -q "${engine_pkgs[@]}" >/dev/null
fi
# dockerd and the exis-python base (mmdebstrap, its own apt in its own root) come up while apt installs the rest.
start_job engine env SETUP_SAY="[test-setup]" bash scripts/setup-engine.sh exis-python
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]}"
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null
fi
if [ "$crossbar" = 1 ]; then start_job crossbar bash scripts/setup-crossbar.sh; crossbar=started; fi
finish_job engine

if ! docker image inspect berth-test/busybox:latest >/dev/null 2>&1; then
  say "building berth-test/busybox (FROM scratch + busybox-static)"
  ctx=$(mktemp -d)
  cp /bin/busybox "$ctx/busybox"
  cp test/fixtures/busybox/Dockerfile "$ctx/Dockerfile"
  docker build -q -t berth-test/busybox:latest "$ctx" >/dev/null
fi

finish_job nexus
[ -z "${job_pid[npm]:-}" ] || finish_job npm
[ "$crossbar" != started ] || finish_job crossbar
say "ready"
