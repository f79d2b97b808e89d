/**
 * The k3s configuration (/etc/rancher/k3s/config.yaml) of every node of a
 * cluster. Servers run k3s without flannel, kube-proxy, its network policy
 * controller and its bundled load balancer and ingress, so Cilium owns the
 * network; the first one starts the embedded etcd and the others join it.
 * Agents join as `k3s agent` and take only agent settings (flannel and the
 * other cluster-wide settings are the servers'). Every node reads the cluster's
 * join token from a file the bootstrap puts there: the token is never in dist/.
 */
import { Cluster, ClusterNode, Mesh, serverNodes } from '../model/mesh';

export type K3sConfig = Record<string, unknown>;

export interface NodeConfig {
  readonly nodeName: string;
  readonly role: ClusterNode['role'];
  readonly config: K3sConfig;
}

/** Where every node reads the cluster's join token (k3s `token-file`); the hand-over writes it, mode 0600. */
export const K3S_TOKEN_FILE = '/etc/rancher/k3s/cluster-token';

/** The k3s installer as a node of this cluster runs it: the pinned release, and `k3s agent` for an agent. */
export function k3sInstallCommand(cluster: Cluster, role: ClusterNode['role']): string {
  const version = cluster.k3sVersion ? `INSTALL_K3S_VERSION=${cluster.k3sVersion} ` : '';
  return `curl -sfL https://get.k3s.io | ${version}${role === 'agent' ? 'INSTALL_K3S_EXEC=agent ' : ''}sh -`;
}

export function k3sNodeConfigs(mesh: Mesh, cluster: Cluster): NodeConfig[] {
  const servers = serverNodes(cluster);
  const first = servers[0];
  // Joining nodes reach the cluster where the API is published: a VIP or DNS name if the inventory gives one.
  const join = `https://${cluster.apiServer.host}:${cluster.apiServer.port}`;
  return cluster.nodes.map((node): NodeConfig => {
    if (node.role === 'agent') {
      return { nodeName: node.name, role: node.role, config: { server: join, 'token-file': K3S_TOKEN_FILE, 'node-ip': node.ip } };
    }
    const config: K3sConfig = {};
    if (node === first) config['cluster-init'] = true;
    else config.server = join;
    config['token-file'] = K3S_TOKEN_FILE;
    config['node-ip'] = node.ip;
    // k3s requires these to be equal on every server (its "critical configuration values"): they are, by construction.
    config['cluster-cidr'] = cluster.podCidr.text;
    config['service-cidr'] = cluster.serviceCidr.text;
    config['service-node-port-range'] = `${cluster.nodePortRange.min}-${cluster.nodePortRange.max}`;
    config['flannel-backend'] = 'none';
    config['disable-network-policy'] = true;
    if (mesh.cilium.kubeProxyReplacement) config['disable-kube-proxy'] = true;
    config.disable = ['traefik', 'servicelb'];
    config['tls-san'] = [...new Set([cluster.apiServer.host, ...servers.map((s) => s.ip)])];
    return { nodeName: node.name, role: node.role, config };
  });
}
