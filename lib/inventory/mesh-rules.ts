/**
 * Rules across files: what one cluster declares must not collide with another.
 */
import { cidrContains, cidrInterval, cidrsOverlap, overlappingIntervals, parseIpv4 } from '../model/ipv4';
import { CiliumSettings, Cluster, meshNodePortOf, GlobalService, NamespaceDefaultDeny, PolicyIntent, RawCiliumPolicy } from '../model/mesh';
import { BUILT_IN_NAMESPACES, DEFAULT_DENY_POLICY_NAME } from '../model/names';
import { ciliumVersionFacts } from '../model/cilium-versions';
import { parseIpv4Cidr } from '../model/ipv4';
import { Problem } from '../report/problems';
import { SourceFile } from './source-file';

export interface DeclaredCluster {
  readonly cluster: Cluster;
  readonly file: SourceFile;
}

export function checkClusters(declared: readonly DeclaredCluster[], cilium: CiliumSettings, problems: Problem[]): void {
  const byName = new Map<string, DeclaredCluster>();
  const byId = new Map<number, DeclaredCluster>();
  const byNodePort = new Map<number, DeclaredCluster>();
  const facts = ciliumVersionFacts(cilium.version);
  const maxId = cilium.maxConnectedClusters;

  for (const d of declared) {
    const { cluster, file } = d;
    const other = byName.get(cluster.name);
    if (other) problems.push(file.problem(['name'], `'${cluster.name}' is already the name of the cluster in ${other.file.path}`, 'give every cluster a unique name'));
    byName.set(cluster.name, d);

    if (cluster.id > maxId) {
      problems.push(file.problem(['id'], `${cluster.id} is above ${maxId}, the largest id with cilium.maxConnectedClusters ${maxId}`, maxId === 255 ? 'choose an id from 1 to 255, or set cilium.maxConnectedClusters: 511 in the mesh file' : 'choose an id from 1 to 511'));
    }
    const sameId = byId.get(cluster.id);
    if (sameId) problems.push(file.problem(['id'], `${cluster.id} is already the id of ${sameId.cluster.name} (${sameId.file.path})`, `choose an id no other cluster uses, e.g. ${freeId(declared, maxId)}`));
    else byId.set(cluster.id, d);

    const nodePort = meshNodePortOf(cluster);
    if (facts.needsDistinctMeshNodePorts && cilium.kubeProxyReplacement && nodePort !== undefined) {
      const samePort = byNodePort.get(nodePort);
      if (samePort) {
        problems.push(file.problem(['meshEndpoint', 'nodePort'], `${nodePort} is also the mesh endpoint nodePort of ${samePort.cluster.name}; with Cilium ${cilium.version} and kube-proxy replacement, agents would dial their own cluster`, 'give every cluster its own meshEndpoint.nodePort'));
      } else byNodePort.set(nodePort, d);
    }
  }

  checkMeshEndpoints(declared, problems);
  if (cilium.routing.mode === 'native') checkSourcesMasqueraded(declared, cilium.routing.nativeRoutingCidr, problems);

  checkAddressSpace(declared, problems);
  if (cilium.encryption.type === 'wireguard' && cilium.encryption.nodeEncryption) {
    // Cilium opts nodes labelled node-role.kubernetes.io/control-plane out of node-to-node encryption
    // (Documentation/security/network/encryption-wireguard.rst, "Node-to-Node Encryption"), and k3s
    // gives every server that label (k3s pkg/server/server.go): a cluster of servers only keeps pod traffic encrypted.
    for (const { cluster, file } of declared) {
      if (cluster.nodes.length > 0 && cluster.nodes.every((n) => n.role === 'server')) {
        problems.push(
          file.problem(['nodes'], 'has only k3s servers, which Cilium leaves out of node-to-node encryption (they carry node-role.kubernetes.io/control-plane): here encryption.nodeEncryption encrypts nothing more than pod traffic', 'run the workloads whose host traffic must be encrypted on agent nodes, or set encryption.nodeEncryption: false in the mesh file', {
            severity: 'warning',
            atKey: true,
          }),
        );
      }
    }
  }
  if (cilium.routing.mode === 'native') {
    const native = parseIpv4Cidr(cilium.routing.nativeRoutingCidr);
    if ('cidr' in native) {
      for (const { cluster, file } of declared) {
        const covered = native.cidr.prefixLength <= cluster.podCidr.prefixLength && cidrContains(native.cidr, cluster.podCidr.base);
        if (!covered) problems.push(file.problem(['podCidr'], `${cluster.podCidr.text} is outside cilium.routing.nativeRoutingCidr ${native.cidr.text}`, 'widen nativeRoutingCidr in the mesh file to cover every pod range'));
      }
    }
  }
}

