/**
 * The Cilium releases this product renders for, and what differs between them.
 * Each fact was read from that release's Helm chart; rendering code asks these
 * questions instead of comparing version strings.
 */

export const SUPPORTED_CILIUM_VERSIONS = ['1.18.12', '1.19.6', '1.20.0'] as const;
export type CiliumVersion = (typeof SUPPORTED_CILIUM_VERSIONS)[number];

export function isSupportedCiliumVersion(value: unknown): value is CiliumVersion {
  return typeof value === 'string' && (SUPPORTED_CILIUM_VERSIONS as readonly string[]).includes(value);
}

export interface CiliumVersionFacts {
  /**
   * 1.20 reads `<peer>.mesh.cilium.io` addresses from the peer entry itself
   * (`cilium-host-aliases`); older releases need hostAliases on the pod that dials.
   */
  readonly hostAliasesInPeerConfig: boolean;
  /**
   * Before 1.19, with kube-proxy replacement, agents dialling a peer's NodePort
   * that equals their own cluster's reached their own cluster.
   */
  readonly needsDistinctMeshNodePorts: boolean;
  /**
   * 1.18 renders ConfigMap `clustermesh-remote-users` itself whenever authMode is not
   * `legacy`, from the names in `clustermesh.config.clusters`, even with
   * `clustermesh.config.enabled: false`; from 1.19 it renders it only with the config
   * enabled, so whoever writes the peer Secrets must provide it
   * (templates/clustermesh-apiserver/users-configmap.yaml).
   */
  readonly chartRendersRemoteUsers: boolean;
}

const FACTS: Record<CiliumVersion, CiliumVersionFacts> = {
  '1.18.12': {
    hostAliasesInPeerConfig: false,
    needsDistinctMeshNodePorts: true,
    chartRendersRemoteUsers: true,
  },
  '1.19.6': {
    hostAliasesInPeerConfig: false,
    needsDistinctMeshNodePorts: false,
    chartRendersRemoteUsers: false,
  },
  '1.20.0': {
    hostAliasesInPeerConfig: true,
    needsDistinctMeshNodePorts: false,
    chartRendersRemoteUsers: false,
  },
};

export function ciliumVersionFacts(version: CiliumVersion): CiliumVersionFacts {
  return FACTS[version];
}

/** Helm chart repository the HelmChart installs from. */
export const CILIUM_HELM_REPO = 'https://helm.cilium.io/';
