/**
 * The layout of dist/ around the manifests: stage folders per cluster, the
 * Flux and Argo CD entry points, the hand-over files and the overview.
 *
 *   dist/README.md                          overview of the mesh (lib/overview)
 *   dist/argocd/applicationset.yaml         Argo CD: one Application per cluster
 *   dist/<cluster>/kustomization.yaml       lists the stage folders: the whole cluster
 *   dist/<cluster>/01-ca/ .. 05-verify/     one stage each, with its kustomization.yaml (lib/gitops/stages.ts)
 *   dist/<cluster>/flux/                    Flux: GitRepository + a Kustomization per stage
 *   dist/<cluster>/argocd/                  Argo CD with KSOPS, only when the CA is SOPS-encrypted
 *   dist/<cluster>/bootstrap/               k3s configs, the HelmChart, handover.sh
 */
import { App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { HANDOVER_GUIDE, HANDOVER_SCRIPT, handoverGuide, handoverScript } from '../bootstrap/handover';
import type { RenderedFile } from '../mesh-manifests';
import { Cluster, Mesh } from '../model/mesh';
import { OverviewEntryPoints, overviewReadme } from '../overview/readme';
import { ARGOCD_FOLDER, ARGOCD_KSOPS_FOLDER, ArgoCdApplicationSet, ksopsGenerator } from './argocd';
import { FLUX_FOLDER, FluxSync } from './flux-sync';
import { CILIUM_STAGE, isSopsEncrypted, stageOf, STAGES } from './stages';

/** One rendered manifest file of a cluster, before it is placed. */
export interface ManifestContent {
  /** Construct name; the file is `<name>.yaml`. */
  readonly name: string;
  readonly content: string;
}

export interface StageContent {
  readonly folder: string;
  /** File names in the stage folder, in apply order. */
  readonly files: readonly string[];
  /** The SOPS-encrypted ones among them. */
  readonly sopsFiles: readonly string[];
}

export interface ClusterLayout {
  readonly files: RenderedFile[];
  /** Non-empty stages, in apply order. */
  readonly stages: readonly StageContent[];
}

/** Top-level names of dist/ that are not cluster folders (also refused as cluster names). */
export const RESERVED_TOP_LEVEL = ['argocd', 'bootstrap', 'flux', 'readme'] as const;
export const OVERVIEW_FILE = 'README.md';
export const APPLICATION_SET_FILE = `${ARGOCD_FOLDER}/applicationset.yaml`;
const KSOPS_GENERATOR_FILE = 'ksops-generator.yaml';

export function kustomizationYaml(resources: readonly string[], generators?: readonly string[]): string {
  return Yaml.stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...resources],
    ...(generators ? { generators: [...generators] } : {}),
  });
}

/** Places a cluster's manifests into stage folders, each with a kustomization.yaml, plus the cluster's own. */
export function stageLayout(clusterName: string, manifests: readonly ManifestContent[]): ClusterLayout {
  const files: RenderedFile[] = [];
  const stages: StageContent[] = [];
  for (const stage of STAGES) {
    const here = manifests.filter((m) => stageOf(m.name).folder === stage.folder);
    if (here.length === 0) continue;
    const names = here.map((m) => `${m.name}.yaml`);
    for (const m of here) files.push({ path: `${clusterName}/${stage.folder}/${m.name}.yaml`, content: m.content });
    files.push({ path: `${clusterName}/${stage.folder}/kustomization.yaml`, content: kustomizationYaml(names) });
    stages.push({ folder: stage.folder, files: names, sopsFiles: here.filter((m) => isSopsEncrypted(m.content)).map((m) => `${m.name}.yaml`) });
  }
  files.push({ path: `${clusterName}/kustomization.yaml`, content: kustomizationYaml(stages.map((s) => s.folder)) });
  return { files, stages };
}

const usesSops = (layout: ClusterLayout) => layout.stages.some((s) => s.sopsFiles.length > 0);

/** Renders constructs in a throwaway app: the entry points are small, one app per file keeps them independent. */
function synthYaml(build: (scope: Construct) => void): string {
  const chart = new Chart(new App({ outdir: '.' }), 'entry', { disableResourceNameHashes: true });
  build(chart);
  return Yaml.stringify(...chart.toJson());
}

/**
 * The folder Argo CD syncs for a cluster, relative to dist/: the cluster folder,
 * or its argocd/ folder where SOPS-encrypted files must go through KSOPS.
 */
