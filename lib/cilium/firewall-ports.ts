/**
 * What the network between the nodes of the mesh must let through, as the
 * settings of the mesh make Cilium use it. Ports from Cilium's firewall rules
 * (Documentation/operations/system_requirements.rst, "Firewall Rules") and its
 * encryption guide (Documentation/security/network/encryption-wireguard.rst).
 */
import { Mesh } from '../model/mesh';

/** UDP port of the WireGuard tunnel on every node. */
export const WIREGUARD_PORT = 51871;
/** TCP port of the Hubble server in every agent (chart value hubble.listenAddress), which Relay dials on every node. */
export const HUBBLE_SERVER_PORT = 4244;
/** TCP port of cilium-health on every node. */
export const HEALTH_PORT = 4240;
export const TUNNEL_PORTS = { vxlan: 8472, geneve: 6081 } as const;

export interface FirewallRule {
  /** A port, or a description of several (the mesh endpoint NodePorts differ per cluster). */
  readonly port: string;
  readonly protocol: 'TCP' | 'UDP';
  /** Why the mesh needs it. */
  readonly purpose: string;
}

/** Every rule holds between every node of every cluster, both ways, in the mesh's order. */
export function meshFirewallRules(mesh: Mesh): FirewallRule[] {
  const { cilium } = mesh;
  const nodePorts = [...new Set(mesh.clusters.map((c) => c.meshNodePort))].sort((a, b) => a - b).join(', ');
  const rules: FirewallRule[] = [{ port: nodePorts, protocol: 'TCP', purpose: "mesh endpoints (each cluster's meshEndpoint.nodePort): the peers' clustermesh-apiserver" }];
  if (cilium.routing.mode === 'tunnel') {
    rules.push({ port: String(TUNNEL_PORTS[cilium.routing.tunnelProtocol]), protocol: 'UDP', purpose: `${cilium.routing.tunnelProtocol === 'vxlan' ? 'VXLAN' : 'Geneve'} tunnel: pod traffic between nodes` });
  }
  rules.push({ port: String(HEALTH_PORT), protocol: 'TCP', purpose: 'cilium-health: connectivity probes between nodes' });
  if (cilium.encryption.type === 'wireguard') rules.push({ port: String(WIREGUARD_PORT), protocol: 'UDP', purpose: 'WireGuard: the encrypted traffic between nodes' });
  if (cilium.hubble.relay) rules.push({ port: String(HUBBLE_SERVER_PORT), protocol: 'TCP', purpose: "Hubble server: every cluster's Relay reads the flows of every node" });
  return rules;
}
