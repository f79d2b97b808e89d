/**
 * Invariants of a rendered mesh, read from the output files themselves (a
 * peer's port from its own NodePort Service or chart values, its addresses from the inventory):
 * shared by the conformance tests (test/conformance/mesh-invariants.test.ts)
 * and the property tests (test/property/).
 */
import { clusterObjects, inventoryCluster, Rendered } from '../conformance/rendered';
import { yamlData } from './yaml-data';

export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
export const CONFIG_DIR = '/var/lib/cilium/clustermesh';
export const MESH_DOMAIN = 'mesh.cilium.io';

export interface PeerEntry {
  endpoints: string[];
  'trusted-ca-file': string;
  'key-file': string;
  'cert-file': string;
  'cilium-host-aliases'?: { hostname: string; ips: string[] }[];
}

/** Secret name -> peer name -> decoded, parsed entry. */
export function peerSecrets(r: Rendered, cluster: string): Map<string, Map<string, PeerEntry>> {
  const secrets = clusterObjects(r, cluster, 'clustermesh-secrets.yaml');
  return new Map(
    secrets.map((s) => {
      expect(s.kind).toBe('Secret');
      const data = (s.data ?? {}) as Record<string, string>;
      const entries = Object.entries(data).map(([peer, b64]): [string, PeerEntry] => [peer, yamlData(Buffer.from(b64, 'base64').toString('utf8'))]);
      return [s.metadata!.name!, new Map(entries)];
    }),
  );
}

/** The nodePort of the cluster's own mesh endpoint Service, as rendered; undefined when it ships none (a LoadBalancer endpoint). */
export function meshNodePortIfAny(r: Rendered, cluster: string): number | undefined {
  const services = clusterObjects(r, cluster, 'mesh-endpoint-service.yaml').filter((o) => o.kind === 'Service');
  if (services.length === 0) return undefined;
  expect(services).toHaveLength(1);
  const spec = services[0].spec as { type: string; selector: Record<string, string>; ports: { port: number; targetPort: number; nodePort: number }[] };
  expect(spec.type).toBe('NodePort');
  expect(spec.selector).toEqual({ 'k8s-app': 'clustermesh-apiserver' });
  const etcd = spec.ports.filter((p) => p.targetPort === 2379);
  expect(etcd).toHaveLength(1);
  return etcd[0].nodePort;
}

/** The nodePort of the cluster's own mesh endpoint Service, which must exist. */
export function meshNodePort(r: Rendered, cluster: string): number {
  const port = meshNodePortIfAny(r, cluster);
  expect({ cluster, nodePortService: port !== undefined }).toEqual({ cluster, nodePortService: true });
  return port!;
}

/** What the peers of `cluster` must dial: host of the URL, port, and the addresses host aliases give the host. */
export interface ExpectedDial {
  readonly host: string;
  readonly port: number;
  readonly ips: readonly string[];
}

/**
 * Read from the cluster's inventory file and its own output, not from the model:
 * a NodePort endpoint at its Service's nodePort on every node's NAT address (else
 * node IP); a LoadBalancer at the chart Service's IP, port 2379, with no NodePort
 * Service; an External one at its address (an IP through the mesh name, a DNS name as is).
 */
export function expectedDial(r: Rendered, cluster: string): ExpectedDial {
  const inv = inventoryCluster(r, cluster);
  const raw = inv.meshEndpoint ?? {};
  const mesh = hostnameOf(cluster);
  if (raw.type === 'LoadBalancer') {
    expect({ cluster, nodePortService: meshNodePortIfAny(r, cluster) }).toEqual({ cluster, nodePortService: undefined });
    const service = helmValues(r, cluster).clustermesh.apiserver.service;
    expect({ cluster, type: service.type, ip: service.loadBalancerIP }).toEqual({ cluster, type: 'LoadBalancer', ip: raw.loadBalancerIP });
    return { host: mesh, port: 2379, ips: [raw.loadBalancerIP] };
  }
  const nodePort = meshNodePort(r, cluster);
  if (raw.type === 'External') {
    const port: number = raw.port ?? nodePort;
    return /^[0-9.]+$/.test(raw.address) ? { host: mesh, port, ips: [raw.address] } : { host: raw.address, port, ips: [] };
  }
  return { host: mesh, port: nodePort, ips: (inv.nodes as { ip: string; externalAddress?: string }[]).map((n) => n.externalAddress ?? n.ip) };
}
/** Bootstrap k3s configs of the cluster's servers, as rendered. */
export function k3sConfigs(r: Rendered, cluster: string): Record<string, unknown>[] {
  return [...r.byPath.entries()].filter(([path]) => path.startsWith(`${cluster}/bootstrap/k3s-config-`)).map(([, content]) => yamlData(content));
}

