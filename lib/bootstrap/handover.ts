/**
 * The hand-over of one cluster from bootstrap to GitOps, as a script
 * (dist/<cluster>/bootstrap/handover.sh) and a short guide (HANDOVER.md):
 * k3s with the generated config, the CA Secret and the Cilium HelmChart in the
 * k3s manifests folder, wait for Cilium, install Flux (or let Argo CD take the
 * cluster over), then remove the bootstrap files so k3s stops re-applying them.
 *
 * It runs as root on the cluster's first server node, from a checkout of this
 * repository: that node is where k3s is installed and where the manifests
 * folder is, and k3s gives it a kubeconfig. It never contains a secret: the CA
 * is decrypted while it runs (`npm run mesh -- ca secret`) or read from a file
 * the operator copied there.
 */
import { MESH_CA_VALUES_SECRET } from '../cilium/helm-values';
import { DeliveryEngine, Cluster, Mesh, serverNodes } from '../model/mesh';
import { FLUX_NAMESPACE, fluxKustomizationName, SOPS_AGE_SECRET } from '../gitops/flux-sync';
import { CILIUM_STAGE } from '../output/stages';
import { CommittedSecrets } from '../model/committed-secrets';
import { GIT_CREDENTIALS_SECRET } from '../model/git-credentials';
import { joinUrl, K3S_TOKEN_FILE } from './k3s-node-config';
import { INSTALL_K3S_SHELL, installTokenFunction, shq, TOKEN_FILE_ENV } from './node-shell';
import { OUTPUT_FOLDERS, SUPPORT_FILES } from '../output/files';

const HANDOVER_SCRIPT = SUPPORT_FILES.handoverScript.file;
const HANDOVER_GUIDE = SUPPORT_FILES.handoverGuide.file;
const JOIN_SCRIPT = SUPPORT_FILES.joinNodeScript.file;
export const K3S_MANIFESTS_DIR = '/var/lib/rancher/k3s/server/manifests';
/** File name of the decrypted CA Secret in the manifests folder while bootstrapping. */
export const BOOTSTRAP_CA_FILE = `${MESH_CA_VALUES_SECRET}.yaml`;

export interface HandoverOptions {
  /** Whether the CA stage holds SOPS-encrypted files (Flux then needs the cluster's age key). */
  readonly sops: boolean;
  /** Files of the Cilium stage that bootstrap/ holds a copy of, for the k3s manifests folder. */
  readonly ciliumFiles: readonly string[];
  /** The repository's committed credentials, when there are: the hand-over creates their Secret. */
  readonly gitCredentials?: CommittedSecrets['gitCredentials'];
  /** The cluster's committed join token file, when there is one: each node decrypts it. */
  readonly joinTokenFile?: string;
}

