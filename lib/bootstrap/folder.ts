/**
 * dist/<cluster>/bootstrap/, the one place that writes it: what the first
 * server needs before any GitOps engine runs. The k3s config of each server,
 * a copy of the manifests k3s must apply from its manifests folder (those the
 * table of output files marks for bootstrap), how to bring the cluster up, and
 * the hand-over script with its guide.
 */
import { toYaml } from '../output/yaml';
import { ClusterLayout, ManifestContent, usesSops } from '../gitops/layout';
import { Cluster, Mesh } from '../model/mesh';
import { manifestFile, MANIFESTS, OUTPUT_FOLDERS, RenderedFile, SUPPORT_FILES } from '../output/files';
import { withProvenance } from '../output/provenance';
import { handoverGuide, handoverScript } from './handover';
import { joinNodeScript } from './join-node';
import { k3sNodeConfigs } from './k3s-node-config';
import { bootstrapReadme } from './readme';
import { CommittedSecrets } from '../model/committed-secrets';

const { k3sConfig: K3S_CONFIG, bootstrapReadme: README, handoverScript: HANDOVER_SCRIPT, handoverGuide: HANDOVER_GUIDE, joinNodeScript: JOIN_SCRIPT } = SUPPORT_FILES;

export function bootstrapFolder(mesh: Mesh, secrets: CommittedSecrets, cluster: Cluster, manifests: readonly ManifestContent[], layout: ClusterLayout): RenderedFile[] {
  const joinTokenFile = secrets.joinTokenFiles?.[cluster.name];
  const at = (file: string) => `${cluster.name}/${OUTPUT_FOLDERS.bootstrap}/${file}`;
  const files: RenderedFile[] = [];
  for (const node of k3sNodeConfigs(mesh, cluster)) {
    const file = K3S_CONFIG.file.replace('<node>', node.nodeName);
    files.push({ path: at(file), content: withProvenance(K3S_CONFIG, file, toYaml(node.config)) });
  }
  // Byte for byte the stage's file: k3s and the GitOps engine then apply the same object.
  const copied = manifests.filter((m) => MANIFESTS[m.name].bootstrap);
  for (const manifest of copied) files.push({ path: at(manifestFile(manifest.name)), content: manifest.content });
  const ciliumFiles = copied.map((m) => manifestFile(m.name));
  files.push({ path: at(README.file), content: withProvenance(README, README.file, bootstrapReadme(mesh, cluster, ciliumFiles, joinTokenFile)) });
  const options = { sops: usesSops(layout), ciliumFiles, gitCredentials: secrets.gitCredentials, joinTokenFile };
  files.push({ path: at(HANDOVER_SCRIPT.file), content: withProvenance(HANDOVER_SCRIPT, HANDOVER_SCRIPT.file, handoverScript(mesh, cluster, options)) });
  if (cluster.nodes.length > 1) {
    files.push({ path: at(JOIN_SCRIPT.file), content: withProvenance(JOIN_SCRIPT, JOIN_SCRIPT.file, joinNodeScript(cluster, joinTokenFile, mesh.delivery.repository?.path ?? 'dist')) });
  }
  files.push({ path: at(HANDOVER_GUIDE.file), content: withProvenance(HANDOVER_GUIDE, HANDOVER_GUIDE.file, handoverGuide(mesh, cluster, options)) });
  return files;
}
