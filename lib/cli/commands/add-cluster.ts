/**
 * `npm run mesh -- add-cluster NAME --server IP [--server IP ...] [--agent IP ...]
 * [--id N] [--pod-cidr CIDR] [--node-port PORT]`: writes clusters/NAME.yaml with
 * an id, a pod range and a mesh endpoint nodePort that collide with nothing in
 * the mesh, and, when its nodes join one another, the cluster's k3s join token
 * (SOPS-encrypted to the mesh's recipients: encrypting needs no key), then says
 * to synth. The current inventory must be valid.
 */
import { existsSync, readdirSync, unlinkSync } from 'fs';
import { join, relative, resolve } from 'path';
import { writeNewFileAtomically } from '../../fs/atomic-write';
import { fsCall } from '../../fs/file-system-error';
import { loadProject } from '../../inventory/load-project';
import { joinsNodes } from '../../inventory/read-join-tokens';
import { encryptJoinToken, joinTokenFile, newJoinToken } from '../../secrets/k3s-token';
import { SopsError } from '../../secrets/sops';
import { DEFAULTS } from '../../inventory/defaults';
import { cidrContains, cidrsOverlap, formatIpv4, Ipv4Cidr, parseIpv4, parseIpv4Cidr } from '../../model/ipv4';
import { Mesh, meshNodePortOf } from '../../model/mesh';
import { CommandLine, MeshCommand, UsageError } from '../command';
import { reportProblems } from '../../report/problems';
import { reservedClusterName } from '../../inventory/reserved-names';
import { CLUSTER_NAME_MAX_LENGTH, clusterNameProblem } from '../../model/kubernetes-names';

/** Cilium's rule for cluster.name; 'default' needs no id and 'bootstrap' is a folder of dist/<cluster>/. */

export interface AddClusterRequest {
  readonly name: string;
  /** Server addresses; the first starts the cluster (k3s cluster-init). At least one. */
  readonly servers: readonly string[];
  /** Agent addresses. @default none */
  readonly agents?: readonly string[];
  readonly id?: number;
  readonly podCidr?: string;
  readonly nodePort?: number;
}

export interface ClusterPlan {
  readonly name: string;
  readonly id: number;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodePort: number;
  readonly nodes: readonly { name: string; ip: string; role: 'server' | 'agent' }[];
}

/** The request a parsed command line makes; throws UsageError on a malformed one. */
export function addClusterRequest(line: CommandLine): AddClusterRequest {
  const [name] = line.positionals;
  const servers = (line.values.server as string[] | undefined) ?? [];
  const agents = (line.values.agent as string[] | undefined) ?? [];
  if (servers.length === 0) throw new UsageError('no server address was given', `give each server's address with --server (the first starts the cluster) and each agent's with --agent: ${ADD_USAGE}`);
  const id = line.values.id === undefined ? undefined : integer('--id', String(line.values.id));
  const nodePort = line.values['node-port'] === undefined ? undefined : integer('--node-port', String(line.values['node-port']));
  const podCidr = line.values['pod-cidr'] as string | undefined;
  return { name, servers, agents, id, podCidr, nodePort };
}

const ADD_USAGE = 'usage: npm run mesh -- add-cluster NAME --server IP [--server IP ...] [--agent IP ...] [--id N] [--pod-cidr CIDR] [--node-port PORT]';

/**
 * Node names from the order of the addresses: `<name>-server` for a lone server,
 * else `<name>-server-1`, `-2`, …; agents `<name>-agent-1`, `-2`, ….
 */
export function nodeNames(name: string, servers: number, agents: number): { servers: string[]; agents: string[] } {
  return {
    servers: servers === 1 ? [`${name}-server`] : Array.from({ length: servers }, (_, i) => `${name}-server-${i + 1}`),
    agents: Array.from({ length: agents }, (_, i) => `${name}-agent-${i + 1}`),
  };
}

