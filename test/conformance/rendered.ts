/**
 * The output under test, rendered in memory and parsed back into objects.
 * Under `npm test` that is the example mesh fixture (and a generated bigger one)
 * for every supported Cilium version, KVStoreMesh on and off. Under
 * `npm run check` (MESH_CHECK_ROOT names the user's project) it is that
 * project's own mesh, exactly as its clusters/ describes it: the same suites
 * then check the user's mesh. Renders are memoised per test file.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { stringify } from 'yaml';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { renderMesh, RenderedFile } from '../../lib/mesh-manifests';
import { listOutputFiles, OUTPUT_MARKER } from '../../lib/synth/publish';
import { TESTED_CILIUM_PATCHES } from '../../lib/model/cilium-versions';
import { Mesh } from '../../lib/model/mesh';
import { editFile, exampleWithVersion, InventoryFiles, projectAt, projectOf, withFile } from '../support/inventory-fixture';
import { deepFreeze } from '../support/deep-freeze';
import { KubeObject } from '../support/schema-validator';
import { yamlData, yamlDocuments } from '../support/yaml-data';

/** The Cilium versions the example is rendered with, the tested patches; each has its packaged chart in ../shared. */
export const VERSIONS: readonly string[] = Object.values(TESTED_CILIUM_PATCHES);

/** Under `npm run check`, the root of the user's project whose mesh the suites check. */
export const CHECKED_PROJECT = process.env.MESH_CHECK_ROOT || undefined;

export interface RenderCase {
  readonly version: string;
  readonly kvstoremesh: boolean;
  /** WireGuard with node encryption, and Hubble with Relay and UI (the example leaves both at their defaults). */
  readonly encryptedAndObserved?: boolean;
}

/** The minor version of a case (18 for 1.18.12). */
export const minorOf = (c: RenderCase): number => Number(c.version.split('.')[1]);

const caseLabel = (c: RenderCase) => `${c.version} kvstoremesh ${c.kvstoremesh ? 'on' : 'off'}${c.encryptedAndObserved ? ', WireGuard, Hubble Relay and UI' : ''}`;

/**
 * [label, case] rows for `describe.each`: every version with KVStoreMesh on and
 * off for the example, and with WireGuard and Hubble Relay and UI on; the one
 * version and setting of the checked project.
 */
export const MATRIX: [string, RenderCase][] = (
  CHECKED_PROJECT
    ? [checkedCase()]
    : VERSIONS.flatMap((version): RenderCase[] => [
        { version, kvstoremesh: true },
        { version, kvstoremesh: false },
        { version, kvstoremesh: true, encryptedAndObserved: true },
      ])
).map((c): [string, RenderCase] => [caseLabel(c), c]);

export interface Rendered {
  readonly inventory: InventoryFiles;
  readonly mesh: Mesh;
  /** The committed secret files it was rendered with. */
  readonly secrets: CommittedSecrets;
  readonly files: RenderedFile[];
  /** Path relative to dist/ -> content. */
  readonly byPath: ReadonlyMap<string, string>;
  /** Cluster folder names, from the output. */
  readonly clusters: string[];
}

const memo = new Map<string, Rendered>();

/** A mesh and the committed secret files it renders with. */
interface LoadedProject {
  readonly mesh: Mesh;
  readonly secrets: CommittedSecrets;
}

export function rendered(inventory: InventoryFiles, key: string, loaded: () => LoadedProject = () => projectOf(inventory)): Rendered {
  let result = memo.get(key);
  if (!result) {
    const { mesh, secrets } = loaded();
    result = renderedOutput(inventory, { mesh, secrets }, renderMesh(mesh, secrets));
    memo.set(key, result);
  }
  return result;
}

/**
 * What a synth published to `<root>/dist` from the inventory in `<root>/clusters`, with the mesh it
 * was made from: the output as written, where `rendered` renders it again in memory.
 */
export function publishedOutput(inventory: InventoryFiles, root: string): Rendered {
  const dist = join(root, 'dist');
  const files = listOutputFiles(dist)
    .filter((path) => path !== OUTPUT_MARKER)
    .sort()
    .map((path) => ({ path, content: readFileSync(join(dist, path), 'utf8') }));
  return renderedOutput(inventory, projectAt(root), files);
}

function renderedOutput(inventory: InventoryFiles, { mesh, secrets }: LoadedProject, files: RenderedFile[]): Rendered {
  // A cluster folder is one with a kustomization.yaml of its own (dist/argocd/ and README.md are not).
  const clusters = files.filter((f) => /^[^/]+\/kustomization\.yaml$/.test(f.path)).map((f) => f.path.split('/')[0]).sort();
  return { inventory, mesh, secrets, files, byPath: new Map(files.map((f) => [f.path, f.content])), clusters };
}

