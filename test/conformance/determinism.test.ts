/**
 * The same inventory renders to the same bytes: twice from one loaded mesh,
 * and from separately loaded copies of it (files written in another order too).
 */
import { renderMesh, RenderedFile } from '../../lib/mesh-manifests';
import { exampleInventory, exampleWithVersion, InventoryFiles, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { MATRIX, sixClusterInventory } from './rendered';

/** The whole output as one comparable value: paths in output order with their exact bytes. */
const snapshot = (files: RenderedFile[]) => files.map((f) => `--- ${f.path}\n${f.content}`).join('\n');

const reversed = (files: InventoryFiles): InventoryFiles => Object.fromEntries(Object.entries(files).reverse());

describe('deterministic output', () => {
  it('renders one loaded mesh twice into identical bytes', () => {
    const mesh = meshOf(exampleInventory());
    expect(snapshot(renderMesh(mesh, exampleSecrets()))).toBe(snapshot(renderMesh(mesh, exampleSecrets())));
  });

  it.each(MATRIX)('renders separately loaded copies of the inventory identically (Cilium %s)', (_label, c) => {
    const first = renderMesh(meshOf(exampleWithVersion(c.version, c.kvstoremesh)), exampleSecrets());
    const second = renderMesh(meshOf(reversed(exampleWithVersion(c.version, c.kvstoremesh))), exampleSecrets());
    expect(first.map((f) => f.path)).toEqual(second.map((f) => f.path));
    expect(snapshot(first)).toBe(snapshot(second));
  });

  it('renders the 6-cluster inventory identically from separately loaded copies', () => {
    const files = sixClusterInventory('1.18.12', true);
    expect(snapshot(renderMesh(meshOf(files), exampleSecrets()))).toBe(snapshot(renderMesh(meshOf(reversed(files)), exampleSecrets())));
  });
});