function integer(flag: string, text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${flag} '${text}' is not a whole number`, `give ${flag} digits only (e.g. ${flag} ${flag === '--id' ? 4 : 32004}), or leave it out to have one chosen`);
  return Number(text);
}

/**
 * Chooses what the request leaves open: the id after the highest one in use
 * (ids of removed clusters are reused only when the range is exhausted), the
 * pod range 10.<10+id>.0.0/16 or else the first free /16 of 10.0.0.0/8, and
 * the nodePort after the highest mesh endpoint port in use. Whatever is given
 * or chosen must collide with nothing in the mesh.
 */
export function planCluster(mesh: Mesh, request: AddClusterRequest, existingFileNames: readonly string[] = []): ClusterPlan {
  const { name } = request;
  const why = clusterNameProblem(name);
  if (why !== undefined) {
    throw new UsageError(
      `'${name}' is not a valid cluster name: it ${why}`,
      `choose a name of at most ${CLUSTER_NAME_MAX_LENGTH} characters, lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. k3scl4)`,
    );
  }
  const takenBy = reservedClusterName(name);
  if (takenBy !== undefined) throw new UsageError(`'${name}' is reserved for ${takenBy}`, 'choose another name for the cluster');
  if (mesh.clusters.some((c) => c.name === name)) throw new UsageError(`the mesh already has a cluster named ${name}`, `choose another name, or edit clusters/${name}.yaml to change the existing cluster`);
  if (existingFileNames.includes(`${name}.yaml`) || existingFileNames.includes(`${name}.yml`)) {
    throw new UsageError(`the inventory already has a file ${name}.yaml`, 'choose another name for the cluster, or rename that file');
  }

  const serviceCidr = cidr(DEFAULTS.Cluster.serviceCidr);
  const meshNodeIps = new Map<number, string>();
  for (const c of mesh.clusters) for (const n of c.nodes) meshNodeIps.set(parseIpv4(n.ip)!, c.name);
  const nodeAddresses: number[] = [];
  const agents = request.agents ?? [];
  const given = [...request.servers.map((ip) => ({ flag: '--server', ip })), ...agents.map((ip) => ({ flag: '--agent', ip }))];
  for (const { flag, ip } of given) {
    const address = parseIpv4(ip);
    if (address === undefined) throw new UsageError(`${flag} ${ip} is not an IPv4 address`, `write the address as a dotted quad, such as ${flag} 172.17.11.14`);
    const owner = meshNodeIps.get(address);
    if (owner) throw new UsageError(`${flag} ${ip} is already a node address of ${owner}`, `give the new cluster's own node addresses (see clusters/${owner}.yaml for the ones in use)`);
    if (nodeAddresses.includes(address)) throw new UsageError(`${flag} ${ip} is given twice`, 'give each node address once, with --server or --agent');
    if (cidrContains(serviceCidr, address)) throw new UsageError(`${flag} ${ip} lies inside the service range ${serviceCidr.text}`, `give node addresses outside ${serviceCidr.text}, the range k3s gives to Services`);
    for (const c of mesh.clusters) {
      if (cidrContains(c.podCidr, address)) throw new UsageError(`${flag} ${ip} lies inside the pod range ${c.podCidr.text} of ${c.name}`, `give node addresses outside every cluster's podCidr`);
    }
    nodeAddresses.push(address);
  }
  const names = nodeNames(name, request.servers.length, agents.length);

  const id = chooseId(mesh, request.id);
  const podCidr = choosePodCidr(mesh, id, request.podCidr, serviceCidr, [...meshNodeIps.keys(), ...nodeAddresses]);
  const nodePort = chooseNodePort(mesh, id, request.nodePort);
  return {
    name,
    id,
    podCidr: podCidr.text,
    serviceCidr: serviceCidr.text,
    nodePort,
    nodes: [
      ...request.servers.map((ip, i) => ({ name: names.servers[i], ip, role: 'server' as const })),
      ...agents.map((ip, i) => ({ name: names.agents[i], ip, role: 'agent' as const })),
    ],
  };
}

function chooseId(mesh: Mesh, given: number | undefined): number {
  const max = mesh.cilium.maxConnectedClusters;
  const used = new Set(mesh.clusters.map((c) => c.id));
  if (given !== undefined) {
    if (given < 1 || given > max) throw new UsageError(`--id ${given} is outside 1..${max} (cilium.maxConnectedClusters ${max})`, `give an --id from 1 to ${max}, or leave it out to have a free one chosen`);
    const owner = mesh.clusters.find((c) => c.id === given);
    if (owner) throw new UsageError(`--id ${given} is already the id of ${owner.name}`, 'give an --id no cluster uses, or leave it out to have a free one chosen');
    return given;
  }
  const next = Math.max(0, ...used) + 1;
  if (next <= max) return next;
  for (let id = 1; id <= max; id++) if (!used.has(id)) return id;
  throw new UsageError(
    `the mesh already has ${mesh.clusters.length} clusters, every id from 1 to ${max}`,
    max === 255 ? 'set cilium.maxConnectedClusters: 511 in clusters/mesh.yaml for more, or remove a cluster first' : "remove a cluster first ('npm run mesh -- remove-cluster NAME')",
  );
}

