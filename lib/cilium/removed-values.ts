/**
 * Helm values that the supported Cilium charts no longer accept, or that this
 * product owns. An override using one is an inventory error with the fix named.
 */

export interface ValueRule {
  /** Dotted path in the values tree. */
  readonly path: string;
  /** When set, only these values are refused at the path (else any value is). */
  readonly refusedValues?: readonly unknown[];
  readonly fix: string;
}

/** Keys removed from the chart (every supported version fails on them). */
export const REMOVED_VALUES: readonly ValueRule[] = [
  { path: 'tunnel', fix: "removed in Cilium 1.15: set routing in the mesh file (mode: tunnel, tunnelProtocol: vxlan or geneve) instead" },
  { path: 'etcd.managed', fix: 'removed: the managed etcd mode no longer exists; the mesh uses clustermesh-apiserver' },
  { path: 'containerRuntime.integration', fix: 'removed: Cilium no longer integrates with the container runtime; delete this key' },
  {
    path: 'kubeProxyReplacement',
    refusedValues: ['strict', 'partial', 'probe', 'disabled'],
    fix: 'only true or false are accepted now: set kubeProxyReplacement in the mesh file instead',
  },
  // Certificates and keys of clustermesh-apiserver as values: the chart makes them from the mesh CA.
  ...(['server', 'admin', 'remote'] as const).flatMap((role) => [
    { path: `clustermesh.apiserver.tls.${role}.cert`, fix: 'certificates as Helm values are refused: the chart generates them from the mesh CA' },
    { path: `clustermesh.apiserver.tls.${role}.key`, fix: 'keys as Helm values are refused: the chart generates them from the mesh CA' },
  ]),
];

/** Keys the inventory sets itself; overriding them would break the mesh invariants. */
export const MANAGED_VALUES: readonly ValueRule[] = [
  { path: 'cluster.name', fix: "set the cluster's `name` instead" },
  { path: 'cluster.id', fix: "set the cluster's `id` instead" },
  { path: 'clustermesh.maxConnectedClusters', fix: 'set cilium.maxConnectedClusters in the mesh file (it must be the same everywhere)' },
  { path: 'clustermesh.config', fix: 'peers come from the inventory; the generated cilium-clustermesh Secret replaces the chart config' },
  { path: 'clustermesh.useAPIServer', fix: 'the mesh endpoint is always clustermesh-apiserver' },
  { path: 'clustermesh.apiserver.kvstoremesh.enabled', fix: 'set cilium.kvstoremesh in the mesh file' },
  { path: 'clustermesh.apiserver.tls.authMode', fix: 'set cilium.authMode in the mesh file (the remote users list follows it)' },
  { path: 'clustermesh.apiserver.service.type', fix: "the chart's Service serves local clients only; peers reach the mesh endpoint Service (meshEndpoint in the cluster file)" },
  {
    path: 'clustermesh.apiserver.service.externalTrafficPolicy',
    fix: "the chart's Service is a ClusterIP Service, where the API server refuses externalTrafficPolicy; delete this key",
  },
  { path: 'ipam.operator.clusterPoolIPv4PodCIDRList', fix: "set the cluster's `podCidr` instead" },
  { path: 'routingMode', fix: 'set cilium.routing.mode in the mesh file' },
  { path: 'tunnelProtocol', fix: 'set cilium.routing.tunnelProtocol in the mesh file' },
  { path: 'k8sServiceHost', fix: "set the cluster's `apiServer.host` instead" },
  { path: 'k8sServicePort', fix: "set the cluster's `apiServer.port` instead" },
  { path: 'tls.ca', fix: 'the mesh CA comes from the CA Secret (valuesSecrets), never from values in git' },
  { path: 'tls.caBundle', fix: "the trusted CAs come from the committed CA certificates; rotate with 'npm run mesh -- ca rotate'" },
  ...(['enabled', 'method', 'certValidityDuration', 'schedule', 'certManagerIssuerRef'] as const).map((key) => ({
    path: `clustermesh.apiserver.tls.auto.${key}`,
    fix: 'set cilium.certificates (method, validityDays, schedule, issuerRef) in the mesh file',
  })),
];

/** Reads a dotted path; undefined when any step is missing. */
export function valueAt(values: unknown, path: string): unknown {
  let node = values;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Rules broken by a values tree, in rule order. */
export function brokenValueRules(values: unknown, rules: readonly ValueRule[]): ValueRule[] {
  return rules.filter((rule) => {
    const value = valueAt(values, rule.path);
    if (value === undefined) return false;
    return rule.refusedValues === undefined || rule.refusedValues.includes(value);
  });
}

/** A value other than a map at a proper ancestor of owned keys: Helm would replace them all with it. */
export interface ReplacedAncestor {
  /** Dotted path of the ancestor, as written. */
  readonly path: string;
  /** The owned keys below it. */
  readonly owned: readonly ValueRule[];
}

/**
 * Ancestors of the rules' paths that hold a scalar, a list or null
 * (`cluster: x` replaces `cluster.name` and `cluster.id`), each once.
 */
export function replacedAncestors(values: unknown, rules: readonly ValueRule[]): ReplacedAncestor[] {
  const found = new Map<string, ValueRule[]>();
  for (const rule of rules) {
    let node = values;
    const keys = rule.path.split('.');
    for (let i = 0; i < keys.length - 1; i++) {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !(keys[i] in (node as object))) break;
      node = (node as Record<string, unknown>)[keys[i]];
      if (node === null || typeof node !== 'object' || Array.isArray(node)) {
        const path = keys.slice(0, i + 1).join('.');
        found.set(path, [...(found.get(path) ?? []), rule]);
        break;
      }
    }
  }
  return [...found.entries()].map(([path, owned]) => ({ path, owned }));
}
