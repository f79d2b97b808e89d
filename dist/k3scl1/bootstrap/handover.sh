#!/bin/sh
# Generated from the inventory by k3s-cilium-mesh ('npm run synth'); do not edit.
# Rendered by handoverScript in lib/bootstrap/handover.ts.
# Hand-over of k3scl1 (cluster id 1) from bootstrap to GitOps.
# See HANDOVER.md beside this file.
#
# Run as root on k3scl1-server (172.17.11.11), the first server node, from a checkout
# of this repository:
#   sh dist/k3scl1/bootstrap/handover.sh [flux|argocd]
# This file holds no secret: the mesh CA is decrypted while it runs.
set -eu

CLUSTER='k3scl1'
NODE='k3scl1-server'
CILIUM_NAMESPACE='kube-system'
ENGINES='flux argocd'
REPOSITORY='https://git.example.com/platform/k3s-cilium-mesh.git'
SOPS=yes
GIT_CREDENTIALS=no
ARGOCD_SERVER='https://172.17.11.11:6443'
K3S_VERSION='v1.34.2+k3s1'
ROLE=server
TOKEN_FILE=/etc/rancher/k3s/cluster-token
MANIFESTS=/var/lib/rancher/k3s/server/manifests
CA_FILE="$MANIFESTS/cilium-mesh-ca.yaml"
CILIUM_FILES='cilium-helm-chart.yaml clustermesh-remote-users.yaml'
ENGINE=${1:-flux}
HERE=$(cd "$(dirname "$0")" && pwd)
CLUSTER_DIR=$(dirname "$HERE")
PROJECT=$(cd "$CLUSTER_DIR/../.." && pwd)
export KUBECONFIG=/etc/rancher/k3s/k3s.yaml

say() { printf '==> %s\n' "$*"; }
fail() { printf 'handover %s: %s\n' "$CLUSTER" "$*" >&2; exit 1; }
kc() { k3s kubectl "$@"; }

install_token() {
  [ -s "$TOKEN_FILE" ] && return 0
  # No token file in git (a single server): a random token made here, which no other node needs.
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' | install -m 0600 /dev/stdin "$TOKEN_FILE"
}

# Waits up to $2 tries of 5 s for command "$1" (run by sh -c) to succeed.
retry() {
  tries=0
  until sh -c "$1" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt "$2" ] || return 1
    sleep 5
  done
}

case " $ENGINES " in
  *" $ENGINE "*) ;;
  *) fail "usage: $0 [$(echo "$ENGINES" | tr ' ' '|')] (delivery.engine in clusters/mesh.yaml)" ;;
esac
[ -n "$REPOSITORY" ] || fail "clusters/mesh.yaml names no delivery.repository: add it and run npm run synth"
[ "$(id -u)" -eq 0 ] || fail "run as root on $NODE"

say "1/5 install k3s on $NODE with the generated config"
install -d -m 0755 /etc/rancher/k3s
# The join token every node of the cluster reads (token-file in each k3s config).
install_token
if command -v k3s >/dev/null 2>&1; then
  cmp -s "$HERE/k3s-config-$NODE.yaml" /etc/rancher/k3s/config.yaml ||
    fail "k3s is installed with another /etc/rancher/k3s/config.yaml; compare it with $HERE/k3s-config-$NODE.yaml"
  if [ -n "$K3S_VERSION" ]; then
    installed=$(k3s --version | sed -n 's/^k3s version \([^ ]*\).*/\1/p')
    [ "$installed" = "$K3S_VERSION" ] ||
      fail "k3s $installed is installed, but k3s.version pins $K3S_VERSION: upgrade it (the k3s installer with INSTALL_K3S_VERSION=$K3S_VERSION) or change k3s.version"
  fi
else
  install -m 0600 "$HERE/k3s-config-$NODE.yaml" /etc/rancher/k3s/config.yaml
  if [ -n "$K3S_VERSION" ]; then
    [ -z "${INSTALL_K3S_VERSION:-}" ] || [ "$INSTALL_K3S_VERSION" = "$K3S_VERSION" ] ||
      fail "INSTALL_K3S_VERSION is $INSTALL_K3S_VERSION, but k3s.version pins $K3S_VERSION: unset it, or change k3s.version and synth"
    curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$ROLE" sh -
  else
    curl -sfL https://get.k3s.io | INSTALL_K3S_EXEC="$ROLE" sh -
  fi
fi
retry "k3s kubectl get --raw /readyz" 60 || fail "the Kubernetes API did not answer within 5 minutes"

