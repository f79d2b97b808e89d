/**
 * add-cluster and remove-cluster on a temporary copy of the inventory: what
 * they choose never collides, they refuse what would break the mesh, and the
 * inventory they leave synthesises, with the change in every peer's Secrets.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { Writable } from 'stream';
import fc from 'fast-check';
import { parse } from 'yaml';
import { runMeshCli } from '../../lib/cli/mesh-cli';
import { addClusterCommand, addClusterRequest, clusterFileText, planCluster } from '../../lib/cli/commands/add-cluster';
import { parseCommandLine } from '../../lib/cli/command-line';
import { loadProject } from '../../lib/inventory/load-project';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { cidrsOverlap, parseIpv4Cidr } from '../../lib/model/ipv4';
import { Mesh, meshNodePortOf } from '../../lib/model/mesh';
import { renderMesh } from '../../lib/mesh-manifests';
import { editFile, exampleInventory, InventoryFiles, meshOf, tempProject, withFile } from '../support/inventory-fixture';
import { policyExample } from '../fixtures/policy-example';
import { decryptJoinToken } from '../../lib/secrets/k3s-token';
import { DEMO_IDENTITY } from '../secrets/mesh-ca/support';

function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

async function mesh(root: string, ...argv: string[]) {
  const out = sink();
  const err = sink();
  const code = await runMeshCli(argv, { root, env: {}, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** The project's mesh, with its own CA file beside it. */
function load(root: string): { mesh: Mesh; secrets: CommittedSecrets } {
  const result = loadProject(join(root, 'clusters'), { displayRoot: root });
  if (!result.mesh || !result.secrets) throw new Error(result.problems.map((p) => `${p.file} ${p.field} ${p.message}`).join('\n'));
  return { mesh: result.mesh, secrets: result.secrets };
}

/** Peer names in a cluster's cilium-clustermesh Secret, wherever the layout puts the file. */
function peersInSecrets(m: ReturnType<typeof load>, cluster: string): string[] {
  const file = renderMesh(m.mesh, m.secrets).find((f) => f.path.startsWith(`${cluster}/`) && f.path.endsWith('clustermesh-secrets.yaml'));
  if (!file) throw new Error(`no clustermesh-secrets.yaml for ${cluster}`);
  const secret = file.content
    .split(/^---$/m)
    .map((doc) => parse(doc))
    .find((o) => o?.metadata?.name === 'cilium-clustermesh');
  return Object.keys({ ...secret.data, ...secret.stringData }).sort();
}

let project: { root: string; cleanup: () => void };
beforeEach(() => (project = tempProject(policyExample())));
afterEach(() => project.cleanup());

