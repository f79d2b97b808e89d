/**
 * What `npm run synth` does before `cdk8s synth` (scripts/synth.js), in a
 * small bundle of its own (.build/preflight.js: the loader without cdk8s or the
 * imports, so it loads quickly): recover an interrupted publish, then check the
 * inventory and print its errors, one line each (a file-system failure too,
 * naming the path and the fix). cdk8s-cli prints a stack trace
 * when the app exits non-zero, so a broken inventory must stop the run here,
 * before cdk8s starts; the app checks again and never writes a broken one.
 */
import { resolve } from 'path';
import { finishInterruptedWrites } from '../fs/atomic-write';
import { formatFileSystemFailure } from '../fs/file-system-error';
import { acquireProjectLock, LOCK_TOKEN_ENV, ProjectLock, sayWaiting } from '../fs/project-lock';
import { loadInventory } from '../inventory/load';
import { reportProblems } from '../report/problems';
import { recoverInterruptedPublish } from './publish';

export interface PreflightContext {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Returns true when synth may go on. It then holds the lock on dist/ until
 * this process exits, and hands it to the cdk8s app (a child process) through
 * MESH_LOCK_TOKEN in `env`: a second synth started meanwhile waits for the
 * whole run, not only for the app's publish.
 */
export function preflight({ root, env, stderr }: PreflightContext): boolean {
  let lock: ProjectLock | undefined;
  try {
    const outputDir = resolve(root, env.MESH_OUTPUT ?? 'dist');
    lock = acquireProjectLock(outputDir, { command: 'synth', env, onWait: sayWaiting(stderr, 'dist/') });
    finishInterruptedWrites(root);
    recoverInterruptedPublish(outputDir);
    const result = loadInventory(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root, outputDir });
    reportProblems(result.problems.filter((p) => p.severity === 'error'), stderr);
    if (result.mesh === undefined) {
      lock.release();
      return false;
    }
    env[LOCK_TOKEN_ENV] = lock.token;
    const held = lock;
    process.on('exit', () => held.release());
    return true;
  } catch (err) {
    lock?.release();
    const line = formatFileSystemFailure(err, root);
    if (line === undefined) throw err;
    stderr.write(`${line}\n`);
    return false;
  }
}
