/**
 * The k3s configuration (/etc/rancher/k3s/config.yaml) of every node of a
 * cluster. Servers run k3s without flannel, kube-proxy, its network policy
 * controller and its bundled load balancer and ingress, so Cilium owns the
 * network; the first one starts the embedded etcd and the others join it.
 * Agents join as `k3s agent` and take only agent settings (flannel and the
 * other cluster-wide settings are the servers'). Every node reads the cluster's
 * join token from a file the bootstrap puts there: the token is never in dist/.
 *
 * Config keys are k3s's CLI flags without the dashes (k3s-io/docs
 * docs/installation/configuration.md); server keys from docs/cli/server.md,
 * agent keys (server, token-file, node-name, node-ip) from docs/cli/agent.md.
 */
import { Cluster, ClusterNode, Mesh, serverNodes } from '../model/mesh';

export type K3sConfig = Record<string, unknown>;

export interface NodeConfig {
  readonly nodeName: string;
  readonly role: ClusterNode['role'];
  readonly config: K3sConfig;
}

/** Where every node reads the cluster's join token (k3s `token-file`); the bootstrap writes it, mode 0600. */
export const K3S_TOKEN_FILE = '/etc/rancher/k3s/cluster-token';

/**
 * k3s's "critical configuration values": "must be set to the same value on all
 * servers in the cluster", or new servers fail to join the embedded etcd
 * (k3s-io/docs docs/cli/server.md; enforced by CriticalControlArgs in
 * k3s-io/k3s pkg/daemons/config/types.go, which adds the last two). For
 * `disable` only servicelb is critical; the product disables the same
 * components on every server all the same. `disable-kube-proxy` is not in the
 * list, but the older HA page (docs/datastore/ha-embedded.md) names it: kept equal.
 */
export const K3S_CRITICAL_SERVER_KEYS = [
  'agent-token',
  'cluster-cidr',
  'cluster-dns',
  'cluster-domain',
  'disable-cloud-controller',
  'disable-helm-controller',
  'disable-network-policy',
  'disable',
  'egress-selector-mode',
  'embedded-registry',
  'flannel-backend',
  'flannel-external-ip',
  'flannel-ipv6-masq',
  'secrets-encryption',
  'secrets-encryption-provider',
  'service-cidr',
  'flannel-ip-masq-disable-random-fully',
  'supervisor-metrics',
  'disable-kube-proxy',
] as const;

/** Keys only a server takes; an agent config holding one would be refused by `k3s agent` or mean nothing. */
const SERVER_ONLY_KEYS: readonly string[] = [...K3S_CRITICAL_SERVER_KEYS, 'cluster-init', 'tls-san', 'service-node-port-range'];

/** The k3s installer as a node of this cluster runs it: the pinned release, and `k3s agent` for an agent. */
export function k3sInstallCommand(cluster: Cluster, role: ClusterNode['role']): string {
  const version = cluster.k3sVersion ? `INSTALL_K3S_VERSION=${cluster.k3sVersion} ` : '';
  return `curl -sfL https://get.k3s.io | ${version}${role === 'agent' ? 'INSTALL_K3S_EXEC=agent ' : ''}sh -`;
}

/** Where joining nodes reach the cluster: the published API address (a VIP or DNS name when the inventory gives one). */
export function joinUrl(cluster: Cluster): string {
  return `https://${cluster.apiServer.host}:${cluster.apiServer.port}`;
}

export function k3sNodeConfigs(mesh: Mesh, cluster: Cluster): NodeConfig[] {
  const servers = serverNodes(cluster);
  const first = servers[0];
  const join = joinUrl(cluster);
  const configs = cluster.nodes.map((node): NodeConfig => {
    if (node.role === 'agent') {
      return { nodeName: node.name, role: node.role, config: { server: join, 'token-file': K3S_TOKEN_FILE, 'node-name': node.name, 'node-ip': node.ip } };
    }
    const config: K3sConfig = {};
    if (node === first) config['cluster-init'] = true;
    else config.server = join;
    config['token-file'] = K3S_TOKEN_FILE;
    config['node-name'] = node.name;
    config['node-ip'] = node.ip;
    // The cluster-wide settings come from the cluster file alone, so every server gets the same (checked below).
    config['cluster-cidr'] = cluster.podCidr.text;
    config['service-cidr'] = cluster.serviceCidr.text;
    config['service-node-port-range'] = `${cluster.nodePortRange.min}-${cluster.nodePortRange.max}`;
    config['flannel-backend'] = 'none';
    config['disable-network-policy'] = true;
    if (mesh.cilium.kubeProxyReplacement) config['disable-kube-proxy'] = true;
    config.disable = ['traefik', 'servicelb'];
    // Every server serves the API at the published address too (a VIP moves between them).
    config['tls-san'] = [...new Set([cluster.apiServer.host, ...servers.map((s) => s.ip)])];
    return { nodeName: node.name, role: node.role, config };
  });
  const conflicts = topologyConflicts(configs);
  if (conflicts.length > 0) throw new Error(`k3s configs of ${cluster.name} disagree: ${conflicts.join('; ')}`);
  return configs;
}

/**
 * What k3s would refuse in a cluster's configs: servers that differ on a
 * critical value, agents holding a server-only key. Empty when none.
 */
export function topologyConflicts(configs: readonly NodeConfig[]): string[] {
  const conflicts: string[] = [];
  const servers = configs.filter((c) => c.role === 'server');
  for (const key of K3S_CRITICAL_SERVER_KEYS) {
    const values = new Map<string, string[]>();
    for (const s of servers) {
      const value = JSON.stringify(s.config[key] ?? null);
      values.set(value, [...(values.get(value) ?? []), s.nodeName]);
    }
    if (values.size > 1) conflicts.push(`${key} is ${[...values].map(([v, nodes]) => `${v === 'null' ? 'unset' : v} on ${nodes.join(', ')}`).join(' but ')}`);
  }
  for (const agent of configs.filter((c) => c.role === 'agent')) {
    const wrong = Object.keys(agent.config).filter((k) => SERVER_ONLY_KEYS.includes(k));
    if (wrong.length > 0) conflicts.push(`agent ${agent.nodeName} holds server settings ${wrong.join(', ')}`);
  }
  if (servers.filter((s) => s.config['cluster-init'] === true).length !== 1) conflicts.push('exactly one server must start the cluster (cluster-init)');
  return conflicts;
}
