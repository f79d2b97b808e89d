/**
 * Skipping a cluster is never wrong: for every kind of change to the inputs,
 * each cluster whose rendered files change also gets a new fingerprint. The
 * changes are one at a time, to every field of a cluster file (of the cluster
 * itself and, seen from the others, of a peer), of the mesh file, the services
 * and policies, the CA ciphertext and the build. And a change that only one
 * cluster reads re-renders that cluster only, which is what makes skipping pay.
 */
import { meshWideFiles, renderClusterFiles } from '../../lib/mesh-manifests';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { createMeshCa, inspectCertificate } from '../../lib/secrets/mesh-ca';
import { Mesh } from '../../lib/model/mesh';
import { clusterFingerprints, meshWideFingerprint } from '../../lib/synth/fingerprint';
import { syntheticInventory } from '../../bench/synthetic-inventory';
import { editFile, exampleInventory, exampleSecrets, InventoryFiles, meshOf } from '../support/inventory-fixture';
import { endpointVariantInventory } from '../conformance/rendered';

type Edit = (files: InventoryFiles) => InventoryFiles;
const cluster = (name: string, edit: (c: any) => void): Edit => (files) => editFile(files, `${name}.yaml`, edit);
const meshFile = (edit: (m: any) => void): Edit => (files) => editFile(files, 'mesh.yaml', edit);
const services = (edit: (s: any) => void): Edit => (files) => editFile(files, 'services.yaml', edit);
const policies = (edit: (p: any) => void): Edit => (files) => editFile(files, 'policies.yaml', edit);