export function argoCdPath(clusterName: string, layout: ClusterLayout): string {
  return usesSops(layout) ? `${clusterName}/${ARGOCD_KSOPS_FOLDER}` : clusterName;
}

/** The delivery files of one cluster: Flux entry point, Argo CD KSOPS folder, hand-over script and guide. */
export function clusterDeliveryFiles(mesh: Mesh, cluster: Cluster, layout: ClusterLayout): RenderedFile[] {
  const { delivery } = mesh;
  const files: RenderedFile[] = [];
  const repository = delivery.repository;
  const sops = usesSops(layout);
  if (repository && delivery.engines.includes('flux')) {
    const content = synthYaml(
      (scope) =>
        new FluxSync(scope, 'flux', {
          clusterName: cluster.name,
          repository,
          interval: delivery.interval,
          stages: layout.stages.map((s) => ({ folder: s.folder, sops: s.sopsFiles.length > 0 })),
          ciliumNamespace: mesh.cilium.namespace,
        }),
    );
    files.push({ path: `${cluster.name}/${FLUX_FOLDER}/flux-sync.yaml`, content });
    files.push({ path: `${cluster.name}/${FLUX_FOLDER}/kustomization.yaml`, content: kustomizationYaml(['flux-sync.yaml']) });
  }
  if (repository && delivery.engines.includes('argocd') && sops) {
    // Argo CD cannot decrypt SOPS itself: this folder builds the same stages, with the encrypted
    // files decrypted by the KSOPS generator instead of listed as resources.
    const plain = layout.stages.filter((s) => s.sopsFiles.length < s.files.length).map((s) => `../${s.folder}`);
    const encrypted = layout.stages.flatMap((s) => s.sopsFiles.map((f) => `../${s.folder}/${f}`));
    const mixed = layout.stages.filter((s) => s.sopsFiles.length > 0 && s.sopsFiles.length < s.files.length);
    if (mixed.length > 0) throw new Error(`stage ${mixed[0].folder} of ${cluster.name} mixes SOPS-encrypted and plain files; Argo CD cannot build it`);
    files.push({ path: `${cluster.name}/${ARGOCD_KSOPS_FOLDER}/${KSOPS_GENERATOR_FILE}`, content: Yaml.stringify(ksopsGenerator('mesh-secrets', encrypted)) });
    files.push({ path: `${cluster.name}/${ARGOCD_KSOPS_FOLDER}/kustomization.yaml`, content: kustomizationYaml(plain, [KSOPS_GENERATOR_FILE]) });
  }
  const ciliumFiles = layout.stages.find((s) => s.folder === CILIUM_STAGE.folder)?.files ?? [];
  files.push({ path: `${cluster.name}/bootstrap/${HANDOVER_SCRIPT}`, content: handoverScript(mesh, cluster, { sops, ciliumFiles }) });
  files.push({ path: `${cluster.name}/bootstrap/${HANDOVER_GUIDE}`, content: handoverGuide(mesh, cluster, { sops, ciliumFiles }) });
  return files;
}

/** The files at the top of dist/: the Argo CD ApplicationSet and the overview. */
export function meshDeliveryFiles(mesh: Mesh, layouts: ReadonlyMap<string, ClusterLayout>): RenderedFile[] {
  const files: RenderedFile[] = [];
  const { delivery } = mesh;
  const repository = delivery.repository;
  const entry: { flux: string[]; argocd?: string } = { flux: [] };
  if (repository && delivery.engines.includes('flux')) entry.flux = mesh.clusters.map((c) => `${c.name}/${FLUX_FOLDER}`);
  if (repository && delivery.engines.includes('argocd')) {
    const content = synthYaml(
      (scope) =>
        new ArgoCdApplicationSet(scope, 'argocd', {
          meshName: mesh.name,
          namespace: delivery.argocd.namespace,
          project: delivery.argocd.project,
          repository,
          destinationNamespace: mesh.cilium.namespace,
          clusters: mesh.clusters.map((c) => ({ name: c.name, server: c.argocdServer, path: `${repository.path}/${argoCdPath(c.name, layouts.get(c.name)!)}` })),
        }),
    );
    files.push({ path: APPLICATION_SET_FILE, content });
    entry.argocd = APPLICATION_SET_FILE;
  }
  files.push({ path: OVERVIEW_FILE, content: overviewReadme(mesh, entry as OverviewEntryPoints) });
  return files;
}
