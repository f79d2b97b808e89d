/**
 * The per-peer etcd client configurations Cilium reads from the
 * cilium-clustermesh and cilium-kvstoremesh Secrets, in the exact text the
 * chart's `clustermesh-config-generate-etcd-cfg` helper renders.
 */
import { Cluster, Mesh, peersOf } from '../model/mesh';
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

/** Every node of the peer serves its mesh NodePort, so every node IP is a valid address. */
export function peerHostAlias(peer: Cluster): HostAlias {
  return { hostname: peerHostname(peer), ips: peer.nodes.map((n) => n.ip) };
}

export function meshPeerConfig(mesh: Mesh, cluster: Cluster): MeshPeerConfig {
  const peers = peersOf(mesh, cluster);
  const withAliases = ciliumVersionFacts(mesh.cilium.version).hostAliasesInPeerConfig;
  const remote = new Map(peers.map((p) => [p.name, remotePeerConfig(p, withAliases)]));
  if (!mesh.cilium.kvstoremesh) return { clustermesh: remote };
  const local = localApiserverConfig(mesh.cilium.namespace);
  return { clustermesh: new Map(peers.map((p) => [p.name, local])), kvstoremesh: remote };
}

/** Dials the peer's mesh endpoint with the shared "remote" client certificate. */
function remotePeerConfig(peer: Cluster, withAliases: boolean): string {
  const lines = [
    'endpoints:',
    `- https://${peerHostname(peer)}:${peer.meshNodePort}`,
    `trusted-ca-file: ${CONFIG_DIR}/common-etcd-client-ca.crt`,
    `key-file: ${CONFIG_DIR}/common-etcd-client.key`,
    `cert-file: ${CONFIG_DIR}/common-etcd-client.crt`,
  ];
  if (withAliases) {
    const alias = peerHostAlias(peer);
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
