/**
 * The GitOps layout of dist/ around the manifests: stage folders per cluster
 * and the Flux and Argo CD entry points.
 *
 *   dist/argocd/applicationset.yaml         Argo CD: one Application per cluster
 *   dist/<cluster>/kustomization.yaml       lists the stage folders: the whole cluster
 *   dist/<cluster>/01-ca/ .. 05-verify/     one stage each, with its kustomization.yaml (lib/output/stages.ts)
 *   dist/<cluster>/flux/                    Flux: GitRepository + a Kustomization per stage
 *   dist/<cluster>/argocd/                  Argo CD with KSOPS, only when the CA is SOPS-encrypted
 *
 * The bootstrap folder is lib/bootstrap/folder.ts's, the overview lib/overview's.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CommittedSecrets } from '../model/committed-secrets';
import { Cluster, Mesh } from '../model/mesh';
import { MANAGED_BY_LABELS } from '../model/ownership';
import { ArgoCdApplicationSet, ksopsGenerator } from './argocd';
import { FluxSync } from './flux-sync';
import { ManifestName, manifestFile, MANIFESTS, Origin, OUTPUT_FOLDERS, RenderedFile, SUPPORT_FILES } from '../output/files';
import { withProvenance } from '../output/provenance';
import { toYaml } from '../output/yaml';
import { STAGES } from '../output/stages';
import { isSopsEncrypted } from '../secrets/sops';

/** One rendered manifest file of a cluster, before it is placed. */
export interface ManifestContent {
  readonly name: ManifestName;
  readonly content: string;
  /**
   * Whether the text is SOPS ciphertext. A chart's output never is, and says
   * so: looking through a large manifest for the `sops:` key costs time.
   * @default looked up in the text
   */
  readonly sops?: boolean;
}

export interface StageContent {
  readonly folder: string;
  /** File names in the stage folder, in apply order. */
  readonly files: readonly string[];
  /** The SOPS-encrypted ones among them. */
  readonly sopsFiles: readonly string[];
}

export interface ClusterLayout extends ClusterStages {
  readonly files: RenderedFile[];
}

/** What the mesh-wide entry points need to know of a cluster's layout. */
export interface ClusterStages {
  /** Non-empty stages, in apply order. */
  readonly stages: readonly StageContent[];
}

const { kustomization: KUSTOMIZATION, fluxSync: FLUX_SYNC, ksopsGenerator: KSOPS_GENERATOR, applicationSet: APPLICATION_SET } = SUPPORT_FILES;
export const APPLICATION_SET_FILE = `${OUTPUT_FOLDERS.argocd}/${APPLICATION_SET.file}`;

export function kustomizationYaml(resources: readonly string[], generators?: readonly string[]): string {
  const content = toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...resources],
    ...(generators ? { generators: [...generators] } : {}),
  });
  return withProvenance(KUSTOMIZATION, KUSTOMIZATION.file, content);
}

/** Places a cluster's manifests into stage folders, each with a kustomization.yaml, plus the cluster's own. */
export function stageLayout(clusterName: string, manifests: readonly ManifestContent[]): ClusterLayout {
  const files: RenderedFile[] = [];
  const stages: StageContent[] = [];
  for (const stage of STAGES) {
    const here = manifests.filter((m) => MANIFESTS[m.name].stage === stage);
    if (here.length === 0) continue;
    const names = here.map((m) => manifestFile(m.name));
    for (const m of here) files.push({ path: `${clusterName}/${stage.folder}/${manifestFile(m.name)}`, content: m.content });
    files.push({ path: `${clusterName}/${stage.folder}/${KUSTOMIZATION.file}`, content: kustomizationYaml(names) });
    stages.push({ folder: stage.folder, files: names, sopsFiles: here.filter((m) => m.sops ?? isSopsEncrypted(m.content)).map((m) => manifestFile(m.name)) });
  }
  files.push({ path: `${clusterName}/${KUSTOMIZATION.file}`, content: kustomizationYaml(stages.map((s) => s.folder)) });
  return { files, stages };
}

/** Whether a cluster's stages hold SOPS-encrypted files (then Flux decrypts, Argo CD goes through KSOPS). */
export const usesSops = (layout: ClusterStages): boolean => layout.stages.some((s) => s.sopsFiles.length > 0);

