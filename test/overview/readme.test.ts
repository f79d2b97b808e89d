/**
 * dist/README.md, the overview: the Mermaid diagram really parses (with the
 * mermaid library) and shows every cluster with its id, every link and where
 * each global service's backends run; the tables carry ranges, endpoints,
 * versions, the service x cluster matrix and the policy halves; and the file
 * is deterministic.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { dump } from 'js-yaml';
import { renderMesh } from '../../lib/mesh-manifests';
import { Mesh } from '../../lib/model/mesh';
import { meshDiagram, MAX_DRAWN_LINKS_CLUSTERS, overviewReadme } from '../../lib/overview/readme';
import { editFile, exampleInventory, InventoryFiles, meshOf, withFile } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';

interface Parsed {
  ok: boolean;
  error?: string;
  type?: string;
  vertices: { id: string; text: string }[];
  edges: { start: string; end: string; text: string }[];
  subgraphs: { id: string; title: string; nodes: string[] }[];
}

/** Parses diagrams with mermaid in a Node child process (mermaid is ESM only). */
function parseMermaid(diagrams: string[]): Parsed[] {
  const child = spawnSync(process.execPath, [join(__dirname, 'parse-mermaid.mjs')], { input: JSON.stringify(diagrams), encoding: 'utf8', timeout: 60000, cwd: PROJECT_ROOT });
  if (child.status !== 0) throw new Error(`parse-mermaid failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

const mesh = meshOf(exampleInventory());
const readme = renderMesh(mesh).find((f) => f.path === 'README.md')!.content;
const diagramOf = (markdown: string) => /```mermaid\n([\s\S]*?)```/.exec(markdown)![1];

function bigMesh(n: number): Mesh {
  let files: InventoryFiles = exampleInventory();
  for (let i = 4; i <= n; i++) {
    files = withFile(files, `k3scl${i}.yaml`, dump({ kind: 'Cluster', name: `k3scl${i}`, id: i, podCidr: `10.${10 + i}.0.0/16`, nodes: [{ name: `k3scl${i}-server`, ip: `172.17.12.${i}`, role: 'server' }] }));
  }
  return meshOf(files);
}

describe('dist/README.md', () => {
  it('is rendered at the top of dist/, under its provenance comment', () => {
    expect(readme).toMatch(new RegExp(`^<!-- Generated [^\n]* in lib/overview/readme\\.ts\\. -->\n\n# Cluster Mesh \`${mesh.name}\`\n`));
  });

  it('has a Mermaid diagram that mermaid parses, with every cluster (name and id), every link and the backends', () => {
    const [parsed] = parseMermaid([diagramOf(readme)]);
    expect(parsed.error).toBeUndefined();
    expect(parsed.type).toMatch(/^flowchart/);
    const byId = new Map(parsed.vertices.map((v) => [v.id, v.text]));
    for (const c of mesh.clusters) {
      expect(byId.get(`c${c.id}`)).toContain(c.name);
      expect(byId.get(`c${c.id}`)).toContain(`id ${c.id}`);
    }
    const n = mesh.clusters.length;
    const links = parsed.edges.filter((e) => /^c\d+$/.test(e.start) && /^c\d+$/.test(e.end));
    expect(links).toHaveLength((n * (n - 1)) / 2);
    expect(new Set(links.map((e) => [e.start, e.end].sort().join('-'))).size).toBe(links.length);
    mesh.globalServices.forEach((svc, i) => {
      expect(byId.get(`s${i + 1}`)).toContain(`${svc.namespace}/${svc.name}`);
      const backendEdges = parsed.edges.filter((e) => e.start === `s${i + 1}`).map((e) => e.end).sort();
      expect(backendEdges).toEqual((svc.backend?.clusters ?? []).map((name) => `c${mesh.clusters.find((c) => c.name === name)!.id}`).sort());
    });
    expect(parsed.subgraphs[0].nodes.sort()).toEqual(mesh.clusters.map((c) => `c${c.id}`).sort());
  });

  it('rejects a broken diagram (the parser really checks)', () => {
    const [parsed] = parseMermaid(['flowchart LR\n  a --> (']);
    expect(parsed.ok).toBe(false);
  });

  it(`stops drawing every pair above ${MAX_DRAWN_LINKS_CLUSTERS} clusters, and the diagram still parses`, () => {
    const big = bigMesh(MAX_DRAWN_LINKS_CLUSTERS + 2);
    const [parsed] = parseMermaid([meshDiagram(big)]);
    expect(parsed.ok).toBe(true);
    expect(parsed.vertices.filter((v) => /^c\d+$/.test(v.id))).toHaveLength(big.clusters.length);
    expect(parsed.edges.filter((e) => /^c\d+$/.test(e.start) && /^c\d+$/.test(e.end))).toHaveLength(0);
  });

  it('has a table of clusters with id, ranges, mesh endpoint and Cilium version', () => {
    for (const c of mesh.clusters) {
      const row = readme.split('\n').find((l) => l.startsWith(`| ${c.name} |`));
      expect(row).toBeDefined();
      const server = c.nodes.find((node) => node.role === 'server')!;
      for (const part of [`| ${c.id} |`, c.podCidr.text, c.serviceCidr.text, `${c.name}.mesh.cilium.io:${c.meshNodePort}`, `${server.ip}:${c.meshNodePort}`, mesh.cilium.version]) expect(row).toContain(part);
    }
  });

  it('has a service x cluster matrix', () => {
    const header = readme.split('\n').find((l) => l.startsWith('| service | ports |'))!;
    expect(header).toBe(`| service | ports | ${mesh.clusters.map((c) => c.name).join(' | ')} |`);
    for (const svc of mesh.globalServices) {
      const row = readme.split('\n').find((l) => l.startsWith(`| ${svc.namespace}/${svc.name} |`))!;
      const cells = row.split('|').slice(3, -1).map((s) => s.trim());
      expect(cells).toEqual(mesh.clusters.map((c) => (!svc.clusters.includes(c.name) ? '' : svc.backend?.clusters.includes(c.name) ? `backends (${svc.backend.replicas}× ${svc.backend.name})` : 'service')));
    }
  });

  it('has a table of policies with the clusters that receive each half', () => {
    for (const p of mesh.policies) {
      const row = readme.split('\n').find((l) => l.startsWith(`| ${p.name} |`))!;
      const cells = row.split('|').slice(1, -1).map((s) => s.trim());
      expect(cells[1]).toContain(p.from.cluster ?? 'any cluster');
      expect(cells[2]).toContain(p.to.cluster ?? 'any cluster');
      expect(cells[3]).toBe(p.ports.length === 0 ? 'all' : p.ports.map((x) => `${x.port}/${x.protocol}`).join(', '));
      expect(cells[4]).toBe(mesh.clusters.filter((c) => !p.from.cluster || p.from.cluster === c.name).map((c) => c.name).join(', '));
      expect(cells[5]).toBe(mesh.clusters.filter((c) => !p.to.cluster || p.to.cluster === c.name).map((c) => c.name).join(', '));
    }
  });

  it('is deterministic: the same bytes from separately loaded (and reordered) copies of the inventory', () => {
    const reversed = Object.fromEntries(Object.entries(exampleInventory()).reverse());
    const entry = { flux: [] };
    expect(overviewReadme(meshOf(reversed), entry)).toBe(overviewReadme(meshOf(exampleInventory()), entry));
    expect(renderMesh(meshOf(reversed)).find((f) => f.path === 'README.md')!.content).toBe(readme);
  });

  describe('the network between clusters, encryption and Hubble', () => {
    const firewallRows = (markdown: string) => {
      const lines = markdown.split('\n');
      const start = lines.indexOf('| port | protocol | for |');
      const rows: string[][] = [];
      for (let i = start + 2; lines[i]?.startsWith('|'); i++) rows.push(lines[i].split('|').slice(1, -1).map((s) => s.trim()));
      return rows;
    };
    const section = (markdown: string, title: string) => markdown.split(`## ${title}\n`)[1].split('\n## ')[0];

    it('lists the ports every node must reach on the other clusters: by default the endpoints, the tunnel and health, no WireGuard, no Hubble', () => {
      const rows = firewallRows(readme);
      expect(rows.map(([port, protocol]) => `${port}/${protocol}`)).toEqual([`${[...new Set(mesh.clusters.map((c) => c.meshNodePort))].sort((a, b) => a - b).join(', ')}/TCP`, '8472/UDP', '4240/TCP']);
      expect(section(readme, 'Encryption')).toContain('`cilium.encryption.type: none`');
      expect(section(readme, 'Hubble')).toContain('without Relay');
    });

    it('with WireGuard and Relay: UDP 51871 and TCP 4244 too, and how to reach Relay and the UI with the mesh CA', () => {
      const files = editFile(exampleInventory(), 'mesh.yaml', (m) => {
        m.cilium.encryption = { type: 'wireguard', nodeEncryption: true };
        m.cilium.hubble = { relay: true, ui: true };
        m.cilium.routing = { mode: 'tunnel', tunnelProtocol: 'geneve' };
      });
      const observed = meshOf(files);
      const text = overviewReadme(observed, { flux: [] });
      expect(firewallRows(text).map(([port, protocol]) => `${port}/${protocol}`).slice(1)).toEqual(['6081/UDP', '4240/TCP', '51871/UDP', '4244/TCP']);
      expect(section(text, 'Encryption')).toMatch(/WireGuard encrypts pod-to-pod traffic between nodes, within each cluster and between clusters/);
      expect(section(text, 'Encryption')).toMatch(/except to and from k3s servers/);
      const hubble = section(text, 'Hubble');
      const ns = observed.cilium.namespace;
      expect(hubble).toContain(`kubectl -n ${ns} port-forward svc/hubble-relay 4245:443`);
      expect(hubble).toContain('hubble observe --server localhost:4245 --tls --tls-ca-cert-files <ca> --tls-server-name ui.hubble-relay.cilium.io');
      // The certificate named is the one the inventory keeps beside the encrypted CA.
      const caCert = hubble.match(/`<ca>` is `([^`]+)`/)![1];
      expect(caCert).toBe('secrets/cilium-mesh-ca.crt');
      expect(existsSync(join(PROJECT_ROOT, 'test', 'fixtures', 'example-mesh', caCert))).toBe(true);
      expect(hubble).toContain(`kubectl -n ${ns} port-forward svc/hubble-ui 12000:80`);
      expect(hubble).toMatch(/shows the flows of the whole mesh/);
    });

    it('with Hubble off, says so', () => {
      const off = meshOf(editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.hubble = { enabled: false })));
      expect(section(overviewReadme(off, { flux: [] }), 'Hubble')).toContain('Hubble is off');
    });
  });
});
