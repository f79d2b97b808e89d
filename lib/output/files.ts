/**
 * Every kind of file synth writes into dist/, as data: its name, what renders
 * it (a construct or a function) and the source file of that code, and for a
 * cluster's manifests the apply stage and whether bootstrap/ gets a copy.
 *
 * The renderer, the stage layout, the bootstrap folder and the provenance
 * header (lib/output/provenance.ts) all read this table: a file kind it does
 * not name does not compile, and any dist/ file names its code.
 */
import { CA_STAGE, CILIUM_STAGE, MESH_STAGE, Stage, VERIFY_STAGE, WORKLOADS_STAGE } from './stages';

/** One file of dist/, as rendered. */
export interface RenderedFile {
  /** Path relative to dist/, with '/' separators. */
  readonly path: string;
  readonly content: string;
}

/** The code that renders a file. */
export interface Origin {
  /** The construct class or function. */
  readonly renderedBy: string;
  /** Its source file, relative to the project root. */
  readonly source: string;
}

/** A manifest file of a cluster: dist/<cluster>/<stage>/<name>.yaml. */
export interface ManifestEntry extends Origin {
  readonly stage: Stage;
  /**
   * k3s applies a copy from its manifests folder at first start (dist/<cluster>/bootstrap/),
   * before any GitOps engine can run: what Cilium needs to come up.
   */
  readonly bootstrap: boolean;
}

/** A cluster's manifests, in apply order within their stage. */
export const MANIFESTS = {
  'mesh-ca-secret': { stage: CA_STAGE, bootstrap: false, renderedBy: 'MeshCaSecret', source: 'lib/constructs/mesh-ca-secret.ts' },
  'kube-vip': { stage: CILIUM_STAGE, bootstrap: true, renderedBy: 'KubeVip', source: 'lib/constructs/kube-vip.ts' },
  'cilium-helm-chart': { stage: CILIUM_STAGE, bootstrap: true, renderedBy: 'CiliumHelmChart', source: 'lib/constructs/cilium-helm-chart.ts' },
  'clustermesh-remote-users': { stage: CILIUM_STAGE, bootstrap: true, renderedBy: 'ClusterMeshRemoteUsers', source: 'lib/constructs/clustermesh-remote-users.ts' },
  'mesh-endpoint-service': { stage: MESH_STAGE, bootstrap: false, renderedBy: 'MeshEndpointService', source: 'lib/constructs/mesh-endpoint-service.ts' },
  'clustermesh-secrets': { stage: MESH_STAGE, bootstrap: false, renderedBy: 'ClusterMeshSecrets', source: 'lib/constructs/clustermesh-secrets.ts' },
  'host-aliases-patch': { stage: MESH_STAGE, bootstrap: false, renderedBy: 'HostAliasesPatch', source: 'lib/constructs/host-aliases-patch.ts' },
  namespaces: { stage: WORKLOADS_STAGE, bootstrap: false, renderedBy: 'MeshNamespace', source: 'lib/constructs/namespace.ts' },
  'global-service': { stage: WORKLOADS_STAGE, bootstrap: false, renderedBy: 'GlobalServiceResources', source: 'lib/constructs/global-service.ts' },
  'cluster-policies': { stage: WORKLOADS_STAGE, bootstrap: false, renderedBy: 'PolicyHalves', source: 'lib/constructs/cluster-policies.ts' },
  'default-deny': { stage: WORKLOADS_STAGE, bootstrap: false, renderedBy: 'NamespaceDefaultDenyPolicy', source: 'lib/constructs/default-deny.ts' },
  'raw-policies': { stage: WORKLOADS_STAGE, bootstrap: false, renderedBy: 'RawPolicy', source: 'lib/constructs/raw-policy.ts' },
  'verification-kit': { stage: VERIFY_STAGE, bootstrap: false, renderedBy: 'VerificationKit', source: 'lib/constructs/verification-kit.ts' },
} as const satisfies Record<string, ManifestEntry>;

export type ManifestName = keyof typeof MANIFESTS;

