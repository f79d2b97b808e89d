/**
 * dist/README.md: the whole mesh on one screen. A Mermaid diagram (clusters
 * with name and id, the links between them, global services and where their
 * backends run), a table of clusters, a service x cluster matrix and a table
 * of policies with the clusters that receive each half. Deterministic: it is
 * written from the model only, in the model's (sorted) order.
 */
import { MESH_DOMAIN } from '../cilium/peer-config';
import { STAGES } from '../output/stages';
import { ClusterView, clusterView } from '../model/cluster-view';
import { Cluster, GlobalService, Mesh, PolicyIntent, PolicyPeer } from '../model/mesh';
import { CommittedSecrets } from '../model/committed-secrets';
import { certificatesSection } from './certificates';

/** Above this many clusters the diagram stops drawing every pair (N x (N-1) / 2 lines). */
export const MAX_DRAWN_LINKS_CLUSTERS = 12;

export interface OverviewEntryPoints {
  /** Paths relative to dist/ of the Flux entry points, per cluster. */
  readonly flux: readonly string[];
  /** Path relative to dist/ of the Argo CD ApplicationSet, if rendered. */
  readonly argocd?: string;
}

/** Mermaid node id of a cluster: ids are unique and safe in every diagram. */
const clusterNode = (c: Cluster) => `c${c.id}`;
const serviceNode = (index: number) => `s${index + 1}`;

