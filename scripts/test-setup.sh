#!/usr/bin/env bash
# Everything the tests need on a fresh Debian 12 machine, as root; on a machine that has it, a quick no-op.
#   docker.io + a running dockerd and the exis-python base (scripts/setup-engine.sh), busybox-static, git, python3-venv, Crossbar.io in a virtualenv, nexus (../shared/tools/nexusd.sh build), the busybox test base.
set -euo pipefail
cd "$(dirname "$0")/.."

CROSSBAR_VENV="${CROSSBAR_VENV:-/opt/berth-test/crossbar}"
CROSSBAR_VERSION="${CROSSBAR_VERSION:-26.10.1}"
say() { printf '[test-setup] %s\n' "$*"; }

# The engine and the exis-python base: the same steps as npm start (scripts/setup-engine.sh).
SETUP_SAY="[test-setup]" bash scripts/setup-engine.sh exis-python

need_pkgs=()
# The test base is FROM scratch, so its busybox must be the static build.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need_pkgs+=(busybox-static)
command -v git >/dev/null || need_pkgs+=(git)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_pkgs+=(python3-venv)
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
# berth's own image is a Debian root made offline (docker/berth/build.sh), as the bases are.
command -v mmdebstrap >/dev/null || need_pkgs+=(mmdebstrap)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null
fi

if [ ! -x "$CROSSBAR_VENV/bin/crossbar" ]; then
  say "installing Crossbar.io $CROSSBAR_VERSION into $CROSSBAR_VENV (a few minutes)"
  python3 -m venv "$CROSSBAR_VENV"
  "$CROSSBAR_VENV/bin/pip" install -q --disable-pip-version-check "crossbar==$CROSSBAR_VERSION"
fi
"$CROSSBAR_VENV/bin/crossbar" version >/dev/null 2>&1 || { say "Crossbar.io in $CROSSBAR_VENV does not run"; exit 1; }

# nexus, the third router the router-sensitive suites run on (docs/nexus.md): built once from the shared vendored
# source beside the repository; the binary is cached, so on a machine that has it this is a quick check.
NEXUSD_SH="${NEXUSD_SH:-$PWD/../shared/tools/nexusd.sh}"
if [ ! -x "${NEXUSD_CACHE:-/tmp/nexusd-cache}/nexusd" ]; then say "building nexus (Go, once)"; fi
bash "$NEXUSD_SH" build

if ! docker image inspect berth-test/busybox:latest >/dev/null 2>&1; then
  say "building berth-test/busybox (FROM scratch + busybox-static)"
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp /bin/busybox "$ctx/busybox"
  cp test/fixtures/busybox/Dockerfile "$ctx/Dockerfile"
  docker build -q -t berth-test/busybox:latest "$ctx" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
say "ready"
