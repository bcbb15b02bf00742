#!/usr/bin/env bash
# What berth needs from this machine, on Debian 12 as root; on a machine that has it, a quick no-op.
#   scripts/setup-engine.sh [base…]     docker.io installed and dockerd started when missing; then each base given
#                                       (exis-python, exis-nodejs) built offline when missing (docker/bases/build-offline.sh)
# Used by npm start (scripts/start.sh, every base) and by the test set-up (scripts/test-setup.sh, exis-python).
# Where it cannot set things up (not root, not Debian) it prints ONE line saying what is missing and how to fix it, and
# exits 2. SETUP_SAY names the lines' prefix (default "[setup]").
set -euo pipefail
cd "$(dirname "$0")/.."
SAY="${SETUP_SAY:-[setup]}"
say() { printf '%s %s\n' "$SAY" "$*" >&2; }
cannot() { printf 'berth: %s\n' "$*" >&2; exit 2; }

engine_up() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }
debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }

missing_bases=()
for base in "$@"; do
  engine_up && docker image inspect "berth/$base:${TAG:-1}" >/dev/null 2>&1 || missing_bases+=("$base")
done
if engine_up && [ ${#missing_bases[@]} -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  if ! engine_up && [ -S /var/run/docker.sock ] && [ ! -w /var/run/docker.sock ]; then
    cannot "the Docker engine's socket /var/run/docker.sock is not open to $(id -un): run npm start as root, or add $(id -un) to the docker group (which is as good as root)"
  fi
  engine_up || cannot "no Docker engine answers on /var/run/docker.sock, and setting one up needs root: run npm start as root (Debian 12 installs docker.io), start dockerd yourself, or give --docker-host"
  cannot "the bases ${missing_bases[*]} are not on the engine, and building them needs root: run as root bash docker/bases/build-offline.sh ${missing_bases[*]}, or map the bases to local images in the config file (bases:)"
fi
debian || { engine_up || cannot "no Docker engine answers on /var/run/docker.sock, and this is not Debian (the set-up installs Debian's docker.io): install Docker Engine and start it, or give --docker-host"; }

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
[ ${#missing_bases[@]} -eq 0 ] || command -v mmdebstrap >/dev/null || need_pkgs+=(mmdebstrap)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  debian || cannot "the set-up needs ${need_pkgs[*]} and this is not Debian: install them, then run again"
  say "installing ${need_pkgs[*]} (apt-get, a minute or two)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || cannot "apt-get update failed, so ${need_pkgs[*]} cannot be installed: check this machine's apt sources and network (apt-get update says why), then run again"
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null 2>&1 || cannot "apt-get install ${need_pkgs[*]} failed (is the apt mirror reachable?): run it yourself to see why, then run again"
fi

if ! engine_up; then
  say "starting dockerd (its log: /var/log/berth-dockerd.log)"
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl start docker >/dev/null 2>&1 || true
  fi
  if ! engine_up; then (nohup dockerd >/var/log/berth-dockerd.log 2>&1 &); fi
  for _ in $(seq 1 60); do engine_up && break; sleep 1; done
  engine_up || { tail -5 /var/log/berth-dockerd.log >&2 2>/dev/null || true; cannot "dockerd did not start within 60 s: see /var/log/berth-dockerd.log"; }
fi

# Building a base: mmdebstrap fetches its Debian packages from this machine's apt sources (about 1 minute for
# exis-python, 1 to 2 for exis-nodejs, more on a slow mirror); the elapsed time is shown while it runs.
for base in "${missing_bases[@]}"; do
  docker image inspect "berth/$base:${TAG:-1}" >/dev/null 2>&1 && continue
  say "building the base berth/$base:${TAG:-1} offline from Debian packages (usually 1-2 minutes)"
  log=$(mktemp)
  bash docker/bases/build-offline.sh "$base" >"$log" 2>&1 &
  pid=$!
  start=$(date +%s)
  if [ -t 2 ]; then
    while kill -0 "$pid" 2>/dev/null; do printf '\r%s   … %3d s' "$SAY" $(( $(date +%s) - start )) >&2; sleep 2; done
    printf '\r' >&2
  fi
  if ! wait "$pid"; then tail -20 "$log" >&2; rm -f "$log"; cannot "building the base $base failed (above): run bash docker/bases/build-offline.sh $base to see why"; fi
  rm -f "$log"
  say "built berth/$base:${TAG:-1} in $(( $(date +%s) - start )) s"
done