/**
 * What peers dial must lead to one cluster only: a LoadBalancer IP or an External
 * address and port belongs to one cluster, and an address peers dial must be no
 * node's and lie in no pod or service range (Cilium would route it inside the cluster).
 */
function checkMeshEndpoints(declared: readonly DeclaredCluster[], problems: Problem[]): void {
  const dialled = new Map<string, DeclaredCluster>();
  const nodeOwners = new Map<string, string>();
  for (const d of declared) for (const n of d.cluster.nodes) for (const a of [n.ip, n.externalAddress]) if (a !== undefined) nodeOwners.set(a, d.cluster.name);
  for (const d of declared) {
    const endpoint = d.cluster.meshEndpoint;
    let key: string;
    let field: string;
    let ip: string | undefined;
    if (endpoint.type === 'LoadBalancer') [key, field, ip] = [`${endpoint.loadBalancerIP}:2379`, 'loadBalancerIP', endpoint.loadBalancerIP];
    else if (endpoint.type === 'External') [key, field, ip] = [`${endpoint.address}:${endpoint.port}`, 'address', endpoint.addressKind === 'ip' ? endpoint.address : undefined];
    else continue;
    if (key.startsWith(':')) continue; // missing, already reported
    const other = dialled.get(key);
    if (other) problems.push(d.file.problem(['meshEndpoint', field], `${key} is also the mesh endpoint of ${other.cluster.name}: peers could not tell the clusters apart`, 'give every cluster its own mesh endpoint address (or port)'));
    else dialled.set(key, d);
    const address = ip === undefined ? undefined : parseIpv4(ip);
    if (address === undefined) continue;
    const owner = nodeOwners.get(ip!);
    if (owner !== undefined && endpoint.type === 'LoadBalancer') {
      problems.push(d.file.problem(['meshEndpoint', field], `${ip} is a node address of ${owner}; a LoadBalancer IP must be an address of its own`, "choose a free address of the supplier's pool, or use type NodePort"));
    }
    for (const { cluster } of declared) {
      for (const [range, label] of [[cluster.podCidr, 'pod range'], [cluster.serviceCidr, 'service range']] as const) {
        if (range.prefixLength < 32 && cidrContains(range, address)) {
          problems.push(d.file.problem(['meshEndpoint', field], `${ip} lies inside the ${label} ${range.text} of ${cluster.name}`, 'choose an address outside every pod and service range of the mesh'));
        }
      }
    }
  }
}

/**
 * The default source ranges of a LoadBalancer endpoint are the peers' node addresses: right only
 * when the dialling pod's traffic is masqueraded to its node, which Cilium skips for destinations
 * inside ipv4NativeRoutingCIDR (cilium chart values.yaml, ipv4NativeRoutingCIDR: traffic destined
 * for that range goes to the Linux network stack "without applying any SNAT").
 */
