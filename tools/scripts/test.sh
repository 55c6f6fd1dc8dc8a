#!/usr/bin/env bash
# The whole test suite: unit (*.spec.ts), integration against the local Postgres, Redis and NATS
# (*.int-spec.ts) and end-to-end over the built services (*.e2e-spec.ts). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
# a fresh clone: install first (CI runs npm ci itself before this)
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
bash tools/scripts/services.sh
# the e2e suites start the built services as processes
npx nx run-many -t build --output-style=static
npx jest --ci --maxWorkers=2 "$@"
