/**
 * Inventories for tests: the example mesh fixture, edited in memory, written to a
 * temporary folder and loaded or synthesised there.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify, parse } from 'yaml';
import { loadInventory, LoadResult } from '../../lib/inventory/load';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { Mesh } from '../../lib/model/mesh';
import { EXAMPLE_MESH_DIR } from './paths';

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
export function exampleSecrets(): CommittedSecrets {
  return { meshCaText: readFileSync(join(EXAMPLE_MESH_DIR, 'secrets', 'cilium-mesh-ca.sops.yaml'), 'utf8') };
}

/** Returns a copy of the inventory with one file's data changed by `edit`. */
export function editFile(files: InventoryFiles, name: string, edit: (data: any) => void): InventoryFiles {
  const data = parse(files[name]);
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
  // The example's mesh CA (secrets.caFile is relative to the project root).
  cpSync(join(EXAMPLE_MESH_DIR, 'secrets'), join(root, 'secrets'), { recursive: true });
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function loadFiles(files: InventoryFiles): LoadResult {
  const project = tempProject(files);
  try {
    return loadInventory(join(project.root, 'clusters'), { displayRoot: project.root });
  } finally {
    project.cleanup();
  }
}

export function meshOf(files: InventoryFiles): Mesh {
  const result = loadFiles(files);
  if (!result.mesh) throw new Error(`inventory has errors:\n${result.problems.map((p) => `${p.file} ${p.field} ${p.message}`).join('\n')}`);
  return result.mesh;
}

/** The example with another Cilium version. */
export function exampleWithVersion(version: string, kvstoremesh = true): InventoryFiles {
  return editFile(exampleInventory(), 'mesh.yaml', (m) => {
    m.cilium.version = version;
    m.cilium.kvstoremesh = kvstoremesh;
  });
}
