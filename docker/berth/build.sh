#!/usr/bin/env bash
# berth's own image, built without any image registry, as root: a Debian root made by mmdebstrap with git and
# ca-certificates, this machine's Node binary (20 or later: Debian bookworm's nodejs is 18, too old), and the packed berth
# package installed with its production dependencies only; then `docker import`.
#   docker/berth/build.sh [berth-X.Y.Z.tgz]   (default: `npm pack` of this checkout, which must be built: npm run build)
#   IMAGE (default berth/berth) and TAG (default the package's version) name the image; NODE (default `command -v node`)
#   is the Node binary copied in; SUITE (default bookworm) the Debian release.
# The image carries the label berth.package-sha256 (the tarball's hash): an image of that name made from the same tarball
# is kept (FORCE=1 rebuilds). mmdebstrap uses this machine's apt sources, so an apt mirror or proxy is all it needs.
# Run it with the engine socket mounted and the host's network (see docs/install.md for why, and what the socket means):
#   docker run -d --name berth --network host -v /var/run/docker.sock:/var/run/docker.sock \
#     --group-add "$(stat -c %g /var/run/docker.sock)" --read-only --tmpfs /tmp --cap-drop ALL \
#     --security-opt no-new-privileges berth/berth:<version> serve
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
SUITE="${SUITE:-bookworm}"
IMAGE="${IMAGE:-berth/berth}"
NODE="$(readlink -f "${NODE:-$(command -v node)}")"
say() { printf '[berth-image] %s\n' "$*"; }
fail() { say "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (mmdebstrap makes the Debian root as root)"
command -v mmdebstrap >/dev/null || fail "mmdebstrap is missing: apt-get install -y mmdebstrap"
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  fail "$NODE is Node $("$NODE" --version): berth needs 20 or later (NODE=/path/to/node)"

work="$(mktemp -d /tmp/berth-image-XXXXXX)"
trap 'rm -rf "$work"' EXIT

tgz="${1:-}"
if [ -z "$tgz" ]; then
  [ -f "$root/dist/main.js" ] && [ -f "$root/dist/web/index.html" ] || fail "no build in $root/dist: run npm run build first"
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
  tgz="$(ls "$work"/berth-*.tgz)"
fi
[ -f "$tgz" ] || fail "no package at $tgz"
tgz="$(readlink -f "$tgz")"
sha="$(sha256sum "$tgz" | cut -d' ' -f1)"
version="$(tar -xzOf "$tgz" package/package.json | "$NODE" -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).version')"
TAG="${TAG:-$version}"
ref="$IMAGE:$TAG"

old="$(docker image inspect -f '{{.Id}} {{index .Config.Labels "berth.package-sha256"}}' "$ref" 2>/dev/null || true)"
if [ -z "${FORCE:-}" ] && [ "${old#* }" = "$sha" ]; then
  say "$ref is there (package ${sha:0:12})"
  exit 0
fi

started=$SECONDS
# Two layers: the Debian root with Node (slow to make: kept while Node and the suite stay the same), then the package.
node_version="$("$NODE" --version)"
root_ref="$IMAGE-root:$SUITE-node${node_version#v}"
if [ -n "${FORCE:-}" ] || ! docker image inspect "$root_ref" >/dev/null 2>&1; then
  say "making $root_ref: Debian $SUITE (git, ca-certificates) with Node $node_version"
  mmdebstrap --quiet --variant=apt --include=git,ca-certificates \
    --customize-hook="install -m 0755 '$NODE' \"\$1/usr/local/bin/node\"" \
    --customize-hook='mkdir -p "$1/usr/local/lib/node_modules" && ln -s ../lib/node_modules/berth/dist/main.js "$1/usr/local/bin/berth"' \
    --customize-hook='chroot "$1" useradd --uid 10001 --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin berth' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    "$SUITE" - |
    docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$root_ref" >/dev/null
else
  say "$root_ref is there"
fi

say "installing $(basename "$tgz") (production dependencies only)"
# The host's npm installs; only the Node binary is in the image. Install scripts of optional native add-ons are not run
# (npm's default for a global install): dockerode's ssh2 then uses its JavaScript crypto, which berth never needs.
npm install --global --prefix "$work/stage" --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error "$tgz" >/dev/null
[ -f "$work/stage/lib/node_modules/berth/dist/main.js" ] || fail "the package did not install into $work/stage"
mkdir "$work/context"
mv "$work/stage/lib/node_modules/berth" "$work/context/berth"
printf '%s\n' \
  "FROM $root_ref" \
  'COPY berth /usr/local/lib/node_modules/berth' \
  'ENV HOME=/tmp NODE_ENV=production' \
  'USER berth' \
  'WORKDIR /tmp' \
  "LABEL berth.package-sha256=$sha org.opencontainers.image.title=berth org.opencontainers.image.version=$version" \
  'ENTRYPOINT ["berth"]' \
  'CMD ["serve"]' >"$work/context/Dockerfile"
# The legacy builder needs no registry and no BuildKit; its deprecation notice goes to stderr.
DOCKER_BUILDKIT=0 docker build -q -t "$ref" "$work/context" >/dev/null 2>"$work/build.err" || { cat "$work/build.err" >&2; fail "docker build failed"; }

# The image this one replaces under the same name, unless something still uses it.
old_id="${old%% *}"
new_id="$(docker image inspect -f '{{.Id}}' "$ref")"
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then docker rmi "$old_id" >/dev/null 2>&1 || true; fi
say "built $ref in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$ref" | numfmt --to=iec))"
