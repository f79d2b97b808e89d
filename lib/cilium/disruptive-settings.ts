/**
 * The Cilium settings a running cluster cannot take a new value of without
 * breaking something: the guard rails of synth and validate refuse a change of
 * them against the base revision, and the rollout impact reports it as
 * disruptive. Each is read from the Helm values the HelmChart carries, so a
 * value set through `helmValues` counts as much as the inventory field that
 * renders it. A new setting (say, encryption) is one more entry here.
 */
import { parse } from 'yaml';
import type { HelmValues } from './helm-values';

export interface DisruptiveSetting {
  /** The word that allows a change of it: `--allow-disruptive <key>`, MESH_ALLOW_DISRUPTIVE. */
  readonly key: string;
  /** What it is, for messages. */
  readonly what: string;
  /** The Helm values that carry it (paths into valuesContent). */
  readonly helmPaths: readonly (readonly string[])[];
  /** Where the inventory says it: the field of a cluster file, or of the mesh file when `meshWide`. */
  readonly field: string;
  readonly meshWide: boolean;
  /** What breaks when a running cluster gets a new value. */
  readonly breaks: string;
  /**
   * The values as the chart acts on them, so that equal behaviour compares equal (a value left
   * out and the chart's default; a setting that only matters when another one is on). @default as written
   */
  readonly effective?: (values: readonly unknown[]) => readonly unknown[];
}

/** A renamed cluster: detected by its id, not by a value path (the name is the identity of its dist/ folder). */
export const CLUSTER_RENAME: Omit<DisruptiveSetting, 'helmPaths'> = {
  key: 'cluster-name',
  what: 'cluster name',
  field: 'name',
  meshWide: false,
  // Cilium keys remote state by cluster name (kvstore prefix cilium/state/.../<name>, the peer Secret keys,
  // the etcd user remote-<name>); the clustermesh docs ask for a name and id that never change.
  breaks:
    'the peers know the cluster by its old name (their peer Secrets, the etcd user remote-<name>, the kvstore prefix): until every cluster has synced and every agent restarted, cross-cluster traffic to and from it stops, and the old folder in dist/ is gone, so nothing in the running cluster is updated',
};

export const DISRUPTIVE_SETTINGS: readonly DisruptiveSetting[] = [
  {
    key: 'cluster-id',
    what: 'cluster id',
    helmPaths: [['cluster', 'id']],
    field: 'id',
    meshWide: false,
    // Cilium encodes the cluster id in every security identity of the cluster (pkg/identity: the id is the
    // top bits of the numeric identity), so identities, policies and the peers' caches all change.
    breaks:
      'every security identity of the cluster encodes its id: all pods get new identities, policies drop traffic until every agent and every peer has the new ones, and the cluster must be restarted as a whole (agents and all pods)',
  },
  {
    key: 'pod-range',
    what: 'pod range',
    helmPaths: [['ipam', 'operator', 'clusterPoolIPv4PodCIDRList']],
    field: 'podCidr',
    meshWide: false,
    // Cilium Documentation/network/concepts/ipam/cluster-pool.rst: "Don't change any existing elements of the
    // clusterPoolIPv4PodCIDRList list, as changes cause unexpected behavior."
    breaks:
      "Cilium's cluster-pool IPAM does not move nodes to a changed pod range (its docs: don't change existing elements of clusterPoolIPv4PodCIDRList): nodes keep their old pod CIDRs, which the peers no longer route to this cluster, until every node is drained and its CiliumNode deleted",
  },
  {
    key: 'routing',
    what: 'routing mode',
    helmPaths: [['routingMode'], ['tunnelProtocol'], ['ipv4NativeRoutingCIDR']],
    field: 'cilium.routing',
    meshWide: true,
    breaks:
      'agents switch datapath one by one as they restart: pods on restarted and not yet restarted nodes (and clusters) cannot reach each other until every agent of every cluster runs the new mode, and the firewall must allow the new ports (tunnel 8472/UDP or 6081/UDP)',
  },
  {
    key: 'encryption',
    what: 'encryption mode',
    helmPaths: [['encryption', 'enabled'], ['encryption', 'type']],
    field: 'cilium.encryption',
    meshWide: true,
    // The chart's defaults (values.yaml of 1.18 to 1.20): enabled false, type ipsec; the type means nothing while off.
    effective: ([enabled, type]) => (enabled === true ? [true, type ?? 'ipsec'] : [false]),
    breaks:
      'nodes with and without (or with another) transparent encryption drop each other’s traffic until every agent of every cluster has restarted with the new mode, and a new key Secret must be in place first',
  },
];

/** The value at `path` in Helm values, undefined when any step is missing. */
export function valueAt(values: unknown, path: readonly string[]): unknown {
  let at: unknown = values;
  for (const step of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return at;
}

/** The values of a setting, comparable across revisions (undefined and null are alike: the chart default). */
export function settingValue(values: unknown, setting: Pick<DisruptiveSetting, 'helmPaths' | 'effective'>): string {
  const written = setting.helmPaths.map((p) => valueAt(values, p) ?? null);
  return JSON.stringify(setting.effective ? setting.effective(written.map((v) => v ?? undefined)) : written);
}

/** A setting's values as people read them: `tunnel, vxlan`. */
export function describeSetting(values: unknown, setting: Pick<DisruptiveSetting, 'helmPaths'>): string {
  const parts = setting.helmPaths.map((p) => valueAt(values, p)).filter((v) => v !== undefined && v !== null);
  return parts.length === 0 ? '(chart default)' : parts.map((v) => (Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
}

/** The settings whose values differ between two sets of Helm values. */
export function changedSettings(before: unknown, after: unknown): DisruptiveSetting[] {
  return DISRUPTIVE_SETTINGS.filter((s) => settingValue(before, s) !== settingValue(after, s));
}

/** The Helm values of a rendered k3s HelmChart object (its valuesContent), {} when it has none. */
export function helmChartValues(helmChart: unknown): HelmValues {
  const content = valueAt(helmChart, ['spec', 'valuesContent']);
  if (typeof content !== 'string') return {};
  const values = parse(content) as unknown;
  return values !== null && typeof values === 'object' && !Array.isArray(values) ? (values as HelmValues) : {};
}
