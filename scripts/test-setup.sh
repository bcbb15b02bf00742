#!/usr/bin/env bash
# Everything the tests need on a fresh Debian 12 machine, as root; on a machine that has it, a quick no-op.
#   docker.io + a running dockerd, busybox-static, git, python3-venv, Crossbar.io in a virtualenv, the busybox test base.
set -euo pipefail
cd "$(dirname "$0")/.."

CROSSBAR_VENV="${CROSSBAR_VENV:-/opt/berth-test/crossbar}"
CROSSBAR_VERSION="${CROSSBAR_VERSION:-26.10.1}"
say() { printf '[test-setup] %s\n' "$*"; }

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
# The test base is FROM scratch, so its busybox must be the static build.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need_pkgs+=(busybox-static)
command -v git >/dev/null || need_pkgs+=(git)
# The build tests' exis-python base is made offline from Debian packages (docker/bases/build-offline.sh).
command -v mmdebstrap >/dev/null || need_pkgs+=(mmdebstrap)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_pkgs+=(python3-venv)
# The CLI's terminal tests type into a real terminal (tmux).
command -v tmux >/dev/null || need_pkgs+=(tmux)
# The engine-restart tests make network namespaces and bridges (ip).
command -v ip >/dev/null || need_pkgs+=(iproute2)
# The dashboard's tests drive Debian's chromium with playwright-core (issue 12).
command -v chromium >/dev/null || need_pkgs+=(chromium)
# The swarm tests (issue 13) push builds to Debian's registry, which the swarm's nodes pull from.
command -v docker-registry >/dev/null || need_pkgs+=(docker-registry)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  (nohup dockerd >/var/log/berth-test-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start"; tail -20 /var/log/berth-test-dockerd.log; exit 1; }
fi

if [ ! -x "$CROSSBAR_VENV/bin/crossbar" ]; then
  say "installing Crossbar.io $CROSSBAR_VERSION into $CROSSBAR_VENV (a few minutes)"
  python3 -m venv "$CROSSBAR_VENV"
  "$CROSSBAR_VENV/bin/pip" install -q --disable-pip-version-check "crossbar==$CROSSBAR_VERSION"
fi
"$CROSSBAR_VENV/bin/crossbar" version >/dev/null 2>&1 || { say "Crossbar.io in $CROSSBAR_VENV does not run"; exit 1; }

if ! docker image inspect berth-test/busybox:latest >/dev/null 2>&1; then
  say "building berth-test/busybox (FROM scratch + busybox-static)"
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp /bin/busybox "$ctx/busybox"
  cp test/fixtures/busybox/Dockerfile "$ctx/Dockerfile"
  docker build -q -t berth-test/busybox:latest "$ctx" >/dev/null
fi

if ! docker image inspect berth/exis-python:1 >/dev/null 2>&1; then
  say "building berth/exis-python:1 offline (mmdebstrap + docker import, about a minute)"
  bash docker/bases/build-offline.sh exis-python
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
say "ready"
