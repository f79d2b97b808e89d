/**
 * The k3s server configuration (/etc/rancher/k3s/config.yaml) for each server
 * node: k3s without flannel, kube-proxy, its network policy controller and its
 * bundled load balancer and ingress, so Cilium owns the network.
 */
import { Cluster, Mesh, serverNodes } from '../model/mesh';

export type K3sConfig = Record<string, unknown>;

export interface NodeConfig {
  readonly nodeName: string;
  readonly config: K3sConfig;
}

export function k3sServerConfigs(mesh: Mesh, cluster: Cluster): NodeConfig[] {
  const servers = serverNodes(cluster);
  const first = servers[0];
  return servers.map((node) => {
    const config: K3sConfig = {};
    // The first server starts the embedded etcd; the others join it.
    if (node === first) config['cluster-init'] = true;
    else config.server = `https://${first.ip}:6443`;
    config['node-ip'] = node.ip;
    config['cluster-cidr'] = cluster.podCidr.text;
    config['service-cidr'] = cluster.serviceCidr.text;
    config['service-node-port-range'] = `${cluster.nodePortRange.min}-${cluster.nodePortRange.max}`;
    config['flannel-backend'] = 'none';
    config['disable-network-policy'] = true;
    if (mesh.cilium.kubeProxyReplacement) config['disable-kube-proxy'] = true;
    config.disable = ['traefik', 'servicelb'];
    config['tls-san'] = servers.map((s) => s.ip);
    return { nodeName: node.name, config };
  });
}
