#!/usr/bin/env bash
# `npm run test:unit`: every unit test (*.spec.ts, not the int/e2e/hostile/fault tiers) with no
# server needed. Every server address points at a closed port and a guard (unit-tier-guard.cjs)
# fails any connect to a Postgres, NATS or Redis port, so a unit test that needs one fails loudly.
# Arguments: path filters (`npm run test:unit -- scheduler`) narrow the run; options go to jest.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
# a fresh clone has no node_modules at all (never run npm ci over a tree another install is changing)
[ -d node_modules ] || npm ci --no-audit --no-fund
closed=1
export JUNCTION_UNIT_CLOSED_PORT=$closed
export DATABASE_URL="postgres://postgres@127.0.0.1:$closed/unit_tier_no_database"
export NATS_URL="nats://127.0.0.1:$closed"
export REDIS_URL="redis://127.0.0.1:$closed"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require $PWD/tools/scripts/unit-tier-guard.cjs"
filters=() options=()
for arg in "$@"; do
  if [ ${#options[@]} -eq 0 ] && [[ $arg != -* ]]; then filters+=("$arg"); else options+=("$arg"); fi
done
# `\.spec\.ts$` cannot match `.int-spec.ts` and the other tiers: they end in `-spec.ts`. Jest ORs
# several path patterns, so filters go into the one pattern as a lookahead (any of them, as in jest).
pattern='\.spec\.ts$'
if [ ${#filters[@]} -gt 0 ]; then pattern="^(?=.*(?:$(IFS='|'; echo "${filters[*]}"))).*$pattern"; fi
# jest.unit.config.cjs names only the projects holding a unit spec (the root config crawls all)
exec npx jest -c tools/scripts/jest.unit.config.cjs --ci --maxWorkers=2 --testPathPatterns "$pattern" "${options[@]}"
