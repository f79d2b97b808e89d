/**
 * Whole meshes rendered twice, once with the fast serialiser and once with
 * cdk8s's `Yaml.stringify` in its place, give the same files byte for byte:
 * the example for every supported Cilium version with KVStoreMesh on and off,
 * and synthetic meshes with several nodes per cluster (host aliases, peer
 * Secrets, Helm values of every shape the product writes).
 */
import { syntheticInventory } from '../../bench/synthetic-inventory';
import type { RenderedFile } from '../../lib/mesh-manifests';
import type { Mesh } from '../../lib/model/mesh';
import { VERSIONS } from '../conformance/rendered';
import { exampleSecrets, exampleWithVersion, InventoryFiles, meshOf } from '../support/inventory-fixture';

/** renderMesh from a fresh module registry, with lib/output/yaml.ts replaced by the library when `withLibrary`. */
function render(mesh: Mesh, withLibrary: boolean): RenderedFile[] {
  let files: RenderedFile[] = [];
  jest.isolateModules(() => {
    if (withLibrary) {
      jest.doMock('../../lib/output/yaml', () => ({ toYaml: (...docs: unknown[]) => jest.requireActual('cdk8s').Yaml.stringify(...docs) }));
    }
    files = (jest.requireActual('../../lib/mesh-manifests') as typeof import('../../lib/mesh-manifests')).renderMesh(mesh, exampleSecrets());
  });
  jest.dontMock('../../lib/output/yaml');
  return files;
}

const CASES: [string, InventoryFiles][] = [
  ...VERSIONS.flatMap((version) => [true, false].map((kv): [string, InventoryFiles] => [`example, Cilium ${version}, KVStoreMesh ${kv ? 'on' : 'off'}`, exampleWithVersion(version, kv)])),
  ['synthetic, 12 clusters, 3 nodes each, Cilium 1.18', syntheticInventory({ clusters: 12, globalServices: 6, policies: 8, nodesPerCluster: 3, ciliumVersion: '1.18.12' })],
  ['synthetic, 9 clusters, Cilium 1.20, no KVStoreMesh', syntheticInventory({ clusters: 9, globalServices: 4, policies: 5, ciliumVersion: '1.20.0', kvstoremesh: false })],
];

describe('the fast serialiser in a whole render', () => {
  it.each(CASES)('%s: every file is byte for byte what Yaml.stringify gives', (_, inventory) => {
    const mesh = meshOf(inventory);
    const fast = render(mesh, false);
    const library = render(mesh, true);
    expect(fast.map((f) => f.path)).toEqual(library.map((f) => f.path));
    const differing = fast.filter((f, i) => f.content !== library[i].content).map((f) => f.path);
    expect(differing).toEqual([]);
  });

  it('is really compared with the library: the mocked render does not use the fast serialiser', () => {
    let calls = 0;
    jest.isolateModules(() => {
      jest.doMock('../../lib/output/yaml', () => ({ toYaml: (...docs: unknown[]) => (calls++, jest.requireActual('cdk8s').Yaml.stringify(...docs)) }));
      (jest.requireActual('../../lib/mesh-manifests') as typeof import('../../lib/mesh-manifests')).renderMesh(meshOf(exampleWithVersion(VERSIONS[0])), exampleSecrets());
    });
    jest.dontMock('../../lib/output/yaml');
    expect(calls).toBeGreaterThan(0);
  });
});