/** The mesh under test for one row of MATRIX: the example with that version, or the checked project's own mesh. */
export function renderUnderTest(c: RenderCase): Rendered {
  if (CHECKED_PROJECT) return rendered(checkedInventory(), 'checked project', checkedProject);
  if (c.encryptedAndObserved) return rendered(encryptedAndObserved(exampleWithVersion(c.version, c.kvstoremesh)), `example ${c.version} ${c.kvstoremesh} encrypted, observed`);
  return rendered(exampleWithVersion(c.version, c.kvstoremesh), `example ${c.version} ${c.kvstoremesh}`);
}

/** The inventory with WireGuard (node encryption too) and Hubble Relay and UI on. */
export function encryptedAndObserved(files: InventoryFiles): InventoryFiles {
  return editFile(files, 'mesh.yaml', (m) => {
    m.cilium.encryption = { type: 'wireguard', nodeEncryption: true };
    m.cilium.hubble = { enabled: true, relay: true, ui: true };
  });
}

/** The 6-cluster variant of the example; under `npm run check`, the checked project's mesh again. */
export function renderSixClusters(c: RenderCase): Rendered {
  if (CHECKED_PROJECT) return renderUnderTest(c);
  return rendered(sixClusterInventory(c.version, c.kvstoremesh), `six ${c.version} ${c.kvstoremesh}`);
}

/** The endpoint variant of the example (endpointVariantInventory); under `npm run check`, the checked project's mesh again. */
export function renderEndpointVariants(c: RenderCase): Rendered {
  if (CHECKED_PROJECT) return renderUnderTest(c);
  return rendered(endpointVariantInventory(c.version, c.kvstoremesh), `endpoints ${c.version} ${c.kvstoremesh}`);
}

/** The LoadBalancer IP, External DNS name and NAT address of endpointVariantInventory. */
export const ENDPOINT_VARIANT = {
  loadBalancerIP: '172.17.30.1',
  loadBalancerClass: 'kube-vip.io/kube-vip-class',
  dnsAddress: 'mesh.k3scl2.example.com',
  natAddress: '203.0.113.13',
  externalIp: '198.51.100.40',
} as const;

/**
 * The example with every kind of mesh endpoint: k3scl1 a LoadBalancer (fixed IP,
 * class, default source ranges), k3scl2 External behind a DNS name on port 443,
 * k3scl3 a NodePort whose node sits behind a NAT, and k3scl4 External at an IP.
 */
export function endpointVariantInventory(version: string, kvstoremesh: boolean): InventoryFiles {
  const v = ENDPOINT_VARIANT;
  let files = exampleWithVersion(version, kvstoremesh);
  files = editFile(files, 'k3scl1.yaml', (c) => (c.meshEndpoint = { type: 'LoadBalancer', loadBalancerIP: v.loadBalancerIP, loadBalancerClass: v.loadBalancerClass, supplier: 'kube-vip' }));
  files = editFile(files, 'k3scl2.yaml', (c) => (c.meshEndpoint = { type: 'External', nodePort: 32380, address: v.dnsAddress, port: 443 }));
  files = editFile(files, 'k3scl3.yaml', (c) => (c.nodes[0].externalAddress = v.natAddress));
  const k3scl4 = { kind: 'Cluster', name: 'k3scl4', id: 4, podCidr: '10.14.0.0/16', nodes: [{ name: 'k3scl4-server', ip: '172.17.11.14' }], meshEndpoint: { type: 'External', address: v.externalIp } };
  return withFile(files, 'k3scl4.yaml', stringify(k3scl4));
}