function checkSourcesMasqueraded(declared: readonly DeclaredCluster[], nativeRoutingCidr: string, problems: Problem[]): void {
  const native = parseIpv4Cidr(nativeRoutingCidr);
  if (!('cidr' in native)) return;
  for (const { cluster, file } of declared) {
    const endpoint = cluster.meshEndpoint;
    if (endpoint.type !== 'LoadBalancer' || endpoint.sourceRanges !== undefined) continue;
    const address = parseIpv4(endpoint.loadBalancerIP);
    if (address !== undefined && cidrContains(native.cidr, address)) {
      problems.push(
        file.problem(['meshEndpoint', 'loadBalancerIP'], `${endpoint.loadBalancerIP} lies inside cilium.routing.nativeRoutingCidr ${native.cidr.text}: peers' pods reach it unmasqueraded, from pod addresses the default sourceRanges (peer node addresses) do not admit`, 'choose an address outside nativeRoutingCidr, or list the sources in meshEndpoint.sourceRanges'),
      );
    }
  }
}

/** Pod ranges are routed across the mesh, so they must not overlap pods, services or nodes anywhere. */
function checkAddressSpace(declared: readonly DeclaredCluster[], problems: Problem[]): void {
  const nodeOwner = new Map<number, { cluster: DeclaredCluster; index: number }>();
  for (const d of declared) {
    d.cluster.nodes.forEach((node, index) => {
      const address = parseIpv4(node.ip);
      if (address === undefined) return;
      const owner = nodeOwner.get(address);
      if (owner && owner.cluster !== d) {
        problems.push(d.file.problem(['nodes', index, 'ip'], `${node.ip} is also a node address of ${owner.cluster.cluster.name}`, 'every node of the mesh needs its own address'));
      } else nodeOwner.set(address, { cluster: d, index });
    });
  }
  // Overlaps are found by a sweep over the sorted ranges (a valid mesh has none, and a
  // check of every pair grew with the square of the clusters), then reported in
  // cluster order, as a check of every pair would.
  const parsable = (i: number) => !(declared[i].cluster.podCidr.prefixLength === 32 && declared[i].cluster.podCidr.base === 0); // else already reported
  const pods = declared.map((d, i) => cidrInterval(d.cluster.podCidr, i));
  const services = declared.map((d, j) => cidrInterval(d.cluster.serviceCidr, j));
  const nodes = declared.flatMap((d, j) =>
    d.cluster.nodes.flatMap((node, k) => {
      const address = parseIpv4(node.ip);
      return address === undefined ? [] : [{ first: address, last: address, owner: [j, k] as const }];
    }),
  );
  const found: { i: number; j: number; order: number; k: number; report: () => void }[] = [];
  for (const [i, j] of overlappingIntervals(pods, pods)) {
    if (i >= j || !parsable(i)) continue;
    const [a, b] = [declared[i], declared[j]];
    found.push({ i, j, order: 0, k: 0, report: () => problems.push(b.file.problem(['podCidr'], `${b.cluster.podCidr.text} overlaps the pod range ${a.cluster.podCidr.text} of ${a.cluster.name}`, `choose a pod range no other cluster uses, e.g. ${suggestPodCidr(declared)}`)) });
  }
  for (const [i, j] of overlappingIntervals(pods, services)) {
    if (!parsable(i)) continue;
    const [a, b] = [declared[i], declared[j]];
    const whose = a === b ? "the cluster's own" : `${b.cluster.name}'s`;
    found.push({ i, j, order: 1, k: 0, report: () => problems.push(a.file.problem(['podCidr'], `${a.cluster.podCidr.text} overlaps ${whose} service range ${b.cluster.serviceCidr.text}`, 'choose a pod range that overlaps no service range of the mesh')) });
  }
  for (const [i, [j, k]] of overlappingIntervals(pods, nodes)) {
    if (i === j || !parsable(i)) continue;
    const [a, b] = [declared[i], declared[j]];
    found.push({ i, j, order: 2, k, report: () => problems.push(a.file.problem(['podCidr'], `${a.cluster.podCidr.text} contains ${b.cluster.nodes[k].ip}, a node address of ${b.cluster.name}`, 'choose a pod range that holds no node address of the mesh')) });
  }
  found.sort((x, y) => x.i - y.i || x.j - y.j || x.order - y.order || x.k - y.k);
  for (const overlap of found) overlap.report();
}

