/**
 * A Cluster file: checks that need only the file itself, and defaults.
 */
import { basename, extname } from 'path';
import { formatIpv4, Ipv4Cidr, parseIpv4, parseIpv4Cidr, cidrContains } from '../model/ipv4';
import { Cluster, ClusterNode, KubeVipSettings, NodePortRange, NodeRole } from '../model/mesh';
import { Problem } from '../report/problems';
import { helmValueProblems } from './read-mesh';
import { FieldPath, SourceFile } from './source-file';
import { DEFAULTS } from './defaults';
import { RawMeshEndpoint, readMeshEndpoint } from './read-mesh-endpoint';
import { readK3sVersion } from './read-k3s-version';
import { reservedClusterName } from './reserved-names';

interface RawCluster {
  name: string;
  id: number;
  k3s?: { version?: string };
  podCidr: string;
  podCidrMaskSize?: number;
  serviceCidr?: string;
  nodePortRange?: string;
  nodes: { name: string; ip: string; externalAddress?: string; role?: NodeRole }[];
  meshEndpoint?: RawMeshEndpoint;
  apiServer?: { host?: string; port?: number; kubeVip?: { interface: string; image?: string } };
  helmValues?: Record<string, unknown>;
  argocd?: { server?: string };
}


const CLUSTER = DEFAULTS.Cluster;

export function readCluster(file: SourceFile, problems: Problem[]): Cluster {
  const raw = file.data as RawCluster;
  const stem = basename(file.path, extname(file.path));
  if (stem !== raw.name) {
    problems.push(file.problem(['name'], `'${raw.name}' differs from the file name '${basename(file.path)}'`, `rename the file to ${raw.name}.yaml, or set name: ${stem}`));
  }
  const takenBy = reservedClusterName(raw.name);
  if (takenBy !== undefined) problems.push(file.problem(['name'], `'${raw.name}' is reserved for ${takenBy}`, 'choose another name'));

  const podCidr = cidrField(file, ['podCidr'], raw.podCidr, problems);
  const podCidrMaskSize = raw.podCidrMaskSize ?? CLUSTER.podCidrMaskSize;
  if (podCidr.prefixLength < 32 && podCidrMaskSize < podCidr.prefixLength) {
    problems.push(file.problem(['podCidrMaskSize'], `/${podCidrMaskSize} per node is larger than the whole podCidr ${podCidr.text}`, `choose a mask size of at least ${podCidr.prefixLength}`));
  }
  const serviceCidr = cidrField(file, ['serviceCidr'], raw.serviceCidr ?? CLUSTER.serviceCidr, problems);
  const nodePortRange = readNodePortRange(file, raw.nodePortRange ?? CLUSTER.nodePortRange, problems);
  const nodes = readNodes(file, raw, podCidr, serviceCidr, problems);

  const meshEndpoint = readMeshEndpoint(file, raw.meshEndpoint, raw.id, nodePortRange, problems);

  const firstServer = nodes.find((n) => n.role === 'server');
  const apiHost = raw.apiServer?.host ?? firstServer?.ip ?? '';
  const servers = nodes.filter((n) => n.role === 'server');
  if (servers.length > 1 && servers.some((n) => n.ip === apiHost)) {
    problems.push(
      file.problem(
        raw.apiServer?.host === undefined ? ['nodes'] : ['apiServer', 'host'],
        `has ${servers.length} servers, but Cilium (k8sServiceHost) and the joining nodes reach the API at ${apiHost}, one server alone: when it is down, every node loses the API`,
        'set apiServer.host to a virtual IP or DNS name in front of all servers (kube-vip, keepalived or a load balancer)',
        { severity: 'warning' },
      ),
    );
  }

  // k3s's embedded etcd needs a majority of servers up: k3s-io/docs docs/datastore/ha-embedded.md asks for an odd number.
  if (servers.length > 1 && servers.length % 2 === 0) {
    problems.push(
      file.problem(['nodes'], `has ${servers.length} servers: etcd needs a majority of them up, so ${servers.length} servers survive no more failures than ${servers.length - 1}`, `run an odd number of servers (add one, or make one an agent: role: agent)`, { severity: 'warning' }),
    );
  }

  const helmValues = raw.helmValues ?? {};
  problems.push(...helmValueProblems(file, ['helmValues'], helmValues));

  return {
    source: { file: file.path },
    name: raw.name,
    id: raw.id,
    nodes,
    podCidr,
    podCidrMaskSize,
    serviceCidr,
    nodePortRange,
    meshEndpoint,
    apiServer: { host: apiHost, port: raw.apiServer?.port ?? CLUSTER.apiServer.port, kubeVip: readKubeVip(file, raw, nodes, podCidr, serviceCidr, problems) },
    helmValues,
    argocdServer: raw.argocd?.server ?? `https://${apiHost}:${raw.apiServer?.port ?? CLUSTER.apiServer.port}`,
    k3sVersion: readK3sVersion(file, raw.k3s?.version, problems),
  };
}

/**
 * kube-vip announces apiServer.host by ARP from the leading server: it must be
 * an IPv4 address of its own, and the API is reached on the port k3s serves it
 * on (6443), since the address simply moves to a server.
 */
