/**
 * dist/README.md: the whole mesh on one screen. A Mermaid diagram (clusters
 * with name and id, the links between them, global services and where their
 * backends run), a table of clusters with what their peers dial, the firewall
 * openings the mesh needs, a service x cluster matrix and a table
 * of policies with the clusters that receive each half. Deterministic: it is
 * written from the model only, in the model's (sorted) order.
 */
import { nodeFirewallRules } from '../cilium/firewall-ports';
import { HUBBLE_RELAY_SERVICE_PORT, HUBBLE_RELAY_TLS_SERVER_NAME, HUBBLE_UI_SERVICE_PORT } from '../cilium/helm-values';
import { peerDial } from '../cilium/peer-config';
import { certFileFor } from '../secrets/mesh-ca/ca-files';
import { STAGES } from '../output/stages';
import { ClusterView, clusterView } from '../model/cluster-view';
import { Cluster, GlobalService, Mesh, meshEndpointSourceRanges, peerFacingAddress, PolicyIntent, PolicyPeer } from '../model/mesh';
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
    return `| ${c.name} | ${c.id} | ${c.podCidr.text} | ${c.serviceCidr.text} | ${endpointCell(c)} | ${mesh.cilium.version} |`;
  });
  return ['| cluster | id | pod range | service range | mesh endpoint: peers dial → reach | Cilium |', '| --- | ---: | --- | --- | --- | --- |', ...rows];
}

/** What peers dial and where it lands, as the peer entries and host aliases say it (lib/cilium/peer-config.ts). */
function endpointCell(c: Cluster): string {
  const dial = peerDial(c);
  const dialled = `\`${dial.host}:${dial.port}\``;
  const endpoint = c.meshEndpoint;
  switch (endpoint.type) {
    case 'NodePort':
      // Every node answers on the NodePort (the peers' host aliases list them all), servers and agents.
      return `${dialled} → ${dial.ips.map((ip) => `${ip}:${dial.port}`).join(', ')} (NodePort)`;
    case 'LoadBalancer':
      return `${dialled} → ${endpoint.loadBalancerIP}:${dial.port} (LoadBalancer${endpoint.supplier ? `, ${endpoint.supplier}` : ''}${endpoint.loadBalancerClass ? `, class ${cell(endpoint.loadBalancerClass)}` : ''})`;
    case 'External': {
      const target = endpoint.addressKind === 'ip' ? `${endpoint.address}:${endpoint.port}` : 'DNS';
      return `${dialled} → ${target} (External, forwards to NodePort ${endpoint.nodePort} of ${c.nodes.map((n) => n.ip).join(', ')})`;
    }
  }
}

/**
 * The firewall rules the mesh needs: per cluster, what its peers dial (from their
 * nodes' peer-facing addresses); then the datapath between every pair of nodes.
 */
