/**
 * The apply order of a cluster's manifests. dist/<cluster>/ holds one folder per
 * stage, each with its own kustomization.yaml, so that Flux can apply them one
 * after the other (one Kustomization per stage, with dependsOn), while
 * dist/<cluster>/kustomization.yaml lists the stage folders and so still builds
 * everything at once (kubectl kustomize, Argo CD).
 */

export interface Stage {
  /** Folder under dist/<cluster>/, also the suffix of the stage's Flux Kustomization. */
  readonly folder: string;
  /** What the stage applies, for messages and the overview. */
  readonly description: string;
}

export const CA_STAGE: Stage = { folder: '01-ca', description: 'the mesh CA Secret the Cilium HelmChart reads its CA values from' };
export const CILIUM_STAGE: Stage = { folder: '02-cilium', description: 'the Cilium HelmChart and the remote users its clustermesh-apiserver needs to start' };
export const MESH_STAGE: Stage = { folder: '03-mesh', description: 'the mesh endpoint, the peer Secrets and the host aliases' };
export const WORKLOADS_STAGE: Stage = { folder: '04-workloads', description: 'global services, their namespaces and backends, and the policies' };
/**
 * The verification kit, last and on its own: its check Job runs for minutes and may fail
 * while a peer is down, which must not hold the stages before it unhealthy.
 */
export const VERIFY_STAGE: Stage = { folder: '05-verify', description: 'the verification kit: echo servers and the check Job' };

/** Every stage, in apply order. */
export const STAGES: readonly Stage[] = [CA_STAGE, CILIUM_STAGE, MESH_STAGE, WORKLOADS_STAGE, VERIFY_STAGE];

/** Manifests (named after their construct) placed before the workloads stage. */
const PLACED: Readonly<Record<string, Stage>> = {
  'cilium-helm-chart': CILIUM_STAGE,
  'clustermesh-remote-users': CILIUM_STAGE,
  'mesh-endpoint-service': MESH_STAGE,
  'clustermesh-secrets': MESH_STAGE,
  'host-aliases-patch': MESH_STAGE,
  'global-service': WORKLOADS_STAGE,
  'cluster-policies': WORKLOADS_STAGE,
  'verification-kit': VERIFY_STAGE,
};

/**
 * The stage of a manifest file (its name without `.yaml`). The mesh CA and its
 * variants (`mesh-ca-*`) come first: the HelmChart waits for the CA Secret.
 * Anything the table does not name is applied last, after Cilium and its CRDs
 * exist, which is right for services, policies and test workloads.
 */
export function stageOf(manifestName: string): Stage {
  if (manifestName === 'mesh-ca' || manifestName.startsWith('mesh-ca-')) return CA_STAGE;
  return PLACED[manifestName] ?? WORKLOADS_STAGE;
}

/** Whether a file is SOPS-encrypted: sops writes its metadata as a top-level `sops:` mapping. */
export function isSopsEncrypted(content: string): boolean {
  return /^sops:[ \t]*$/m.test(content);
}