/** Changes to the example (k3scl1..3), each a kind of input. */
const EXAMPLE_CHANGES: [string, Edit][] = [
  ['a cluster id', cluster('k3scl2', (c) => (c.id = 9))],
  ['a pod range', cluster('k3scl2', (c) => (c.podCidr = '10.99.0.0/16'))],
  ['a pod range mask size', cluster('k3scl2', (c) => (c.podCidrMaskSize = 25))],
  ['a service range', cluster('k3scl2', (c) => (c.serviceCidr = '10.44.0.0/16'))],
  ['a NodePort range', cluster('k3scl2', (c) => (c.nodePortRange = '30000-32700'))],
  ['a node address', cluster('k3scl2', (c) => (c.nodes[0].ip = '172.17.12.99'))],
  ['a node name', cluster('k3scl2', (c) => (c.nodes[0].name = 'renamed-server'))],
  ['a node added', cluster('k3scl2', (c) => c.nodes.push({ name: 'k3scl2-agent', ip: '172.17.12.50', role: 'agent' }))],
  ['a second server', cluster('k3scl2', (c) => c.nodes.push({ name: 'k3scl2-server-2', ip: '172.17.12.51', role: 'server' }))],
  ['the mesh NodePort', cluster('k3scl2', (c) => (c.meshEndpoint.nodePort = 32400))],
  ['the mesh endpoint type', cluster('k3scl2', (c) => (c.meshEndpoint = { type: 'LoadBalancer', loadBalancerIP: '172.17.30.2', supplier: 'metallb' }))],
  ['an External mesh endpoint', cluster('k3scl2', (c) => (c.meshEndpoint = { type: 'External', address: 'mesh.k3scl2.example.com', port: 443 }))],
  ['a node NAT address', cluster('k3scl2', (c) => (c.nodes[0].externalAddress = '203.0.113.12'))],
  ['the API server', cluster('k3scl2', (c) => (c.apiServer = { host: '172.17.12.200', port: 6444 }))],
  ['a cluster\'s Helm values', cluster('k3scl2', (c) => (c.helmValues = { hubble: { relay: { replicas: 2 } } }))],
  ['the Argo CD server', cluster('k3scl2', (c) => (c.argocd = { server: 'https://k3scl2.example:6443' }))],
  [
    'a cluster added',
    (files) =>
      editFile({ ...files, 'k3scl4.yaml': files['k3scl3.yaml'] }, 'k3scl4.yaml', (c) => {
        Object.assign(c, { name: 'k3scl4', id: 4, podCidr: '10.14.0.0/16', meshEndpoint: { nodePort: 32380 } });
        c.nodes = [{ name: 'k3scl4-server', ip: '172.17.14.11', role: 'server' }];
      }),
  ],
  ['a cluster removed', (files) => Object.fromEntries(Object.entries(files).filter(([name]) => name !== 'k3scl3.yaml'))],
  ['the Cilium version', meshFile((m) => (m.cilium.version = '1.18.12'))],
  ['another Cilium version', meshFile((m) => (m.cilium.version = '1.20.0'))],
  ['KVStoreMesh', meshFile((m) => (m.cilium.kvstoremesh = false))],
  ['the auth mode', meshFile((m) => (m.cilium.authMode = 'legacy'))],
  ['the routing', meshFile((m) => (m.cilium.routing = { mode: 'tunnel', tunnelProtocol: 'geneve' }))],
  ['kube-proxy replacement', meshFile((m) => (m.cilium.kubeProxyReplacement = false))],
  ['the mesh Helm values', meshFile((m) => (m.cilium.helmValues = { hubble: { relay: { replicas: 2 } } }))],
  ['max connected clusters', meshFile((m) => (m.cilium.maxConnectedClusters = 511))],
  ['the mesh name', meshFile((m) => (m.name = 'renamed'))],
  ['the delivery engine', meshFile((m) => (m.delivery.engine = 'flux'))],
  ['the repository', meshFile((m) => (m.delivery.repository.path = 'deploy'))],
  ['the sync interval', meshFile((m) => (m.delivery.interval = '5m'))],
  ['the verification kit', (files) => policies((p) => (p.defaultDeny[0].namespace = 'default'))(meshFile((m) => (m.verificationKit = { enabled: false }))(files))],
  ['the verification kit namespace', (files) => policies((p) => (p.defaultDeny[0].namespace = 'mesh-verify'))(meshFile((m) => (m.verificationKit.namespace = 'mesh-verify'))(files))],
  ['the mesh namespaces', meshFile((m) => (m.namespaces = ['extra']))],
  ['the CA recipients', meshFile((m) => m.secrets.ageRecipients.push('age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq'))],
  ['a global service', services((s) => (s.services[0].ports[0].port = 8080))],
  ['a service backend', services((s) => (s.services[0].backend.clusters = ['k3scl2']))],
  ['a service added', services((s) => s.services.push({ name: 'other', namespace: 'test', ports: [{ port: 81, name: 'http' }], clusters: ['k3scl3'] }))],
  ['a policy', policies((p) => (p.policies[0].to.labels.name = 'other'))],
  ['a policy\'s clusters', policies((p) => (p.policies[0].to.cluster = 'k3scl3'))],
  ['a default deny', policies((p) => (p.defaultDeny[0].direction = 'ingress'))],
];

/** Changes to a synthetic mesh with several nodes per cluster (host aliases before 1.20). */
const SYNTHETIC = syntheticInventory({ clusters: 5, globalServices: 3, policies: 4, nodesPerCluster: 2, ciliumVersion: '1.18.12' });
const SYNTHETIC_CHANGES: [string, Edit][] = [
  ['a peer node address (host aliases)', cluster('c003', (c) => (c.nodes[1].ip = '192.168.9.9'))],
  ['a peer node role', cluster('c003', (c) => (c.nodes[1].role = 'server'))],
  ['a peer id', cluster('c004', (c) => (c.id = 77))],
  ['a peer mesh NodePort', cluster('c004', (c) => (c.meshEndpoint.nodePort = 32000))],
  ["Cilium's namespace", meshFile((m) => (m.cilium.namespace = 'cilium'))],
  ['the secret store', meshFile((m) => (m.secrets.externalSecrets.remoteKey = 'other-key'))],
];

