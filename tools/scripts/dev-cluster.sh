#!/usr/bin/env bash
# Every service as its own process against the local Postgres, Redis and NATS, logs prefixed by
# service. Ports: gateway 3000, auth 3001, connectors 3002, scheduler 3003, executor 3004, audit 3005.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
# a fresh clone: install first (CI runs npm ci itself before this)
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
bash tools/scripts/services.sh
# Local secrets, made once per checkout and kept out of git: the operator's root token and the vault's master key.
mkdir -p .junction
if [ ! -f .junction/dev.env ]; then
  node -e 'const c=require("crypto");console.log("JUNCTION_ROOT_TOKEN="+c.randomBytes(32).toString("hex"));console.log("JUNCTION_MASTER_KEYS=dev1:"+c.randomBytes(32).toString("base64"))' > .junction/dev.env
  chmod 600 .junction/dev.env
fi
# a value the user exported wins over the generated file
while IFS='=' read -r name value; do
  [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=$value"
done < .junction/dev.env
echo "root token for POST /v1/workspaces: \$JUNCTION_ROOT_TOKEN if you exported it, else .junction/dev.env"
npx nx run-many -t build --output-style=static
services=(gateway auth connectors scheduler executor audit)
commands=()
# the images' young-generation size (docker/Dockerfile, docs/decisions.md #19)
for s in "${services[@]}"; do
  commands+=("node --max-semi-space-size=32 dist/apps/$s/main.js | npx pino-pretty --singleLine --colorize --ignore pid,hostname,service")
done
exec npx concurrently --kill-others-on-fail --names "$(IFS=,; echo "${services[*]}")" --prefix-colors auto "${commands[@]}"