export function handoverScript(mesh: Mesh, cluster: Cluster, options: HandoverOptions): string {
  const [first] = serverNodes(cluster);
  const engines = mesh.delivery.engines;
  const ns = mesh.cilium.namespace;
  const ciliumKustomization = fluxKustomizationName(CILIUM_STAGE.folder);
  const credentials = options.gitCredentials;
  return `#!/bin/sh
# Hand-over of ${cluster.name} (cluster id ${cluster.id}) from bootstrap to GitOps.
# See ${HANDOVER_GUIDE} beside this file.
#
# Run as root on ${first.name} (${first.ip}), the first server node, from a checkout
# of this repository:
#   sh ${mesh.delivery.repository?.path ?? 'dist'}/${cluster.name}/bootstrap/${HANDOVER_SCRIPT} [${engines.join('|')}]
# This file holds no secret: the mesh CA is decrypted while it runs.
set -eu

CLUSTER=${shq(cluster.name)}
NODE=${shq(first.name)}
CILIUM_NAMESPACE=${shq(ns)}
ENGINES=${shq(engines.join(' '))}
REPOSITORY=${shq(mesh.delivery.repository?.url ?? '')}
SOPS=${options.sops ? 'yes' : 'no'}
GIT_CREDENTIALS=${credentials ? 'yes' : 'no'}
ARGOCD_SERVER=${shq(cluster.argocdServer)}
K3S_VERSION=${shq(cluster.k3sVersion ?? '')}
ROLE=server
TOKEN_FILE=${K3S_TOKEN_FILE}
MANIFESTS=${K3S_MANIFESTS_DIR}
CA_FILE="$MANIFESTS/${BOOTSTRAP_CA_FILE}"
CILIUM_FILES=${shq(options.ciliumFiles.join(' '))}
ENGINE=\${1:-${engines[0]}}
HERE=$(cd "$(dirname "$0")" && pwd)
CLUSTER_DIR=$(dirname "$HERE")
PROJECT=$(cd "$CLUSTER_DIR/../.." && pwd)
export KUBECONFIG=/etc/rancher/k3s/k3s.yaml

say() { printf '==> %s\\n' "$*"; }
fail() { printf 'handover %s: %s\\n' "$CLUSTER" "$*" >&2; exit 1; }
kc() { k3s kubectl "$@"; }

${installTokenFunction(options.joinTokenFile, true)}

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
${INSTALL_K3S_SHELL}
retry "k3s kubectl get --raw /readyz" 60 || fail "the Kubernetes API did not answer within 5 minutes"

say "2/5 the mesh CA Secret and the Cilium stage ($CILIUM_FILES) in $MANIFESTS"
umask 077
install -d -m 0700 "$MANIFESTS"
# Outside the checkout, so the decrypted credentials can never be committed; umask 077 keeps them the owner's.
GIT_SECRET_FILE="\${TMPDIR:-/tmp}/${GIT_CREDENTIALS_SECRET}.$$.yaml"
trap 'rm -f "$CA_FILE.tmp" "$GIT_SECRET_FILE"' EXIT
if [ -n "\${MESH_CA_SECRET_FILE:-}" ]; then
  install -m 0600 "$MESH_CA_SECRET_FILE" "$CA_FILE"
elif command -v npm >/dev/null 2>&1; then
  (cd "$PROJECT" && npm run --silent mesh -- ca secret) >"$CA_FILE.tmp"
  mv "$CA_FILE.tmp" "$CA_FILE"
else
  fail "no npm here: run 'npm run --silent mesh -- ca secret > ${BOOTSTRAP_CA_FILE}' where the age key is, copy the file here and set MESH_CA_SECRET_FILE to it"
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
    [ -n "\${SOPS_AGE_KEY_FILE:-}" ] || fail "set SOPS_AGE_KEY_FILE to the age key file of $CLUSTER (Flux decrypts the mesh CA with it)"
    kc -n ${FLUX_NAMESPACE} create secret generic ${SOPS_AGE_SECRET} --from-file=age.agekey="$SOPS_AGE_KEY_FILE" --dry-run=client -o yaml | kc apply -f -
  fi
  if [ "$GIT_CREDENTIALS" = yes ]; then
    # The GitRepository cannot fetch the repository before it has the credentials: they come from here, never from git.
    if [ -n "\${GIT_CREDENTIALS_SECRET_FILE:-}" ]; then
      kc apply -f "$GIT_CREDENTIALS_SECRET_FILE"
    elif command -v npm >/dev/null 2>&1; then
      (cd "$PROJECT" && npm run --silent mesh -- repo secret flux) >"$GIT_SECRET_FILE"
      kc apply -f "$GIT_SECRET_FILE"
      rm -f "$GIT_SECRET_FILE"
    else
      fail "no npm here: run 'npm run --silent mesh -- repo secret flux > ${GIT_CREDENTIALS_SECRET}.yaml' where the age key is, copy the file here and set GIT_CREDENTIALS_SECRET_FILE to it"
    fi
  fi
  kc apply -k "$CLUSTER_DIR/${OUTPUT_FOLDERS.flux}"
  kc -n ${FLUX_NAMESPACE} wait kustomization/${ciliumKustomization} --for=condition=Ready --timeout=20m
else
  say "4/5 let Argo CD take $CLUSTER over"
  echo "    On the admin machine, with a kubeconfig context for this cluster whose server is $ARGOCD_SERVER:"
  echo "      argocd cluster add <context> --name $CLUSTER"
  echo "    and once for the whole mesh, in the cluster that runs Argo CD:"
${credentials ? `  echo "      npm run --silent mesh -- repo secret argocd | kubectl apply -f -    # the repository Secret, decrypted where the age key is"
${credentials.auth === 'ssh' ? `  echo "      argocd cert add-ssh --batch < <known_hosts file>                  # Argo CD reads host keys from argocd-ssh-known-hosts-cm"
` : ''}` : ''}  echo "      kubectl apply -f ${mesh.delivery.repository?.path ?? 'dist'}/${OUTPUT_FOLDERS.argocd}/${SUPPORT_FILES.applicationSet.file}"
  echo "    Waiting until Argo CD tracks the Cilium HelmChart (up to 30 minutes)..."
  retry "k3s kubectl -n $CILIUM_NAMESPACE get helmchart cilium -o jsonpath='{.metadata.annotations.argocd\\\\.argoproj\\\\.io/tracking-id}{.metadata.labels.app\\\\.kubernetes\\\\.io/instance}' | grep -q ." 360 ||
    fail "Argo CD has not synced $CLUSTER yet; run this script again once it has"
fi

say "5/5 remove the bootstrap files, so k3s stops re-applying them (the objects stay)"
for file in $CILIUM_FILES; do rm -f "$MANIFESTS/$file"; done
if command -v shred >/dev/null 2>&1; then shred -u "$CA_FILE"; else rm -f "$CA_FILE"; fi
say "$CLUSTER is synced by $ENGINE from $REPOSITORY"
`;
}