/** Renders constructs in a throwaway app: the entry points are small, one app per file keeps them independent. */
function synthYaml(origin: Origin & { readonly file: string }, build: (scope: Construct) => void): string {
  const chart = new Chart(new App({ outdir: '.' }), 'entry', { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
  build(chart);
  return withProvenance(origin, origin.file, toYaml(...chart.toJson()));
}

/**
 * The folder Argo CD syncs for a cluster, relative to dist/: the cluster folder,
 * or its argocd/ folder where SOPS-encrypted files must go through KSOPS.
 */
export function argoCdPath(clusterName: string, layout: ClusterStages): string {
  return usesSops(layout) ? `${clusterName}/${OUTPUT_FOLDERS.argocdKsops}` : clusterName;
}

/** The GitOps entry points of one cluster: the Flux folder and the Argo CD KSOPS folder, where rendered. */
export function clusterDeliveryFiles(mesh: Mesh, secrets: CommittedSecrets, cluster: Cluster, layout: ClusterLayout): RenderedFile[] {
  const { delivery } = mesh;
  const files: RenderedFile[] = [];
  const repository = delivery.repository;
  const sops = usesSops(layout);
  if (repository && delivery.engines.includes('flux')) {
    const content = synthYaml(
      FLUX_SYNC,
      (scope) =>
        new FluxSync(scope, 'flux', {
          clusterName: cluster.name,
          repository,
          interval: delivery.interval,
          stages: layout.stages.map((s) => ({ folder: s.folder, sops: s.sopsFiles.length > 0 })),
          ciliumNamespace: mesh.cilium.namespace,
          credentials: secrets.gitCredentials !== undefined,
        }),
    );
    files.push({ path: `${cluster.name}/${OUTPUT_FOLDERS.flux}/${FLUX_SYNC.file}`, content });
    files.push({ path: `${cluster.name}/${OUTPUT_FOLDERS.flux}/${KUSTOMIZATION.file}`, content: kustomizationYaml([FLUX_SYNC.file]) });
  }
  if (repository && delivery.engines.includes('argocd') && sops) {
    // Argo CD cannot decrypt SOPS itself: this folder builds the same stages, with the encrypted
    // files decrypted by the KSOPS generator instead of listed as resources.
    const plain = layout.stages.filter((s) => s.sopsFiles.length < s.files.length).map((s) => `../${s.folder}`);
    const encrypted = layout.stages.flatMap((s) => s.sopsFiles.map((f) => `../${s.folder}/${f}`));
    const mixed = layout.stages.filter((s) => s.sopsFiles.length > 0 && s.sopsFiles.length < s.files.length);
    if (mixed.length > 0) throw new Error(`stage ${mixed[0].folder} of ${cluster.name} mixes SOPS-encrypted and plain files; Argo CD cannot build it`);
    const generator = withProvenance(KSOPS_GENERATOR, KSOPS_GENERATOR.file, toYaml(ksopsGenerator('mesh-secrets', encrypted)));
    files.push({ path: `${cluster.name}/${OUTPUT_FOLDERS.argocdKsops}/${KSOPS_GENERATOR.file}`, content: generator });
    files.push({ path: `${cluster.name}/${OUTPUT_FOLDERS.argocdKsops}/${KUSTOMIZATION.file}`, content: kustomizationYaml(plain, [KSOPS_GENERATOR.file]) });
  }
  return files;
}

/** The Flux entry points of the mesh, per cluster, relative to dist/; none without a repository or Flux. */
export function fluxEntryPoints(mesh: Mesh): string[] {
  const { delivery } = mesh;
  if (!delivery.repository || !delivery.engines.includes('flux')) return [];
  return mesh.clusters.map((c) => `${c.name}/${OUTPUT_FOLDERS.flux}`);
}

/** dist/argocd/applicationset.yaml, where the mesh is delivered by Argo CD from a repository. */
export function applicationSetFile(mesh: Mesh, layouts: ReadonlyMap<string, ClusterStages>): RenderedFile | undefined {
  const { delivery } = mesh;
  const repository = delivery.repository;
  if (!repository || !delivery.engines.includes('argocd')) return undefined;
  const content = synthYaml(
    APPLICATION_SET,
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
  return { path: APPLICATION_SET_FILE, content };
}
