#!/usr/bin/env bash
# Checks the monitoring files offline with promtool (Debian's `prometheus` package):
#   docker/prometheus/prometheus.yml  `promtool check config` (it loads alerts.yml too)
#   docker/prometheus/alerts.yml      `promtool check rules`
#   docker/prometheus/alerts.test.yml `promtool test rules`: each alert fires on the series it is for
#   docker/grafana/**/*.json          parses as JSON
# Whether every metric they use is exported is proved against a running cluster by
# e2e/cluster/src/metrics.e2e-spec.ts. A missing promtool is a failure, never a skip.
# Usage: tools/scripts/check-observability.sh [repo-root]   (default: this script's repo)
set -euo pipefail

ROOT="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
PROM="$ROOT/docker/prometheus"

if ! command -v promtool >/dev/null 2>&1; then
  echo "FAIL promtool not found: install Debian's package (apt-get install prometheus)"
  exit 1
fi

status=0
run() {
  local label="$1"
  shift
  if out="$("$@" 2>&1)"; then
    echo "ok   $label"
  else
    echo "FAIL $label"
    sed 's/^/  /' <<<"$out"
    status=1
  fi
}

# from the directory, as Prometheus resolves rule_files relative to the config file
cd "$PROM"
run "docker/prometheus/prometheus.yml (promtool check config)" promtool check config prometheus.yml
run "docker/prometheus/alerts.yml (promtool check rules)" promtool check rules alerts.yml
run "docker/prometheus/alerts.test.yml (promtool test rules)" promtool test rules alerts.test.yml

# every alert names its runbook, and the runbook exists in docs/operations.md
for runbook in $(grep -o 'runbook: docs/operations.md#[a-z0-9-]*' alerts.yml | sed 's/.*#//'); do
  if ! grep -qi "^### *${runbook}\$" "$ROOT/docs/operations.md" 2>/dev/null; then
    echo "FAIL alerts.yml: runbook #$runbook has no '### $runbook' heading in docs/operations.md"
    status=1
  fi
done
alerts=$(grep -c '^ *- alert:' alerts.yml)
runbooks=$(grep -c 'runbook: docs/operations.md#' alerts.yml)
if [[ "$alerts" != "$runbooks" ]]; then
  echo "FAIL alerts.yml: $alerts alerts, $runbooks runbook links"
  status=1
else
  echo "ok   $alerts alerts, each with a runbook in docs/operations.md"
fi

for json in "$ROOT"/docker/grafana/dashboards/*.json; do
  run "${json#"$ROOT"/} (JSON)" node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$json"
done

if [[ $status -ne 0 ]]; then
  echo "monitoring files INVALID"
  exit 1
fi
echo "monitoring files valid"