function checkedInventory(): InventoryFiles {
  const dir = join(CHECKED_PROJECT!, 'clusters');
  return Object.fromEntries(readdirSync(dir).filter((n) => n.endsWith('.yaml')).map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

/** The checked project's mesh with its own committed secret files. */
function checkedProject(): LoadedProject {
  return projectAt(CHECKED_PROJECT!, "; run 'npm run mesh -- validate'");
}

function checkedCase(): RenderCase {
  const { mesh } = checkedProject();
  return { version: mesh.cilium.version, kvstoremesh: mesh.cilium.kvstoremesh };
}

/**
 * The example plus k3scl4..6: distinct ids, pod ranges, node IPs and mesh
 * nodePorts. k3scl5 has two servers and an agent (aliases must carry every node
 * IP); k3scl6 leaves meshEndpoint out, so its nodePort is the default (32000 + id).
 * A second policy runs between two of the new clusters, a third from any cluster.
 */
export function sixClusterInventory(version: string, kvstoremesh: boolean): InventoryFiles {
  let files = exampleWithVersion(version, kvstoremesh);
  const extra = [
    { n: 4, nodes: [{ name: 'k3scl4-server', ip: '172.17.11.14', role: 'server' }], meshEndpoint: { nodePort: 32382 } },
    {
      n: 5,
      nodes: [
        { name: 'k3scl5-server-a', ip: '172.17.12.15', role: 'server' },
        { name: 'k3scl5-server-b', ip: '172.17.12.16', role: 'server' },
        { name: 'k3scl5-agent', ip: '172.17.12.17', role: 'agent' },
      ],
      meshEndpoint: { nodePort: 31555 },
    },
    { n: 6, nodes: [{ name: 'k3scl6-server', ip: '172.17.11.16', role: 'server' }], meshEndpoint: undefined },
  ];
  for (const { n, nodes, meshEndpoint } of extra) {
    const cluster: Record<string, unknown> = { kind: 'Cluster', name: `k3scl${n}`, id: n, podCidr: `10.${10 + n}.0.0/16`, serviceCidr: '10.43.0.0/16', nodes };
    if (meshEndpoint) cluster.meshEndpoint = meshEndpoint;
    files = withFile(files, `k3scl${n}.yaml`, stringify(cluster));
  }
  // The second policy's destination namespace is one the mesh file declares.
  files = editFile(files, 'mesh.yaml', (m) => (m.namespaces = ['echo']));
  return editFile(files, 'policies.yaml', (p) => {
    p.policies.push({
      name: 'probe-to-echo',
      from: { cluster: 'k3scl4', namespace: 'default', labels: { app: 'probe' } },
      to: { cluster: 'k3scl6', namespace: 'echo', labels: { app: 'echo' } },
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    p.policies.push({
      name: 'any-probe-to-echo',
      from: { namespace: 'default', labels: { app: 'probe' } },
      to: { cluster: 'k3scl6', namespace: 'echo', labels: { app: 'echo' } },
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });
}

/** Parsed files by their text: the suites parse the same rendered files again and again (about half of all parsing). */
const parsedObjects = new Map<string, readonly KubeObject[]>();

/**
 * The objects of one YAML file (multi-document), null documents dropped. Parsed once per text in a
 * test file and deep-frozen, so no test can change what another gets; the array is the caller's.
 */
export function objectsIn(content: string, path = '<yaml>'): KubeObject[] {
  let objects = parsedObjects.get(content);
  if (!objects) {
    objects = yamlDocuments(content, path).flatMap((value) => (value === null ? [] : [deepFreeze(value as KubeObject)]));
    parsedObjects.set(content, objects);
  }
  return [...objects];
}

/** Files that are not Kubernetes API objects: k3s config, READMEs, kustomize files (kustomization, KSOPS generator). */
export function isApiObjectFile(path: string): boolean {
  const base = path.split('/').pop()!;
  if (!base.endsWith('.yaml')) return false;
  if (base === 'kustomization.yaml' || base === 'ksops-generator.yaml') return false;
  return !/\/bootstrap\/k3s-config-[^/]+\.yaml$/.test(path);
}

/** Stage folders of dist/<cluster>/ (01-ca, 02-cilium, ...), where the cluster's manifests live. */
export const STAGE_FOLDER = /^\d\d-[a-z]+$/;

/** Path relative to dist/ of a cluster's manifest file, in whichever stage folder holds it; undefined when not rendered. */
export function manifestPath(r: Rendered, cluster: string, file: string): string | undefined {
  return [...r.byPath.keys()].find((p) => {
    const parts = p.split('/');
    return parts.length === 3 && parts[0] === cluster && STAGE_FOLDER.test(parts[1]) && parts[2] === file;
  });
}

export function objectId(o: KubeObject): string {
  return `${String(o.apiVersion)} ${String(o.kind)} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** The objects of dist/<cluster>/<stage>/<file>, or [] when the file was not rendered. */
export function clusterObjects(r: Rendered, cluster: string, file: string): KubeObject[] {
  const path = manifestPath(r, cluster, file);
  return path === undefined ? [] : objectsIn(r.byPath.get(path)!, path);
}

/** The inventory's own data for a cluster (clusters/<name>.yaml). */
export function inventoryCluster(r: Rendered, name: string): any {
  const text = r.inventory[`${name}.yaml`];
  if (text === undefined) throw new Error(`no inventory file ${name}.yaml`);
  return yamlData(text);
}

/** The data of every inventory file of one kind (Mesh, Policies, ...), whatever the files are called. */
export function inventoryOfKind(r: Rendered, kind: string): any[] {
  return Object.keys(r.inventory)
    .sort()
    .map((name) => yamlData(r.inventory[name]) as any)
    .filter((data) => data?.kind === kind);
}
