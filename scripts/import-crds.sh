#!/usr/bin/env bash
# Regenerates imports/ from the upstream CRDs in ../shared/crds.
# cdk8s import reads one spec per call and a later import of the same API group
# overwrites an earlier one, so the CRDs of one group are joined into one file first.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=${CRDS_DIR:-../shared/crds}
[ -d "$crds" ] || { echo "import-crds: $crds not found (set CRDS_DIR to the folder of upstream CRDs)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

import_group() {
  local module=$1; shift
  local joined="$work/$module.yaml"
  : >"$joined"
  for f in "$@"; do
    cat "$crds/$f" >>"$joined"
    printf '\n---\n' >>"$joined"
  done
  npx cdk8s import "$joined" --language typescript --output imports --no-save --no-check-upgrade >/dev/null
  echo "imports/$module.ts <- $*"
}

import_group helm.cattle.io helm.cattle.io_helmcharts.yaml helm.cattle.io_helmchartconfigs.yaml
import_group cilium.io cilium.io_ciliumnetworkpolicies.yaml cilium.io_ciliumclusterwidenetworkpolicies.yaml
import_group source.toolkit.fluxcd.io source.toolkit.fluxcd.io_gitrepositories.yaml
import_group kustomize.toolkit.fluxcd.io kustomize.toolkit.fluxcd.io_kustomizations.yaml
import_group external-secrets.io external-secrets.io_externalsecrets.yaml
