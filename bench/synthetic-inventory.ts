/**
 * Synthetic valid inventories of any size up to 511 clusters, for benchmarks
 * and property tests: distinct ids, pod ranges, node IPs and nodePorts, plus
 * global services and cross-cluster policies.
 */
import { stringify } from 'yaml';

export interface SyntheticOptions {
  readonly clusters: number;
  readonly globalServices?: number;
  readonly policies?: number;
  readonly ciliumVersion?: string;
  readonly kvstoremesh?: boolean;
  readonly nodesPerCluster?: number;
  /** Cluster ids, one per cluster, distinct, 1..511 (default 1..n). Ranges, addresses and ports follow the id. */
  readonly ids?: readonly number[];
}

/** File name -> YAML text. */
export function syntheticInventory(options: SyntheticOptions): Record<string, string> {
  const n = options.clusters;
  if (n < 1 || n > 511) throw new Error('clusters must be 1..511');
  const names = Array.from({ length: n }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
  const ids = options.ids ?? names.map((_, i) => i + 1);
  if (ids.length !== n || new Set(ids).size !== n || ids.some((id) => !Number.isInteger(id) || id < 1 || id > 511)) throw new Error('ids must be n distinct integers 1..511');
  const files: Record<string, string> = {};
  files['mesh.yaml'] = stringify({
    kind: 'Mesh',
    name: 'synthetic',
    cilium: {
      version: options.ciliumVersion ?? '1.19.6',
      kvstoremesh: options.kvstoremesh ?? true,
      maxConnectedClusters: n > 255 || ids.some((id) => id > 255) ? 511 : 255,
      routing: { mode: 'tunnel', tunnelProtocol: 'vxlan' },
      kubeProxyReplacement: true,
    },
    // Namespaces the policies name (team-1..5), where no global service creates them.
    ...((options.policies ?? 0) > 0 ? { namespaces: ['team-1', 'team-2', 'team-3', 'team-4', 'team-5'] } : {}),
    // The CA from a secret store: a synthetic project has no secrets/ folder.
    secrets: { provider: 'external-secrets', externalSecrets: { storeRef: { name: 'mesh-ca-store' }, remoteKey: 'cilium-mesh-ca' } },
  });
  const nodes = options.nodesPerCluster ?? 1;
  names.forEach((name, i) => {
    const id = ids[i];
    // Pod ranges 10.<64 + id/256>.<id%256>.0/24-ish blocks: a /20 per cluster inside 10.64.0.0/10.
    const podBase = 64 * 256 * 256 + id * 16 * 256; // offset inside 10.0.0.0/8, /20 each
    const podCidr = `10.${Math.floor(podBase / 65536)}.${Math.floor(podBase / 256) % 256}.0/20`;
    files[`${name}.yaml`] = stringify({
      kind: 'Cluster',
      name,
      id,
      podCidr,
      podCidrMaskSize: 26,
      serviceCidr: '172.20.0.0/16',
      nodes: Array.from({ length: nodes }, (_, k) => ({
        name: `${name}-node-${k + 1}`,
        ip: `192.168.${Math.floor(((id - 1) * nodes + k) / 250)}.${(((id - 1) * nodes + k) % 250) + 1}`,
        role: k === 0 ? 'server' : 'agent',
      })),
      meshEndpoint: { nodePort: 31000 + id },
    });
  });
  const services = options.globalServices ?? 0;
  if (services > 0) {
    files['services.yaml'] = stringify({
      kind: 'GlobalServices',
      services: Array.from({ length: services }, (_, s) => ({
        name: `svc-${s + 1}`,
        namespace: `team-${(s % 5) + 1}`,
        ports: [{ port: 8080, name: 'http' }],
        clusters: 'all',
        backend: { image: 'registry.example/echo:1', replicas: 2, clusters: [names[s % n], names[(s + 1) % n]].filter((v, k, a) => a.indexOf(v) === k) },
      })),
    });
  }
  const policies = options.policies ?? 0;
  if (policies > 0) {
    files['policies.yaml'] = stringify({
      kind: 'Policies',
      policies: Array.from({ length: policies }, (_, p) => ({
        name: `allow-${p + 1}`,
        from: { cluster: names[p % n], namespace: `team-${(p % 5) + 1}`, labels: { app: `client-${p + 1}` } },
        to: { cluster: names[(p * 7 + 3) % n], namespace: `team-${((p + 1) % 5) + 1}`, labels: { app: `svc-${(p % 20) + 1}` } },
        ports: [{ port: 8080, protocol: 'TCP' }],
      })),
    });
  }
  return files;
}
