#!/usr/bin/env bash
# A Crossbar.io image for the compose test, made offline: a Debian root (mmdebstrap: python3, the same 3.11 as the test
# venv's) plus the site-packages of the Crossbar.io that scripts/test-setup.sh installed, then docker import. It behaves
# like crossbario/crossbar where deploy/compose.yaml relies on it: `crossbar` on PATH, run as a non-root user.
#   test/helpers/crossbar-image.sh IMAGE     (kept when it exists; FORCE=1 rebuilds)
set -euo pipefail
ref="$1"
venv="${CROSSBAR_VENV:-/opt/berth-test/crossbar}"
site="$(echo "$venv"/lib/python3.*/site-packages)"
[ -d "$site/crossbar" ] || { echo "no Crossbar.io in $venv: run scripts/test-setup.sh" >&2; exit 1; }
if [ -z "${FORCE:-}" ] && docker image inspect "$ref" >/dev/null 2>&1; then echo "$ref is there"; exit 0; fi
mmdebstrap --quiet --variant=apt --include=python3,ca-certificates \
  --customize-hook="mkdir -p \"\$1/opt/crossbar\" && cp -a '$site' \"\$1/opt/crossbar/site-packages\"" \
  --customize-hook='printf "#!/usr/bin/python3\nimport sys\nfrom crossbar import run\nsys.exit(run())\n" >"$1/usr/local/bin/crossbar" && chmod 0755 "$1/usr/local/bin/crossbar"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
  bookworm - |
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV PYTHONPATH=/opt/crossbar/site-packages' \
    -c 'ENV HOME=/tmp' \
    -c 'USER 65534' \
    -c 'WORKDIR /node' \
    -c 'ENTRYPOINT ["crossbar"]' \
    -c 'CMD ["version"]' \
    - "$ref" >/dev/null
echo "built $ref"
