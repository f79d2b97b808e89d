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
import { formatFileSystemFailure } from '../fs/file-system-error';
import { loadInventory } from '../inventory/load';
import { reportProblems } from '../cli/report';
import { recoverInterruptedPublish } from './publish';

export interface PreflightContext {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: NodeJS.WritableStream;
}

/** Returns true when synth may go on. */
export function preflight({ root, env, stderr }: PreflightContext): boolean {
  try {
    const outputDir = resolve(root, env.MESH_OUTPUT ?? 'dist');
    recoverInterruptedPublish(outputDir);
    const result = loadInventory(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root, outputDir });
    reportProblems(result.problems.filter((p) => p.severity === 'error'), stderr);
    return result.mesh !== undefined;
  } catch (err) {
    const line = formatFileSystemFailure(err, root);
    if (line === undefined) throw err;
    stderr.write(`${line}\n`);
    return false;
  }
}
