/**
 * Rules across files: what one cluster declares must not collide with another.
 */
import { cidrContains, cidrsOverlap, parseIpv4 } from '../model/ipv4';
import { CiliumSettings, Cluster, GlobalService, PolicyIntent } from '../model/mesh';
import { ciliumVersionFacts } from '../cilium/versions';
import { parseIpv4Cidr } from '../model/ipv4';
import { Problem } from './problems';
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

    if (facts.needsDistinctMeshNodePorts && cilium.kubeProxyReplacement) {
      const samePort = byNodePort.get(cluster.meshNodePort);
      if (samePort) {
        problems.push(file.problem(['meshEndpoint', 'nodePort'], `${cluster.meshNodePort} is also the mesh endpoint nodePort of ${samePort.cluster.name}; with Cilium ${cilium.version} and kube-proxy replacement, agents would dial their own cluster`, 'give every cluster its own meshEndpoint.nodePort'));
      } else byNodePort.set(cluster.meshNodePort, d);
    }
  }

  checkAddressSpace(declared, problems);
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
  for (let i = 0; i < declared.length; i++) {
    const a = declared[i];
    if (a.cluster.podCidr.prefixLength === 32 && a.cluster.podCidr.base === 0) continue; // unparsable, already reported
    for (let j = 0; j < declared.length; j++) {
      const b = declared[j];
      if (j > i && cidrsOverlap(a.cluster.podCidr, b.cluster.podCidr)) {
        problems.push(b.file.problem(['podCidr'], `${b.cluster.podCidr.text} overlaps the pod range ${a.cluster.podCidr.text} of ${a.cluster.name}`, `choose a pod range no other cluster uses, e.g. ${suggestPodCidr(declared)}`));
      }
      if (cidrsOverlap(a.cluster.podCidr, b.cluster.serviceCidr)) {
        const whose = a === b ? "the cluster's own" : `${b.cluster.name}'s`;
        problems.push(a.file.problem(['podCidr'], `${a.cluster.podCidr.text} overlaps ${whose} service range ${b.cluster.serviceCidr.text}`, 'choose a pod range that overlaps no service range of the mesh'));
      }
      if (a !== b) {
        b.cluster.nodes.forEach((node) => {
          const address = parseIpv4(node.ip);
          if (address !== undefined && cidrContains(a.cluster.podCidr, address)) {
            problems.push(a.file.problem(['podCidr'], `${a.cluster.podCidr.text} contains ${node.ip}, a node address of ${b.cluster.name}`, 'choose a pod range that holds no node address of the mesh'));
          }
        });
      }
    }
  }
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