/** Changes to the example with every kind of mesh endpoint (k3scl1 LoadBalancer, k3scl2 External DNS, k3scl3 NAT, k3scl4 External IP). */
const ENDPOINTS = endpointVariantInventory('1.19.6', true);
const ENDPOINT_CHANGES: [string, Edit][] = [
  ['the LoadBalancer IP', cluster('k3scl1', (c) => (c.meshEndpoint.loadBalancerIP = '172.17.30.9'))],
  ['the LoadBalancer class', cluster('k3scl1', (c) => (c.meshEndpoint.loadBalancerClass = 'io.cilium/l2-announcer'))],
  ['the LoadBalancer source ranges', cluster('k3scl1', (c) => (c.meshEndpoint.sourceRanges = ['198.51.100.0/24']))],
  ['the LoadBalancer traffic policy', cluster('k3scl1', (c) => (c.meshEndpoint.externalTrafficPolicy = 'Local'))],
  ['the LoadBalancer annotations', cluster('k3scl1', (c) => (c.meshEndpoint.annotations = { 'metallb.io/address-pool': 'mesh' }))],
  ["a peer's NAT address (the LoadBalancer's default source ranges, the aliases)", cluster('k3scl3', (c) => (c.nodes[0].externalAddress = '203.0.113.99'))],
  ['the External DNS name (the certificate, the peer entries)', cluster('k3scl2', (c) => (c.meshEndpoint.address = 'mesh2.example.com'))],
  ['the External port', cluster('k3scl2', (c) => (c.meshEndpoint.port = 8443))],
  ['the External address from a name to an IP', cluster('k3scl2', (c) => (c.meshEndpoint.address = '198.51.100.22'))],
  ['the External IP', cluster('k3scl4', (c) => (c.meshEndpoint.address = '198.51.100.41'))],
  ['the External nodePort', cluster('k3scl4', (c) => (c.meshEndpoint.nodePort = 32444))],
];

/** Each cluster's files, as one text per path. */
function renderedClusters(mesh: Mesh, secrets: CommittedSecrets): Map<string, Map<string, string>> {
  return new Map(mesh.clusters.map((c) => [c.name, new Map(renderClusterFiles(mesh, secrets, c).files.map((f) => [f.path, f.content]))]));
}

function sameFiles(a: Map<string, string> | undefined, b: Map<string, string> | undefined): boolean {
  if (!a || !b || a.size !== b.size) return false;
  return [...a].every(([path, content]) => b.get(path) === content);
}

/** Clusters whose files changed, and whether each also got a new fingerprint. */
function check(before: Mesh, after: Mesh, secrets: { before: CommittedSecrets; after: CommittedSecrets } = { before: exampleSecrets(), after: exampleSecrets() }) {
  const [filesBefore, filesAfter] = [renderedClusters(before, secrets.before), renderedClusters(after, secrets.after)];
  const [printsBefore, printsAfter] = [clusterFingerprints(before, secrets.before, 'build-1'), clusterFingerprints(after, secrets.after, 'build-1')];
  const changed = [...filesAfter.keys()].filter((name) => !sameFiles(filesBefore.get(name), filesAfter.get(name)));
  const missed = changed.filter((name) => printsBefore.get(name) === printsAfter.get(name));
  // The files that span the mesh: a change to them must change the mesh-wide fingerprint too.
  const meshWideBefore = meshWideTexts(before, secrets.before);
  const meshWideAfter = meshWideTexts(after, secrets.after);
  if (meshWideBefore !== meshWideAfter && meshWideFingerprint(before, secrets.before, 'build-1') === meshWideFingerprint(after, secrets.after, 'build-1')) missed.push('(mesh-wide files)');
  return { changed, missed };
}

function meshWideTexts(mesh: Mesh, secrets: CommittedSecrets): string {
  const layouts = new Map(mesh.clusters.map((c) => [c.name, renderClusterFiles(mesh, secrets, c).layout]));
  return JSON.stringify(meshWideFiles(mesh, secrets, layouts));
}

