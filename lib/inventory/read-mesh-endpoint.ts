/**
 * A cluster's `meshEndpoint`: how its peers reach its clustermesh-apiserver.
 * Checks what one file can check (types, addresses, fields that belong to
 * another type); collisions across clusters are lib/inventory/mesh-rules.ts'.
 */
import { parseIpv4, parseIpv4Cidr } from '../model/ipv4';
import { LoadBalancerSupplier, MeshEndpoint, MeshEndpointType, NodePortRange } from '../model/mesh';
import { Problem } from '../report/problems';
import { DEFAULT_MESH_NODE_PORT_BASE, DEFAULTS } from './defaults';
import { SourceFile } from './source-file';

export interface RawMeshEndpoint {
  type?: MeshEndpointType;
  nodePort?: number;
  loadBalancerIP?: string;
  loadBalancerClass?: string;
  supplier?: LoadBalancerSupplier;
  sourceRanges?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  annotations?: Record<string, string>;
  address?: string;
  port?: number;
}

const ENDPOINT = DEFAULTS.Cluster.meshEndpoint;

/** The fields each type reads; any other field set is refused, so nothing written is silently ignored. */
const FIELDS_OF: Record<MeshEndpointType, readonly (keyof RawMeshEndpoint)[]> = {
  NodePort: ['type', 'nodePort'],
  LoadBalancer: ['type', 'loadBalancerIP', 'loadBalancerClass', 'supplier', 'sourceRanges', 'externalTrafficPolicy', 'annotations'],
  External: ['type', 'nodePort', 'address', 'port'],
};

/** A DNS name as RFC 1123 allows it: dot-separated labels of letters, digits and inner hyphens. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function readMeshEndpoint(file: SourceFile, raw: RawMeshEndpoint | undefined, id: number, nodePortRange: NodePortRange, problems: Problem[]): MeshEndpoint {
  const written = raw ?? {};
  const type = written.type ?? ENDPOINT.type;
  for (const key of Object.keys(written) as (keyof RawMeshEndpoint)[]) {
    if (FIELDS_OF[type].includes(key)) continue;
    const owners = (Object.keys(FIELDS_OF) as MeshEndpointType[]).filter((t) => FIELDS_OF[t].includes(key));
    problems.push(
      file.problem(['meshEndpoint', key], `applies to type ${owners.join(' or ')} only, and this endpoint is ${written.type === undefined ? `of the default type ${type}` : type}`, `set meshEndpoint.type: ${owners[0]}, or delete ${key}`, { atKey: true }),
    );
  }
  switch (type) {
    case 'NodePort':
      return { type, nodePort: readNodePort(file, written, id, nodePortRange, problems) };
    case 'External':
      return readExternal(file, written, id, nodePortRange, problems);
    case 'LoadBalancer':
      return readLoadBalancer(file, written, problems);
  }
}

function readNodePort(file: SourceFile, written: RawMeshEndpoint, id: number, range: NodePortRange, problems: Problem[]): number {
  const nodePort = written.nodePort ?? DEFAULT_MESH_NODE_PORT_BASE + id;
  if (nodePort < range.min || nodePort > range.max) {
    const path = written.nodePort === undefined ? ['id'] : ['meshEndpoint', 'nodePort'];
    const what = written.nodePort === undefined ? `the default mesh endpoint nodePort ${nodePort} (${DEFAULT_MESH_NODE_PORT_BASE} + id)` : `${nodePort}`;
    problems.push(file.problem(path, `${what} is outside the cluster's NodePort range ${range.min}-${range.max}`, `set meshEndpoint.nodePort to a port between ${range.min} and ${range.max}`));
  }
  return nodePort;
}

function readExternal(file: SourceFile, written: RawMeshEndpoint, id: number, range: NodePortRange, problems: Problem[]): MeshEndpoint {
  const nodePort = readNodePort(file, written, id, range, problems);
  const address = written.address ?? '';
  if (written.address === undefined) {
    problems.push(file.problem(['meshEndpoint'], 'is of type External but names no address', 'set meshEndpoint.address to the DNS name or IPv4 address of the load balancer in front of the nodes', { atKey: true }));
  }
  const addressKind = parseIpv4(address) !== undefined ? 'ip' : 'dns';
  // Digits and dots only are a mistyped address, though DNS would allow them as a name.
  if (written.address !== undefined && addressKind === 'dns' && (/^[0-9.]+$/.test(address) || !DNS_NAME.test(address))) {
    const why = /^[0-9.]+$/.test(address) ? 'looks like an IPv4 address but is not one' : 'is neither an IPv4 address nor a DNS name';
    problems.push(file.problem(['meshEndpoint', 'address'], `'${address}' ${why}`, 'write a dotted-quad address such as 203.0.113.10, or a lower-case DNS name such as mesh.k3scl1.example.com'));
  }
  // A load balancer that forwards the port it listens on to the same NodePort needs no port of its own.
  return { type: 'External', nodePort, address, addressKind, port: written.port ?? nodePort };
}

function readLoadBalancer(file: SourceFile, written: RawMeshEndpoint, problems: Problem[]): MeshEndpoint {
  const ip = written.loadBalancerIP;
  if (ip === undefined) {
    problems.push(
      file.problem(['meshEndpoint'], 'is of type LoadBalancer but names no loadBalancerIP, so its peers would not know what to dial', 'set meshEndpoint.loadBalancerIP to an address of the supplier\'s pool, or use type External with the DNS name of the load balancer', { atKey: true }),
    );
  } else if (parseIpv4(ip) === undefined) {
    problems.push(file.problem(['meshEndpoint', 'loadBalancerIP'], `'${ip}' is not an IPv4 address`, 'write a dotted-quad address from the supplier\'s pool, such as 172.17.30.11'));
  }
  written.sourceRanges?.forEach((range, index) => {
    const parsed = parseIpv4Cidr(range);
    if ('error' in parsed) problems.push(file.problem(['meshEndpoint', 'sourceRanges', index], `'${range}' ${parsed.error}`, 'write an IPv4 range such as 198.51.100.0/24 (a single address as /32)'));
  });
  if (written.supplier === undefined) {
    problems.push(
      file.problem(
        ['meshEndpoint'],
        'is of type LoadBalancer, but names no supplier: k3s servicelb is disabled on every node this project configures (disable: servicelb), so the Service stays pending unless kube-vip, MetalLB or Cilium LB IPAM assigns and announces loadBalancerIP',
        'install one of them and name it in meshEndpoint.supplier (kube-vip, metallb, cilium or other)',
        { severity: 'warning', atKey: true },
      ),
    );
  }
  return {
    type: 'LoadBalancer',
    loadBalancerIP: ip ?? '',
    loadBalancerClass: written.loadBalancerClass,
    supplier: written.supplier,
    sourceRanges: written.sourceRanges,
    externalTrafficPolicy: written.externalTrafficPolicy ?? ENDPOINT.externalTrafficPolicy,
    annotations: written.annotations ?? {},
  };
}
