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
import { renderMesh } from '../../lib/mesh-manifests';
import { Mesh, meshEndpointSourceRanges, meshNodePortOf } from '../../lib/model/mesh';
import { meshDiagram, MAX_DRAWN_LINKS_CLUSTERS, overviewReadme } from '../../lib/overview/readme';
import { editFile, exampleInventory, InventoryFiles, meshOf, withFile, exampleSecrets } from '../support/inventory-fixture';
import { manifestFile } from '../../lib/output/files';
import { DEFAULT_DENY_POLICY_NAME } from '../../lib/constructs/default-deny';
import { parseAllDocuments, stringify } from 'yaml';
import { ciliumVersionFacts } from '../../lib/model/cilium-versions';
import { inspectCertificate, isoDay } from '../../lib/secrets/mesh-ca';
import { PROJECT_ROOT } from '../support/paths';
import { ENDPOINT_VARIANT, endpointVariantInventory } from '../conformance/rendered';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

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
  const child = spawnSync(process.execPath, [join(__dirname, 'parse-mermaid.mjs')], { input: JSON.stringify(diagrams), encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS, cwd: PROJECT_ROOT });
  if (child.status !== 0) throw new Error(`parse-mermaid failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

/**
 * Every diagram the tests parse, parsed by one child process on first use (loading mermaid and jsdom
 * is most of a parse): the example's, a broken one, and one of a mesh too big to draw every pair.
 */
const DIAGRAMS = { example: 0, broken: 1, big: 2 } as const;
let parsedDiagrams: Parsed[] | undefined;
const parsedDiagram = (which: keyof typeof DIAGRAMS): Parsed =>
  (parsedDiagrams ??= parseMermaid([diagramOf(readme), 'flowchart LR\n  a --> (', meshDiagram(big())]))[DIAGRAMS[which]];

const mesh = meshOf(exampleInventory());
const readme = renderMesh(mesh, exampleSecrets()).find((f) => f.path === 'README.md')!.content;
const diagramOf = (markdown: string) => /```mermaid\n([\s\S]*?)```/.exec(markdown)![1];

function bigMesh(n: number): Mesh {
  let files: InventoryFiles = exampleInventory();
  for (let i = 4; i <= n; i++) {
    files = withFile(files, `k3scl${i}.yaml`, stringify({ kind: 'Cluster', name: `k3scl${i}`, id: i, podCidr: `10.${10 + i}.0.0/16`, nodes: [{ name: `k3scl${i}-server`, ip: `172.17.12.${i}`, role: 'server' }] }));
  }
  return meshOf(files);
}

/** The mesh just too big to draw every pair (meshOf keeps it). */
const big = () => bigMesh(MAX_DRAWN_LINKS_CLUSTERS + 2);

describe('dist/README.md', () => {
  it('is rendered at the top of dist/, under its provenance comment', () => {
    expect(readme).toMatch(new RegExp(`^<!-- Generated [^\n]* in lib/overview/readme\\.ts\\. -->\n\n# Cluster Mesh \`${mesh.name}\`\n`));
  });

  it('has a Mermaid diagram that mermaid parses, with every cluster (name and id), every link and the backends', () => {
    const parsed = parsedDiagram('example');
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
    const parsed = parsedDiagram('broken');
    expect(parsed.ok).toBe(false);
  });

  it(`stops drawing every pair above ${MAX_DRAWN_LINKS_CLUSTERS} clusters, and the diagram still parses`, () => {
    const parsed = parsedDiagram('big');
    expect(parsed.ok).toBe(true);
    expect(parsed.vertices.filter((v) => /^c\d+$/.test(v.id))).toHaveLength(big().clusters.length);
    expect(parsed.edges.filter((e) => /^c\d+$/.test(e.start) && /^c\d+$/.test(e.end))).toHaveLength(0);
  });

  it('has a table of clusters with id, ranges, mesh endpoint and Cilium version', () => {
    for (const c of mesh.clusters) {
      const row = readme.split('\n').find((l) => l.startsWith(`| ${c.name} |`));
      expect(row).toBeDefined();
      const server = c.nodes.find((node) => node.role === 'server')!;
      const port = meshNodePortOf(c)!;
      for (const part of [`| ${c.id} |`, c.podCidr.text, c.serviceCidr.text, `${c.name}.mesh.cilium.io:${port}`, `${server.ip}:${port}`, mesh.cilium.version]) expect(row).toContain(part);
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

describe('the mesh endpoints and the network between clusters', () => {
  const variant = meshOf(endpointVariantInventory('1.19.6', true));
  const text = renderMesh(variant, exampleSecrets()).find((f) => f.path === 'README.md')!.content;
  const rowOf = (start: string) => text.split('\n').find((l) => l.startsWith(start));
  const v = ENDPOINT_VARIANT;

  it('shows what the peers dial for each kind of endpoint and where it lands', () => {
    expect(rowOf('| k3scl1 |')).toContain(`\`k3scl1.mesh.cilium.io:2379\` → ${v.loadBalancerIP}:2379 (LoadBalancer, kube-vip, class ${v.loadBalancerClass})`);
    expect(rowOf('| k3scl2 |')).toContain(`\`${v.dnsAddress}:443\` → DNS (External, forwards to NodePort 32380 of 172.17.11.12)`);
    expect(rowOf('| k3scl3 |')).toContain(`\`k3scl3.mesh.cilium.io:32381\` → ${v.natAddress}:32381 (NodePort)`);
    expect(rowOf('| k3scl4 |')).toContain(`\`k3scl4.mesh.cilium.io:32004\` → ${v.externalIp}:32004 (External`);
  });

  it('has a firewall row per endpoint: the LoadBalancer admits its source ranges, the others every peer node at its peer-facing address', () => {
    const section = text.slice(text.indexOf('## Network between clusters'), text.indexOf('## Global services'));
    expect(section).toContain('| to | address | port | from |');
    const lb = section.split('\n').find((l) => l.startsWith('| k3scl1 mesh endpoint |'))!;
    const ranges = meshEndpointSourceRanges(variant, variant.clusters[0]);
    expect(ranges).toContain(`${v.natAddress}/32`);
    expect(lb).toBe(`| k3scl1 mesh endpoint | ${v.loadBalancerIP} | 2379/TCP | ${ranges.join(', ')} (loadBalancerSourceRanges) |`);
    expect(section).toContain(`| k3scl2 mesh endpoint | ${v.dnsAddress} | 443/TCP | nodes of k3scl1 (172.17.11.11), k3scl3 (${v.natAddress}), k3scl4 (172.17.11.14) |`);
    expect(section).toContain(`| k3scl2 behind the load balancer | 172.17.11.12 | 32380/TCP | the load balancer at ${v.dnsAddress} |`);
    expect(section).toContain(`| k3scl3 mesh endpoint | ${v.natAddress} | 32381/TCP |`);
    expect(section).toContain('| pod traffic (vxlan tunnel) | every node | 8472/UDP | every node of the other clusters |');
  });
});

describe('default deny and hand-written policies', () => {
  const files = editFile(exampleInventory(), 'policies.yaml', (p) => {
    p.defaultDeny = [...(p.defaultDeny ?? []), { namespace: 'default', clusters: ['k3scl2', 'k3scl3'], direction: 'ingress' }];
      p.rawPolicies = [
        {
          clusters: ['k3scl1', 'k3scl3'],
          policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'probe-egress-world', namespace: 'default' }, spec: { endpointSelector: {}, egress: [{ toEntities: ['world'] }] } },
        },
        { clusters: 'all', policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'nodes' }, spec: { nodeSelector: {}, ingress: [{ fromEntities: ['cluster'] }] } } },
      ];
  });
  const m = meshOf(files);
  const out = renderMesh(m, exampleSecrets());
  const text = out.find((f) => f.path === 'README.md')!.content;
  const rows = (header: string) => {
    const lines = text.split('\n');
    const start = lines.indexOf(header);
    expect(start).toBeGreaterThan(0);
    const body: string[] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      body.push(line);
    }
    return body.map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  };
  /** Clusters whose rendered file `manifest` holds an object of `kind` named `name` in `namespace`, read from the output. */
  const landsIn = (manifest: string, kind: string, name: string, namespace?: string) =>
    m.clusters
      .filter((c) => {
        const file = out.find((f) => f.path.startsWith(`${c.name}/`) && f.path.endsWith(`/${manifest}`));
        return !!file && parseAllDocuments(file.content).some((d) => {
          const o = d.toJS();
          return o?.kind === kind && o.metadata?.name === name && o.metadata?.namespace === namespace;
        });
      })
      .map((c) => c.name)
      .join(', ');

  it('lists each default-deny namespace with its direction and the clusters whose output holds its policy', () => {
    const table = rows('| namespace | denies | in |');
    expect(table.map((r) => r[0])).toEqual(m.defaultDenies.map((d) => d.namespace));
    for (const [namespace, denies, where] of table) {
      expect(where).toBe(landsIn(manifestFile('default-deny'), 'CiliumNetworkPolicy', DEFAULT_DENY_POLICY_NAME, namespace));
      expect(denies).toBe(namespace === 'default' ? 'ingress' : 'ingress and egress');
    }
    expect(table.find((r) => r[0] === 'default')![2]).toBe('k3scl2, k3scl3');
  });

  it('lists each hand-written policy with the clusters whose output holds it', () => {
    const table = rows('| policy | kind | namespace | in |');
    expect(table).toEqual([
      ['probe-egress-world', 'CiliumNetworkPolicy', 'default', landsIn(manifestFile('raw-policies'), 'CiliumNetworkPolicy', 'probe-egress-world', 'default')],
      ['nodes', 'CiliumClusterwideNetworkPolicy', '(cluster-wide)', landsIn(manifestFile('raw-policies'), 'CiliumClusterwideNetworkPolicy', 'nodes')],
    ]);
    expect(table[0][3]).toBe('k3scl1, k3scl3');
    expect(table[1][3]).toBe('k3scl1, k3scl2, k3scl3');
  });
});

describe('dist/README.md: the network between clusters, encryption and Hubble', () => {
  {
    /** The node-to-node rows of the firewall table ("every node" to "every node of the other clusters"), as port/protocol. */
    const nodePorts = (markdown: string) => {
      const lines = markdown.split('\n');
      const start = lines.indexOf('| to | address | port | from |');
      expect(start).toBeGreaterThan(0);
      const rows: string[][] = [];
      for (let i = start + 2; lines[i]?.startsWith('|'); i++) rows.push(lines[i].split('|').slice(1, -1).map((s) => s.trim()));
      return rows.filter(([, address]) => address === 'every node').map(([, , port]) => port);
    };
    const section = (markdown: string, title: string) => markdown.split(`## ${title}\n`)[1].split('\n## ')[0];

    it('lists the ports every node must reach on the other clusters: by default the tunnel and health, no WireGuard, no Hubble', () => {
      expect(nodePorts(readme)).toEqual(['8472/UDP', '4240/TCP']);
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
      expect(nodePorts(text)).toEqual(['6081/UDP', '4240/TCP', '51871/UDP', '4244/TCP']);
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
  }
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
