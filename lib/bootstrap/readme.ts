/**
 * The per-cluster bootstrap guide: how Cilium gets onto a cluster that has no
 * network yet, before GitOps can run there.
 */
import { MESH_CA_VALUES_SECRET } from '../cilium/helm-values';
import { Cluster, Mesh, serverNodes } from '../model/mesh';
import { joinUrl, k3sInstallCommand, K3S_TOKEN_FILE } from './k3s-node-config';

/** `ciliumFiles`: the Cilium stage's files, copied beside this guide. */
export function bootstrapReadme(mesh: Mesh, cluster: Cluster, ciliumFiles: readonly string[], joinTokenFile: string | undefined): string {
  const servers = serverNodes(cluster);
  const ns = mesh.cilium.namespace;
  return [
    `# Bootstrap ${cluster.name} (cluster id ${cluster.id})`,
    '',
    'Generated from the inventory; do not edit. With flannel disabled no ordinary pod can start',
    'until Cilium runs, and that includes Flux and Argo CD, so Cilium is installed by k3s itself',
    'from its manifests folder first. GitOps takes the same HelmChart over afterwards.',
    '',
    '1. On each node, before installing k3s, copy its config:',
    '',
    ...cluster.nodes.map((n) => `   - \`k3s-config-${n.name}.yaml\` to \`/etc/rancher/k3s/config.yaml\` on ${n.name} (${n.ip}, ${n.role})`),
    '',
    ...(joinTokenFile
      ? [
          `   Every node reads the cluster's join token from \`${K3S_TOKEN_FILE}\` (mode 0600). It is kept encrypted in`,
          `   \`${joinTokenFile}\`: on each node, from the project root where the age key is,`,
          `   \`npm run --silent mesh -- token show ${cluster.name} > ${K3S_TOKEN_FILE}\` (\`handover.sh\` and \`join-node.sh\` do).`,
        ]
      : [
          `   Every node reads the cluster's join token from \`${K3S_TOKEN_FILE}\` (mode 0600): write a random one on`,
          `   ${servers[0].name} (\`handover.sh\` does); with one server, no other node needs it.`,
        ]),
    `   Install ${servers[0].name} first (it runs \`cluster-init\`); the other servers and the agents join it at`,
    `   \`${joinUrl(cluster)}\` (agents with \`INSTALL_K3S_EXEC=agent\`).`,
    ...(cluster.k3sVersion
      ? ['', `   Install k3s ${cluster.k3sVersion} (k3s.version): \`${k3sInstallCommand(cluster, 'server')}\`.`]
      : ['', '   No k3s.version is pinned: the installer takes the stable channel of the day.']),
    '',
    ...caStep(mesh),
    '',
    `3. Copy ${ciliumFiles.map((f) => `\`${f}\``).join(' and ')} to \`/var/lib/rancher/k3s/server/manifests/\` on the first server.`,
    `   k3s installs Cilium ${mesh.cilium.version} with cluster name ${cluster.name} and id ${cluster.id}.`,
    ...(cluster.apiServer.kubeVip
      ? [
          `   \`kube-vip.yaml\` has the servers hold the virtual IP ${cluster.apiServer.host} on ${cluster.apiServer.kubeVip.interface}: Cilium reaches the API`,
          '   there, and the other nodes join there, so join them once Cilium runs (the first server then holds the address).',
        ]
      : []),
    '',
    '4. Wait for Cilium: `kubectl -n ' + ns + ' rollout status ds/cilium` and',
    '   `kubectl -n ' + ns + ' rollout status deploy/clustermesh-apiserver`.',
    '',
    `5. Point Flux or Argo CD at this cluster's folder (dist/${cluster.name}). Then remove the copied files from`,
    '   the manifests folder (or leave empty `<file>.skip` files), so k3s stops re-applying them.',
    '',
  ].join('\n');
}

/**
 * Step 2: the shared CA must be in the cluster before the first helm run, or the
 * chart makes a CA of its own for this cluster and the mesh breaks.
 */
function caStep(mesh: Mesh): string[] {
  const ns = mesh.cilium.namespace;
  const target = '/var/lib/rancher/k3s/server/manifests/cilium-mesh-ca.yaml';
  const intro = [
    `2. Put the mesh CA Secret \`${MESH_CA_VALUES_SECRET}\` (namespace ${ns}) in the k3s manifests folder of the`,
    '   first server before Cilium first starts: the HelmChart waits for it, and its first helm run must already',
    '   see the shared CA (every cluster of the mesh trusts one CA; without it Cilium would make its own).',
  ];
  if (mesh.secrets.provider === 'external-secrets') {
    return [
      ...intro,
      `   The CA lives in your secret store (${mesh.secrets.storeRef.kind} ${mesh.secrets.storeRef.name}, key \`${mesh.secrets.remoteKey}\`), and`,
      '   the External Secrets Operator cannot run before Cilium does: write the Secret once by hand, as',
      `   \`${target}\`, with key \`values.yaml\` holding \`tls: {ca: {cert: <base64 PEM>, key: <base64 PEM>}}\` from`,
      "   the store's tls.crt and tls.key (the ExternalSecret in 01-ca takes the Secret over afterwards).",
      '   Remove that file once GitOps runs (step 5): it holds the CA key in clear on the node\'s disk.',
    ];
  }
  return [
    ...intro,
    `   It is committed encrypted (${mesh.secrets.caFile}); decrypt it where your age identity is, from the`,
    '   project root, and copy the result to the server:',
    '',
    '   ```sh',
    '   SOPS_AGE_KEY_FILE=<your age key file> npm run --silent mesh -- ca secret > cilium-mesh-ca.yaml',
    `   # copy it to the first server as ${target} (mode 0600)`,
    '   ```',
    '',
    `   On a machine that has the project and the key, \`npm run --silent mesh -- ca secret > ${target}\``,
    '   writes it in place. The file holds the CA key in clear on the node\'s disk: remove it as soon as',
    '   GitOps runs (step 5); Flux or Argo CD then keep the Secret from the encrypted copy in git.',
  ];
}