function choosePodCidr(mesh: Mesh, id: number, given: string | undefined, serviceCidr: Ipv4Cidr, nodeAddresses: readonly number[]): Ipv4Cidr {
  const clash = (range: Ipv4Cidr): string | undefined => {
    for (const c of mesh.clusters) {
      if (cidrsOverlap(range, c.podCidr)) return `the pod range ${c.podCidr.text} of ${c.name}`;
      if (cidrsOverlap(range, c.serviceCidr)) return `the service range ${c.serviceCidr.text} of ${c.name}`;
    }
    if (cidrsOverlap(range, serviceCidr)) return `the new cluster's service range ${serviceCidr.text}`;
    const node = nodeAddresses.find((a) => cidrContains(range, a));
    if (node !== undefined) return `the node address ${formatIpv4(node)}`;
    return undefined;
  };
  if (given !== undefined) {
    const parsed = parseIpv4Cidr(given);
    if ('error' in parsed) throw new UsageError(`--pod-cidr '${given}' ${parsed.error}`, 'give a range such as --pod-cidr 10.14.0.0/16, or leave it out to have a free one chosen');
    const why = clash(parsed.cidr);
    if (why) throw new UsageError(`--pod-cidr ${parsed.cidr.text} overlaps ${why}`, 'give a range that overlaps no other range or node address of the mesh, or leave --pod-cidr out to have a free one chosen');
    return parsed.cidr;
  }
  const preferred = 10 + id <= 255 ? [10 + id] : [];
  for (const x of [...preferred, ...Array.from({ length: 255 }, (_, i) => i + 1)]) {
    const candidate = cidr(`10.${x}.0.0/16`);
    if (!clash(candidate)) return candidate;
  }
  throw new UsageError("no /16 of 10.0.0.0/8 is free of the mesh's pod ranges, service ranges and node addresses", 'give a free range outside 10.0.0.0/8 with --pod-cidr');
}

function chooseNodePort(mesh: Mesh, id: number, given: number | undefined): number {
  const [min, max] = DEFAULTS.Cluster.nodePortRange.split('-').map(Number);
  const used = new Map(mesh.clusters.flatMap((c) => { const port = meshNodePortOf(c); return port === undefined ? [] : [[port, c.name] as const]; }));
  if (given !== undefined) {
    if (given < min || given > max) throw new UsageError(`--node-port ${given} is outside the NodePort range ${min}-${max}`, `give a --node-port from ${min} to ${max}, or leave it out to have a free one chosen`);
    const owner = used.get(given);
    if (owner) throw new UsageError(`--node-port ${given} is already the mesh endpoint nodePort of ${owner}`, 'give a --node-port no cluster uses, or leave it out to have a free one chosen');
    return given;
  }
  const candidates = [Math.max(0, ...used.keys()) + 1, 32000 + id];
  for (const port of candidates) if (port >= min && port <= max && !used.has(port)) return port;
  for (let port = min; port <= max; port++) if (!used.has(port)) return port;
  throw new UsageError(`every port of ${min}-${max} is a mesh endpoint nodePort already`, 'remove a cluster first, or widen the NodePort range');
}

function cidr(text: string): Ipv4Cidr {
  const parsed = parseIpv4Cidr(text);
  if ('error' in parsed) throw new Error(`${text}: ${parsed.error}`);
  return parsed.cidr;
}

/** The inventory file for a plan, laid out like the bundled examples. */
export function clusterFileText(plan: ClusterPlan): string {
  return [
    '# yaml-language-server: $schema=../schema/cluster.schema.json',
    'kind: Cluster',
    `name: ${plan.name}`,
    `id: ${plan.id}`,
    `podCidr: ${plan.podCidr}`,
    `serviceCidr: ${plan.serviceCidr}`,
    'nodes:',
    ...plan.nodes.flatMap((n) => [`  - name: ${n.name}`, `    ip: ${n.ip}`, `    role: ${n.role}`]),
    'meshEndpoint:',
    `  nodePort: ${plan.nodePort}`,
    '',
  ].join('\n');
}

