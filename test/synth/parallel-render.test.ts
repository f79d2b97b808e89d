/**
 * Rendering on worker threads, each staging the files it renders into the
 * publish, gives exactly the tree rendering on one thread gives; a failure in
 * a worker (a full disk) leaves the output as it was, named as the output.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { syntheticInventory } from '../../bench/synthetic-inventory';
import { renderClustersInParallel } from '../../lib/synth/parallel-render';
import { beginPublish, discardStaging } from '../../lib/synth/publish';
import { synthMesh, synthMeshWith } from '../../lib/synth/synth-mesh';
import { faultEnv } from '../support/fs-faults';
import { meshOf, exampleSecrets, tempProject } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';
import { snapshot } from '../support/project-copy';
import { treeDigest } from '../support/tree';

const WORKER = join(PROJECT_ROOT, '.build', 'render-worker.js');
const APP = join(PROJECT_ROOT, '.build', 'main.js');

function runApp(root: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [APP], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
}

function writeInventory(root: string, files: Record<string, string>): void {
  rmSync(join(root, 'clusters'), { recursive: true, force: true });
  mkdirSync(join(root, 'clusters'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'clusters', name), text);
}

describe('renderClustersInParallel', () => {
  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build (npm test does)`);
  });

  it.each([
    [7, 2],
    [12, 3],
  ])('stages %i clusters from %i workers into the tree one thread gives', async (clusters, workers) => {
    const project = tempProject(syntheticInventory({ clusters, globalServices: 4, policies: 6, ciliumVersion: '1.18.12' }));
    try {
      const serial = synthMesh({ root: project.root, outDir: 'serial' });
      const parallel = await synthMeshWith((mesh, secrets, list, staging) => renderClustersInParallel(mesh, secrets, list, staging, { workerScript: WORKER, workers, minClusters: 0 }), {
        root: project.root,
        outDir: 'parallel',
      });
      expect(serial.ok && parallel.ok).toBe(true);
      if (!serial.ok || !parallel.ok) return;
      expect(parallel.files).toBe(serial.files);
      expect(parallel.publish).toEqual(serial.publish);
      expect(treeDigest(join(project.root, 'parallel'))).toBe(treeDigest(join(project.root, 'serial')));
      // Every cluster's folder is there, and nothing of the staging is left beside the output.
      expect(readdirSync(join(project.root, 'parallel')).filter((name) => /^c\d+$/.test(name))).toHaveLength(clusters);
      expect(readdirSync(project.root).filter((name) => name.includes('.next'))).toEqual([]);
    } finally {
      project.cleanup();
    }
  });

  it('renders a small mesh on this thread, without starting a worker', async () => {
    const project = tempProject(syntheticInventory({ clusters: 3 }));
    try {
      const staging = beginPublish(join(project.root, 'dist'));
      const mesh = meshOf(syntheticInventory({ clusters: 3 }));
      const staged = await renderClustersInParallel(mesh, exampleSecrets(), mesh.clusters, staging, { workerScript: join(PROJECT_ROOT, 'no-such-worker.js') });
      expect(staged.map((c) => c.name)).toEqual(mesh.clusters.map((c) => c.name));
      expect(staged.every((c) => c.paths.length > 0 && c.written === c.paths.length)).toBe(true);
      discardStaging(staging);
    } finally {
      project.cleanup();
    }
  });

  it('reports a full disk in a worker as one line naming the output, which stays as it was, with nothing left beside it', async () => {
    // The bundled app renders 48 clusters or more on workers; the fault is armed in its workers too (NODE_OPTIONS preloads it in every thread).
    const project = tempProject(syntheticInventory({ clusters: 48, globalServices: 2, policies: 2 }));
    try {
      expect(runApp(project.root, {}).status).toBe(0);
      const dist = join(project.root, 'dist');
      const before = snapshot(dist);
      writeInventory(project.root, syntheticInventory({ clusters: 48, globalServices: 3, policies: 2 }));
      const run = runApp(project.root, faultEnv([{ code: 'ENOSPC', ops: ['data'], under: join('.dist.next', 'c0'), after: 40 }]));
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: dist cannot be written: the disk is full \(ENOSPC\)\. Fix: /)]);
      expect(snapshot(dist)).toEqual(before);
      expect(readdirSync(project.root).filter((name) => name.startsWith('.dist.'))).toEqual(['.dist.cache']);
    } finally {
      project.cleanup();
    }
  });
});