describe('add-cluster', () => {
  it('writes the next id, a free pod range and nodePort, and every peer gains the cluster at synth', async () => {
    const { code, stdout } = await mesh(project.root, 'add-cluster', 'k3scl4', '--server', '172.17.11.14', '--agent=172.17.11.24');
    expect(code).toBe(0);
    expect(stdout).toMatch(/wrote clusters\/k3scl4\.yaml: id 4, podCidr 10\.14\.0\.0\/16, mesh endpoint nodePort 32382/);
    expect(stdout).toMatch(/npm run synth/);
    const text = readFileSync(join(project.root, 'clusters', 'k3scl4.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/cluster.schema.json');
    expect(parse(text)).toEqual({
      kind: 'Cluster',
      name: 'k3scl4',
      id: 4,
      podCidr: '10.14.0.0/16',
      serviceCidr: '10.43.0.0/16',
      nodes: [
        { name: 'k3scl4-server', ip: '172.17.11.14', role: 'server' },
        { name: 'k3scl4-agent-1', ip: '172.17.11.24', role: 'agent' },
      ],
      meshEndpoint: { nodePort: 32382 },
    });
    expect(readdirSync(join(project.root, 'clusters')).filter((n) => n.includes('.tmp'))).toEqual([]);
    const m = load(project.root);
    expect(m.mesh.clusters.map((c) => c.name)).toEqual(['k3scl1', 'k3scl2', 'k3scl3', 'k3scl4']);
    for (const c of ['k3scl1', 'k3scl2', 'k3scl3']) expect(peersInSecrets(m, c)).toContain('k3scl4');
    expect(peersInSecrets(m, 'k3scl4')).toEqual(['k3scl1', 'k3scl2', 'k3scl3']);
  });

  it('names servers and agents by their order, writes the join token they share, and warns of an even number of servers', async () => {
    // The example keeps its secrets with SOPS (the policy example's external-secrets cannot hold a token).
    project.cleanup();
    project = tempProject(exampleInventory());
    const servers = ['--server', '172.17.11.41', '--server', '172.17.11.42'];
    const { code, stdout, stderr } = await mesh(project.root, 'add-cluster', 'ha', ...servers, '--agent', '172.17.11.51', '--agent', '172.17.11.52');
    expect(code).toBe(0);
    expect(stdout).toMatch(/ha-server-1 172\.17\.11\.41 \(server\), ha-server-2 172\.17\.11\.42 \(server\), ha-agent-1 172\.17\.11\.51 \(agent\), ha-agent-2 172\.17\.11\.52 \(agent\)/);
    expect(stderr).toMatch(/warning: clusters\/ha\.yaml:\d+ nodes: has 2 servers: etcd needs a majority .*Fix: run an odd number of servers/);
    expect(stderr).toMatch(/warning: clusters\/ha\.yaml:\d+ nodes: has 2 servers, but Cilium \(k8sServiceHost\) and the joining nodes reach the API at 172\.17\.11\.41/);
    expect(stdout).toMatch(/wrote secrets\/ha\.k3s-token\.sops\.yaml: the cluster's k3s join token, SOPS-encrypted/);
    const token = await decryptJoinToken(readFileSync(join(project.root, 'secrets', 'ha.k3s-token.sops.yaml'), 'utf8'), [DEMO_IDENTITY]);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(stdout).not.toContain(token);
    const loaded = load(project.root);
    const ha = loaded.mesh.clusters.find((c) => c.name === 'ha')!;
    expect(loaded.secrets.joinTokenFiles?.ha).toBe('secrets/ha.k3s-token.sops.yaml');
    expect(ha.nodes.map((n) => n.role)).toEqual(['server', 'server', 'agent', 'agent']);
  });

  it('with external-secrets, writes no token and says how the token travels', async () => {
    const { code, stderr } = await mesh(project.root, 'add-cluster', 'k3scl4', '--server', '172.17.11.14', '--agent', '172.17.11.24');
    expect(code).toBe(0);
    expect(stderr).toMatch(/warning: clusters\/k3scl4\.yaml:\d+ nodes: has 1 server and 1 agent, but the join token cannot be kept in git with secrets\.provider external-secrets/);
    expect(existsSync(join(project.root, 'secrets', 'k3scl4.k3s-token.sops.yaml'))).toBe(false);
  });

  it('refuses an address given as server and agent, and writes neither file', async () => {
    project.cleanup();
    project = tempProject(exampleInventory());
    const { code, stderr } = await mesh(project.root, 'add-cluster', 'ha', '--server', '172.17.11.41', '--agent', '172.17.11.41');
    expect(code).toBe(1);
    expect(stderr).toMatch(/--agent 172\.17\.11\.41 is given twice/);
    expect(existsSync(join(project.root, 'clusters', 'ha.yaml'))).toBe(false);
    expect(existsSync(join(project.root, 'secrets', 'ha.k3s-token.sops.yaml'))).toBe(false);
  });

  it('takes --id, --pod-cidr and --node-port when they are free', async () => {
    const { code } = await mesh(project.root, 'add-cluster', 'edge', '--server', '192.168.7.1', '--id', '42', '--pod-cidr', '10.200.0.0/16', '--node-port', '31042');
    expect(code).toBe(0);
    const edge = load(project.root).mesh.clusters.find((c) => c.name === 'edge')!;
    expect([edge.id, edge.podCidr.text, meshNodePortOf(edge)]).toEqual([42, '10.200.0.0/16', 31042]);
  });

  it.each([
    [['K3S'], /not a valid cluster name/],
    [['a'.repeat(33)], /not a valid cluster name: it is 33 characters long, more than 32\. Fix: choose a name of at most 32 characters/],
    [['default'], /'default' is reserved for Cilium, for clusters without an id\. Fix: choose another name/],
    [['argocd'], /'argocd' is reserved for the Argo CD entry point \(dist\/argocd\/\)\. Fix: choose another name/],
    [['k3scl1'], /already has a cluster named k3scl1/],
    [['services'], /already has a file services\.yaml/],
    [['--id', '2'], /--id 2 is already the id of k3scl2/],
    [['--id', '256'], /--id 256 is outside 1\.\.255/],
    [['--pod-cidr', '10.12.128.0/17'], /overlaps the pod range 10\.12\.0\.0\/16 of k3scl2/],
    [['--pod-cidr', '10.43.0.0/16'], /overlaps the service range 10\.43\.0\.0\/16/],
    [['--pod-cidr', '172.17.0.0/16'], /overlaps the node address 172\.17\.11\.11/],
    [['--node-port', '32380'], /already the mesh endpoint nodePort of k3scl2/],
    [['--node-port', '8080'], /outside the NodePort range 30000-32767/],
    [['--server', '172.17.11.12'], /already a node address of k3scl2/],
    [['--server', '10.11.0.5'], /inside the pod range 10\.11\.0\.0\/16 of k3scl1/],
    [['--server', '10.43.0.5'], /inside the service range/],
    [['--server', '300.1.1.1'], /not an IPv4 address/],
  ])('refuses %j and writes nothing', async (extra, message) => {
    const name = extra[0].startsWith('--') ? 'k3scl4' : extra[0];
    const options = extra[0].startsWith('--') ? extra : [];
    const ips = options.includes('--server') ? [] : ['--server', '172.17.11.14'];
    const before = readdirSync(join(project.root, 'clusters')).sort();
    const { code, stderr } = await mesh(project.root, 'add-cluster', name, ...ips, ...options);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(readdirSync(join(project.root, 'clusters')).sort()).toEqual(before);
  });

  it('needs a name and a node address, and refuses what it does not know', () => {
    const request = (args: string[]) => addClusterRequest(parseCommandLine(addClusterCommand, args));
    expect(() => request(['k3scl4'])).toThrow(/--server/);
    expect(() => request(['--server', '1.2.3.4'])).toThrow(/no NAME was given\. Fix: give it: usage: npm run mesh -- add-cluster NAME/);
    expect(() => request(['a', '--server'])).toThrow(/--server needs a value/);
    expect(() => request(['a', '--server', '1.2.3.4', '--zone', 'x'])).toThrow(/unknown option '--zone'/);
    expect(() => request(['a', '--servers', '1.2.3.4'])).toThrow(/unknown option '--servers'\. Fix: did you mean --server\?/);
    expect(() => request(['a', 'b', '--server', '1.2.3.4'])).toThrow(/unexpected argument 'b'/);
    expect(request(['a', '--server', '1.2.3.4', '--server=1.2.3.5', '--agent', '1.2.3.6', '--id', '7'])).toEqual({ name: 'a', servers: ['1.2.3.4', '1.2.3.5'], agents: ['1.2.3.6'], id: 7, podCidr: undefined, nodePort: undefined });
    expect(() => request(['a', '--agent', '1.2.3.4'])).toThrow(/no server address was given\. Fix: give each server's address with --server/);
  });

  it('refuses to act on an invalid inventory and prints its problems', async () => {
    const broken = tempProject(editFile(policyExample(), 'k3scl2.yaml', (c) => (c.id = 1)));
    try {
      const { code, stderr } = await mesh(broken.root, 'add-cluster', 'k3scl4', '--server', '172.17.11.14');
      expect(code).toBe(1);
      expect(stderr).toMatch(/clusters\/k3scl2\.yaml:\d+ id: 1 is already the id of k3scl1/);
      expect(existsSync(join(broken.root, 'clusters', 'k3scl4.yaml'))).toBe(false);
    } finally {
      broken.cleanup();
    }
  });

  it('never chooses an id, pod range or nodePort that collides, however many clusters are added', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 12, maxLength: 12 }), (count, hosts) => {
        let files: InventoryFiles = policyExample();
        let m = meshOf(files);
        for (let i = 0; i < count; i++) {
          const plan = planCluster(m, { name: `added-${i}`, servers: [`192.168.50.${hosts[i]}`] }, Object.keys(files));
          files = withFile(files, `added-${i}.yaml`, clusterFileText(plan));
          m = meshOf(files); // the loader's own rules: unique ids and nodePorts, no overlapping ranges
        }
        const ids = m.clusters.map((c) => c.id);
        const ports = m.clusters.map(meshNodePortOf);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ports).size).toBe(ports.length);
        for (const a of m.clusters) {
          for (const b of m.clusters) {
            if (a !== b) expect(cidrsOverlap(a.podCidr, b.podCidr)).toBe(false);
            expect(cidrsOverlap(a.podCidr, b.serviceCidr)).toBe(false);
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('reuses a free id only when the ids above are exhausted, and fills the gaps of the pod ranges', () => {
    let files = editFile(policyExample(), 'k3scl3.yaml', (c) => (c.id = 255));
    const plan = planCluster(meshOf(files), { name: 'late', servers: ['172.17.11.40'] });
    expect(plan.id).toBe(3);
    files = editFile(policyExample(), 'k3scl3.yaml', (c) => (c.podCidr = '10.14.0.0/16'));
    expect(planCluster(meshOf(files), { name: 'next', servers: ['172.17.11.40'] }).podCidr).toBe('10.1.0.0/16');
    expect(parseIpv4Cidr(plan.podCidr)).toEqual({ cidr: expect.objectContaining({ prefixLength: 16 }) });
  });
});

describe('remove-cluster', () => {
  it('refuses a cluster that services or policies name, listing each reference with file, line and field', async () => {
    const { code, stderr } = await mesh(project.root, 'remove-cluster', 'k3scl1');
    expect(code).toBe(1);
    expect(stderr).toMatch(/k3scl1 is still named in 2 places; nothing was removed/);
    expect(stderr).toMatch(/clusters\/policies\.yaml:\d+ policies\[0\]\.from\.cluster/);
    expect(stderr).toMatch(/clusters\/services\.yaml:\d+ services\[0\]\.backend\.clusters\[0\]/);
    expect(existsSync(join(project.root, 'clusters', 'k3scl1.yaml'))).toBe(true);
  });

  it('finds references in default denies and raw policies, cluster labels included', async () => {
    const files = editFile(policyExample(), 'policies.yaml', (p) => {
      p.defaultDeny[0].clusters = ['k3scl3'];
      p.rawPolicies = [
        {
          clusters: ['k3scl1'],
          policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'r', namespace: 'default' }, spec: { endpointSelector: { matchLabels: { 'io.cilium.k8s.policy.cluster': 'k3scl3' } } } },
        },
      ];
    });
    const other = tempProject(files);
    try {
      const { code, stderr } = await mesh(other.root, 'remove-cluster', 'k3scl3');
      expect(code).toBe(1);
      expect(stderr).toMatch(/defaultDeny\[0\]\.clusters\[0\]/);
      expect(stderr).toMatch(/rawPolicies\[0\]\.policy\.spec\.endpointSelector\.matchLabels\.io\.cilium\.k8s\.policy\.cluster/);
    } finally {
      other.cleanup();
    }
  });

  it("deletes a cluster nothing names; at synth it leaves every peer's Secrets", async () => {
    const { code, stdout } = await mesh(project.root, 'remove-cluster', 'k3scl3');
    expect(code).toBe(0);
    expect(stdout).toMatch(/removed clusters\/k3scl3\.yaml/);
    expect(stdout).toMatch(/npm run synth/);
    expect(existsSync(join(project.root, 'clusters', 'k3scl3.yaml'))).toBe(false);
    const m = load(project.root);
    expect(m.mesh.clusters.map((c) => c.name)).toEqual(['k3scl1', 'k3scl2']);
    expect(peersInSecrets(m, 'k3scl1')).toEqual(['k3scl2']);
    expect(renderMesh(m.mesh, m.secrets).some((f) => f.path.startsWith('k3scl3/'))).toBe(false);
  });

  it('add then remove gives back the inventory it started from', async () => {
    const before = readdirSync(join(project.root, 'clusters')).sort();
    expect((await mesh(project.root, 'add-cluster', 'k3scl4', '--server', '172.17.11.14')).code).toBe(0);
    expect((await mesh(project.root, 'remove-cluster', 'k3scl4')).code).toBe(0);
    expect(readdirSync(join(project.root, 'clusters')).sort()).toEqual(before);
  });

  it('refuses an unknown cluster', async () => {
    const { code, stderr } = await mesh(project.root, 'remove-cluster', 'k3scl9');
    expect(code).toBe(1);
    expect(stderr).toMatch(/the mesh has no cluster k3scl9\. Fix: name one of its clusters: k3scl1, k3scl2, k3scl3/);
  });
});
