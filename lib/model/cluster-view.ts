/**
 * What one cluster receives, computed once from the mesh: the renderer hands
 * each construct its part, and the overview reads the same placement. A policy
 * side, a default deny or a raw policy is placed here and nowhere else.
 */
import { BUILT_IN_NAMESPACES } from './names';
import { Cluster, GlobalService, Mesh, NamespaceDefaultDeny, peersOf, PolicyIntent, PolicyPeer, RawCiliumPolicy } from './mesh';

export interface ClusterView {
  readonly cluster: Cluster;
  /** The other clusters, in name order. */
  readonly peers: readonly Cluster[];
  /** Global services whose Service exists in this cluster. */
  readonly globalServices: readonly GlobalService[];
  /** Intents whose source pods run here: their egress half lives here. */
  readonly egressIntents: readonly PolicyIntent[];
  /** Intents whose destination pods run here: their ingress half lives here. */
  readonly ingressIntents: readonly PolicyIntent[];
  readonly defaultDenies: readonly NamespaceDefaultDeny[];
  readonly rawPolicies: readonly RawCiliumPolicy[];
  /**
   * Namespaces synth creates here (never pruned): those of the services, policy
   * halves, default denies and raw policies, except the ones every cluster has,
   * Cilium's and the verification kit's own. Sorted.
   */
  readonly namespaces: readonly string[];
}

/** Does this cluster hold the pods on this side of an intent? A side that names no cluster runs everywhere. */
export function sideRunsIn(side: PolicyPeer, clusterName: string): boolean {
  return side.cluster === undefined || side.cluster === clusterName;
}

export function clusterView(mesh: Mesh, cluster: Cluster): ClusterView {
  const here = cluster.name;
  const globalServices = mesh.globalServices.filter((s) => s.clusters.includes(here));
  const egressIntents = mesh.policies.filter((p) => sideRunsIn(p.from, here));
  const ingressIntents = mesh.policies.filter((p) => sideRunsIn(p.to, here));
  const defaultDenies = mesh.defaultDenies.filter((d) => d.clusters.includes(here));
  const rawPolicies = mesh.rawPolicies.filter((r) => r.clusters.includes(here));
  const used = [
    ...globalServices.map((s) => s.namespace),
    ...egressIntents.map((p) => p.from.namespace),
    ...ingressIntents.map((p) => p.to.namespace),
    ...defaultDenies.map((d) => d.namespace),
    ...rawPolicies.flatMap((r) => (r.namespace === undefined ? [] : [r.namespace])),
  ];
  const skip = new Set([...BUILT_IN_NAMESPACES, mesh.cilium.namespace, ...(mesh.verificationKit ? [mesh.verificationKit.namespace] : [])]);
  const namespaces = [...new Set(used)].filter((n) => !skip.has(n)).sort();
  return { cluster, peers: peersOf(mesh, cluster), globalServices, egressIntents, ingressIntents, defaultDenies, rawPolicies, namespaces };
}
