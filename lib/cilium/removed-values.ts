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
  // The chart's Service is the mesh endpoint of a LoadBalancer cluster and a ClusterIP otherwise (lib/cilium/helm-values.ts).
  { path: 'clustermesh.apiserver.service.type', fix: 'set meshEndpoint.type in the cluster file (NodePort, LoadBalancer or External)' },
  { path: 'clustermesh.apiserver.service.externalTrafficPolicy', fix: 'set meshEndpoint.externalTrafficPolicy of a LoadBalancer endpoint in the cluster file' },
  { path: 'clustermesh.apiserver.service.loadBalancerIP', fix: 'set meshEndpoint.loadBalancerIP in the cluster file (peers dial it)' },
  { path: 'clustermesh.apiserver.service.loadBalancerClass', fix: 'set meshEndpoint.loadBalancerClass in the cluster file' },
  { path: 'clustermesh.apiserver.service.loadBalancerSourceRanges', fix: 'set meshEndpoint.sourceRanges in the cluster file' },
  { path: 'clustermesh.apiserver.service.annotations', fix: 'set meshEndpoint.annotations of a LoadBalancer endpoint in the cluster file' },
  { path: 'clustermesh.apiserver.service.externallyCreated', fix: 'the chart creates the Service: a LoadBalancer endpoint is that Service (meshEndpoint.type)' },
  // The DNS address peers dial must stay in the server certificate; a list here would replace it.
  { path: 'clustermesh.apiserver.tls.server.extraDnsNames', fix: 'the server certificate names come from meshEndpoint.address (type External)' },
  { path: 'clustermesh.apiserver.tls.auto.server.extraDnsNames', fix: 'the server certificate names come from meshEndpoint.address (type External)' },
  { path: 'ipam.operator.clusterPoolIPv4PodCIDRList', fix: "set the cluster's `podCidr` instead" },
  { path: 'routingMode', fix: 'set cilium.routing.mode in the mesh file' },
  { path: 'tunnelProtocol', fix: 'set cilium.routing.tunnelProtocol in the mesh file' },
  { path: 'k8sServiceHost', fix: "set the cluster's `apiServer.host` instead" },
  { path: 'k8sServicePort', fix: "set the cluster's `apiServer.port` instead" },
  { path: 'tls.ca', fix: 'the mesh CA comes from the CA Secret (valuesSecrets), never from values in git' },
  // Cilium supports no mixed encryption in a Cluster Mesh: one setting for every cluster.
  ...['enabled', 'type', 'nodeEncryption'].map((key) => ({
    path: `encryption.${key}`,
    fix: 'set cilium.encryption in the mesh file: every cluster of a mesh must encrypt the same way (Cilium supports no mixed mode)',
  })),
  ...['hubble.enabled', 'hubble.relay.enabled', 'hubble.ui.enabled'].map((path) => ({ path, fix: 'set cilium.hubble in the mesh file (enabled, relay, ui)' })),
  ...['hubble.tls.enabled', 'hubble.tls.auto.enabled', 'hubble.tls.auto.method', 'hubble.relay.tls.server.enabled', 'certgen.generateCA'].map((path) => ({
    path,
    fix: "Hubble's TLS is issued from the mesh CA by the chart's certgen job, the same in every cluster, so that Relay trusts the agents of every cluster; delete this key",
  })),
  ...['hubble.tls.server', 'hubble.relay.tls.client', 'hubble.relay.tls.server'].flatMap((at) =>
    ['cert', 'key'].map((key) => ({ path: `${at}.${key}`, fix: 'certificates as Helm values are refused: certgen issues them from the mesh CA' })),
  ),
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