describe('cluster fingerprints', () => {
  const example = exampleInventory();
  const exampleMesh = meshOf(example);
  const changedByExample: number[] = [];

  it.each(EXAMPLE_CHANGES)('change %s: every cluster whose files change gets a new fingerprint', (_, edit) => {
    const { changed, missed } = check(exampleMesh, meshOf(edit(example)));
    expect(missed).toEqual([]);
    changedByExample.push(changed.length);
  });

  it.each(SYNTHETIC_CHANGES)('change %s in a synthetic mesh: every cluster whose files change gets a new fingerprint', (_, edit) => {
    const { changed, missed } = check(meshOf(SYNTHETIC), meshOf(edit(SYNTHETIC)));
    expect(changed.length).toBeGreaterThan(0);
    expect(missed).toEqual([]);
  });

  it.each(ENDPOINT_CHANGES)('change %s in a mesh with every kind of endpoint: every cluster whose files change gets a new fingerprint', (_, edit) => {
    const { changed, missed } = check(meshOf(ENDPOINTS), meshOf(edit(ENDPOINTS)));
    expect(changed.length).toBeGreaterThan(0);
    expect(missed).toEqual([]);
  });

  it('was tested on changes that reach the clusters: all but the mesh-wide-only ones (name, namespaces list, CA recipients) change files', () => {
    expect(changedByExample.filter((n) => n === 0).length).toBeLessThanOrEqual(3);
  });

  it('changes with the CA ciphertext, which every cluster copies', () => {
    const committed = exampleSecrets();
    const reEncrypted = { ...committed, meshCaText: `${committed.meshCaText}# re-encrypted\n` };
    const { changed, missed } = check(exampleMesh, exampleMesh, { before: committed, after: reEncrypted });
    expect(changed).toEqual(['k3scl1', 'k3scl2', 'k3scl3']);
    expect(missed).toEqual([]);
  });

  it('changes with the trusted CAs and the issuing CA of a rotation phase, which every HelmChart carries', async () => {
    const committed = exampleSecrets();
    const next = await createMeshCa({ meshName: 'example', days: 30 });
    const trustBoth = { ...committed, trustBundlePem: `${committed.trustBundlePem}${next.certPem}` };
    const issueNew = { ...trustBoth, issuerFingerprintSha256: inspectCertificate(next.certPem).fingerprintSha256 };
    for (const [before, after] of [[committed, trustBoth], [trustBoth, issueNew]]) {
      const { changed, missed } = check(exampleMesh, exampleMesh, { before, after });
      expect(changed).toEqual(['k3scl1', 'k3scl2', 'k3scl3']);
      expect(missed).toEqual([]);
    }
  });

  it('changes with the build of the tool, and only with inputs: the same mesh and build give the same fingerprints', () => {
    const prints = clusterFingerprints(exampleMesh, exampleSecrets(), 'build-1');
    expect(clusterFingerprints(meshOf(example), exampleSecrets(), 'build-1')).toEqual(prints);
    const rebuilt = clusterFingerprints(exampleMesh, exampleSecrets(), 'build-2');
    for (const [name, print] of prints) expect(rebuilt.get(name)).not.toBe(print);
  });

  it('changes for that cluster only when a value only it reads changes (its Helm values, ranges, API server)', () => {
    const edits = [
      cluster('k3scl2', (c) => (c.helmValues = { hubble: { relay: { replicas: 2 } } })),
      cluster('k3scl2', (c) => (c.apiServer = { host: '172.17.12.200', port: 6444 })),
      cluster('k3scl2', (c) => (c.serviceCidr = '10.44.0.0/16')),
    ];
    for (const edit of edits) {
      const before = clusterFingerprints(exampleMesh, exampleSecrets(), 'b');
      const after = clusterFingerprints(meshOf(edit(example)), exampleSecrets(), 'b');
      expect([...after].filter(([name, print]) => before.get(name) !== print).map(([name]) => name)).toEqual(['k3scl2']);
    }
  });
});
