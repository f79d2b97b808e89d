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

/** A port every node of every cluster must reach on every node of the other clusters, both ways. */
export interface NodeFirewallRule {
  readonly what: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/**
 * The node-to-node openings the mesh's settings make Cilium use, in the mesh's
 * order; the mesh endpoints, which differ per cluster, are listed by the overview.
 */
export function nodeFirewallRules(mesh: Mesh): NodeFirewallRule[] {
  const { cilium } = mesh;
  const rules: NodeFirewallRule[] = [];
  if (cilium.routing.mode === 'tunnel') rules.push({ what: `pod traffic (${cilium.routing.tunnelProtocol} tunnel)`, port: TUNNEL_PORTS[cilium.routing.tunnelProtocol], protocol: 'UDP' });
  rules.push({ what: 'Cilium health checks', port: HEALTH_PORT, protocol: 'TCP' });
  if (cilium.encryption.type === 'wireguard') rules.push({ what: 'WireGuard (encrypted traffic between nodes)', port: WIREGUARD_PORT, protocol: 'UDP' });
  if (cilium.hubble.relay) rules.push({ what: "Hubble server (every cluster's Relay reads every node)", port: HUBBLE_SERVER_PORT, protocol: 'TCP' });
  return rules;
}
