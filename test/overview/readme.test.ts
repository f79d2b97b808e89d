/**
 * dist/README.md, the overview: the Mermaid diagram really parses (with the
 * mermaid library) and shows every cluster with its id, every link and where
 * each global service's backends run; the tables carry ranges, endpoints,
 * versions, the service x cluster matrix and the policy halves; and the file
 * is deterministic.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import { dump } from 'js-yaml';
import { renderMesh } from '../../lib/mesh-manifests';
import { Mesh } from '../../lib/model/mesh';
import { meshDiagram, MAX_DRAWN_LINKS_CLUSTERS, overviewReadme } from '../../lib/overview/readme';
import { editFile, exampleInventory, InventoryFiles, meshOf, withFile, exampleSecrets } from '../support/inventory-fixture';
import { ciliumVersionFacts } from '../../lib/model/cilium-versions';
import { inspectCertificate, isoDay } from '../../lib/secrets/mesh-ca';
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
const readme = renderMesh(mesh, exampleSecrets()).find((f) => f.path === 'README.md')!.content;
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
    expect(renderMesh(meshOf(reversed), exampleSecrets()).find((f) => f.path === 'README.md')!.content).toBe(readme);
  });
});

describe('the Certificates section', () => {
  const section = (markdown: string) => /## Certificates\n([\s\S]*?)\n## /.exec(markdown)![1];
  const readmeOf = (files: InventoryFiles, secrets = exampleSecrets()) => renderMesh(meshOf(files), secrets).find((f) => f.path === 'README.md')!.content;
  const withCertificates = (certificates: unknown, version = '1.19.6') =>
    editFile(exampleInventory(), 'mesh.yaml', (m) => {
      m.cilium.certificates = certificates;
      m.cilium.version = version;
    });

  it('says when the default method renews the certificates and how long each is valid, per Cilium version', () => {
    const text = section(readme);
    expect(text).toContain('Method `cronJob`');
    expect(text).toContain('on the schedule `0 0 1 */4 *`');
    expect(text).toContain(`valid ${ciliumVersionFacts(mesh.cilium.version).defaultCertValidityDays} days (the default of Cilium ${mesh.cilium.version})`);
    expect(section(readmeOf(withCertificates({ method: 'cronJob' }, '1.20.0')))).toContain('valid 365 days (the default of Cilium 1.20.0)');
    expect(section(readmeOf(withCertificates({ method: 'cronJob' }, '1.18.12')))).toContain('valid 1095 days (the default of Cilium 1.18.12)');
  });

  it('warns that method helm lets the certificates expire when the HelmChart does not change', () => {
    const text = section(readmeOf(withCertificates({ method: 'helm', validityDays: 200 })));
    expect(text).toContain('a cluster whose HelmChart does not change for 200 days loses the mesh when they expire');
  });

  it('names the issuer of method certmanager', () => {
    const text = section(readmeOf(withCertificates({ method: 'certmanager', issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer' } })));
    expect(text).toContain('from the ClusterIssuer `mesh-ca` (cert-manager.io)');
  });

  it('lists the trusted CAs with their expiry, and which one issues', () => {
    const cert = inspectCertificate(exampleSecrets().trustBundlePem!);
    const text = section(readme);
    expect(text).toContain('CA rotation: none (no rotation under way');
    expect(text).toContain(`| ${cert.subject.replace(/\n/g, ', ')} | \`${cert.fingerprintSha256.slice(0, 23)}…\` | ${isoDay(cert.notAfter)} | yes |`);
  });
});