function freeId(declared: readonly DeclaredCluster[], maxId: number): number {
  const used = new Set(declared.map((d) => d.cluster.id));
  for (let id = 1; id <= maxId; id++) if (!used.has(id)) return id;
  return maxId;
}

/** First 10.x.0.0/16 that no pod range uses, as a hint in messages. */
function suggestPodCidr(declared: readonly DeclaredCluster[]): string {
  for (let x = 1; x < 256; x++) {
    const candidate = parseIpv4Cidr(`10.${x}.0.0/16`);
    if ('cidr' in candidate && !declared.some((d) => cidrsOverlap(d.cluster.podCidr, candidate.cidr) || cidrsOverlap(d.cluster.serviceCidr, candidate.cidr))) {
      return candidate.cidr.text;
    }
  }
  return 'a free /16';
}

export interface Declared<T> {
  readonly item: T;
  readonly file: SourceFile;
  readonly index: number;
}

export function checkServices(declared: readonly Declared<GlobalService>[], problems: Problem[]): void {
  const seen = new Map<string, Declared<GlobalService>>();
  for (const d of declared) {
    const key = `${d.item.namespace}/${d.item.name}`;
    const first = seen.get(key);
    if (first) problems.push(d.file.problem(['services', d.index, 'name'], `${key} is already declared in ${first.file.path}`, 'declare each global service once'));
    else seen.set(key, d);
    if (!d.item.backend) {
      problems.push(d.file.problem(['services', d.index], `${key} has no backend declared here`, 'add a backend, or make sure a workload labelled like the selector runs in at least one cluster', { severity: 'warning' }));
    } else if (d.item.backend.replicas === 0) {
      problems.push(d.file.problem(['services', d.index, 'backend', 'replicas'], `0 replicas: ${key} has no backend in any cluster`, 'set replicas to 1 or more, or make sure a workload labelled like the selector runs in at least one cluster', { severity: 'warning' }));
    }
  }
}

export function checkPolicies(declared: readonly Declared<PolicyIntent>[], problems: Problem[]): void {
  const seen = new Map<string, Declared<PolicyIntent>>();
  for (const d of declared) {
    const first = seen.get(d.item.name);
    if (first) problems.push(d.file.problem(['policies', d.index, 'name'], `'${d.item.name}' is already the name of a policy in ${first.file.path}`, 'give every policy a unique name'));
    else seen.set(d.item.name, d);
  }
}

/** What may be named as a namespace, and the mesh settings it comes from. */
export interface NamespaceRules {
  /** Namespaces policies may name. */
  readonly known: ReadonlySet<string>;
  /** The Cilium namespace: never closed by a default deny. */
  readonly ciliumNamespace: string;
  /** The verification kit's namespace when the kit is on: no global service may live there. */
  readonly kitNamespace?: string;
}

/**
 * Namespaces policies may name: the ones every cluster has, the Cilium
 * namespace, those the mesh file declares, and those synth creates (of global
 * services and of the verification kit).
 */
export function namespaceRules(
  settings: { readonly namespaces: readonly string[]; readonly cilium: CiliumSettings; readonly verificationKit?: { readonly namespace: string } },
  services: readonly Declared<GlobalService>[],
): NamespaceRules {
  const known = new Set<string>([...BUILT_IN_NAMESPACES, settings.cilium.namespace, ...settings.namespaces, ...services.map((d) => d.item.namespace)]);
  if (settings.verificationKit) known.add(settings.verificationKit.namespace);
  return { known, ciliumNamespace: settings.cilium.namespace, kitNamespace: settings.verificationKit?.namespace };
}

function checkNamespace(file: SourceFile, path: (string | number)[], namespace: string | undefined, rules: NamespaceRules, problems: Problem[]): void {
  if (namespace === undefined || rules.known.has(namespace)) return;
  const names = [...rules.known].sort().join(', ');
  problems.push(file.problem(path, `'${namespace}' is not a namespace of the mesh`, `correct the name (known: ${names}), or add it to namespaces: in the mesh file`));
}

