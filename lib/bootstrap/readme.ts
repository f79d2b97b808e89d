/**
 * The per-cluster bootstrap guide: how Cilium gets onto a cluster that has no
 * network yet, before GitOps can run there.
 */
import { MESH_CA_VALUES_SECRET } from '../cilium/helm-values';
import { Cluster, Mesh, serverNodes } from '../model/mesh';

export function bootstrapReadme(mesh: Mesh, cluster: Cluster): string {
  const servers = serverNodes(cluster);
  const ns = mesh.cilium.namespace;
  return [
    `# Bootstrap ${cluster.name} (cluster id ${cluster.id})`,
    '',
    'Generated from the inventory; do not edit. With flannel disabled no ordinary pod can start',
    'until Cilium runs, and that includes Flux and Argo CD, so Cilium is installed by k3s itself',
    'from its manifests folder first. GitOps takes the same HelmChart over afterwards.',
    '',
    '1. On each server node, before installing k3s, copy its config:',
    '',
    ...servers.map((n) => `   - \`k3s-config-${n.name}.yaml\` to \`/etc/rancher/k3s/config.yaml\` on ${n.name} (${n.ip})`),
    '',
    `   Install ${servers[0].name} first (it runs \`cluster-init\`); the other servers join it.`,
    '',
    `2. Put the mesh CA values Secret \`${MESH_CA_VALUES_SECRET}\` (namespace ${ns}, decrypted) in`,
    '   `/var/lib/rancher/k3s/server/manifests/` on the first server. The HelmChart waits for it:',
    '   every cluster of the mesh must trust one CA, and Cilium would otherwise make its own.',
    '',
    '3. Copy `cilium-helm-chart.yaml` to `/var/lib/rancher/k3s/server/manifests/` on the first server.',
    `   k3s installs Cilium ${mesh.cilium.version} with cluster name ${cluster.name} and id ${cluster.id}.`,
    '',
    '4. Wait for Cilium: `kubectl -n ' + ns + ' rollout status ds/cilium` and',
    '   `kubectl -n ' + ns + ' rollout status deploy/clustermesh-apiserver`.',
    '',
    `5. Point Flux or Argo CD at this cluster's folder (dist/${cluster.name}). Then remove both files from`,
    '   the manifests folder (or leave empty `<file>.skip` files), so k3s stops re-applying them.',
    '',
  ].join('\n');
}