say "2/5 the mesh CA Secret and the Cilium stage ($CILIUM_FILES) in $MANIFESTS"
umask 077
install -d -m 0700 "$MANIFESTS"
# Outside the checkout, so the decrypted credentials can never be committed; umask 077 keeps them the owner's.
GIT_SECRET_FILE="${TMPDIR:-/tmp}/cilium-mesh-git.$$.yaml"
trap 'rm -f "$CA_FILE.tmp" "$GIT_SECRET_FILE"' EXIT
if [ -n "${MESH_CA_SECRET_FILE:-}" ]; then
  install -m 0600 "$MESH_CA_SECRET_FILE" "$CA_FILE"
elif command -v npm >/dev/null 2>&1; then
  (cd "$PROJECT" && npm run --silent mesh -- ca secret) >"$CA_FILE.tmp"
  mv "$CA_FILE.tmp" "$CA_FILE"
else
  fail "no npm here: run 'npm run --silent mesh -- ca secret > cilium-mesh-ca.yaml' where the age key is, copy the file here and set MESH_CA_SECRET_FILE to it"
fi
for file in $CILIUM_FILES; do install -m 0600 "$HERE/$file" "$MANIFESTS/$file"; done

say "3/5 wait for Cilium"
for workload in ds/cilium deploy/cilium-operator deploy/clustermesh-apiserver; do
  retry "k3s kubectl -n $CILIUM_NAMESPACE get $workload" 180 ||
    fail "$workload did not appear within 15 minutes; see: k3s kubectl -n $CILIUM_NAMESPACE logs job/helm-install-cilium"
  kc -n "$CILIUM_NAMESPACE" rollout status "$workload" --timeout=15m
done

if [ "$ENGINE" = flux ]; then
  say "4/5 install Flux and point it at $REPOSITORY"
  command -v flux >/dev/null 2>&1 || fail "install the flux CLI first: https://fluxcd.io/flux/installation/"
  flux install
  if [ "$SOPS" = yes ]; then
    [ -n "${SOPS_AGE_KEY_FILE:-}" ] || fail "set SOPS_AGE_KEY_FILE to the age key file of $CLUSTER (Flux decrypts the mesh CA with it)"
    kc -n flux-system create secret generic sops-age --from-file=age.agekey="$SOPS_AGE_KEY_FILE" --dry-run=client -o yaml | kc apply -f -
  fi
  if [ "$GIT_CREDENTIALS" = yes ]; then
    # The GitRepository cannot fetch the repository before it has the credentials: they come from here, never from git.
    if [ -n "${GIT_CREDENTIALS_SECRET_FILE:-}" ]; then
      kc apply -f "$GIT_CREDENTIALS_SECRET_FILE"
    elif command -v npm >/dev/null 2>&1; then
      (cd "$PROJECT" && npm run --silent mesh -- repo secret flux) >"$GIT_SECRET_FILE"
      kc apply -f "$GIT_SECRET_FILE"
      rm -f "$GIT_SECRET_FILE"
    else
      fail "no npm here: run 'npm run --silent mesh -- repo secret flux > cilium-mesh-git.yaml' where the age key is, copy the file here and set GIT_CREDENTIALS_SECRET_FILE to it"
    fi
  fi
  kc apply -k "$CLUSTER_DIR/flux"
  kc -n flux-system wait kustomization/cilium-mesh-02-cilium --for=condition=Ready --timeout=20m
else
  say "4/5 let Argo CD take $CLUSTER over"
  echo "    On the admin machine, with a kubeconfig context for this cluster whose server is $ARGOCD_SERVER:"
  echo "      argocd cluster add <context> --name $CLUSTER"
  echo "    and once for the whole mesh, in the cluster that runs Argo CD:"
  echo "      kubectl apply -f dist/argocd/applicationset.yaml"
  echo "    Waiting until Argo CD tracks the Cilium HelmChart (up to 30 minutes)..."
  retry "k3s kubectl -n $CILIUM_NAMESPACE get helmchart cilium -o jsonpath='{.metadata.annotations.argocd\\.argoproj\\.io/tracking-id}{.metadata.labels.app\\.kubernetes\\.io/instance}' | grep -q ." 360 ||
    fail "Argo CD has not synced $CLUSTER yet; run this script again once it has"
fi

say "5/5 remove the bootstrap files, so k3s stops re-applying them (the objects stay)"
for file in $CILIUM_FILES; do rm -f "$MANIFESTS/$file"; done
if command -v shred >/dev/null 2>&1; then shred -u "$CA_FILE"; else rm -f "$CA_FILE"; fi
say "$CLUSTER is synced by $ENGINE from $REPOSITORY"
