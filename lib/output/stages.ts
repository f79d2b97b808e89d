/**
 * The apply stages of a cluster's manifests (which manifest goes in which:
 * lib/output/files.ts). dist/<cluster>/ holds one folder per
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
