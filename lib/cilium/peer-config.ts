/**
 * The per-peer etcd client configurations Cilium reads from the
 * cilium-clustermesh and cilium-kvstoremesh Secrets, in the exact text the
 * chart's `clustermesh-config-generate-etcd-cfg` helper renders.
 */
import { Cluster, Mesh, peerFacingAddress, peersOf } from '../model/mesh';
import { ciliumVersionFacts } from '../model/cilium-versions';

/** DNS domain under which peers are dialled; the apiserver certificates cover `*.mesh.cilium.io`. */
export const MESH_DOMAIN = 'mesh.cilium.io';
const CONFIG_DIR = '/var/lib/cilium/clustermesh';

export interface HostAlias {
  readonly hostname: string;
  readonly ips: readonly string[];
}

/** Key = peer cluster name, value = etcd client config text (no trailing newline, as the chart's). */
export type PeerEntries = ReadonlyMap<string, string>;

export interface MeshPeerConfig {
  /** Read by the agents (and operator). */
  readonly clustermesh: PeerEntries;
  /** Read by KVStoreMesh in clustermesh-apiserver; undefined when KVStoreMesh is off. */
  readonly kvstoremesh?: PeerEntries;
}

export function peerHostname(peer: Cluster): string {
  return `${peer.name}.${MESH_DOMAIN}`;
}

/** Port clustermesh-apiserver's etcd listens on, and the port of the chart's Service. */
export const CLUSTERMESH_APISERVER_PORT = 2379;

/**
 * What the other clusters dial to reach a cluster, as the chart's own
 * `clustermesh.config.clusters` entry would say it (templates/clustermesh-config/
 * _helpers.tpl): with `ips`, `https://<name>.mesh.cilium.io:<port>` and those IPs as
 * host aliases; without, `https://<address>:<port>` resolved by DNS.
 * The server certificate covers `*.mesh.cilium.io`, so an IP address is always
 * reached through the peer's mesh name; a DNS address is dialled by its own name,
 * which that cluster's chart adds to the certificate (serverCertificateDnsNames).
 */
export interface PeerDial {
  /** Host of the endpoint URL (and of the TLS server name check). */
  readonly host: string;
  readonly port: number;
  /** Addresses `host` resolves to through host aliases; empty when DNS resolves it. */
  readonly ips: readonly string[];
}

export function peerDial(peer: Cluster): PeerDial {
  const endpoint = peer.meshEndpoint;
  switch (endpoint.type) {
    case 'NodePort':
      // Every node of the peer serves its mesh NodePort, so every node is a valid address.
      return { host: peerHostname(peer), port: endpoint.nodePort, ips: peer.nodes.map(peerFacingAddress) };
    case 'LoadBalancer':
      return { host: peerHostname(peer), port: CLUSTERMESH_APISERVER_PORT, ips: [endpoint.loadBalancerIP] };
    case 'External':
      if (endpoint.addressKind === 'ip') return { host: peerHostname(peer), port: endpoint.port, ips: [endpoint.address] };
      return { host: endpoint.address, port: endpoint.port, ips: [] };
  }
}

/** The host alias that makes `<peer>.mesh.cilium.io` resolve; undefined for a peer dialled by its DNS name. */
export function peerHostAlias(peer: Cluster): HostAlias | undefined {
  const dial = peerDial(peer);
  return dial.ips.length === 0 ? undefined : { hostname: dial.host, ips: dial.ips };
}

/** DNS names the cluster's server certificate must carry besides the chart's own: the DNS address its peers dial. */
export function serverCertificateDnsNames(cluster: Cluster): string[] {
  const endpoint = cluster.meshEndpoint;
  return endpoint.type === 'External' && endpoint.addressKind === 'dns' ? [endpoint.address] : [];
}

export function meshPeerConfig(mesh: Mesh, cluster: Cluster): MeshPeerConfig {
  const peers = peersOf(mesh, cluster);
  const withAliases = ciliumVersionFacts(mesh.cilium.version).hostAliasesInPeerConfig;
  const remote = new Map(peers.map((p) => [p.name, remotePeerConfig(p, withAliases)]));
  if (!mesh.cilium.kvstoremesh) return { clustermesh: remote };
  const local = localApiserverConfig(mesh.cilium.namespace);
  return { clustermesh: new Map(peers.map((p) => [p.name, local])), kvstoremesh: remote };
}

/**
 * A peer's entry is the same in every cluster that dials it: made once per
 * peer (every cluster of a large mesh holds every other's), not once per pair.
 */
const REMOTE_CONFIGS = { withAliases: new WeakMap<Cluster, string>(), without: new WeakMap<Cluster, string>() };

/** Dials the peer's mesh endpoint with the shared "remote" client certificate. */
function remotePeerConfig(peer: Cluster, withAliases: boolean): string {
  const made = withAliases ? REMOTE_CONFIGS.withAliases : REMOTE_CONFIGS.without;
  let config = made.get(peer);
  if (config === undefined) {
    config = peerConfigText(peer, withAliases);
    made.set(peer, config);
  }
  return config;
}

function peerConfigText(peer: Cluster, withAliases: boolean): string {
  const dial = peerDial(peer);
  const lines = [
    'endpoints:',
    `- https://${dial.host}:${dial.port}`,
    `trusted-ca-file: ${CONFIG_DIR}/common-etcd-client-ca.crt`,
    `key-file: ${CONFIG_DIR}/common-etcd-client.key`,
    `cert-file: ${CONFIG_DIR}/common-etcd-client.crt`,
  ];
  const alias = peerHostAlias(peer);
  if (withAliases && alias) {
    lines.push('cilium-host-aliases:', `- hostname: ${alias.hostname}`, '  ips:', ...alias.ips.map((ip) => `  - ${ip}`));
  }
  return lines.join('\n');
}

/** With KVStoreMesh the agents read every peer from their own cluster's cache. */
function localApiserverConfig(namespace: string): string {
  return [
    'endpoints:',
    `- https://clustermesh-apiserver.${namespace}.svc:2379`,
    `trusted-ca-file: ${CONFIG_DIR}/local-etcd-client-ca.crt`,
    `key-file: ${CONFIG_DIR}/local-etcd-client.key`,
    `cert-file: ${CONFIG_DIR}/local-etcd-client.crt`,
  ].join('\n');
}

/**
 * The etcd users this cluster's clustermesh-apiserver must know, one per peer,
 * named after the common name of that peer's remote client certificate
 * (`remote-<cluster>` in `cluster` and `migration` mode); none in `legacy` mode,
 * where every cluster dials as the built-in `remote` user.
 */
export function remoteUsers(mesh: Mesh, cluster: Cluster): string[] | undefined {
  if (mesh.cilium.authMode === 'legacy') return undefined;
  return peersOf(mesh, cluster).map((peer) => `remote-${peer.name}`).sort();
}

/**
 * Which workload dials the peers and so needs `hostAliases` before 1.20:
 * clustermesh-apiserver (KVStoreMesh on) or the agent DaemonSet (off).
 */
export type DialingWorkload = { readonly kind: 'Deployment'; readonly name: 'clustermesh-apiserver' } | { readonly kind: 'DaemonSet'; readonly name: 'cilium' };

export function dialingWorkload(mesh: Mesh): DialingWorkload {
  return mesh.cilium.kvstoremesh ? { kind: 'Deployment', name: 'clustermesh-apiserver' } : { kind: 'DaemonSet', name: 'cilium' };
}
