#!/usr/bin/env bash
# Crossbar.io for the tests, in a virtualenv (CROSSBAR_VENV, default /opt/berth-test/crossbar); a quick no-op when it
# runs already. Its pip install is the slowest step of a fresh machine's set-up (about 3 minutes, all download), so the
# test set-up runs this beside the apt, engine and npm steps. It needs python3's venv module (Debian: python3-venv).
# A failed install removes the half-made virtualenv, so the next run starts clean.
set -euo pipefail
CROSSBAR_VENV="${CROSSBAR_VENV:-/opt/berth-test/crossbar}"
CROSSBAR_VERSION="${CROSSBAR_VERSION:-26.10.1}"
say() { printf '[test-setup] %s\n' "$*"; }

if [ ! -x "$CROSSBAR_VENV/bin/crossbar" ]; then
  say "installing Crossbar.io $CROSSBAR_VERSION into $CROSSBAR_VENV (about 3 minutes, beside the other steps)"
  rm -rf "$CROSSBAR_VENV"
  if ! { python3 -m venv "$CROSSBAR_VENV" &&
         "$CROSSBAR_VENV/bin/pip" install -q --disable-pip-version-check "crossbar==$CROSSBAR_VERSION"; }; then
    rm -rf "$CROSSBAR_VENV"
    say "installing Crossbar.io failed (above)"
    exit 1
  fi
fi
"$CROSSBAR_VENV/bin/crossbar" version >/dev/null 2>&1 || { say "Crossbar.io in $CROSSBAR_VENV does not run: remove it and run again"; exit 1; }
