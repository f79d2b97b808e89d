/**
 * Policies files: intents "from may reach to" ('*' meaning any cluster),
 * namespaces closed by default, and hand-written Cilium policies with the
 * clusters to place them in. Checks that need only this file run here; names
 * of namespaces and collisions across files are checked in mesh-rules.
 */
import { NamespaceDefaultDeny, PolicyDirection, PolicyIntent, PolicyPeer, PolicyPort, RawCiliumPolicy, RawPolicyKind } from '../model/mesh';
import { Problem } from '../report/problems';
import { checkClusterList, ClusterList, expand } from './read-services';
import { FieldPath, SourceFile } from './source-file';
import { DEFAULTS } from './defaults';

const POLICIES = DEFAULTS.Policies;

interface RawPeer {
  cluster?: string;
  namespace: string;
  labels: Record<string, string>;
}

interface RawIntent {
  name: string;
  description?: string;
  from: RawPeer;
  to: RawPeer;
  ports?: { port: number; protocol?: PolicyPort['protocol'] }[];
}

interface RawDefaultDeny {
  namespace: string;
  clusters?: ClusterList;
  direction?: PolicyDirection;
}

interface RawPolicyEntry {
  clusters?: ClusterList;
  policy: {
    apiVersion: 'cilium.io/v2';
    kind: RawPolicyKind;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Record<string, unknown>;
    specs?: Record<string, unknown>[];
  };
}

interface RawPoliciesFile {
  policies?: RawIntent[];
  defaultDeny?: RawDefaultDeny[];
  rawPolicies?: RawPolicyEntry[];
}

export const ANY_CLUSTER = '*';

/** The label Cilium gives every endpoint with its cluster's name, with or without a source prefix (`k8s:`). */
const CLUSTER_LABEL_KEY = /^(?:[A-Za-z0-9_-]+:)?io\.cilium\.k8s\.policy\.cluster$/;

/** What one Policies file declares; `index` is the position in its list, for messages. */
export interface PoliciesFileContents {
  readonly intents: PolicyIntent[];
  readonly defaultDenies: NamespaceDefaultDeny[];
  readonly rawPolicies: RawCiliumPolicy[];
}

/** Cluster names are checked as in readServices (`alsoAccepted` is not reported). */
export function readPolicies(file: SourceFile, clusterNames: readonly string[], problems: Problem[], alsoAccepted: readonly string[] = []): PoliciesFileContents {
  const data = file.data as RawPoliciesFile;
  const known = (name: string) => clusterNames.length === 0 || clusterNames.includes(name) || alsoAccepted.includes(name);

  const intents = (data.policies ?? []).map((policy, index): PolicyIntent => {
    const at = ['policies', index];
    const peer = (side: 'from' | 'to'): PolicyPeer => {
      const p = policy[side];
      const cluster = p.cluster === undefined || p.cluster === ANY_CLUSTER ? undefined : p.cluster;
      if (cluster !== undefined && !known(cluster)) {
        problems.push(file.problem([...at, side, 'cluster'], `'${cluster}' is not a cluster of the mesh`, `use one of: ${clusterNames.join(', ')}, or '*' for any cluster`));
      }
      return { cluster, namespace: p.namespace, labels: p.labels };
    };
    return {
      source: { file: file.path },
      name: policy.name,
      description: policy.description,
      from: peer('from'),
      to: peer('to'),
      ports: (policy.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? POLICIES.policies[0].ports[0].protocol })),
    };
  });

  const defaultDenies = (data.defaultDeny ?? []).map((deny, index): NamespaceDefaultDeny => {
    checkClusterList(file, ['defaultDeny', index, 'clusters'], deny.clusters, clusterNames, alsoAccepted, problems);
    return {
      source: { file: file.path },
      namespace: deny.namespace,
      clusters: expand(deny.clusters ?? POLICIES.defaultDeny[0].clusters, clusterNames),
      direction: deny.direction ?? POLICIES.defaultDeny[0].direction,
    };
  });

  const rawPolicies = (data.rawPolicies ?? []).map((entry, index): RawCiliumPolicy => {
    const at = ['rawPolicies', index];
    checkClusterList(file, [...at, 'clusters'], entry.clusters, clusterNames, alsoAccepted, problems);
    checkRawPolicy(file, [...at, 'policy'], entry.policy, problems);
    for (const ref of clusterLabelReferences(entry.policy, [...at, 'policy'])) {
      if (!known(ref.cluster)) {
        problems.push(file.problem(ref.path, `'${ref.cluster}' in a cluster label is not a cluster of the mesh (the selector would match nothing)`, `use one of: ${clusterNames.join(', ')}`));
      }
    }
    const { metadata } = entry.policy;
    return {
      source: { file: file.path },
      kind: entry.policy.kind,
      name: metadata.name,
      namespace: entry.policy.kind === 'CiliumNetworkPolicy' ? metadata.namespace : undefined,
      clusters: expand(entry.clusters ?? POLICIES.rawPolicies[0].clusters, clusterNames),
      manifest: entry.policy,
    };
  });

  return { intents, defaultDenies, rawPolicies };
}