export function handoverGuide(mesh: Mesh, cluster: Cluster, options: HandoverOptions): string {
  const [first] = serverNodes(cluster);
  const dist = mesh.delivery.repository?.path ?? 'dist';
  const engines = mesh.delivery.engines;
  const lines = [
    `# Hand ${cluster.name} over to GitOps`,
    '',
    'Generated from the inventory; do not edit. `handover.sh` does the whole bootstrap of this cluster and',
    'hands it to ' + engines.map((e) => (e === 'flux' ? 'Flux' : 'Argo CD')).join(' or ') + '. Run it as root on the first server node, from a checkout of this',
    'repository (with `npm ci` done, so it can decrypt the mesh CA):',
    '',
    '```sh',
    ...engines.map((e: DeliveryEngine) => `sudo sh ${dist}/${cluster.name}/bootstrap/${HANDOVER_SCRIPT} ${e}`),
    '```',
    '',
    `| step | what | where |`,
    '| --- | --- | --- |',
    `| 1 | install k3s with \`k3s-config-${first.name}.yaml\` as \`/etc/rancher/k3s/config.yaml\` | ${first.name} (${first.ip}) |`,
    `| 2 | put the decrypted CA Secret \`${MESH_CA_VALUES_SECRET}\` and ${options.ciliumFiles.map((f) => `\`${f}\``).join(', ')} into \`${K3S_MANIFESTS_DIR}/\` | same node |`,
    '| 3 | wait until the cilium DaemonSet, cilium-operator and clustermesh-apiserver are rolled out | same node |',
    ...(engines.includes('flux')
      ? [`| 4 (flux) | \`flux install\`, the age key as Secret \`${SOPS_AGE_SECRET}\` when the CA is SOPS-encrypted, ${options.gitCredentials ? `the repository credentials as Secret \`${GIT_CREDENTIALS_SECRET}\`, ` : ''}then \`kubectl apply -k ${cluster.name}/${OUTPUT_FOLDERS.flux}\`; waits for \`${fluxKustomizationName(CILIUM_STAGE.folder)}\` | same node |`]
      : []),
    ...(engines.includes('argocd')
      ? [`| 4 (argocd) | prints what to run on the admin machine (\`argocd cluster add\` for ${cluster.argocdServer}, and once per mesh ${options.gitCredentials ? 'the repository Secret and ' : ''}the ApplicationSet), then waits until Argo CD tracks the HelmChart | admin machine, then this node |`]
      : []),
    '| 5 | remove these files from the manifests folder (the objects stay; GitOps owns them now) | same node |',
    '',
    'Environment:',
    '',
    '- `MESH_CA_SECRET_FILE`: a file with the decrypted CA Secret (the output of `npm run --silent mesh -- ca secret`),',
    '  for a node without npm or without the age key. Copy it there over a secure channel; the script shreds it.',
    ...(options.sops && engines.includes('flux') ? ['- `SOPS_AGE_KEY_FILE` (flux): the age key of this cluster; Flux decrypts the mesh CA with it.'] : []),
    ...(options.gitCredentials && engines.includes('flux')
      ? [
          `- \`GIT_CREDENTIALS_SECRET_FILE\` (flux): a file with the decrypted Secret \`${GIT_CREDENTIALS_SECRET}\` (the output of \`npm run --silent mesh -- repo secret flux\`),`,
          '  for a node without npm or without the age key. Without it the script decrypts the repository credentials itself and',
          '  creates the Secret before the GitRepository that needs it (the credentials never come from git: Flux could not fetch them).',
        ]
      : []),
    ...(cluster.k3sVersion
      ? [`- k3s ${cluster.k3sVersion} is installed (k3s.version); an installed k3s of another release stops the script. The other variables of the k3s installer pass through to it.`]
      : ['- `INSTALL_K3S_VERSION` and the other variables of the k3s installer pass through to it (no k3s.version is pinned).']),
    '',
    'The script needs `curl` (k3s installer) and, for Flux, the `flux` CLI. It is safe to run again: an',
    'installed k3s is kept when its config is the generated one, and every step converges.',
  ];
  const joining = cluster.nodes.filter((n) => n !== first);
  if (joining.length > 0) {
    lines.push(
      '',
      `Then join the other nodes, one at a time (servers first), each as root from a checkout of this repository:`,
      '',
      '```sh',
      ...joining.map((n) => `sudo sh ${dist}/${cluster.name}/bootstrap/${JOIN_SCRIPT} ${n.name}   # ${n.ip}, ${n.role}`),
      '```',
      '',
      `\`${JOIN_SCRIPT}\` puts the join token in \`${K3S_TOKEN_FILE}\` (mode 0600), installs the node's \`k3s-config-<node>.yaml\` and`,
      `runs the k3s installer as ${'`'}k3s server${'`'} or ${'`'}k3s agent${'`'}; the node joins at ${'`'}${joinUrl(cluster)}${'`'}.`,
    );
  }
  lines.push(
    '',
    'The join token:',
    '',
    ...(options.joinTokenFile
      ? [
          `- is kept in git, SOPS-encrypted, in \`${options.joinTokenFile}\`; each script decrypts it on its node`,
          `  (\`npm run --silent mesh -- token show ${cluster.name}\`, which needs the age key there). On a node without npm or the`,
          `  key, copy the token over a secure channel and set \`${TOKEN_FILE_ENV}\` to that file.`,
        ]
      : [`- is made on ${first.name} by \`${HANDOVER_SCRIPT}\` (one server, no other node joins). To add nodes later, keep it in git first:`, `  \`npm run mesh -- token create ${cluster.name}\` (it says how to hand a running cluster the new token).`]),
  );
  lines.push('');
  return lines.join('\n');
}