/** Text inside a quoted Mermaid label: quotes and angle brackets as entities. */
function label(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/** Text inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function meshDiagram(mesh: Mesh): string {
  const lines = ['flowchart LR', `  subgraph mesh["Cluster Mesh ${label(mesh.name)} · Cilium ${mesh.cilium.version}"]`];
  for (const c of mesh.clusters) lines.push(`    ${clusterNode(c)}["<b>${label(c.name)}</b><br/>id ${c.id}"]`);
  lines.push('  end');
  if (mesh.clusters.length <= MAX_DRAWN_LINKS_CLUSTERS) {
    mesh.clusters.forEach((a, i) => {
      for (const b of mesh.clusters.slice(i + 1)) lines.push(`  ${clusterNode(a)} <--> ${clusterNode(b)}`);
    });
  } else {
    lines.push(`  note["every cluster peers with every other: ${mesh.clusters.length * (mesh.clusters.length - 1)} peer entries"]`, '  note -.- mesh');
  }
  const byName = new Map(mesh.clusters.map((c) => [c.name, c]));
  mesh.globalServices.forEach((svc, i) => {
    const node = serviceNode(i);
    lines.push(`  ${node}(["service ${label(`${svc.namespace}/${svc.name}`)}"])`);
    const backends = svc.backend?.clusters ?? [];
    for (const name of backends) {
      const c = byName.get(name);
      if (c) lines.push(`  ${node} == backends ==> ${clusterNode(c)}`);
    }
    if (backends.length === 0) lines.push(`  ${node} -. no backends .- mesh`);
  });
  return `${lines.join('\n')}\n`;
}

function clusterTable(mesh: Mesh): string[] {
  const rows = mesh.clusters.map((c) => {
    // Every node answers on the NodePort (the peers' host aliases list them all), servers and agents.
    const addresses = c.nodes.map((n) => `${n.ip}:${c.meshNodePort}`).join(', ');
    return `| ${c.name} | ${c.id} | ${c.podCidr.text} | ${c.serviceCidr.text} | \`${c.name}.${MESH_DOMAIN}:${c.meshNodePort}\` → ${addresses} | ${mesh.cilium.version} |`;
  });
  return ['| cluster | id | pod range | service range | mesh endpoint (address:port) | Cilium |', '| --- | ---: | --- | --- | --- | --- |', ...rows];
}

function serviceCell(svc: GlobalService, view: ClusterView): string {
  if (!view.globalServices.includes(svc)) return '';
  const backend = svc.backend && svc.backend.clusters.includes(view.cluster.name) ? `backends (${svc.backend.replicas}× ${svc.backend.name})` : 'service';
  return backend;
}

function serviceMatrix(mesh: Mesh, views: readonly ClusterView[]): string[] {
  if (mesh.globalServices.length === 0) return ['No global services.'];
  const names = mesh.clusters.map((c) => c.name);
  const header = `| service | ports | ${names.join(' | ')} |`;
  const rule = `| --- | --- | ${names.map(() => ':---:').join(' | ')} |`;
  const rows = mesh.globalServices.map((svc) => {
    const ports = svc.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
    return `| ${cell(`${svc.namespace}/${svc.name}`)} | ${ports} | ${views.map((v) => serviceCell(svc, v)).join(' | ')} |`;
  });
  return [
    header,
    rule,
    ...rows,
    '',
    '`service`: the global Service exists there, so pods there reach every backend; `backends`: pods serving it run there too.',
  ];
}

function peerText(peer: PolicyPeer): string {
  const labels = Object.entries(peer.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${peer.cluster ?? 'any cluster'} / ${peer.namespace}${labels ? ` / ${labels}` : ''}`;
}

/** The clusters each half of a policy lives in, as the cluster views place them. */
interface HalvesIn {
  readonly egress: string[];
  readonly ingress: string[];
}

function policyRow(intent: PolicyIntent, halves: HalvesIn): string {
  const ports = intent.ports.length === 0 ? 'all' : intent.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
  return `| ${cell(intent.name)} | ${cell(peerText(intent.from))} | ${cell(peerText(intent.to))} | ${ports} | ${halves.egress.join(', ')} | ${halves.ingress.join(', ')} |`;
}

function policyTable(mesh: Mesh, views: readonly ClusterView[]): string[] {
  if (mesh.policies.length === 0) return ['No policies.'];
  // One pass over the views, in cluster order.
  const halves = new Map<PolicyIntent, HalvesIn>(mesh.policies.map((p) => [p, { egress: [], ingress: [] }]));
  for (const view of views) {
    for (const p of view.egressIntents) halves.get(p)!.egress.push(view.cluster.name);
    for (const p of view.ingressIntents) halves.get(p)!.ingress.push(view.cluster.name);
  }
  return ['| policy | from | to | ports | egress half in | ingress half in |', '| --- | --- | --- | --- | --- | --- |', ...mesh.policies.map((p) => policyRow(p, halves.get(p)!))];
}

function deliverySection(mesh: Mesh, entry: OverviewEntryPoints): string[] {
  const repo = mesh.delivery.repository;
  if (!repo) return ['No `delivery.repository` in clusters/mesh.yaml: no Flux or Argo CD entry points are rendered.'];
  const lines = [`Synced from \`${repo.url}\`, branch \`${repo.branch}\`, folder \`${repo.path}/\`, every ${mesh.delivery.interval}.`, ''];
  if (entry.flux.length > 0) lines.push(`- Flux, per cluster: \`kubectl apply -k ${repo.path}/<cluster>/flux\` (done by \`<cluster>/bootstrap/handover.sh\`).`);
  if (entry.argocd) lines.push(`- Argo CD, once for the mesh: \`kubectl apply -f ${repo.path}/${entry.argocd}\` in the cluster that runs Argo CD.`);
  lines.push(`- Each cluster folder applies in stages: ${STAGES.map((s) => `\`${s.folder}\``).join(', ')}.`);
  return lines;
}

export function overviewReadme(mesh: Mesh, entry: OverviewEntryPoints, committed: CommittedSecrets = {}): string {
  // Placement as the renderer places it, cluster by cluster.
  const views = mesh.clusters.map((c) => clusterView(mesh, c));
  return [
    `# Cluster Mesh \`${mesh.name}\``,
    '',
    'Generated from clusters/ by `npm run synth`; do not edit.',
    '',
    `${mesh.clusters.length} k3s clusters, Cilium ${mesh.cilium.version}, ${mesh.cilium.routing.mode} routing, KVStoreMesh ${mesh.cilium.kvstoremesh ? 'on' : 'off'}.`,
    '',
    '```mermaid',
    meshDiagram(mesh).trimEnd(),
    '```',
    '',
    '## Clusters',
    '',
    ...clusterTable(mesh),
    '',
    '## Global services',
    '',
    ...serviceMatrix(mesh, views),
    '',
    '## Policies',
    '',
    ...policyTable(mesh, views),
    '',
    '## Certificates',
    '',
    ...certificatesSection(mesh, committed),
    '',
    '## Delivery',
    '',
    ...deliverySection(mesh, entry),
    '',
  ].join('\n');
}