/**
 * The fields of a hand-written policy that decide where and whether it
 * applies. The full CRD schema is not shipped with the product; the tests
 * check every rendered policy against it.
 */
function checkRawPolicy(file: SourceFile, at: FieldPath, policy: RawPolicyEntry['policy'], problems: Problem[]): void {
  const namespaced = policy.kind === 'CiliumNetworkPolicy';
  if (namespaced && policy.metadata.namespace === undefined) {
    problems.push(file.problem([...at, 'metadata'], 'a CiliumNetworkPolicy needs metadata.namespace', 'add the namespace the policy applies in, or make it a CiliumClusterwideNetworkPolicy'));
  }
  if (!namespaced && policy.metadata.namespace !== undefined) {
    problems.push(file.problem([...at, 'metadata', 'namespace'], 'a CiliumClusterwideNetworkPolicy has no namespace', 'remove metadata.namespace, or make it a CiliumNetworkPolicy'));
  }
  if (policy.spec === undefined && policy.specs === undefined) {
    problems.push(file.problem(at, "has neither 'spec' nor 'specs'", 'add spec: with an endpointSelector and the ingress or egress rules'));
  }
  const rules: [FieldPath, Record<string, unknown>][] = [];
  if (policy.spec !== undefined) rules.push([[...at, 'spec'], policy.spec]);
  (policy.specs ?? []).forEach((rule, i) => rules.push([[...at, 'specs', i], rule]));
  for (const [path, rule] of rules) {
    const hasEndpoints = rule.endpointSelector !== undefined;
    const hasNodes = rule.nodeSelector !== undefined;
    if (hasEndpoints && hasNodes) {
      problems.push(file.problem([...path, 'nodeSelector'], 'a rule selects either endpoints or nodes, not both', 'keep endpointSelector or nodeSelector'));
    } else if (namespaced && hasNodes) {
      problems.push(file.problem([...path, 'nodeSelector'], 'only a CiliumClusterwideNetworkPolicy may select nodes', 'use endpointSelector, or make it a CiliumClusterwideNetworkPolicy'));
    } else if (!hasEndpoints && !hasNodes) {
      problems.push(file.problem(path, namespaced ? "is missing 'endpointSelector'" : "is missing 'endpointSelector' or 'nodeSelector'", 'add endpointSelector: {} for every pod of the namespace, or a matchLabels selector'));
    }
  }
}

/** Every cluster name a policy selects by the cluster label, in matchLabels or In/NotIn matchExpressions. */
export function clusterLabelReferences(node: unknown, path: FieldPath): { cluster: string; path: FieldPath }[] {
  const found: { cluster: string; path: FieldPath }[] = [];
  const walk = (value: unknown, at: FieldPath): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...at, i]));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const labels = record.matchLabels;
    if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
      for (const [key, cluster] of Object.entries(labels)) {
        if (CLUSTER_LABEL_KEY.test(key) && typeof cluster === 'string') found.push({ cluster, path: [...at, 'matchLabels', key] });
      }
    }
    if (Array.isArray(record.matchExpressions)) {
      record.matchExpressions.forEach((expr: unknown, i) => {
        const e = expr as { key?: unknown; values?: unknown } | null;
        if (e && typeof e.key === 'string' && CLUSTER_LABEL_KEY.test(e.key) && Array.isArray(e.values)) {
          e.values.forEach((cluster, j) => {
            if (typeof cluster === 'string') found.push({ cluster, path: [...at, 'matchExpressions', i, 'values', j] });
          });
        }
      });
    }
    for (const [key, child] of Object.entries(record)) {
      if (key !== 'matchLabels') walk(child, [...at, key]);
    }
  };
  walk(node, path);
  return found;
}