export const addClusterCommand: MeshCommand = {
  words: ['add-cluster'],
  summary:
    "write clusters/NAME.yaml for a new cluster (--server IP, repeatable, the first starts the cluster; --agent IP, repeatable; optional --id, --pod-cidr, --node-port) with an id, pod range and nodePort no other cluster uses, and its k3s join token when nodes join one another",
  positionals: ['NAME'],
  options: {
    server: { type: 'string', multiple: true, value: 'IP', description: "a server's address, once per server; the first starts the cluster (an odd number keeps etcd's quorum)" },
    agent: { type: 'string', multiple: true, value: 'IP', description: "an agent's address, once per agent" },
    id: { type: 'string', value: 'N', description: 'the cluster id (default: after the highest in use)' },
    'pod-cidr': { type: 'string', value: 'CIDR', description: 'the pod range (default: the next free /16)' },
    'node-port': { type: 'string', value: 'PORT', description: 'the mesh endpoint NodePort (default: 32000 + id)' },
  },
  writesProject: () => true,
  async run(line, { root, env, stdout, stderr }) {
    const request = addClusterRequest(line);
    const dir = resolve(root, env.MESH_INVENTORY ?? 'clusters');
    const before = loadProject(dir, { displayRoot: root });
    if (!before.mesh) {
      // Each problem says its fix; add-cluster only runs on a valid inventory.
      reportProblems(before.problems, stderr);
      stderr.write("add-cluster changes only a valid inventory: fix the errors above ('npm run mesh -- validate' checks), then run it again.\n");
      return 1;
    }
    const plan = planCluster(before.mesh, request, readdirSync(dir));
    const path = join(dir, `${plan.name}.yaml`);
    const token = await joinTokenToWrite(before.mesh, plan, root);
    const written: string[] = [];
    const removeWritten = () => {
      for (const file of written.reverse()) fsCall('remove', file, () => unlinkSync(file));
    };
    try {
      writeNewFileAtomically(path, clusterFileText(plan));
      written.push(path);
      if (token?.text) {
        writeNewFileAtomically(token.path, token.text);
        written.push(token.path);
      }
    } catch (err) {
      removeWritten();
      throw err;
    }
    const after = loadProject(dir, { displayRoot: root });
    if (!after.mesh) {
      removeWritten();
      reportProblems(after.problems, stderr);
      stderr.write(`the new file made the inventory invalid, so it was removed again; give add-cluster values that fix the errors above.\n`);
      return 1;
    }
    // Its own warnings (an even number of servers, no API address in front of several): said now, not at the next synth.
    reportProblems(after.problems.filter((p) => p.severity === 'warning' && p.file === relative(root, path)), stderr);
    const display = relative(root, path);
    stdout.write(
      [
        `wrote ${display}: id ${plan.id}, podCidr ${plan.podCidr}, mesh endpoint nodePort ${plan.nodePort}, ${plan.nodes.map((n) => `${n.name} ${n.ip} (${n.role})`).join(', ')}`,
        ...(token ? [token.text ? `wrote ${token.file}: the cluster's k3s join token, SOPS-encrypted to secrets.ageRecipients` : `kept ${token.file}, which was there already, as the cluster's k3s join token`] : []),
        '',
        'Next:',
        `  1. review ${display} (node names, serviceCidr, apiServer, Helm values)`,
        '  2. npm run synth        # every other cluster gains ' + plan.name + ' as a peer',
        `  3. git diff dist/       # review, then commit clusters/${token ? ', secrets/' : ''} and dist/ together`,
        `  4. bring ${plan.name} up with dist/${plan.name}/bootstrap/README.md`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/**
 * The join token file a cluster whose nodes join one another needs (provider
 * sops): encrypted here, or, when a file is there already (kept from a removed
 * cluster of that name), kept as it is. Undefined when none is needed.
 */
async function joinTokenToWrite(mesh: Mesh, plan: ClusterPlan, root: string): Promise<{ file: string; path: string; text?: string } | undefined> {
  if (!joinsNodes(plan) || mesh.secrets.provider !== 'sops') return undefined;
  const file = joinTokenFile(mesh.secrets.caFile, plan.name);
  const path = resolve(root, file);
  if (existsSync(path)) return { file, path };
  try {
    return { file, path, text: await encryptJoinToken(newJoinToken(), mesh.secrets.ageRecipients) };
  } catch (err) {
    if (!(err instanceof SopsError)) throw err;
    throw new UsageError(`secrets.ageRecipients: ${err.message.replace(/\.$/, '')}; nothing was written`, 'check secrets.ageRecipients in clusters/mesh.yaml: each must be an age public key (age1…, from age-keygen -y)');
  }
}
