/**
 * What `npm run synth` does before `cdk8s synth` (scripts/synth.js), in a
 * small bundle of its own (.build/preflight.js, without cdk8s or the imports,
 * so it loads quickly): take the lock on dist/ for the whole run and recover
 * an interrupted publish, printing a file-system failure as one line naming
 * the path and the fix. The inventory is loaded and checked once, by the app:
 * its problems are printed one line each and it exits 1, and scripts/synth.js
 * keeps cdk8s-cli from adding a stack trace (quietAppFailure).
 */
import { resolve } from 'path';
import { finishInterruptedWrites } from '../fs/atomic-write';
import { formatFileSystemFailure } from '../fs/file-system-error';
import { acquireProjectLock, LOCK_TOKEN_ENV, ProjectLock, sayWaiting } from '../fs/project-lock';
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
