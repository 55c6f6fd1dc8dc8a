#!/usr/bin/env bash
# `npm start`: all of Junction in one process (standalone mode) with an embedded Postgres in
# .junction/ (JUNCTION_DATA_DIR moves it): no servers to install, no root. The API listens on
# http://127.0.0.1:3000 (PORT moves it). `npm run start:cluster` runs the six services against
# Postgres, NATS and Redis instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
# a fresh clone: install first
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
# cached after the first build: a start with nothing changed rebuilds nothing. Without the Nx
# daemon a cache hit still replaces dist/apps/standalone (deleted, then copied back), so
# JUNCTION_START_NO_BUILD=1 runs the current build as it is: the test suite sets it, where other
# specs start dist/apps/standalone at the same moment
if [ "${JUNCTION_START_NO_BUILD:-}" != 1 ] || [ ! -f dist/apps/standalone/main.js ]; then
  build_log=$(mktemp)
  npx nx run-many -t build -p standalone console --output-style=static > "$build_log" 2>&1 || { cat "$build_log"; rm -f "$build_log"; exit 1; }
  rm -f "$build_log"
fi
if [ -t 1 ] && [ -x node_modules/.bin/pino-pretty ]; then
  # readable logs on a terminal; the banner (plain text) passes through as is
  node dist/apps/standalone/main.js | node_modules/.bin/pino-pretty --singleLine --colorize --ignore pid,hostname
else
  exec node dist/apps/standalone/main.js
fi