export function checkServiceNamespaces(declared: readonly Declared<GlobalService>[], rules: NamespaceRules, problems: Problem[]): void {
  for (const d of declared) {
    if (rules.kitNamespace !== undefined && d.item.namespace === rules.kitNamespace) {
      problems.push(d.file.problem(['services', d.index, 'namespace'], `'${d.item.namespace}' is the verification kit's namespace`, 'choose another namespace, or set verificationKit.namespace in the mesh file to another name'));
    }
  }
}

export function checkPolicyNamespaces(declared: readonly Declared<PolicyIntent>[], rules: NamespaceRules, problems: Problem[]): void {
  for (const d of declared) {
    checkNamespace(d.file, ['policies', d.index, 'from', 'namespace'], d.item.from.namespace, rules, problems);
    checkNamespace(d.file, ['policies', d.index, 'to', 'namespace'], d.item.to.namespace, rules, problems);
  }
}

export function checkDefaultDenies(declared: readonly Declared<NamespaceDefaultDeny>[], rules: NamespaceRules, problems: Problem[]): void {
  const seen = new Map<string, Declared<NamespaceDefaultDeny>>();
  for (const d of declared) {
    const at = ['defaultDeny', d.index];
    checkNamespace(d.file, [...at, 'namespace'], d.item.namespace, rules, problems);
    if (d.item.namespace === 'kube-system' || d.item.namespace === rules.ciliumNamespace) {
      problems.push(d.file.problem([...at, 'namespace'], `closing ${d.item.namespace} would cut off the cluster's DNS, Cilium and the mesh endpoint`, 'close the namespaces of your own workloads instead'));
    }
    for (const cluster of d.item.clusters) {
      const key = `${d.item.namespace}@${cluster}`;
      const first = seen.get(key);
      if (first) {
        problems.push(d.file.problem(at, `${d.item.namespace} in ${cluster} is already closed by defaultDeny[${first.index}] of ${first.file.path}`, 'declare one default deny per namespace and cluster (direction: both closes both ways)'));
        break;
      }
      seen.set(key, d);
    }
  }
}

/**
 * Hand-written policies: known namespaces, one object per kind, namespace and
 * name, and no name the intents or default denies render in the same namespace.
 */
export function checkRawPolicies(
  declared: readonly Declared<RawCiliumPolicy>[],
  intents: readonly PolicyIntent[],
  denies: readonly NamespaceDefaultDeny[],
  rules: NamespaceRules,
  problems: Problem[],
): void {
  const generated = new Map<string, string>();
  for (const intent of intents) {
    generated.set(`${intent.from.namespace}/${intent.name}-egress`, `the egress half of policy ${intent.name}`);
    generated.set(`${intent.to.namespace}/${intent.name}-ingress`, `the ingress half of policy ${intent.name}`);
  }
  for (const deny of denies) generated.set(`${deny.namespace}/${DEFAULT_DENY_POLICY_NAME}`, `the default deny of ${deny.namespace}`);
  const seen = new Map<string, Declared<RawCiliumPolicy>>();
  for (const d of declared) {
    const at = ['rawPolicies', d.index, 'policy', 'metadata'];
    checkNamespace(d.file, [...at, 'namespace'], d.item.namespace, rules, problems);
    const key = `${d.item.kind} ${d.item.namespace ?? ''}/${d.item.name}`;
    const first = seen.get(key);
    if (first) {
      problems.push(d.file.problem([...at, 'name'], `${d.item.kind} ${d.item.namespace ? `${d.item.namespace}/` : ''}${d.item.name} is already declared in rawPolicies[${first.index}] of ${first.file.path}`, 'give every raw policy its own name, or list more clusters on the first one'));
    } else seen.set(key, d);
    const clash = d.item.kind === 'CiliumNetworkPolicy' ? generated.get(`${d.item.namespace}/${d.item.name}`) : undefined;
    if (clash) problems.push(d.file.problem([...at, 'name'], `'${d.item.name}' is the name of ${clash}`, 'choose another name'));
  }
}
