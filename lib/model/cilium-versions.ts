/**
 * The Cilium release lines this product renders for, and what differs between
 * them. Facts hold for a whole minor line (a patch release changes no chart
 * value the product sets); each was read from the tested patch's Helm chart,
 * which the chart conformance tests render. Rendering code asks these
 * questions instead of comparing version strings.
 */

/** Each supported minor line and the patch release it is tested with. */
export const TESTED_CILIUM_PATCHES = { '1.18': '1.18.12', '1.19': '1.19.6', '1.20': '1.20.0' } as const;
export type CiliumLine = keyof typeof TESTED_CILIUM_PATCHES;
/** A chart version of a supported line, e.g. 1.19.6. */
export type CiliumVersion = string;

const CHART_VERSION = /^(1\.\d+)\.(\d+)$/;

/** The supported line of a chart version, or undefined for another line or a malformed version. */
export function ciliumLineOf(version: string): CiliumLine | undefined {
  const line = CHART_VERSION.exec(version)?.[1];
  return line !== undefined && line in TESTED_CILIUM_PATCHES ? (line as CiliumLine) : undefined;
}

export function isSupportedCiliumVersion(value: unknown): value is CiliumVersion {
  return typeof value === 'string' && ciliumLineOf(value) !== undefined;
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
  /**
   * Where, under `clustermesh.apiserver.tls`, the chart takes extra DNS names for the server
   * certificate it generates: 1.18 and 1.19 read `server.extraDnsNames`; 1.20 reads
   * `auto.server.extraDnsNames` and the old key only as a deprecated fallback
   * (templates/clustermesh-apiserver/tls-helm/server-secret.yaml, _helpers.tpl).
   */
  readonly serverExtraDnsNamesPath: readonly string[];
  /**
   * Days each clustermesh-apiserver certificate is valid when
   * `clustermesh.apiserver.tls.auto.certValidityDuration` is not set (values.yaml:
   * 1095 in 1.18 and 1.19, 365 from 1.20).
   */
  readonly defaultCertValidityDays: number;
}

const FACTS: Record<CiliumLine, CiliumVersionFacts> = {
  '1.18': {
    hostAliasesInPeerConfig: false,
    needsDistinctMeshNodePorts: true,
    chartRendersRemoteUsers: true,
    serverExtraDnsNamesPath: ['server', 'extraDnsNames'],
    defaultCertValidityDays: 1095,
  },
  '1.19': {
    hostAliasesInPeerConfig: false,
    needsDistinctMeshNodePorts: false,
    chartRendersRemoteUsers: false,
    serverExtraDnsNamesPath: ['server', 'extraDnsNames'],
    defaultCertValidityDays: 1095,
  },
  '1.20': {
    hostAliasesInPeerConfig: true,
    needsDistinctMeshNodePorts: false,
    chartRendersRemoteUsers: false,
    serverExtraDnsNamesPath: ['auto', 'server', 'extraDnsNames'],
    defaultCertValidityDays: 365,
  },
};

export function ciliumVersionFacts(version: CiliumVersion): CiliumVersionFacts {
  const line = ciliumLineOf(version);
  if (line === undefined) throw new Error(`Cilium ${version} is not of a supported line (${Object.keys(TESTED_CILIUM_PATCHES).join(', ')})`);
  return FACTS[line];
}

/** Helm chart repository the HelmChart installs from. */
export const CILIUM_HELM_REPO = 'https://helm.cilium.io/';
