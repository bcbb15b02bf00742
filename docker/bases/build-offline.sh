#!/usr/bin/env bash
# Build berth's bases without any image registry, from Debian packages (mmdebstrap + docker import), as root.
#   docker/bases/build-offline.sh [exis-python] [exis-nodejs]     (default: both; a base that exists is kept)
#   FORCE=1 rebuilds; SUITE (default bookworm) and TAG (default 1) pick the Debian release and the image tag.
# mmdebstrap uses this machine's apt sources when given no mirror, so an apt mirror or proxy is all it needs.
#   berth/exis-python:<TAG>  Debian python3 + python3-autobahn (22.7: use ApplicationRunner; autobahn.asyncio.component.run
#                            uses asyncio.coroutine, which Python 3.11 removed)
#   berth/exis-nodejs:<TAG>  Debian nodejs + autobahn-js 22.11 and its dependencies copied from this project's
#                            node_modules (autobahn-js is not packaged by Debian), found through NODE_PATH
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE="${SUITE:-bookworm}"
TAG="${TAG:-1}"
say() { printf '[bases] %s\n' "$*"; }
bases=("$@")
[ ${#bases[@]} -gt 0 ] || bases=(exis-python exis-nodejs)

have() { [ -z "${FORCE:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }

rootfs() { # rootfs <ref> <CMD json> <packages>
  mmdebstrap --quiet --variant=apt --include="$3" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    "$SUITE" - | docker import -c "CMD $2" -c 'WORKDIR /' - "$1" >/dev/null
}

for base in "${bases[@]}"; do
  ref="berth/$base:$TAG"
  if have "$ref"; then say "$ref is there"; continue; fi
  case "$base" in
    exis-python)
      say "building $ref from Debian $SUITE (python3, python3-autobahn)"
      rootfs "$ref" '["python3"]' python3,python3-autobahn,python-is-python3,ca-certificates
      ;;
    exis-nodejs)
      [ -d node_modules/autobahn ] || { say "node_modules/autobahn missing: run npm ci first"; exit 1; }
      say "building $ref from Debian $SUITE (nodejs) + autobahn-js from node_modules"
      rootfs "$ref-root" '["node"]' nodejs,ca-certificates
      ctx=$(mktemp -d)
      trap 'rm -rf "$ctx"' EXIT
      mkdir -p "$ctx/node_modules"
      # autobahn and everything it requires at run time (its production dependency closure).
      node -e '
        const fs = require("fs"), path = require("path");
        const seen = new Set(), todo = ["autobahn"];
        while (todo.length) {
          const n = todo.pop();
          if (seen.has(n)) continue;
          seen.add(n);
          const pkg = JSON.parse(fs.readFileSync(path.join("node_modules", n, "package.json"), "utf8"));
          todo.push(...Object.keys(pkg.dependencies || {}));
        }
        console.log([...seen].join("\n"));
      ' | while read -r m; do mkdir -p "$ctx/node_modules/$(dirname "$m")"; cp -a "node_modules/$m" "$ctx/node_modules/$m"; done
      printf 'FROM %s\nCOPY node_modules /usr/local/lib/node_modules\nENV NODE_PATH=/usr/local/lib/node_modules\nCMD ["node"]\n' "$ref-root" >"$ctx/Dockerfile"
      docker build -q -t "$ref" "$ctx" >/dev/null
      docker rmi "$ref-root" >/dev/null
      rm -rf "$ctx"
      trap - EXIT
      ;;
    *) say "unknown base $base (exis-python, exis-nodejs)"; exit 2 ;;
  esac
  say "built $ref"
done
