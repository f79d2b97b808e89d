/**
 * The cdk8s app: `cdk8s synth` (npm run synth) runs this with CDK8S_OUTDIR set.
 * It turns the inventory in clusters/ into dist/<cluster>/ and mirrors the
 * files into CDK8S_OUTDIR, where cdk8s lists them. A large mesh renders on
 * every core (lib/synth/parallel-render.ts); the bytes are the same.
 */
import { join } from 'path';
import { formatFileSystemFailure } from './lib/fs/file-system-error';
import { reportProblems } from './lib/report/problems';
import { renderMeshInParallel } from './lib/synth/parallel-render';
import { synthMeshWith } from './lib/synth/synth-mesh';

async function main(): Promise<number> {
  const workerScript = join(__dirname, 'render-worker.js');
  const result = await synthMeshWith((mesh) => renderMeshInParallel(mesh, { workerScript }), {
    inventoryDir: process.env.MESH_INVENTORY,
    outDir: process.env.MESH_OUTPUT,
    mirrorDir: process.env.CDK8S_OUTDIR,
  });
  reportProblems(result.problems);
  if (!result.ok) return 1;
  const { written, unchanged, removed } = result.publish;
  // cdk8s synth shows only the app's stderr.
  process.stderr.write(`dist: ${result.clusters} clusters, ${result.files} files (${written} written, ${unchanged} unchanged, ${removed} removed)\n`);
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
