/**
 * The cdk8s app: `cdk8s synth` (npm run synth) runs this with CDK8S_OUTDIR set.
 * It turns the inventory in clusters/ into dist/<cluster>/ and shows the
 * output in CDK8S_OUTDIR, where cdk8s lists it. A large mesh renders on
 * every core (lib/synth/parallel-render.ts); the bytes are the same. Only the
 * clusters whose inputs changed since the last synth of this build render.
 */
import { join } from 'path';
import { formatFileSystemFailure } from './lib/fs/file-system-error';
import { buildIdOf } from './lib/synth/build-id';
import { reportProblems } from './lib/report/problems';
import { RenderPool, renderClustersInParallel, worthAPool } from './lib/synth/parallel-render';
import { guardRailsFromEnv } from './lib/synth/guard-rails';
import { RenderClusters, SynthResult, synthMeshWith } from './lib/synth/synth-mesh';

const WORKER_SCRIPT = join(__dirname, 'render-worker.js');

/** The build of this app: its bundle and the worker's, which hold every line that renders. */
const buildId = () => buildIdOf([__filename, WORKER_SCRIPT]);

async function main(): Promise<number> {
  const inventoryDir = process.env.MESH_INVENTORY;
  const outDir = process.env.MESH_OUTPUT;
  // A large first synth starts its workers now, so that they load while this thread loads the inventory.
  const pool = worthAPool(inventoryDir ?? 'clusters', outDir ?? 'dist') ? new RenderPool({ workerScript: WORKER_SCRIPT }) : undefined;
  const render: RenderClusters = (mesh, secrets, clusters, staging) =>
    pool ? pool.render(mesh, secrets, clusters, staging) : renderClustersInParallel(mesh, secrets, clusters, staging, { workerScript: WORKER_SCRIPT });
  let result: SynthResult;
  try {
    result = await synthMeshWith(render, {
      inventoryDir,
      outDir,
      mirrorDir: process.env.CDK8S_OUTDIR,
      build: buildId(),
      guardRails: guardRailsFromEnv(process.env),
    });
  } finally {
    await pool?.close();
  }
  reportProblems(result.problems);
  if (!result.ok) return 1;
  const { written, unchanged, removed } = result.publish;
  // cdk8s synth shows only the app's stderr.
  process.stderr.write(
    `dist: ${result.clusters} clusters, ${result.files} files (${written} written, ${unchanged} unchanged, ${removed} removed; ${result.rendered} clusters rendered)\n`,
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    // A full disk, a read-only or foreign dist/: one line naming the path and the fix.
    const line = formatFileSystemFailure(err, process.cwd());
    if (line === undefined) throw err;
    process.stderr.write(`${line}\n`);
    process.exitCode = 1;
  },
);