/** The file of a manifest, in its stage folder and, where copied, in bootstrap/. */
export const manifestFile = (name: ManifestName): string => `${name}.yaml`;

/** The folders of dist/ besides the cluster folders and their stage folders. */
export const OUTPUT_FOLDERS = {
  /** dist/argocd/: the ApplicationSet for the whole mesh. */
  argocd: 'argocd',
  /** dist/<cluster>/flux/: the cluster's Flux entry point. */
  flux: 'flux',
  /** dist/<cluster>/argocd/: the stages again for Argo CD, with the SOPS files through KSOPS. */
  argocdKsops: 'argocd',
  /** dist/<cluster>/bootstrap/: what the first server needs before any GitOps engine runs. */
  bootstrap: 'bootstrap',
} as const;

/**
 * Names no cluster may take, each with what it is in dist/: a cluster folder of
 * that name would sit beside, or be confused with, these.
 */
export const RESERVED_CLUSTER_NAMES: Readonly<Record<string, string>> = {
  [OUTPUT_FOLDERS.argocd]: `the Argo CD entry point (dist/${OUTPUT_FOLDERS.argocd}/)`,
  [OUTPUT_FOLDERS.bootstrap]: `each cluster's bootstrap folder (dist/<cluster>/${OUTPUT_FOLDERS.bootstrap}/)`,
  [OUTPUT_FOLDERS.flux]: `each cluster's Flux entry point (dist/<cluster>/${OUTPUT_FOLDERS.flux}/)`,
  readme: 'the overview of the mesh (dist/README.md)',
};

/** The other files of dist/: the layout around the manifests, the entry points, the guides. */
export const SUPPORT_FILES = {
  /** dist/<cluster>/<stage>/kustomization.yaml and dist/<cluster>/kustomization.yaml */
  kustomization: { file: 'kustomization.yaml', renderedBy: 'kustomizationYaml', source: 'lib/gitops/layout.ts' },
  /** dist/<cluster>/flux/flux-sync.yaml */
  fluxSync: { file: 'flux-sync.yaml', renderedBy: 'FluxSync', source: 'lib/gitops/flux-sync.ts' },
  /** dist/<cluster>/argocd/ksops-generator.yaml */
  ksopsGenerator: { file: 'ksops-generator.yaml', renderedBy: 'ksopsGenerator', source: 'lib/gitops/argocd.ts' },
  /** dist/argocd/applicationset.yaml */
  applicationSet: { file: 'applicationset.yaml', renderedBy: 'ArgoCdApplicationSet', source: 'lib/gitops/argocd.ts' },
  /** dist/README.md */
  overview: { file: 'README.md', renderedBy: 'overviewReadme', source: 'lib/overview/readme.ts' },
  /** dist/<cluster>/VERIFY.md */
  verifyGuide: { file: 'VERIFY.md', renderedBy: 'verifyGuide', source: 'lib/constructs/verification-kit.ts' },
  /** dist/<cluster>/bootstrap/k3s-config-<node>.yaml */
  k3sConfig: { file: 'k3s-config-<node>.yaml', renderedBy: 'k3sNodeConfigs', source: 'lib/bootstrap/k3s-node-config.ts' },
  /** dist/<cluster>/bootstrap/README.md */
  bootstrapReadme: { file: 'README.md', renderedBy: 'bootstrapReadme', source: 'lib/bootstrap/readme.ts' },
  /** dist/<cluster>/bootstrap/handover.sh */
  handoverScript: { file: 'handover.sh', renderedBy: 'handoverScript', source: 'lib/bootstrap/handover.ts' },
  /** dist/<cluster>/bootstrap/join-node.sh, for a cluster of more than one node */
  joinNodeScript: { file: 'join-node.sh', renderedBy: 'joinNodeScript', source: 'lib/bootstrap/join-node.ts' },
  /** dist/<cluster>/bootstrap/HANDOVER.md */
  handoverGuide: { file: 'HANDOVER.md', renderedBy: 'handoverGuide', source: 'lib/bootstrap/handover.ts' },
} as const satisfies Record<string, Origin & { readonly file: string }>;