function firewallTable(mesh: Mesh): string[] {
  const rows = mesh.clusters.map((c) => {
    const dial = peerDial(c);
    const peers = mesh.clusters.filter((p) => p.name !== c.name);
    const fromPeers = peers.length === 0 ? 'no peer yet' : `nodes of ${peers.map((p) => `${p.name} (${p.nodes.map(peerFacingAddress).join(', ')})`).join(', ')}`;
    const endpoint = c.meshEndpoint;
    switch (endpoint.type) {
      case 'NodePort':
        return `| ${c.name} mesh endpoint | ${dial.ips.join(', ')} | ${dial.port}/TCP | ${fromPeers} |`;
      case 'LoadBalancer': {
        const ranges = meshEndpointSourceRanges(mesh, c);
        const allowed = ranges.length === 0 ? 'any address (sourceRanges: [])' : `${ranges.join(', ')} (loadBalancerSourceRanges)`;
        return `| ${c.name} mesh endpoint | ${endpoint.loadBalancerIP} | ${dial.port}/TCP | ${allowed} |`;
      }
      case 'External':
        return [
          `| ${c.name} mesh endpoint | ${cell(endpoint.address)} | ${endpoint.port}/TCP | ${fromPeers} |`,
          `| ${c.name} behind the load balancer | ${c.nodes.map((n) => n.ip).join(', ')} | ${endpoint.nodePort}/TCP | the load balancer at ${cell(endpoint.address)} |`,
        ].join('\n');
    }
  });
  const native =
    mesh.cilium.routing.mode === 'native' ? ['| pod traffic (native routing) | pod ranges, via every node | as the policies allow | pod ranges of the other clusters |'] : [];
  return [
    '| to | address | port | from |',
    '| --- | --- | --- | --- |',
    ...rows,
    ...native,
    ...nodeFirewallRules(mesh).map((r) => `| ${r.what} | every node | ${r.port}/${r.protocol} | every node of the other clusters |`),
    '',
    'Pod traffic and health checks use the node IPs (`nodes[].ip`): routes or a VPN must join them across clusters; a NAT address (`externalAddress`) serves the mesh endpoint only.',
  ];
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

/** Namespaces whose pods get no traffic but what a policy allows, and hand-written policies: where each lands, from the views. */
function defaultDenyAndRawTables(mesh: Mesh, views: readonly ClusterView[]): string[] {
  const lines: string[] = [];
  if (mesh.defaultDenies.length > 0) {
    const placed = new Map(mesh.defaultDenies.map((d) => [d, views.filter((v) => v.defaultDenies.includes(d)).map((v) => v.cluster.name)]));
    lines.push(
      '',
      'Default deny: in these namespaces a pod gets only the traffic a policy above (or the DNS lookups every pod needs) allows.',
      '',
      '| namespace | denies | in |',
      '| --- | --- | --- |',
      ...mesh.defaultDenies.map((d) => `| ${d.namespace} | ${d.direction === 'both' ? 'ingress and egress' : d.direction} | ${placed.get(d)!.join(', ')} |`),
    );
  }
  if (mesh.rawPolicies.length > 0) {
    const placed = new Map(mesh.rawPolicies.map((r) => [r, views.filter((v) => v.rawPolicies.includes(r)).map((v) => v.cluster.name)]));
    lines.push(
      '',
      'Written by hand (`rawPolicies`), rendered as given:',
      '',
      '| policy | kind | namespace | in |',
      '| --- | --- | --- | --- |',
      ...mesh.rawPolicies.map((r) => `| ${r.name} | ${r.kind} | ${r.namespace ?? '(cluster-wide)'} | ${placed.get(r)!.join(', ')} |`),
    );
  }
  return lines;
}

function encryptionSection(mesh: Mesh): string[] {
  const { encryption, namespace } = mesh.cilium;
  if (encryption.type === 'none') return ['Cilium does not encrypt the traffic between nodes (`cilium.encryption.type: none`).'];
  const nodes = encryption.nodeEncryption
    ? 'Node-to-node, pod-to-node and node-to-pod traffic is encrypted too, except to and from k3s servers (Cilium leaves control-plane nodes out).'
    : 'Traffic of the nodes themselves (host network) is not encrypted (`nodeEncryption: false`).';
  return [
    `WireGuard encrypts pod-to-pod traffic between nodes, within each cluster and between clusters, in every cluster alike. ${nodes}`,
    'Every node needs WireGuard in its kernel (Linux 5.6 or newer). Check a node: ' +
      `\`kubectl -n ${namespace} exec ds/cilium -c cilium-agent -- cilium-dbg status | grep Encryption\` lists one peer per other node of the mesh.`,
  ];
}

function hubbleSection(mesh: Mesh): string[] {
  const { hubble, namespace } = mesh.cilium;
  if (!hubble.enabled) return ['Hubble is off (`cilium.hubble.enabled: false`).'];
  const perNode = `\`kubectl -n ${namespace} exec ds/cilium -c cilium-agent -- hubble observe\` shows the flows of one node.`;
  if (!hubble.relay) return [`Hubble records the flows of each node, without Relay (\`cilium.hubble.relay: false\`): ${perNode}`];
  const ca = mesh.secrets.provider === 'sops' ? `\`${certFileFor(mesh.secrets.caFile)}\`` : `the mesh CA certificate (\`tls.crt\` of \`${mesh.secrets.remoteKey}\`)`;
  const lines = [
    'Hubble Relay runs in every cluster. It reads the Hubble server of every node its agents know, the nodes of the peer clusters included,',
    'with certificates from the mesh CA: the Relay of any cluster shows the flows of the whole mesh (nodes named `<cluster>/<node>`),',
    "for as long as that cluster's Cluster Mesh connection to the peers is up. Reach it from a machine with kubectl access to that cluster:",
    '',
    '```sh',
    `kubectl -n ${namespace} port-forward svc/hubble-relay 4245:${HUBBLE_RELAY_SERVICE_PORT}`,
    `hubble observe --server localhost:4245 --tls --tls-ca-cert-files <ca> --tls-server-name ${HUBBLE_RELAY_TLS_SERVER_NAME}`,
    '```',
    '',
    `where \`<ca>\` is ${ca}.`,
  ];
  if (hubble.ui) lines.push('', `Hubble UI: \`kubectl -n ${namespace} port-forward svc/hubble-ui 12000:${HUBBLE_UI_SERVICE_PORT}\`, then open http://localhost:12000.`);
  return lines;
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
    '## Network between clusters',
    '',
    ...firewallTable(mesh),
    '',
    '## Global services',
    '',
    ...serviceMatrix(mesh, views),
    '',
    '## Policies',
    '',
    ...policyTable(mesh, views),
    ...defaultDenyAndRawTables(mesh, views),
    '',
    '## Encryption',
    '',
    ...encryptionSection(mesh),
    '',
    '## Hubble',
    '',
    ...hubbleSection(mesh),
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
