/**
 * Rendering on worker threads gives exactly the files rendering on one thread
 * gives, in the same order.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { syntheticInventory } from '../../bench/synthetic-inventory';
import { renderMesh } from '../../lib/mesh-manifests';
import { renderMeshInParallel } from '../../lib/synth/parallel-render';
import { meshOf, exampleSecrets } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';

const WORKER = join(PROJECT_ROOT, '.build', 'render-worker.js');

describe('renderMeshInParallel', () => {
  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build (npm test does)`);
  });

  it.each([
    [7, 2],
    [12, 3],
  ])('renders %i clusters on %i workers into the same files as renderMesh', async (clusters, workers) => {
    const mesh = meshOf(syntheticInventory({ clusters, globalServices: 4, policies: 6, ciliumVersion: '1.18.12' }));
    const serial = renderMesh(mesh, exampleSecrets());
    const parallel = await renderMeshInParallel(mesh, exampleSecrets(), { workerScript: WORKER, workers, minClusters: 0 });
    expect(parallel.map((f) => f.path)).toEqual(serial.map((f) => f.path));
    expect(parallel).toEqual(serial);
  });

  it('renders a small mesh on this thread', async () => {
    const mesh = meshOf(syntheticInventory({ clusters: 3 }));
    const files = await renderMeshInParallel(mesh, exampleSecrets(), { workerScript: join(PROJECT_ROOT, 'no-such-worker.js') });
    expect(files).toEqual(renderMesh(mesh, exampleSecrets()));
  });
});