function readKubeVip(file: SourceFile, raw: RawCluster, nodes: readonly ClusterNode[], podCidr: Ipv4Cidr, serviceCidr: Ipv4Cidr, problems: Problem[]): KubeVipSettings | undefined {
  const given = raw.apiServer?.kubeVip;
  if (!given) return undefined;
  const image = given.image ?? CLUSTER.apiServer.kubeVip.image;
  const host = raw.apiServer?.host;
  const fix = "set apiServer.host to a free IPv4 address in the servers' network, one no node, pod or Service uses";
  if (host === undefined) {
    problems.push(file.problem(['apiServer', 'kubeVip'], 'needs apiServer.host: the virtual IP kube-vip announces', fix, { atKey: true }));
  } else {
    const address = parseIpv4(host);
    const node = nodes.find((n) => n.ip === host);
    if (address === undefined) problems.push(file.problem(['apiServer', 'host'], `'${host}' is not an IPv4 address, and kube-vip announces an address (ARP), not a name`, fix));
    else if (node) problems.push(file.problem(['apiServer', 'host'], `${host} is the address of ${node.name}, but kube-vip needs an address of its own to move between the servers`, fix));
    else {
      for (const [range, label] of [[podCidr, 'podCidr'], [serviceCidr, 'serviceCidr']] as const) {
        if (range.prefixLength < 32 && cidrContains(range, address)) problems.push(file.problem(['apiServer', 'host'], `${host} lies inside the cluster's ${label} ${range.text}`, fix));
      }
    }
  }
  const port = raw.apiServer?.port ?? CLUSTER.apiServer.port;
  if (port !== CLUSTER.apiServer.port) {
    problems.push(file.problem(['apiServer', 'port'], `is ${port}, but with kube-vip the address moves to a server, where k3s serves the API on ${CLUSTER.apiServer.port}`, `leave apiServer.port out (${CLUSTER.apiServer.port})`));
  }
  const [name] = image.split('@');
  const tag = name.lastIndexOf(':') > name.lastIndexOf('/') ? name.slice(name.lastIndexOf(':') + 1) : undefined;
  if (!image.includes('@') && (tag === undefined || tag === 'latest')) {
    problems.push(
      file.problem(['apiServer', 'kubeVip', 'image'], `'${image}' is not pinned: every server could run another kube-vip`, `name a release tag or a digest, e.g. ${CLUSTER.apiServer.kubeVip.image} (the default)`),
    );
  }
  return { interface: given.interface, image };
}

function cidrField(file: SourceFile, path: FieldPath, text: string, problems: Problem[]): Ipv4Cidr {
  const parsed = parseIpv4Cidr(text);
  if ('error' in parsed) {
    problems.push(file.problem(path, `'${text}' ${parsed.error}`, 'write an IPv4 range such as 10.11.0.0/16'));
    return { text, base: 0, prefixLength: 32 };
  }
  return parsed.cidr;
}

function readNodePortRange(file: SourceFile, text: string, problems: Problem[]): NodePortRange {
  const [min, max] = text.split('-').map(Number);
  if (!(min >= 1 && max <= 65535 && min <= max)) {
    problems.push(file.problem(['nodePortRange'], `'${text}' is not a port range`, 'write it as min-max with 1 <= min <= max <= 65535, e.g. 30000-32767'));
    return { min: 30000, max: 32767 };
  }
  return { min, max };
}

function readNodes(file: SourceFile, raw: RawCluster, podCidr: Ipv4Cidr, serviceCidr: Ipv4Cidr, problems: Problem[]): ClusterNode[] {
  const names = new Map<string, number>();
  const ips = new Map<string, number>();
  const nodes = raw.nodes.map((node, index): ClusterNode => {
    const address = parseIpv4(node.ip);
    if (address === undefined) {
      problems.push(file.problem(['nodes', index, 'ip'], `'${node.ip}' is not an IPv4 address: ${whyNotIpv4(node.ip)}`, 'write a dotted-quad address such as 172.17.11.11'));
    } else {
      for (const [range, label] of [[podCidr, 'podCidr'], [serviceCidr, 'serviceCidr']] as const) {
        if (range.prefixLength < 32 && cidrContains(range, address)) {
          problems.push(file.problem(['nodes', index, 'ip'], `${node.ip} lies inside the cluster's ${label} ${range.text}`, `move ${label} to a range that holds no node address`));
        }
      }
    }
    const canonical = address === undefined ? node.ip : formatIpv4(address);
    const sameName = names.get(node.name);
    if (sameName !== undefined) problems.push(file.problem(['nodes', index, 'name'], `'${node.name}' is already used by nodes[${sameName}]`, 'give every node a unique name'));
    const sameIp = ips.get(canonical);
    if (sameIp !== undefined) problems.push(file.problem(['nodes', index, 'ip'], `${node.ip} is already used by nodes[${sameIp}]`, 'give every node its own address'));
    names.set(node.name, index);
    ips.set(canonical, index);
    if (node.externalAddress !== undefined && parseIpv4(node.externalAddress) === undefined) {
      problems.push(file.problem(['nodes', index, 'externalAddress'], `'${node.externalAddress}' is not an IPv4 address: ${whyNotIpv4(node.externalAddress)}`, 'write the dotted-quad address the other clusters reach this node at, such as 203.0.113.21'));
    }
    const role = node.role ?? CLUSTER.nodes[0].role;
    return node.externalAddress === undefined ? { name: node.name, ip: node.ip, role } : { name: node.name, ip: node.ip, externalAddress: node.externalAddress, role };
  });
  if (!nodes.some((n) => n.role === 'server')) {
    problems.push(file.problem(['nodes'], 'has no server node', 'mark at least one node role: server (it runs the control plane and bootstraps Cilium)'));
  }
  return nodes;
}

/** Why parseIpv4 refused an address, in the user's terms. */
function whyNotIpv4(text: string): string {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]+$/.test(p))) return 'it needs four numbers separated by dots';
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return 'a number has a leading zero (some tools read it as octal)';
  return 'each number must be from 0 to 255';
}