/** The k3s configs of a cluster's servers: those that set the cluster-wide ranges (an agent's sets none). */
export function k3sServerConfigs(r: Rendered, cluster: string): Record<string, unknown>[] {
  return k3sConfigs(r, cluster).filter((config) => 'cluster-cidr' in config);
}

/** Every node IP of a cluster: the inventory's nodes (agents have no bootstrap config). */
export function nodeIps(r: Rendered, cluster: string): string[] {
  return (inventoryCluster(r, cluster).nodes as { ip: string }[]).map((n) => n.ip);
}

export function helmValues(r: Rendered, cluster: string): any {
  const [chart] = clusterObjects(r, cluster, 'cilium-helm-chart.yaml');
  return yamlData((chart.spec as { valuesContent: string }).valuesContent);
}

export function cidrsOverlap(a: string, b: string): boolean {
  const range = (cidr: string) => {
    const [ip, prefix] = cidr.split('/');
    const base = ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(prefix));
    const start = base - (base % size);
    return [start, start + size - 1];
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

export const hostnameOf = (peer: string) => `${peer}.${MESH_DOMAIN}`;
export const others = (r: Rendered, cluster: string) => r.clusters.filter((c) => c !== cluster);

/** Each cluster's peer Secrets list exactly every other cluster (`ns`: the Cilium namespace). */
export function expectPeersExact(r: Rendered, ns: string, kvstoremesh: boolean): void {
  for (const cluster of r.clusters) {
    const secrets = peerSecrets(r, cluster);
    expect([...secrets.keys()].sort()).toEqual(kvstoremesh ? ['cilium-clustermesh', 'cilium-kvstoremesh'] : ['cilium-clustermesh']);
    for (const [name, entries] of secrets) {
      expect({ cluster, name, peers: [...entries.keys()].sort() }).toEqual({ cluster, name, peers: others(r, cluster) });
    }
    for (const s of clusterObjects(r, cluster, 'clustermesh-secrets.yaml')) expect(s.metadata?.namespace).toBe(ns);
  }
}

/** The entries that dial the peers name each peer's own endpoint (expectedDial) and the common client certificate. */
export function expectPeersDialledAtTheirEndpoint(r: Rendered, dialing: string): void {
  for (const cluster of r.clusters) {
    for (const [peer, entry] of peerSecrets(r, cluster).get(dialing)!) {
      const dial = expectedDial(r, peer);
      expect({ cluster, peer, endpoints: entry.endpoints }).toEqual({ cluster, peer, endpoints: [`https://${dial.host}:${dial.port}`] });
      expect(entry).toMatchObject({
        'trusted-ca-file': `${CONFIG_DIR}/common-etcd-client-ca.crt`,
        'key-file': `${CONFIG_DIR}/common-etcd-client.key`,
        'cert-file': `${CONFIG_DIR}/common-etcd-client.crt`,
      });
    }
  }
}

/**
 * Every peer's mesh name resolves (hostAliases before 1.20, entry aliases from 1.20)
 * to exactly the addresses of that peer's endpoint; a peer dialled by DNS name has none.
 */
export function expectHostAliasesToPeerEndpoints(r: Rendered, before120: boolean, dialing: string): void {
  for (const cluster of r.clusters) {
    const aliases = new Map<string, string[]>();
    if (before120) {
      for (const patch of clusterObjects(r, cluster, 'host-aliases-patch.yaml')) {
        const hostAliases = (patch.spec as any).template.spec.hostAliases as { ip: string; hostnames: string[] }[];
        for (const { ip, hostnames } of hostAliases) for (const h of hostnames) aliases.set(h, [...(aliases.get(h) ?? []), ip]);
      }
    } else {
      for (const entry of peerSecrets(r, cluster).get(dialing)!.values()) {
        for (const { hostname, ips } of entry['cilium-host-aliases'] ?? []) aliases.set(hostname, [...(aliases.get(hostname) ?? []), ...ips]);
      }
    }
    const aliased = others(r, cluster).filter((peer) => expectedDial(r, peer).ips.length > 0);
    expect({ cluster, hostnames: [...aliases.keys()].sort() }).toEqual({ cluster, hostnames: aliased.map(hostnameOf) });
    for (const peer of aliased) {
      const ips = aliases.get(hostnameOf(peer))!;
      expect({ cluster, peer, ips: [...ips].sort() }).toEqual({ cluster, peer, ips: [...expectedDial(r, peer).ips].sort() });
    }
  }
}
