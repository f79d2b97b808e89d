/**
 * Inventories for tests: the example mesh fixture, edited in memory, written to a
 * temporary folder and loaded or synthesised there.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { loadInventory, LoadResult } from '../../lib/inventory/load';
import { loadProject } from '../../lib/inventory/load-project';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { Mesh } from '../../lib/model/mesh';
import { readCommittedSecrets } from '../../lib/secrets/committed-secrets';
import { deepFreeze } from './deep-freeze';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from './paths';
import { yamlData } from './yaml-data';

/** File name -> YAML text. */
export type InventoryFiles = Record<string, string>;

export function exampleInventory(): InventoryFiles {
  const dir = join(EXAMPLE_MESH_DIR, 'clusters');
  return Object.fromEntries(readdirSync(dir).filter((n) => n.endsWith('.yaml')).map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

/**
 * The committed secret files of the example (its mesh CA), as loadProject reads
 * them: every inventory tempProject writes uses them.
 */
let exampleSecretsRead: CommittedSecrets | undefined;

export function exampleSecrets(): CommittedSecrets {
  // Read once per test file: the example's files do not change while tests run.
  exampleSecretsRead ??= (() => {
    const result = readCommittedSecrets(meshOf(exampleInventory()), { projectRoot: EXAMPLE_MESH_DIR });
    if (!result.secrets) throw new Error(`the example's secret files do not load: ${JSON.stringify(result.problems)}`);
    return result.secrets;
  })();
  return exampleSecretsRead;
}

/** Returns a copy of the inventory with one file's data changed by `edit`. */
export function editFile(files: InventoryFiles, name: string, edit: (data: any) => void): InventoryFiles {
  const data = yamlData(files[name]);
  edit(data);
  return { ...files, [name]: stringify(data, { lineWidth: 0 }) };
}

export function withFile(files: InventoryFiles, name: string, text: string | undefined): InventoryFiles {
  const copy = { ...files };
  if (text === undefined) delete copy[name];
  else copy[name] = text;
  return copy;
}

/** A temporary project folder: clusters/ from `files`, removed by `cleanup`. */
export function tempProject(files: InventoryFiles): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mesh-test-'));
  mkdirSync(join(root, 'clusters'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'clusters', name), text);
  // The example's mesh CA (secrets.caFile is relative to the project root): a few flat files.
  mkdirSync(join(root, 'secrets'));
  for (const name of readdirSync(join(EXAMPLE_MESH_DIR, 'secrets'))) copyFileSync(join(EXAMPLE_MESH_DIR, 'secrets', name), join(root, 'secrets', name));
  writeDemoJoinTokens(root, files);
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * A join token file, encrypted to the demo key, for every cluster whose nodes
 * join one another (as 'npm run mesh -- token create' would write it): a file
 * holds only the encrypted token, so one demo file serves every cluster.
 */
export const DEMO_JOIN_TOKEN_FILE = join(PROJECT_ROOT, 'test', 'fixtures', 'demo-k3s-token.sops.yaml');

export function writeDemoJoinTokens(root: string, files: InventoryFiles): void {
  for (const text of Object.values(files)) {
    const cluster = clusterJoiningNodes(text);
    if (cluster === undefined) continue;
    const target = join(root, 'secrets', `${cluster}.k3s-token.sops.yaml`);
    if (!existsSync(target)) copyFileSync(DEMO_JOIN_TOKEN_FILE, target);
  }
}

/** By file text: the suites make projects of the same files again and again. */
const joiningClusters = new Map<string, string | undefined>();

/** The name of the cluster a file declares, when its nodes join one another (two or more nodes). */
function clusterJoiningNodes(text: string): string | undefined {
  if (joiningClusters.has(text)) return joiningClusters.get(text);
  // Every cluster file names its kind; the services, policies and mesh files are not parsed at all.
  if (!text.includes('Cluster')) return undefined;
  let data: any;
  try {
    data = yamlData(text);
  } catch {
    data = undefined; // a test of a broken file
  }
  const name = data?.kind === 'Cluster' && typeof data.name === 'string' && Array.isArray(data.nodes) && data.nodes.length >= 2 ? data.name : undefined;
  joiningClusters.set(text, name);
  return name;
}

export function loadFiles(files: InventoryFiles): LoadResult {
  const project = tempProject(files);
  try {
    return loadInventory(join(project.root, 'clusters'), { displayRoot: project.root });
  } finally {
    project.cleanup();
  }
}

/**
 * The mesh and the committed secret files of an inventory, as synth loads them
 * (loadProject) in a temporary project with the example's CA and demo join tokens.
 */
export function projectOf(files: InventoryFiles): { mesh: Mesh; secrets: CommittedSecrets } {
  const project = tempProject(files);
  try {
    return projectAt(project.root);
  } finally {
    project.cleanup();
  }
}

/** The mesh and committed secret files of the project at `root`, as synth loads them; `fix` says what to do about errors. */
export function projectAt(root: string, fix = ''): { mesh: Mesh; secrets: CommittedSecrets } {
  const result = loadProject(join(root, 'clusters'), { displayRoot: root });
  if (!result.mesh || !result.secrets) throw new Error(`clusters/ has errors${fix}:\n${result.problems.map((p) => `${p.file} ${p.field} ${p.message}`).join('\n')}`);
  return { mesh: result.mesh, secrets: result.secrets };
}

/** Meshes loaded in this test file, by their inventory's text; frozen, so no test can change another's. */
const meshes = new Map<string, Mesh>();

export function meshOf(files: InventoryFiles): Mesh {
  const key = JSON.stringify(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  let mesh = meshes.get(key);
  if (!mesh) {
    const result = loadFiles(files);
    if (!result.mesh) throw new Error(`inventory has errors:\n${result.problems.map((p) => `${p.file} ${p.field} ${p.message}`).join('\n')}`);
    meshes.set(key, (mesh = deepFreeze(result.mesh)));
  }
  return mesh;
}


/** The example with another Cilium version. */
export function exampleWithVersion(version: string, kvstoremesh = true): InventoryFiles {
  return editFile(exampleInventory(), 'mesh.yaml', (m) => {
    m.cilium.version = version;
    m.cilium.kvstoremesh = kvstoremesh;
  });
}
